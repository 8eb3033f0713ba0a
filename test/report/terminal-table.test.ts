/**
 * Issue 16, the review's first screen: the terminal summary table shows every measured
 * perplexity with its bootstrap 95 % interval ("[—]" for a run without per-story NLL) and the
 * sparse additions per chip (mm², grouped by thousands, and % of the die), and stays within 120
 * columns, wrapping its columns into a second block when the decode batches make it wider.
 * Expected cells are computed here from the fixture's own numbers.
 */
import type { DesignPoint } from '../../src/explore/design-point.js';
import { reviewDocument } from '../../src/report/review-document.js';
import { toMarkdown } from '../../src/report/document.js';
import { terminalSummary } from '../../src/report/review-summary.js';
import type { ReviewData } from '../../src/review/review-data.js';
import { fixtureReviewData } from './fixture.js';

/** die and tensor cores of an H100-class chip (hardware-profiles/h100-like.yaml chip block) */
const DIE_MM2 = 814;
const CORES = 528;

function withChipsAndIntervals(): ReviewData {
  const data = fixtureReviewData();
  const chip = (p: DesignPoint): DesignPoint => {
    const extraMm2 = ((p.areaUm2 - p.denseAreaUm2) * CORES) / 1e6;
    return { ...p, chip: { tensorCores: CORES, dieAreaMm2: DIE_MM2, tech: '5nm', provisioning: 'dense-balanced' }, areaOverheadVsDieFraction: extraMm2 / DIE_MM2 };
  };
  // 8:16's best configuration (magnitude+var, 3.9) has per-story NLL; another 8:16 configuration's
  // interval must not be shown for it; 16:32's best run (magnitude+var, 3.7) has none
  data.points = data.points.map(chip).map((p) => {
    if (p.id === 'act-8of16|8:16|magnitude|var') return { ...p, accuracy: { ...p.accuracy, interval: [3.8125, 4.0625] as const } };
    if (p.id === 'act-8of16|8:16|magnitude|none') return { ...p, accuracy: { ...p.accuracy, interval: [3.5, 4.5] as const } };
    return p;
  });
  return data;
}

function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('  pattern '));
  return lines.slice(at + 1, at + 3).map((l) => l.trim().split(/\s+/));
}

describe('the terminal summary table', () => {
  it('shows each measured perplexity with the 95 % interval of its best configuration, and [—] for a run without per-story NLL', () => {
    const text = terminalSummary(withChipsAndIntervals(), 'out', 'out/a.png');
    expect(text).toMatch(/ {2}pattern +best config +ppl \[95 % interval\] +native core/);
    const [r816, r1632] = tableRows(text);
    // 3.9 [3.8125, 4.0625] at 3 decimals: both bounds are exact binary fractions, and a tie rounds up
    expect(r816.slice(0, 5)).toEqual(['8:16', 'magnitude+var', '3.900', '[3.813,', '4.063]']);
    expect(r1632.slice(0, 4)).toEqual(['16:32', 'magnitude+var', '3.700', '[—]']);
    expect(text).toContain('  [—] the run records no per-story NLL, so its perplexity has no interval');
  });

  it('shows the sparse additions per chip in mm² and as % of the die for each configuration', () => {
    const text = terminalSummary(withChipsAndIntervals(), 'out', 'out/a.png');
    expect(text).toMatch(/area \+ +mm²\/chip +% die +prefill/);
    const [r816, r1632] = tableRows(text);
    // 8:16: 10,000 µm² extra per core × 528 cores = 5.28 mm², 5.28 / 814 = 0.649 %
    // 16:32: 20,000 µm² × 528 = 10.56 mm², 10.56 / 814 = 1.297 %
    expect(r816.slice(6, 9)).toEqual(['10.0%', '+5.28', '0.65%']);
    expect(r1632.slice(5, 8)).toEqual(['20.0%', '+10.56', '1.30%']);
  });

  it('groups a chip total of thousands of mm² by thousands, and says — where a point has no chip', () => {
    const data = withChipsAndIntervals();
    // 10,000 µm² extra × 1,234,567 cores = 12,345.67 mm²
    data.points = data.points.map((p) => (p.profile === 'act-8of16' ? { ...p, chip: { ...p.chip!, tensorCores: 1_234_567 } } : { ...p, chip: undefined, areaOverheadVsDieFraction: undefined }));
    const [r816, r1632] = tableRows(terminalSummary(data, 'out', 'out/a.png'));
    expect(r816[7]).toBe('+12,345.67');
    expect(r1632.slice(6, 8)).toEqual(['—', '—']);
  });

  it('fits 120 columns, and wraps its columns into a second block (repeating the pattern) when nine decode batches would not fit', () => {
    const data = withChipsAndIntervals();
    const one = terminalSummary(data, 'out', 'out/a.png').split('\n');
    const at = one.findIndex((l) => l.startsWith('  pattern '));
    expect(one.slice(at, at + 3).every((l) => l.length <= 120)).toBe(true);
    expect(one[at]).toMatch(/dec B=1 +dec B=8 +front$/);

    const batches = [1, 2, 4, 8, 16, 32, 64, 128, 256];
    data.decodeBatches = batches;
    const dec = (s: number) => batches.map((b) => ({ batchTokens: b, speedup: s / b ** 0.1, ioSavingsFraction: 0.1 }));
    data.summary = data.summary.map((s) => ({ ...s, decode: dec(s.prefillSpeedup!) }));
    const lines = terminalSummary(data, 'out', 'out/a.png').split('\n');
    const first = lines.findIndex((l) => l.startsWith('  pattern '));
    const second = lines.findIndex((l, i) => i > first && l.startsWith('  pattern '));
    expect(second).toBe(first + 4); // header, two rows, a blank line
    expect(lines[first + 3]).toBe('');
    const table = [...lines.slice(first, first + 3), ...lines.slice(second, second + 3)];
    expect(table.every((l) => l.length <= 120)).toBe(true);
    expect(table.some((l) => l.length > 100)).toBe(true);
    // every column once, in order, split across the two blocks (the pattern heads both)
    const expected = ['best config', 'ppl [95 % interval]', 'native core', 'area +', 'mm²/chip', '% die', 'prefill', ...batches.map((b) => `dec B=${b}`), 'front'];
    const headers = `${lines[first]} |${lines[second].replace(/^ {2}pattern/, '')}`;
    const at2 = expected.map((h) => headers.indexOf(` ${h}`));
    expect(at2.every((i, k) => i > 0 && (k === 0 || i > at2[k - 1]))).toBe(true);
    expect(headers.indexOf('|')).toBeGreaterThan(at2[0]);
    expect(headers.indexOf('|')).toBeLessThan(at2[at2.length - 1]);
    // the rows continue in the second block: 8:16's B = 256 speed-up 1.6 / 256^0.1 = 1.6 / 1.7411 = 0.92×
    expect(lines[second + 1].startsWith('  8:16 ')).toBe(true);
    expect(lines.slice(first + 1, first + 3).join('\n') + lines.slice(second + 1, second + 3).join('\n')).toContain('0.92×');
  });

  it('shows the interval in the Markdown summary table too, at the report’s four decimals', () => {
    const md = toMarkdown(reviewDocument(withChipsAndIntervals()));
    expect(md).toContain('| 8:16 | magnitude+var | 3.9000 [3.8125, 4.0625] | measured-perplexity |');
    expect(md).toContain('| 16:32 | magnitude+var | 3.7000 [—] | measured-perplexity |');
  });
});

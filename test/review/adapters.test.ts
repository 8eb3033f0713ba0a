import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { areaBreakdownRows, profileCost, type AreaReportLike } from '../../src/review/area.js';
import { defaultBundlePaths, displayPath } from '../../src/review/inputs.js';
import { estimateProfile } from '../../src/review/performance.js';
import { wholeNumberListOption } from '../../src/cli/review-options.js';
import { loadProfile } from '../../src/profile/load.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { areaCoreText } from '../../src/report/review-text.js';
import { formatPattern, parsePatternList } from '../../src/sparsity/pattern.js';

const core = (label: string, patterns: string[], parts: Record<string, number>) => ({
  label,
  patterns,
  components: Object.entries(parts).map(([name, areaUm2]) => ({ name, areaUm2, source: `${name} src` })),
  totalUm2: Object.values(parts).reduce((a, b) => a + b, 0),
});
const dense = core('dense', [], { mac_array: 100, selector: 0, sram: 50 });
const report = (profile: string, patterns: string[], parts: Record<string, number>, kind: string, perPattern: AreaReportLike['perPattern'] = []): AreaReportLike => ({
  profile,
  tech: 'nangate45',
  dense,
  core: core(patterns.join(' + '), patterns, parts),
  perPattern,
  pruning: { kind },
});

describe('area adapter', () => {
  const reports = [
    report('gpu', ['8:16'], { mac_array: 100, selector: 3, sram: 50 }, 'software'),
    report('act-8of16', ['8:16'], { mac_array: 100, selector: 10, pruning_unit: 5, sram: 50 }, 'hardware'),
    report('flex', ['2:4', '8:16'], { mac_array: 100, selector: 20, sram: 50 }, 'hardware', [core('2:4', ['2:4'], { mac_array: 100, selector: 4, sram: 50 }), core('8:16', ['8:16'], { mac_array: 100, selector: 12, sram: 50 })]),
  ];

  it('costs a profile as its whole core against the same core without sparsity', () => {
    expect(profileCost(reports[1])).toEqual({ profile: 'act-8of16', areaUm2: 165, denseAreaUm2: 150 });
  });

  it('draws each pattern from its single-pattern hardware core, else from a flexible core’s variant, with a dense bar and no empty segments', () => {
    const rows = areaBreakdownRows(reports, parsePatternList('16:32,8:16,2:4'));
    expect(rows.map((r) => `${formatPattern(r.pattern)} ${areaCoreText(r)} ${r.component} ${r.areaUm2}`)).toEqual([
      'dense act-8of16 without sparsity mac_array 100',
      'dense act-8of16 without sparsity sram 50',
      '2:4 flex (2:4-only variant) mac_array 100',
      '2:4 flex (2:4-only variant) selector 4',
      '2:4 flex (2:4-only variant) sram 50',
      '8:16 act-8of16 mac_array 100',
      '8:16 act-8of16 selector 10',
      '8:16 act-8of16 pruning_unit 5',
      '8:16 act-8of16 sram 50',
    ]);
    expect(rows[0].source).toBe('mac_array src [nangate45]');
  });
});

describe('performance adapter on a shipped profile', () => {
  it('runs the native pattern faster than dense but never beyond M/N, and names what the core executes', async () => {
    const { profile } = await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'));
    const { byPattern } = estimateProfile(profile, parsePatternList('8:16,16:32'), { shape: catalogModel('llama3.1-8b'), prefillTokens: 2048, decodeBatches: [1, 8], decodeContextTokens: 4096 }, []);
    const native = byPattern.get('8:16')!;
    expect(native.native).toBe(true);
    expect(formatPattern(native.executedAs)).toBe('8:16');
    expect(native.prefillSpeedup).toBeGreaterThan(1);
    expect(native.prefillSpeedup).toBeLessThanOrEqual(2);
    // one decode figure per batch, in order; without measured masks B = 8 is the independence
    // union 1 − 0.5^8 ≈ 0.996 of the rows, so a single stream gains more than the batch
    expect(native.decode.map((d) => d.batchTokens)).toEqual([1, 8]);
    expect(native.decode[0].speedup).toBeGreaterThan(1);
    expect(native.decode[0].speedup).toBeLessThanOrEqual(2);
    expect(native.decode[0].speedup).toBeGreaterThan(native.decode[1].speedup);
    const wider = byPattern.get('16:32')!;
    expect(wider.native).toBe(false);
    // without a measured compatibility fraction, 16:32 data cannot be shown to fit 8:16 groups
    expect(formatPattern(wider.executedAs)).toBe('dense');
    expect(wider.prefillSpeedup).toBeCloseTo(1, 9);
  });
});

describe('--decode-batches parsing', () => {
  it('gives distinct batch sizes in ascending order, whatever the spelling', () => {
    expect(wholeNumberListOption('--decode-batches', '8, 1,8')).toEqual([1, 8]);
    expect(wholeNumberListOption('--decode-batches', '16')).toEqual([16]);
  });

  it('refuses zero, fractions, words and an empty list as usage errors naming the option', () => {
    for (const bad of ['0', '1.5', '1,x', '', ' , ']) {
      expect(() => wholeNumberListOption('--decode-batches', bad)).toThrow(/--decode-batches/);
    }
  });
});

describe('input discovery', () => {
  it('finds every folder with a manifest.json, sorted, and shows paths relative to the working folder', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-discover-'));
    for (const d of ['b', 'a', 'exporters']) await fs.mkdir(path.join(tmp, d));
    await fs.writeFile(path.join(tmp, 'b', 'manifest.json'), '{}');
    await fs.writeFile(path.join(tmp, 'a', 'manifest.json'), '{}');
    expect(defaultBundlePaths(tmp)).toEqual([path.join(tmp, 'a'), path.join(tmp, 'b')]);
    expect(defaultBundlePaths(path.join(tmp, 'missing'))).toEqual([]);
    await fs.rm(tmp, { recursive: true });
    expect(displayPath(path.join(process.cwd(), 'traces', 'x'))).toBe('traces/x');
  });
});

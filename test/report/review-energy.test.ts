/**
 * The review's energy outputs on hand-made figures (the fixture review plus invented energy rows
 * with round numbers): design-points.csv's energy columns, the energy table and the pair sentence
 * (8:16 vs 16:32 at B = 1 and 8, beside area and accuracy), the terminal line, the Pareto front
 * of accuracy vs energy, and the two charts (well-formed SVG with their labels; PNGs with drawn
 * text). Every expected number is worked out by hand in the comments.
 */
import { ENERGY_COMPONENTS, type EnergyComponent } from '../../src/energy/event-energies.js';
import { energyBars, minimisingFront, renderEnergyCharts } from '../../src/report/charts/energy.js';
import { CHART_HEIGHT_PX, CHART_WIDTH_PX, MARGIN_PX } from '../../src/report/charts/frame.js';
import { designPointsCsv } from '../../src/report/design-points-csv.js';
import { toMarkdown } from '../../src/report/document.js';
import { PNG_ZOOM, renderPng } from '../../src/report/png.js';
import { reviewDocument } from '../../src/report/review-document.js';
import { energyTable, mjText, pairEnergyText } from '../../src/report/review-energy.js';
import { terminalSummary } from '../../src/report/review-summary.js';
import type { EnergyAtStep, PatternEnergy } from '../../src/review/energy.js';
import type { ReviewData } from '../../src/review/review-data.js';
import { nm, type Pattern } from '../../src/sparsity/pattern.js';
import { fixtureReviewData } from './fixture.js';
import { parseXml } from './xml.js';
import { darkShare } from '../helpers/png-ink.js';

/**
 * The CSV's rows as header → cell; the energy columns are the last six and purely numeric, so
 * the row's tail splits on commas (only accuracy_source, earlier, is quoted).
 */
function energyCells(csv: string): { header: string[]; rows: Map<string, Record<string, string>> } {
  const [head, ...lines] = csv.trim().split('\n');
  const header = head.split(',');
  const tail = header.slice(-6);
  const key = ['profile', 'pattern', 'criterion', 'mitigation'].map((k) => header.indexOf(k));
  const rows = new Map(lines.map((l) => [key.map((i) => l.split(',')[i]).join(','), Object.fromEntries(tail.map((h, i) => [h, l.split(',').slice(-6)[i]]))]));
  return { header, rows };
}

/** A step of `total` J/token: 10 % MAC, 30 % DRAM, 60 % static. */
function step(total: number, tokens: number): EnergyAtStep {
  const split = Object.fromEntries(ENERGY_COMPONENTS.map((c) => [c, 0])) as Record<EnergyComponent, number>;
  split.mac = 0.1 * total;
  split.dram = 0.3 * total;
  split.static = 0.6 * total;
  return { tokens, joulesPerToken: total, joulesPerTokenByComponent: split, averagePowerW: 300, tdpW: 700 };
}

function row(profile: string, pattern: Pattern, prefillJ: number, b1J: number, b8J: number): PatternEnergy {
  return { profile, pattern, prefill: step(prefillJ, 2048), decode: [{ batchTokens: 1, ...step(b1J, 1) }, { batchTokens: 8, ...step(b8J, 8) }] };
}

function withEnergy(): ReviewData {
  return {
    ...fixtureReviewData(),
    energy: [
      // the two what-if cores run dense at the same cost (same chip power figures)
      row('act-8of16', { kind: 'dense' }, 0.011, 2.0, 0.3),
      row('act-8of16', nm(8, 16), 0.009, 1.2, 0.29),
      row('act-16of32', { kind: 'dense' }, 0.011, 2.0, 0.3),
      row('act-16of32', nm(16, 32), 0.0095, 1.3, 0.295),
    ],
  };
}

describe('the review\'s energy in design-points.csv', () => {
  it('gives each point its core\'s and its dense core\'s mJ per token in unit-named columns', () => {
    const data = withEnergy();
    const { header, rows } = energyCells(designPointsCsv(data.points, data.headline.frontIds, data.speedupFrontIds, data.decodeBatches, data.energy));
    expect(header.slice(-6)).toEqual(['prefill_energy_mj_per_token', 'decode_energy_mj_per_token_b1', 'decode_energy_mj_per_token_b8', 'dense_prefill_energy_mj_per_token', 'dense_decode_energy_mj_per_token_b1', 'dense_decode_energy_mj_per_token_b8']);
    const r = rows.get('act-8of16,8:16,magnitude,none')!;
    // J → mJ at 6 decimals: 0.009 J = 9.000000 mJ, 1.2 J = 1200.000000 mJ, …
    expect([r.prefill_energy_mj_per_token, r.decode_energy_mj_per_token_b1, r.decode_energy_mj_per_token_b8]).toEqual(['9.000000', '1200.000000', '290.000000']);
    expect([r.dense_prefill_energy_mj_per_token, r.dense_decode_energy_mj_per_token_b1, r.dense_decode_energy_mj_per_token_b8]).toEqual(['11.000000', '2000.000000', '300.000000']);
  });

  it('leaves the energy cells empty (not zero) when the review priced no energy', () => {
    const data = fixtureReviewData();
    const { rows } = energyCells(designPointsCsv(data.points, data.headline.frontIds, data.speedupFrontIds, data.decodeBatches));
    const r = rows.get('act-8of16,8:16,magnitude,none')!;
    expect(r.decode_energy_mj_per_token_b8).toBe('');
    expect(r.dense_prefill_energy_mj_per_token).toBe('');
  });
});

describe('the review\'s energy in words', () => {
  it('puts 16:32 and 8:16 side by side at prefill, B = 1 and B = 8, each against its core run dense', () => {
    // 9.5/11 − 1 = −13.6 %, 9/11 − 1 = −18.2 %; 1.3/2 − 1 = −35 %, 1.2/2 − 1 = −40 %; 295/300 − 1 = −1.7 %, 290/300 − 1 = −3.3 %
    expect(pairEnergyText(withEnergy())).toBe(
      'Energy per token (modelled), 16:32 (act-16of32) vs 8:16 (act-8of16): ' +
        'prefill: 9.5 vs 9.0 mJ (-13.6% vs -18.2% against the core run dense); ' +
        'decode B = 1: 1,300.0 vs 1,200.0 mJ (-35.0% vs -40.0% against the core run dense); ' +
        'decode B = 8: 295.0 vs 290.0 mJ (-1.7% vs -3.3% against the core run dense).',
    );
    expect(pairEnergyText(fixtureReviewData())).toBeUndefined();
  });

  it('tabulates energy per token beside accuracy and area overhead, per summary pattern', () => {
    const t = energyTable(withEnergy())!;
    expect(t.headers).toEqual(['pattern', 'core', 'perplexity', 'area overhead', 'prefill mJ/token (vs dense)', 'decode B = 1 mJ/token (vs dense)', 'decode B = 8 mJ/token (vs dense)']);
    expect(t.rows).toEqual([
      ['8:16', 'act-8of16', '3.900', '10.0%', '9.0 (-18.2%)', '1,200.0 (-40.0%)', '290.0 (-3.3%)'],
      ['16:32', 'act-16of32', '3.700', '20.0%', '9.5 (-13.6%)', '1,300.0 (-35.0%)', '295.0 (-1.7%)'],
    ]);
  });

  it('shows the pair sentence after the recommendation in the Markdown report and the terminal summary, and no energy section without energy', () => {
    const md = toMarkdown(reviewDocument(withEnergy()));
    const sentence = pairEnergyText(withEnergy())!;
    expect(md.indexOf(sentence)).toBeGreaterThan(md.indexOf('## Recommendation'));
    expect(md.indexOf(sentence)).toBeLessThan(md.indexOf('## Summary per pattern'));
    expect(md).toContain('## Energy per token');
    expect(md).toContain('![Accuracy vs decode energy per token (Pareto front)](accuracy-vs-energy.svg)');
    // the breakdown table: 10 % / 30 % / 60 % of 290 mJ = 29.0 / 87.0 / 174.0
    expect(md).toContain('| 8:16 (act-8of16) | 29.0 | 0.0 | 0.0 | 0.0 | 87.0 | 0.0 | 0.0 | 0.0 | 174.0 | 290.0 |');
    // one dense bar for the two cores with identical dense figures
    expect(md).toContain('| dense (act-8of16, act-16of32) | 30.0 |');
    expect(terminalSummary(withEnergy(), 'out', 'out/a.png')).toContain(sentence);
    const plain = toMarkdown(reviewDocument(fixtureReviewData()));
    expect(plain).not.toContain('Energy per token');
    expect(plain).not.toContain('accuracy-vs-energy');
  });
});

describe('mJ in text', () => {
  it('keeps one decimal from 1 mJ up and three significant digits below, so a small model\'s token is not 0.0', () => {
    expect([mjText(1284.81), mjText(9.04), mjText(1), mjText(0.012345), mjText(0.5), mjText(0.00098765), mjText(0)]).toEqual(['1,284.8', '9.0', '1.0', '0.0123', '0.500', '0.000988', '0.0']);
  });
});

describe('the accuracy-vs-energy front', () => {
  it('keeps exactly the points no other point beats on both energy and accuracy', () => {
    // c (2, 6) is beaten by a (1, 5); e (3, 3.5) by d (3, 3)
    const pts = [
      { id: 'a', x: 1, y: 5 },
      { id: 'b', x: 2, y: 4 },
      { id: 'c', x: 2, y: 6 },
      { id: 'd', x: 3, y: 3 },
      { id: 'e', x: 3, y: 3.5 },
    ];
    expect(minimisingFront(pts)).toEqual(['a', 'b', 'd']);
  });
});

describe('the energy charts', () => {
  let svgs: Record<string, string>;
  beforeAll(async () => {
    svgs = await renderEnergyCharts(withEnergy(), 'measured perplexity (lower is better)');
  }, 60_000);

  const texts = async (svg: string) => {
    const root = (await parseXml(svg)).documentElement;
    expect(root.getAttribute('width')).toBe(String(CHART_WIDTH_PX));
    return Array.from(root.getElementsByTagName('text')).map((t) => (t as { textContent: string }).textContent);
  };

  it('draws accuracy against decode energy at the largest batch, the front through 8:16 (290 mJ, 3.9) and 16:32 (295 mJ, 3.7)', async () => {
    const svg = svgs['accuracy-vs-energy'];
    const t = await texts(svg);
    for (const label of ['Accuracy vs decode energy per token (Pareto front)', 'decode energy per token at B = 8 (mJ)', '8:16 act-8of16', '16:32 act-16of32']) expect({ label, found: t.includes(label) }).toEqual({ label, found: true });
    expect(svg).toContain('class="pareto-front"');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('stacks each pattern\'s and the dense core\'s decode energy by component, totals on top', async () => {
    const svg = svgs['energy-breakdown'];
    const t = await texts(svg);
    // bars: 8:16 (290), 16:32 (295), one dense bar (300) for both cores; components with energy only
    expect(energyBars(withEnergy()).map((b) => b.label)).toEqual(['8:16', '16:32', 'dense']);
    for (const label of ['8:16', '16:32', 'dense', '290', '295', '300', 'MAC', 'DRAM', 'static']) expect({ label, found: t.includes(label) }).toEqual({ label, found: true });
    expect(t).not.toContain('SRAM');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it.each(['accuracy-vs-energy', 'energy-breakdown'])('renders %s to a PNG whose title band holds drawn text', async (stem) => {
    const withFonts = await renderPng(svgs[stem]);
    const noFonts = await renderPng(svgs[stem], { withFonts: false });
    expect([withFonts.widthPx, withFonts.heightPx]).toEqual([CHART_WIDTH_PX * PNG_ZOOM, CHART_HEIGHT_PX * PNG_ZOOM]);
    const band = { x0: MARGIN_PX.left, y0: 8, x1: 500, y1: 30 };
    expect(darkShare(noFonts, band)).toBe(0);
    expect(darkShare(withFonts, band)).toBeGreaterThan(0.03);
  }, 60_000);
});

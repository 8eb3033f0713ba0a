/**
 * Issue 16: the charts draw into our own SVG tree (src/report/charts/svg-tree.ts, axis.ts)
 * instead of d3-node/jsdom. The same chart code, drawn through both backends — ours and the
 * former d3-node + d3-axis one (d3-node-backend.ts) — must write the same bytes, for every chart
 * kind the tool draws, on representative inputs: the review's five charts, the energy pair, the
 * decode chart (with no-fit rings and the weight baseline's diamonds), the union-density gap, the
 * sensitivity tornado and the validation log-log chart; plus inputs with text that needs escaping,
 * negative values (d3-format's minus sign), missing bars and degenerate domains.
 */
import * as path from 'node:path';
import { ENERGY_COMPONENTS, type EnergyComponent } from '../../src/energy/event-energies.js';
import { loadProfile } from '../../src/profile/load.js';
import type { ChartBackend } from '../../src/report/charts/backend.js';
import { groupedBarChart, stackedBarChart } from '../../src/report/charts/bars.js';
import { decodeBaseline, decodeServingChart, unionGapChart } from '../../src/report/charts/decode.js';
import { renderEnergyCharts } from '../../src/report/charts/energy.js';
import { renderCharts } from '../../src/report/charts/index.js';
import { unionDensityChart } from '../../src/report/charts/lines.js';
import { scatterFrontChart } from '../../src/report/charts/scatter-front.js';
import { SVG_TREE_BACKEND } from '../../src/report/charts/backend.js';
import { tornadoChart } from '../../src/report/charts/tornado.js';
import { validationChart } from '../../src/report/validation.js';
import type { EnergyAtStep, PatternEnergy } from '../../src/review/energy.js';
import type { ReviewData } from '../../src/review/review-data.js';
import type { PairDeltas, SensitivityResult } from '../../src/review/sensitivity.js';
import { servingFor } from '../../src/review/serving.js';
import { nm, parsePattern, type Pattern } from '../../src/sparsity/pattern.js';
import type { ValidationResult } from '../../src/validation/predict.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { d3NodeBackend } from './d3-node-backend.js';
import { fixtureReviewData, fixtureWeightPoint } from './fixture.js';

/** Text with every character the serializers escape, in text and in attributes. */
const NASTY = 'a & b <c> "d" \'e\'\u00a0f';

let d3node: ChartBackend;
/** act-8of16 serving llama3.1-8b at B = 1 … 4096: B = 4096 at context 2176 holds ~1.2 TB of KV cache and does not fit */
let served: Awaited<ReturnType<typeof serving>>;
beforeAll(async () => {
  d3node = await d3NodeBackend();
  served = await serving([1, 8, 256, 4096]);
});

/** Renders with both backends; returns ours after checking it equals d3-node's byte for byte. */
async function both<T extends string | Record<string, string>>(render: (backend: ChartBackend) => Promise<T>): Promise<T> {
  const ours = await render(SVG_TREE_BACKEND);
  const reference = await render(d3node);
  expect(ours).toEqual(reference);
  return ours;
}

const count = (svg: string, needle: string) => svg.split(needle).length - 1;

/** A step of `total` J/token: 10 % MAC, 30 % DRAM, 60 % static. */
function step(total: number, tokens: number): EnergyAtStep {
  const split = Object.fromEntries(ENERGY_COMPONENTS.map((c) => [c, 0])) as Record<EnergyComponent, number>;
  split.mac = 0.1 * total;
  split.dram = 0.3 * total;
  split.static = 0.6 * total;
  return { tokens, joulesPerToken: total, joulesPerTokenByComponent: split, averagePowerW: 300, tdpW: 700 };
}
function energyRow(profile: string, pattern: Pattern, prefillJ: number, b1J: number, b8J: number): PatternEnergy {
  return { profile, pattern, prefill: step(prefillJ, 2048), decode: [{ batchTokens: 1, ...step(b1J, 1) }, { batchTokens: 8, ...step(b8J, 8) }] };
}

async function serving(batches: number[]) {
  const profile = (await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'))).profile;
  return servingFor([profile], [parsePattern('8:16')], MODEL_CATALOG['llama3.1-8b'], [], { promptTokens: 2048, outputTokens: 256 }, 50, batches);
}

function deltas(area: number, prefill: number, decode: number): PairDeltas {
  return { areaOverheadPp: area, prefillSpeedup: prefill, decodeSpeedup: [{ batchTokens: 8, delta: decode }], prefillJoulesPerToken: null, onFront: 'both', fasterDecode: '8:16' };
}

describe('charts drawn into our SVG tree are byte-identical to d3-node/jsdom', () => {
  it('for the review\'s five charts on the fixture review (scatters, grouped and stacked bars, union-density lines)', async () => {
    const svgs = await both((b) => renderCharts(fixtureReviewData(), b));
    expect(Object.keys(svgs)).toHaveLength(5);
    // not vacuous: every chart has its two axes with ticks and ends with the newline the files end with
    for (const svg of Object.values(svgs)) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500"')).toBe(true);
      expect(count(svg, '<path class="domain"')).toBe(2);
      expect(count(svg, '<g class="tick"')).toBeGreaterThan(3);
      expect(svg.endsWith('</svg>\n')).toBe(true);
    }
  });

  it('for the scatters with weight diamonds, accuracy intervals and names that need escaping', async () => {
    const data = fixtureReviewData();
    data.points = [
      ...data.points.map((p, i) => (i === 3 ? { ...p, profile: `act-16of32 ${NASTY}`, accuracy: { ...p.accuracy, interval: [3.61, 3.79] as [number, number] } } : p)),
      fixtureWeightPoint('a100-like', 'wanda', 3.95, 1.31),
    ];
    data.accuracyReferences.push({ label: `unstructured ${NASTY}`, kind: 'measured-perplexity', value: 3.6, source: 'fixture' });
    const svgs = await both((b) => renderCharts(data, b));
    const svg = svgs['accuracy-vs-area'];
    expect(svg).toContain('<path class="point weight-point"');
    expect(svg).toContain('<line class="error-bar"');
    // escaped as HTML serializes: in text & < > and U+00A0, in attributes & " and U+00A0
    expect(svg).toContain('unstructured a &amp; b &lt;c&gt; "d" \'e\'&nbsp;f: 3.600</text>');
    expect(svg).toContain('data-config="act-16of32 a &amp; b <c> &quot;d&quot; \'e\'&nbsp;f · 16:32 magnitude+var"');
  });

  it('for a scatter with negative values on both axes and d3-format\'s own tick labels (U+2212 minus)', async () => {
    const svg = await both((b) =>
      scatterFrontChart(
        {
          title: NASTY,
          subtitle: `${NASTY} `.repeat(12),
          xLabel: NASTY,
          yLabel: NASTY,
          xDirection: 'maximize',
          points: [
            { id: 'a', pattern: nm(2, 4), x: -0.37, y: -12.5, label: NASTY, onFront: true },
            { id: 'b', pattern: nm(4, 8), x: 0.12, y: 3.25, label: 'b', onFront: true },
            { id: 'c', pattern: { kind: 'dense' }, x: 0.05, y: -40, label: 'c', onFront: false, named: true },
          ],
        },
        b,
      ),
    );
    expect(svg).toContain('>−10</text>');
    expect(count(svg, 'class="subtitle"')).toBeGreaterThan(1);
  });

  it('for a scatter without points (an empty, padded domain)', async () => {
    const svg = await both((b) => scatterFrontChart({ title: 'empty', xLabel: 'x', yLabel: 'y', xDirection: 'minimize', points: [] }, b));
    expect(count(svg, '<circle')).toBe(0);
  });

  it('for grouped bars with a missing bar and a negative one, and stacked bars with an empty group', async () => {
    const grouped = await both((b) =>
      groupedBarChart(
        {
          title: 'grouped',
          xLabel: 'pattern',
          yLabel: '%',
          groups: ['2:4', NASTY, '8:16'],
          series: ['index', 'bitmask'],
          value: (g, s) => (g === '8:16' && s === 'index' ? undefined : g === '2:4' && s === 'bitmask' ? -0.05 : 0.3),
          barLabel: (v) => `${(v * 100).toFixed(1)}%`,
        },
        b,
      ),
    );
    // five bars, each with its hover title (the missing one drawn not at all)
    expect(count(grouped, '<title>')).toBe(5);
    const stacked = await both((b) =>
      stackedBarChart(
        { title: 'stacked', xLabel: 'pattern', yLabel: 'µm²', groups: ['dense', 'empty', '2:4'], series: ['mac', 'selector'], value: (g, s) => (g === 'empty' ? 0 : s === 'mac' ? 100_000 : 12_345.6) },
        b,
      ),
    );
    expect(stacked).toContain('>112,346</text>');
  });

  it('for the energy pair (accuracy vs energy per token, energy breakdown)', async () => {
    const data: ReviewData = {
      ...fixtureReviewData(),
      energy: [
        energyRow('act-8of16', { kind: 'dense' }, 0.011, 2.0, 0.3),
        energyRow('act-8of16', nm(8, 16), 0.009, 1.2, 0.29),
        energyRow('act-16of32', { kind: 'dense' }, 0.011, 2.0, 0.3),
        energyRow('act-16of32', nm(16, 32), 0.0095, 1.3, 0.295),
      ],
    };
    const svgs = await both((b) => renderEnergyCharts(data, 'measured perplexity (lower is better)', b));
    expect(svgs['energy-breakdown']).toContain('<g class="bars">');
    expect(svgs['accuracy-vs-energy']).toContain('<path class="pareto-front"');
  });

  it('for the decode chart: lines on a log₂ axis, a batch that does not fit, and the weight baseline both ways', async () => {
    const s = served;
    const point = fixtureWeightPoint('a100-like', 'wanda', 60.821, 1.31);
    const fromPoint = await both((b) => decodeServingChart(s, decodeBaseline({ label: "2:4 weights on today's core", point }), b));
    expect(fromPoint).toContain('class="point no-fit"');
    const fromServing = await both((b) =>
      decodeServingChart(s, { label: `2:4 ${NASTY}`, contextTokens: 2176, serving: true, steps: [{ batch: 1, speedup: 1.5, fits: true }, { batch: 8, speedup: 1.4 }, { batch: 4096, speedup: 1.1, fits: false }] }, b),
    );
    expect(fromServing).toContain('class="point weight-point no-fit"');
    await both((b) => decodeServingChart(s, undefined, b));
  });

  it('for axis ticks that repeat a value or fall off a log scale (B = 0), and text with control characters and astral symbols', async () => {
    // d3-axis binds its ticks by position: a repeated batch is still two ticks (on a fresh axis)
    const repeated = await both((b) => decodeServingChart({ ...served, batches: [1, 8, 8, 256, 4096] }, undefined, b));
    expect(count(repeated, '<g class="tick"')).toBeGreaterThan(4);
    const rows = [0, 1, 4].map((batch) => ({ pattern: nm(2, 4), batch, measuredDensity: 0.5, independenceDensity: 0.4 }));
    const odd = await both((b) => unionDensityChart(rows, 'tab\tcr\r\nline 🧪 𝔁', b));
    expect(odd).toContain('tab\tcr\r\nline 🧪 𝔁</text>');
    expect(odd).toContain('NaN');
  });

  it('for the union-density lines and their gap chart, also with a single batch (a one-point log domain)', async () => {
    const rows = fixtureReviewData().unionDensity;
    const gap = await both((b) => unionGapChart(rows, `gap ${NASTY}`, b));
    expect(gap).toContain('<g class="lines">');
    const one = rows.filter((r) => r.batch === 1);
    await both((b) => unionDensityChart(one, 'one batch', b));
    await both((b) => unionGapChart(one, 'one batch', b));
  });

  it('for the sensitivity tornado: flipped rows, labels cut with "…", and a figure no assumption moves', async () => {
    const result: SensitivityResult = {
      narrow: nm(8, 16),
      wide: nm(16, 32),
      decodeBatchTokens: 8,
      profileCount: 2,
      base: deltas(4.2, 0.05, 0.0),
      rows: [
        { key: 'memory.dramBandwidthGBps', value: 'x0.5', applied: ['all'], deltas: deltas(4.2, -0.02, 0.00001), move: { areaOverheadPp: 0, prefillSpeedup: -0.07, decodeSpeedup: 0, prefillJoulesPerToken: null }, flips: true },
        { key: 'memory.dramBandwidthGBps', value: 'x2', applied: ['all'], deltas: deltas(4.2, 0.09, 0.0), move: { areaOverheadPp: 0, prefillSpeedup: 0.04, decodeSpeedup: 0, prefillJoulesPerToken: null }, flips: false },
        { key: `sparsity.selectorStyle ${NASTY} with a name far too long for the label column`, value: `hierarchical ${NASTY}`, applied: ['all'], deltas: deltas(1.5, 0.05, 0.0), move: { areaOverheadPp: -2.7, prefillSpeedup: 0, decodeSpeedup: 0, prefillJoulesPerToken: null }, flips: false },
      ],
      keys: [
        { key: 'memory.dramBandwidthGBps', swing: { areaOverheadPp: 0, prefillSpeedup: 0.11, decodeSpeedup: 0, prefillJoulesPerToken: 0 }, influence: 1, flips: true },
        { key: `sparsity.selectorStyle ${NASTY} with a name far too long for the label column`, swing: { areaOverheadPp: 2.7, prefillSpeedup: 0, decodeSpeedup: 0, prefillJoulesPerToken: 0 }, influence: 1, flips: false },
      ],
    };
    const svg = await both((b) => tornadoChart(result, `8:16 vs 16:32 ${NASTY}`, b));
    expect(svg).toContain('>⇄ memory.dramBandwidthGBps</text>');
    expect(svg).toContain('…</text>');
  });

  it('for the validation chart: log-log axes at the decades, calibration and held-out points', async () => {
    const row = (dataset: string, id: string, role: 'calibration' | 'held-out', measuredUs: number, predictedUs: number) => ({
      row: { dataset, id, profile: 'a100-like', role, measuredUs, harnessOverheadUs: 0, kind: 'gemm' as const, m: 4096, k: 4096, n: 4096 },
      predictedUs,
      error: (predictedUs - measuredUs) / measuredUs,
      bound: 'compute',
      groups: [dataset],
    });
    const result: ValidationResult = {
      rows: [row('llmcompass-a100', 'g1', 'calibration', 12.5, 13.1), row('llmcompass-a100', 'g2', 'held-out', 950, 870), row(`dataset ${NASTY} with a long name`, 's1', 'held-out', 3.2, 2.9)],
      groups: [
        { group: 'llmcompass-a100', rows: 2, meanAbsError: 0.066, maxAbsError: 0.084, meanError: -0.018 },
        { group: `dataset ${NASTY} with a long name`, rows: 1, meanAbsError: 0.094, maxAbsError: 0.094, meanError: -0.094 },
      ],
    };
    const svg = await both((b) => validationChart(result, b));
    // decades 1 … 1000 on both axes
    expect(count(svg, '<g class="tick"')).toBe(8);
  });
});

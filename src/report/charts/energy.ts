/**
 * The review's two energy charts, from ReviewData.energy (review/energy.ts), drawn with the
 * shared scatter and bar renderers:
 *   accuracy-vs-energy  accuracy vs decode energy per token at the decode objective's batch (the
 *                       largest B), the Pareto front (both minimised) as a staircase
 *   energy-breakdown    per pattern, on the core the summary names for it, and each such core's
 *                       dense run: mJ per decoded token at that batch, stacked by component
 * Rendered only when the review priced energy (every shipped tech file has an energy table).
 */
import { COMPONENT_LABELS } from '../energy.js';
import { activationPoints, asKind, compareDesignPoints, type DesignPoint } from '../../explore/design-point.js';
import { type EnergyComponent } from '../../energy/event-energies.js';
import { energyAtBatch, type PatternEnergy } from '../../review/energy.js';
import type { ReviewData } from '../../review/review-data.js';
import { fixed, patternText } from '../format.js';
import { energyOf, mjText } from '../review-energy.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './backend.js';
import { stackedBarChart } from './bars.js';
import { scatterFrontChart } from './scatter-front.js';

export const ENERGY_CHART_STEMS = ['accuracy-vs-energy', 'energy-breakdown'] as const;
export type EnergyChartStem = (typeof ENERGY_CHART_STEMS)[number];

export const ENERGY_CHART_TITLES: Record<EnergyChartStem, string> = {
  'accuracy-vs-energy': 'Accuracy vs decode energy per token (Pareto front)',
  'energy-breakdown': 'Decode energy per token by component, per pattern',
};

/** Component names as the charts and tables print them: the one table of report/energy.ts. */
export const COMPONENT_TEXT: Record<EnergyComponent, string> = COMPONENT_LABELS;

/** The breakdown chart's series: one per large component, the N:M-specific parts together. */
export const BAR_SERIES: { label: string; components: EnergyComponent[] }[] = [
  { label: 'MAC', components: ['mac'] },
  { label: 'register file', components: ['registerFile'] },
  { label: 'SRAM', components: ['sram'] },
  { label: 'L2', components: ['l2'] },
  { label: 'DRAM', components: ['dram'] },
  // selectors, metadata decode and the pruning unit
  { label: 'N:M logic', components: ['selector', 'metadata', 'pruningUnit'] },
  { label: 'static', components: ['static'] },
];

/** The batch the energy charts are drawn at: the decode objective's (the largest). */
export function energyChartBatch(data: ReviewData): number {
  return data.decodeBatches[data.decodeBatches.length - 1];
}

/** Ids of the points no other point beats on both x and y (both minimised; ties keep both). */
export function minimisingFront(points: readonly { id: string; x: number; y: number }[]): string[] {
  return points.filter((p) => !points.some((q) => q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y))).map((p) => p.id);
}

/** The accuracy-vs-energy points: every point of the headline kind the review priced. */
export function energyScatterPoints(data: ReviewData): { point: DesignPoint; mjPerToken: number }[] {
  const batch = energyChartBatch(data);
  // activation points only: the weight baseline is in the summary row, not among the candidates
  return activationPoints(data.points)
    .flatMap((p) => asKind(p, data.headline.accuracyKind) ?? [])
    .flatMap((point) => {
      const e = energyOf(data.energy, point.profile, point.pattern);
      const d = e && energyAtBatch(e, batch);
      return d ? [{ point, mjPerToken: d.joulesPerToken * 1e3 }] : [];
    })
    .sort((a, b) => compareDesignPoints(a.point, b.point));
}

/** The bars of the breakdown: each summary pattern on its core, then each such core's dense run. */
export function energyBars(data: ReviewData): { label: string; core: string; row: PatternEnergy }[] {
  const bars: { label: string; core: string; row: PatternEnergy }[] = [];
  const cores: string[] = [];
  for (const s of data.summary) {
    const core = s.nativeProfile ?? s.compatibleProfile;
    const row = core === null ? undefined : energyOf(data.energy, core, s.pattern);
    if (!row || core === null) continue;
    bars.push({ label: patternText(s.pattern), core, row });
    if (!cores.includes(core)) cores.push(core);
  }
  // cores whose dense runs cost the same (e.g. what-if cores on one chip's power figures) share one bar
  const dense = new Map<string, { cores: string[]; row: PatternEnergy }>();
  for (const core of cores) {
    const row = energyOf(data.energy, core, { kind: 'dense' });
    if (!row) continue;
    const key = JSON.stringify([row.prefill, row.decode]);
    const seen = dense.get(key);
    if (seen) seen.cores.push(core);
    else dense.set(key, { cores: [core], row });
  }
  for (const { cores: same, row } of dense.values()) {
    bars.push({ label: dense.size > 1 ? `dense ${same[0]}` : 'dense', core: same.join(', '), row });
  }
  return bars;
}

/** `onChart` gets each chart the moment it is drawn (charts/index.ts renderCharts: its PNG starts there). */
export async function renderEnergyCharts(data: ReviewData, accuracyLabel: string, backend: ChartBackend = SVG_TREE_BACKEND, onChart?: (stem: EnergyChartStem, svg: string) => void): Promise<Record<EnergyChartStem, string>> {
  const batch = energyChartBatch(data);
  const scatter = energyScatterPoints(data);
  const front = new Set(minimisingFront(scatter.map((s) => ({ id: s.point.id, x: s.mjPerToken, y: s.point.accuracy.value }))));
  const kind = data.headline.accuracyKind;
  const accuracy = await scatterFrontChart({
    title: ENERGY_CHART_TITLES['accuracy-vs-energy'],
    subtitle: `${scatter.length} design points · energy: decode B = ${batch}, ${data.points[0]?.model ?? '—'}, energy model (src/energy) on the perf steps of the speed-ups`,
    xLabel: `decode energy per token at B = ${batch} (mJ)`,
    yLabel: accuracyLabel,
    xDirection: 'minimize',
    points: scatter.map((s) => ({ id: s.point.id, pattern: s.point.pattern, x: s.mjPerToken, y: s.point.accuracy.value, label: `${patternText(s.point.pattern)} ${s.point.profile}`, onFront: front.has(s.point.id) })),
    references: data.accuracyReferences.filter((r) => r.kind === kind).map((r) => ({ label: r.label, y: r.value })),
  }, backend);
  onChart?.('accuracy-vs-energy', accuracy);
  const bars = energyBars(data);
  const at = (row: PatternEnergy) => energyAtBatch(row, batch);
  // the chart's series: the big components alone, the N:M parts as one (the palette has 8
  // colours; the report's table beside the chart lists all nine)
  const series = BAR_SERIES.filter((s) => bars.some((b) => s.components.reduce((a, c) => a + (at(b.row)?.joulesPerTokenByComponent[c] ?? 0), 0) > 0));
  const breakdown = await stackedBarChart({
    title: ENERGY_CHART_TITLES['energy-breakdown'],
    subtitle: `decode B = ${batch}; each pattern on the core the summary names (table in the report); ${bars.filter((b) => b.row.pattern.kind === 'dense').map((b) => `${b.label}: ${b.core.split(', ').length > 1 ? `${b.core.split(', ')[0]} and ${b.core.split(', ').length - 1} more cores` : b.core}`).join('; ')}`,
    xLabel: 'pattern (on the core the summary names) and dense',
    yLabel: 'energy per decoded token (mJ)',
    groups: bars.map((b) => b.label),
    series: series.map((s) => s.label),
    value: (g, label) => {
      const bar = bars.find((b) => b.label === g);
      const s = series.find((x) => x.label === label);
      const d = bar && at(bar.row);
      return d && s ? s.components.reduce((a, c) => a + d.joulesPerTokenByComponent[c], 0) * 1e3 : undefined;
    },
    barLabel: (v) => (v >= 10 ? fixed(v, 0) : mjText(v)),
  }, backend);
  onChart?.('energy-breakdown', breakdown);
  return { 'accuracy-vs-energy': accuracy, 'energy-breakdown': breakdown };
}

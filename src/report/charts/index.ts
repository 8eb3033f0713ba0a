/**
 * The five review charts, rendered from ReviewData. Fixed file stems; each chart is written as
 * `<stem>.svg` and `<stem>.png`.
 */
import { asKind, distinctPatterns, isWeightPoint, type DesignPoint } from '../../explore/design-point.js';
import { METADATA_ENCODINGS, samePattern, type Pattern } from '../../sparsity/pattern.js';
import { countNoun } from '../../plural.js';
import { fixed, groupedNumber, patternText, percent } from '../format.js';
import { pointDetails } from './point-details.js';
import { areaCoreText } from '../review-text.js';
import type { ReviewData } from '../../review/review-data.js';
import { SVG_TREE_BACKEND, type ChartBackend } from './backend.js';
import { groupedBarChart, stackedBarChart } from './bars.js';
import { unionDensityChart } from './lines.js';
import { scatterFrontChart } from './scatter-front.js';

export const CHART_STEMS = ['accuracy-vs-area', 'accuracy-vs-speedup', 'io-savings', 'area-breakdown', 'union-density'] as const;
export type ChartStem = (typeof CHART_STEMS)[number];
export const HEADLINE_CHART: ChartStem = 'accuracy-vs-area';

export const CHART_TITLES: Record<ChartStem, string> = {
  'accuracy-vs-area': 'Accuracy vs area overhead (Pareto front)',
  'accuracy-vs-speedup': 'Accuracy vs prefill speed-up',
  'io-savings': 'Activation I/O savings by pattern and metadata encoding',
  'area-breakdown': 'Area breakdown per pattern',
  'union-density': 'Decode union density vs batch (measured vs independence)',
};

export function accuracyAxisLabel(kind: ReviewData['headline']['accuracyKind']): string {
  return kind === 'measured-perplexity' ? 'measured perplexity (lower is better)' : 'proxy: relative L2 error of pruned inputs (lower is better)';
}

function pointLabel(p: DesignPoint): string {
  return isWeightPoint(p) ? `${patternText(p.pattern)} weights ${p.profile}` : `${patternText(p.pattern)} ${p.profile}`;
}

/** Ids of the weight points of each weight pattern's most accurate run (ties: the stable order). */
export function bestWeightPoints(points: readonly DesignPoint[]): Set<string> {
  const weights = points.filter(isWeightPoint);
  const ids = new Set<string>();
  for (const pattern of distinctPatterns(weights.map((p) => p.pattern))) {
    const of = weights.filter((p) => samePattern(p.pattern, pattern));
    const best = of.reduce((a, b) => (b.accuracy.value < a.accuracy.value ? b : a));
    for (const p of of) if (p.criterion === best.criterion) ids.add(p.id);
  }
  return ids;
}

/** "weights 2:4, wanda" for the legend (short: the legend column is narrow), or undefined without weight points. */
export function weightLegendText(shown: readonly DesignPoint[]): string | undefined {
  if (shown.length === 0) return undefined;
  const configs = [...new Set(shown.map((p) => `${patternText(p.pattern)}, ${p.criterion}`))];
  return `weights ${configs.join('; ')}`;
}

/**
 * The design points the recommendation's comparison names (its best configuration of each
 * pattern, on the core it costs): labelled on both scatters even off a front.
 */
function namedPointIds(data: ReviewData): Set<string> {
  const named = comparedPointIds(data);
  // the weight baseline the recommendation compares with
  if (data.weightBaselineId !== undefined) named.add(data.weightBaselineId);
  return named;
}

function comparedPointIds(data: ReviewData): Set<string> {
  const r = data.recommendation;
  if (r.outcome !== 'front' || r.comparison.outcome !== 'compared') return new Set();
  const c = r.comparison;
  const cores = c.area.outcome === 'compared' ? [c.area.narrow.profile, c.area.wide.profile] : [null, null];
  const ids = [c.narrow, c.wide].flatMap((best, i) =>
    data.points
      .filter((p) => samePattern(p.pattern, best.pattern) && p.criterion === best.criterion && p.mitigation === best.mitigation && (cores[i] === null || p.profile === cores[i]))
      .map((p) => p.id),
  );
  return new Set(ids);
}

/**
 * The five charts' SVG text. `onChart` gets each chart the moment it is drawn, before the next is
 * started: write-report.ts starts its PNG there, so the rasterising of the headline chart overlaps
 * drawing the other four (issue 16: handed over together, the first PNG waited for all five).
 */
export async function renderCharts(data: ReviewData, backend: ChartBackend = SVG_TREE_BACKEND, onChart?: (stem: ChartStem, svg: string) => void): Promise<Record<ChartStem, string>> {
  const drawn = (stem: ChartStem, svg: string): string => {
    onChart?.(stem, svg);
    return svg;
  };
  const kind = data.headline.accuracyKind;
  // every point with a figure of the headline kind, plotted at that figure (never the other kind)
  // weight points: those of the most accurate weight run of each pattern (the baseline's criterion
  // for 2:4), drawn as diamonds; a worse criterion's run (e.g. magnitude 2:4 at 116) would only
  // stretch the accuracy axis — it is in design-points.csv
  const weightShown = bestWeightPoints(data.points);
  const candidates = data.points.filter((p) => !isWeightPoint(p) || weightShown.has(p.id)).flatMap((p) => asKind(p, kind) ?? []);
  const weightLegend = weightLegendText(data.points.filter((p) => weightShown.has(p.id)));
  const onHeadline = new Set(data.headline.frontIds);
  const onSpeedup = new Set(data.speedupFrontIds);
  const accuracyLabel = accuracyAxisLabel(kind);
  const subtitle = `${countNoun(candidates.length, 'design point')} · accuracy: ${kind === 'measured-perplexity' ? 'measured perplexity' : 'analysis proxy'} · speed-ups: ${data.points[0]?.model ?? '—'}`;
  const named = namedPointIds(data);
  const scatterPoint = (p: DesignPoint, x: number, front: Set<string>) => ({
    id: p.id,
    pattern: p.pattern,
    x,
    y: p.accuracy.value,
    label: pointLabel(p),
    onFront: front.has(p.id),
    named: named.has(p.id),
    ...(p.accuracy.interval ? { yInterval: p.accuracy.interval } : {}),
    ...(isWeightPoint(p) ? { weight: true } : {}),
    details: pointDetails(p, front.has(p.id)),
  });
  const references = data.accuracyReferences.filter((r) => r.kind === kind).map((r) => ({ label: r.label, y: r.value }));

  const headline = drawn('accuracy-vs-area', await scatterFrontChart({
    title: CHART_TITLES['accuracy-vs-area'],
    subtitle,
    xLabel: 'area overhead vs the same core without sparsity support (%)',
    yLabel: accuracyLabel,
    xDirection: 'minimize',
    xFormat: (v) => fixed(v * 100, 0),
    points: candidates.map((p) => scatterPoint(p, p.areaOverheadFraction, onHeadline)),
    references,
    ...(weightLegend ? { weightLegend } : {}),
  }, backend));
  const speed = drawn('accuracy-vs-speedup', await scatterFrontChart({
    title: CHART_TITLES['accuracy-vs-speedup'],
    subtitle,
    xLabel: 'prefill speed-up vs dense on the same core (×)',
    yLabel: accuracyLabel,
    xDirection: 'maximize',
    xAnchor: 1,
    points: candidates.map((p) => scatterPoint(p, p.prefillSpeedup, onSpeedup)),
    references,
    ...(weightLegend ? { weightLegend } : {}),
  }, backend));

  const ioPatterns = distinctPatterns(data.ioSavings.map((r) => r.pattern));
  const encodings = METADATA_ENCODINGS.filter((e) => data.ioSavings.some((r) => r.encoding === e));
  const valueBits = data.ioSavings[0]?.valueBits ?? 16;
  const io = drawn('io-savings', await groupedBarChart({
    title: CHART_TITLES['io-savings'],
    subtitle: `values + metadata vs dense, ${valueBits}-bit values; ${data.ioSavings[0]?.source ?? ''}`,
    xLabel: 'pattern',
    yLabel: 'I/O saved vs dense activations (%)',
    groups: ioPatterns.map(patternText),
    series: [...encodings],
    value: (g, s) => data.ioSavings.find((r) => patternText(r.pattern) === g && r.encoding === s)?.savingsFraction,
    yFormat: (v) => fixed(v * 100, 0),
    barLabel: (v) => percent(v, 1),
  }, backend));

  const areaGroups = distinctPatterns(data.areaBreakdown.map((r) => r.pattern));
  const components = [...new Set(data.areaBreakdown.map((r) => r.component))];
  const groupCore = (g: Pattern) => {
    const row = data.areaBreakdown.find((r) => samePattern(r.pattern, g));
    return row ? areaCoreText(row) : '';
  };
  const area = drawn('area-breakdown', await stackedBarChart({
    title: CHART_TITLES['area-breakdown'],
    subtitle: `one core per pattern: ${areaGroups.map((g) => `${patternText(g)} = ${groupCore(g)}`).join(', ')}`,
    xLabel: 'pattern (core that runs it natively)',
    yLabel: 'area per tensor core (µm²)',
    groups: areaGroups.map(patternText),
    series: components,
    value: (g, s) => data.areaBreakdown.filter((r) => patternText(r.pattern) === g && r.component === s).reduce((a, r) => a + r.areaUm2, 0),
    barLabel: (v) => groupedNumber(v, 0),
    segmentLabel: (v) => `${groupedNumber(v, 0)} µm²`,
  }, backend));

  const union = drawn('union-density', await unionDensityChart(data.unionDensity, data.unionDensitySource, backend));
  return { 'accuracy-vs-area': headline, 'accuracy-vs-speedup': speed, 'io-savings': io, 'area-breakdown': area, 'union-density': union };
}

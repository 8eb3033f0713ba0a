/**
 * The hover details of a design point on the scatter charts: configuration, accuracy (with its
 * 95 % interval when the data has one), area, speed-ups, bottleneck (when the performance model
 * names one) and whether the point is on that chart's front. Written into the SVG at render time
 * (<title> and data-* attributes), so the SVG/PNG files carry them too.
 */
import type { AccuracyKind, DesignPoint } from '../../explore/design-point.js';
import { fixed, groupedNumber, patternText, PRECISION, speedup } from '../format.js';
import { accuracyCell } from '../review-text.js';
import type { PointDetails } from './scatter-front.js';

/** "act-8of16 · 8:16 magnitude+var" — the configuration a point stands for. */
export function pointConfig(p: DesignPoint): string {
  // a weight point: "a100-like · weights 2:4, wanda" (pruned offline, no mitigation)
  if (p.operand === 'weight') return `${p.profile} · weights ${patternText(p.pattern)}, ${p.criterion}`;
  const executed = p.native ? '' : ` (run as ${patternText(p.executedAs)})`;
  return `${p.profile} · ${patternText(p.pattern)} ${p.criterion}+${p.mitigation}${executed}`;
}

/** A bottleneck the performance model may attach to a point (issue 13); absent today. */
function bottleneckOf(p: DesignPoint): string | undefined {
  const b = (p as DesignPoint & { bottleneck?: unknown }).bottleneck;
  return typeof b === 'string' && b !== '' ? b : undefined;
}

function kindText(kind: AccuracyKind): string {
  return kind === 'measured-perplexity' ? 'measured perplexity' : 'proxy error';
}

export function pointDetails(p: DesignPoint, onFront: boolean): PointDetails {
  const acc = p.accuracy;
  const value = accuracyCell(acc.kind, acc.value);
  const interval = acc.interval ? `${accuracyCell(acc.kind, acc.interval[0])}–${accuracyCell(acc.kind, acc.interval[1])}` : undefined;
  const sign = p.areaOverheadFraction >= 0 ? '+' : '';
  const overhead = `${sign}${fixed(p.areaOverheadFraction * 100, PRECISION.percentTable)}%`;
  const area = groupedNumber(p.areaUm2, 0);
  const decode = p.decode.map((d) => `${speedup(d.speedup)} (B = ${d.batchTokens})`).join(', ');
  const bottleneck = bottleneckOf(p);
  const lines = [
    pointConfig(p),
    `${kindText(acc.kind)} ${value}${interval ? ` (95 % interval ${interval})` : ''}`,
    `area ${area} µm² (${overhead} vs the core without sparsity)`,
    `prefill ${speedup(p.prefillSpeedup)}${decode ? ` · decode ${decode}` : ''}`,
    ...(bottleneck ? [`bottleneck: ${bottleneck}`] : []),
    p.operand === 'weight' ? "the weight baseline: today's core, weights pruned offline (not a candidate)" : onFront ? 'on the Pareto front' : 'off the Pareto front',
  ];
  const attributes: Record<string, string> = {
    config: pointConfig(p),
    accuracy: value,
    'accuracy-kind': acc.kind,
    ...(interval ? { interval } : {}),
    'area-um2': area,
    'area-overhead': overhead,
    'prefill-speedup': speedup(p.prefillSpeedup),
    ...(decode ? { 'decode-speedup': decode } : {}),
    ...(bottleneck ? { bottleneck } : {}),
    front: onFront ? 'yes' : 'no',
    ...(p.operand === 'weight' ? { operand: 'weight' } : {}),
  };
  return { lines, attributes };
}

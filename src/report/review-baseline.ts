/**
 * The weight baseline's summary row, "2:4 weights on today's core": the most accurate weight
 * point (ReviewData.weightBaselineId, explore/summary.ts weightBaselinePoint) with its core's
 * speed-ups, area and energy per token — the row every new activation core must beat. One
 * source for the terminal, Markdown/HTML and JSON renderings; only formats.
 */
import type { DesignPoint } from '../explore/design-point.js';
import { energyAtBatch, type PatternEnergy } from '../review/energy.js';
import type { ReviewData } from '../review/review-data.js';
import { patternText, percent, PRECISION } from './format.js';
import { energyOf, mjText } from './review-energy.js';

export interface WeightBaselineRow {
  /** "2:4 weights on today's core" */
  label: string;
  point: DesignPoint;
  /** the point's energy per token and its core run dense, when the review priced them */
  energy?: { own: PatternEnergy; dense: PatternEnergy };
}

/** The baseline row, or undefined when the review has no weight point. */
export function weightBaselineRow(data: ReviewData): WeightBaselineRow | undefined {
  const point = data.weightBaselineId === undefined ? undefined : data.points.find((p) => p.id === data.weightBaselineId);
  if (!point) return undefined;
  const own = energyOf(data.energy, point.profile, point.pattern, 'weight');
  const dense = energyOf(data.energy, point.profile, { kind: 'dense' });
  return { label: `${patternText(point.pattern)} weights on today's core`, point, ...(own && dense ? { energy: { own, dense } } : {}) };
}

/** The JSON form (`review --json` weight_baseline). */
export function weightBaselineJson(row: WeightBaselineRow | undefined) {
  if (!row) return null;
  const p = row.point;
  return {
    label: row.label,
    profile: p.profile,
    operand: p.operand,
    pattern: patternText(p.pattern),
    criterion: p.criterion,
    perplexity: p.accuracy.value,
    accuracy_source: p.accuracy.source,
    area_um2: p.areaUm2,
    area_overhead_fraction: p.areaOverheadFraction,
    prefill_speedup: p.prefillSpeedup,
    decode: p.decode.map((d) => ({ batch_tokens: d.batchTokens, speedup: d.speedup, io_savings_fraction: d.ioSavingsFraction })),
    energy: row.energy
      ? {
          prefill_j_per_token: row.energy.own.prefill.joulesPerToken,
          dense_prefill_j_per_token: row.energy.dense.prefill.joulesPerToken,
          decode: row.energy.own.decode.map((d) => ({ batch_tokens: d.batchTokens, j_per_token: d.joulesPerToken, dense_j_per_token: energyAtBatch(row.energy!.dense, d.batchTokens)?.joulesPerToken ?? null })),
        }
      : null,
  };
}

/** "prefill 10.7 mJ (-26.0%), decode B = 1 1,565.1 mJ (-36.4%) … per token, vs the core run dense", or undefined without energy. */
export function baselineEnergyText(row: WeightBaselineRow): string | undefined {
  const e = row.energy;
  if (!e) return undefined;
  const vs = (a: number, b: number) => {
    const c = percent(a / b - 1, PRECISION.percentText);
    return `${mjText(a * 1e3)} mJ (${c.startsWith('-') ? c : `+${c}`})`;
  };
  const parts = [`prefill ${vs(e.own.prefill.joulesPerToken, e.dense.prefill.joulesPerToken)}`];
  for (const d of e.own.decode) {
    const dd = energyAtBatch(e.dense, d.batchTokens);
    if (dd) parts.push(`decode B = ${d.batchTokens} ${vs(d.joulesPerToken, dd.joulesPerToken)}`);
  }
  return `${parts.join(', ')} per token, against the core run dense`;
}

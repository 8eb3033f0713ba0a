/**
 * The cheapest variant of a core per pattern (issue 16: design axes). The review sweeps each
 * activation core's selector style, metadata encoding and operand provisioning
 * (review/axes.ts); every variant is a design point, and one per group is chosen:
 *
 *   group = (core the variant derives from, provisioning, pattern)
 *     provisioning is not collapsed: it buys speed with area (sparse-balanced doubles the
 *     operand buffers' banks), a trade the fronts and the recommendation weigh like any two cores
 *   eligible = variants whose prefill speed-up and decode speed-up at the objective batch
 *     (the largest) are each ≥ (1 − SPEEDUP_TOLERANCE) × the group's best
 *     (the selector never changes speed; the encoding does, a little, through metadata bytes)
 *   chosen = the eligible variant with the least core area; ties: the first in point order
 *
 * Accuracy does not enter: every variant of a group runs the same pattern on the same masks.
 */
import { objectiveDecode, patternKey, type DesignPoint } from './design-point.js';

/** Speed-up within 1 % of the group's best counts as the same speed (the models' own spread between encodings is below it). */
export const SPEEDUP_TOLERANCE = 0.01;

/** One variant × pattern: the hardware figures every configuration of it shares. */
export interface VariantRow {
  /** the variant's profile label, e.g. "act-8of16 · sorted-mux" */
  profile: string;
  base: string;
  selectorStyle: string;
  metadataEncoding: string;
  provisioning: string;
  pattern: DesignPoint['pattern'];
  native: boolean;
  executedAs: DesignPoint['pattern'];
  areaUm2: number;
  denseAreaUm2: number;
  areaOverheadFraction: number;
  prefillSpeedup: number;
  decode: { batchTokens: number; speedup: number }[];
  /** the variant chosen for this row's group (itself when chosen) */
  chosenProfile: string;
  chosen: boolean;
}

export interface VariantChoice {
  /** the points of the chosen variants, and every point without a variant or on a weight core, in the input order */
  chosen: DesignPoint[];
  /** one row per variant × pattern of every swept group (chosen ones included), in point order */
  rows: VariantRow[];
}

/** Chooses per (core, provisioning, pattern) the least-area variant among the fastest (see above). */
export function chooseVariants(points: readonly DesignPoint[]): VariantChoice {
  // only cores with more than one variant were swept (today's weight cores stay as written)
  const variantsOf = new Map<string, Set<string>>();
  for (const p of points) if (p.variant) variantsOf.set(p.variant.base, (variantsOf.get(p.variant.base) ?? new Set()).add(p.profile));
  // each point's group, computed once (the loops below read it three times per point)
  const keys = points.map((p): string | undefined => {
    if (!p.variant || p.operand === 'weight' || variantsOf.get(p.variant.base)!.size < 2) return undefined;
    return `${p.variant.base}|${p.variant.provisioning}|${patternKey(p.pattern)}`;
  });
  // the first point of each variant × pattern stands for it (its configurations share hardware figures)
  const groups = new Map<string, DesignPoint[]>();
  // the position of each variant × pattern's first point, in point order (one row each, below)
  const firsts: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const key = keys[i];
    if (key === undefined || seen.has(`${p.profile}|${key}`)) continue;
    seen.add(`${p.profile}|${key}`);
    firsts.push(i);
    const list = groups.get(key);
    if (list) list.push(p);
    else groups.set(key, [p]);
  }
  const chosenProfile = new Map<string, string>();
  for (const [key, list] of groups) {
    const bestPrefill = Math.max(...list.map((p) => p.prefillSpeedup));
    const bestDecode = Math.max(...list.map((p) => objectiveDecode(p).speedup));
    const eligible = list.filter((p) => p.prefillSpeedup >= (1 - SPEEDUP_TOLERANCE) * bestPrefill && objectiveDecode(p).speedup >= (1 - SPEEDUP_TOLERANCE) * bestDecode);
    let best = eligible[0];
    for (const p of eligible) if (p.areaUm2 < best.areaUm2) best = p;
    chosenProfile.set(key, best.profile);
  }
  const rows: VariantRow[] = [];
  for (const i of firsts) {
    const p = points[i];
    const key = keys[i]!;
    const chosen = chosenProfile.get(key)!;
    rows.push({
      profile: p.profile,
      base: p.variant!.base,
      selectorStyle: p.variant!.selectorStyle,
      metadataEncoding: p.variant!.metadataEncoding,
      provisioning: p.variant!.provisioning,
      pattern: p.pattern,
      native: p.native,
      executedAs: p.executedAs,
      areaUm2: p.areaUm2,
      denseAreaUm2: p.denseAreaUm2,
      areaOverheadFraction: p.areaOverheadFraction,
      prefillSpeedup: p.prefillSpeedup,
      decode: p.decode.map((d) => ({ batchTokens: d.batchTokens, speedup: d.speedup })),
      chosenProfile: chosen,
      chosen: chosen === p.profile,
    });
  }
  return {
    chosen: points.filter((p, i) => {
      const key = keys[i];
      return key === undefined || chosenProfile.get(key) === p.profile;
    }),
    rows,
  };
}

/**
 * Exact Pareto fronts over any number (in practice 2 or 3) of objectives, each with a
 * direction. Dominance is decided on the numbers as given — no tolerance, no rounding:
 * a dominates b iff a is at least as good as b in every objective and strictly better in at
 * least one.
 *
 * Ties and duplicates: points with identical objective vectors do not dominate each other,
 * so when one of them is non-dominated, *all* of them are on the front (no representative is
 * picked; a report lists every configuration that reaches the optimum). A point that ties
 * with a front point in one objective and is worse in another is dominated.
 */
import { usageError } from '../diagnostics.js';

export const DIRECTIONS = ['minimize', 'maximize'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface Objective<T> {
  /** snake_case with unit, used in reports: "area_overhead_fraction" */
  name: string;
  direction: Direction;
  value: (item: T) => number;
}

export interface ParetoResult {
  /** indices into the input, ascending, of every non-dominated item */
  front: number[];
  /** onFront[i] ⇔ i ∈ front */
  onFront: boolean[];
  /** for each dominated item, the index of the first item (input order) that dominates it; −1 on the front */
  dominatedBy: number[];
}

/** −1: a dominates b, 1: b dominates a, 0: neither (incl. equal vectors). */
export function dominance(a: readonly number[], b: readonly number[], directions: readonly Direction[]): -1 | 0 | 1 {
  let aBetter = false;
  let bBetter = false;
  for (let i = 0; i < directions.length; i++) {
    const sign = directions[i] === 'minimize' ? 1 : -1;
    const d = (a[i] - b[i]) * sign; // < 0: a better
    if (d < 0) aBetter = true;
    else if (d > 0) bBetter = true;
    if (aBetter && bBetter) return 0;
  }
  if (aBetter && !bBetter) return -1;
  if (bBetter && !aBetter) return 1;
  return 0;
}

/**
 * O(n²·k) pairwise dominance: exact, and fast enough for design sweeps (a few thousand points).
 * Throws a usage error when an objective value is not a finite number (a NaN would silently
 * make a point incomparable and put it on the front).
 */
export function paretoFront<T>(items: readonly T[], objectives: readonly Objective<T>[]): ParetoResult {
  if (objectives.length === 0) {
    throw usageError({ code: 'explore/no-objectives', message: 'a Pareto front needs at least one objective.' });
  }
  const directions = objectives.map((o) => o.direction);
  const vectors = items.map((item, i) =>
    objectives.map((o) => {
      const v = o.value(item);
      if (!Number.isFinite(v)) {
        throw usageError({
          code: 'explore/non-finite-objective',
          path: `points[${i}].${o.name}`,
          message: `objective "${o.name}" of point ${i} is ${String(v)}; Pareto dominance needs finite numbers.`,
          hint: 'drop or repair the point before computing the front.',
        });
      }
      return v;
    }),
  );
  const dominatedBy = new Array<number>(items.length).fill(-1);
  for (let i = 0; i < items.length; i++) {
    for (let j = 0; j < items.length; j++) {
      if (i !== j && dominance(vectors[j], vectors[i], directions) === -1) {
        dominatedBy[i] = j;
        break;
      }
    }
  }
  const onFront = dominatedBy.map((d) => d === -1);
  const front = onFront.flatMap((f, i) => (f ? [i] : []));
  return { front, onFront, dominatedBy };
}

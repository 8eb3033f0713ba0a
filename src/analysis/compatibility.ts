/**
 * Pattern compatibility: of the tokens pruned at pattern A, how much already fits hardware for
 * pattern B without extra pruning.
 * - unit: max(M_A, M_B) elements when one group size divides the other (16:32 data on 8:16
 *   hardware: a unit is one 32-group and fits when both 16-halves hold ≤ 8 kept); otherwise a
 *   B-group. unstructured data is checked per B-group.
 * - structural: every B-group in the unit holds ≤ N_B kept positions;
 * - density-bound: every B-group holds ≤ N_B kept values that are nonzero (a core that takes
 *   any group with at most N nonzeros, so natural zeros are free).
 * Tail units and tail B-groups are checked on their real elements (they are zero-padded).
 */
import { formatPattern, type NmPattern, type Pattern } from '../sparsity/pattern.js';
import { countBits } from './bitset.js';
import { OverfullUnitCounter, isWordGroup } from './word-counts.js';
import type { CompatibilityRecord } from './types.js';

export function compatibilityUnit(a: Pattern, b: NmPattern): number {
  if (a.kind !== 'nm') return b.m;
  if (a.m % b.m === 0 || b.m % a.m === 0) return Math.max(a.m, b.m);
  return b.m;
}

/**
 * True when A-pruned data always fits B by construction: M_A divides M_B and each B-group, made
 * of M_B/M_A A-groups keeping ≤ N_A each (tail groups keep min(N_A, r) ≤ N_A), holds at most
 * N_A·M_B/M_A ≤ N_B kept positions (2:4 → 8:16, 8:16 → 16:32). Nonzeros kept ≤ kept, so the
 * density-bound fraction is 1 too. Counting is skipped for these pairs.
 */
export function fitsByConstruction(a: Pattern, b: NmPattern): boolean {
  return a.kind === 'nm' && b.m % a.m === 0 && a.n * (b.m / a.m) <= b.n;
}

/** A CompatibilityAccumulator's counts (saveState / mergeState). */
export interface CompatibilityState {
  units: number;
  structural: number;
  density: number;
}

export class CompatibilityAccumulator {
  readonly target: NmPattern;
  readonly unit: number;
  private readonly k: number;
  private readonly unitsPerRow: number;
  private readonly overfull: OverfullUnitCounter | null;
  private readonly always: boolean;
  private units = 0;
  private structural = 0;
  private density = 0;

  constructor(source: Pattern, target: NmPattern, k: number) {
    this.target = target;
    this.unit = compatibilityUnit(source, target);
    this.k = k;
    this.unitsPerRow = Math.ceil(k / this.unit);
    this.always = fitsByConstruction(source, target);
    this.overfull = isWordGroup(target.m) && isWordGroup(this.unit) ? new OverfullUnitCounter(target.n, target.m, this.unit) : null;
  }

  /** keepWords: the source pattern's packed keep mask of one row; nonzeroWords: x ≠ 0 (rowHasZeros: some x = 0). */
  addRow(keepWords: Uint32Array, nonzeroWords: Uint32Array, rowHasZeros = true): void {
    if (this.always) {
      this.units += this.unitsPerRow;
      this.structural += this.unitsPerRow;
      this.density += this.unitsPerRow;
      return;
    }
    if (this.overfull) {
      const nWords = (this.k + 31) >>> 5;
      const failed = this.overfull.count(keepWords, null, nWords);
      this.units += this.unitsPerRow;
      this.structural += this.unitsPerRow - failed;
      // without natural zeros, kept nonzeros are the kept positions
      this.density += this.unitsPerRow - (rowHasZeros && failed > 0 ? this.overfull.count(keepWords, nonzeroWords, nWords) : failed);
      return;
    }
    const { k, unit } = this;
    const { n, m } = this.target;
    for (let u = 0; u < k; u += unit) {
      const uEnd = Math.min(k, u + unit);
      let okS = 1;
      let okD = 1;
      for (let g = u; g < uEnd; g += m) {
        const len = Math.min(m, uEnd - g);
        if (countBits(keepWords, g, len) > n) {
          okS = 0;
          if (countBits(keepWords, g, len, nonzeroWords) > n) {
            okD = 0;
            break;
          }
        }
      }
      this.units++;
      this.structural += okS;
      this.density += okD;
    }
  }

  finish(): CompatibilityRecord {
    const u = this.units;
    return {
      target: formatPattern(this.target),
      unitElements: this.unit,
      units: u,
      // no unit checked (no analysed token): undefined, not "always compatible"
      structuralFraction: u > 0 ? this.structural / u : null,
      densityBoundFraction: u > 0 ? this.density / u : null,
    };
  }

  /** Unit counts so far (a token range's part: analysis/piece-state.ts). */
  saveState(): CompatibilityState {
    return { units: this.units, structural: this.structural, density: this.density };
  }

  /** Adds another token range's unit counts. */
  mergeState(state: CompatibilityState): void {
    this.units += state.units;
    this.structural += state.structural;
    this.density += state.density;
  }
}

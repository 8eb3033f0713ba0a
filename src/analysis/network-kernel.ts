/**
 * The fast magnitude kernel for power-of-two group sizes up to 32 (2:4, 4:8, 8:16, 16:32 …):
 * one sorting network per group of Mmax gives every smaller pattern on the way.
 *
 * - Element i of a group of Mmax becomes the float64 composite c = key · 64 + (63 − i), with
 *   key = bits(x) & 0x7fffffff (the order of |x| is the integer order of these bit patterns;
 *   NaN → −1, below every number). Composites are distinct, exact in a double (37 bits), and
 *   order exactly like the reference rule "larger |x| first, lower index on ties".
 * - Batcher's odd-even merge sort (descending; 5/19/63/191 comparators for 4/8/16/32) runs
 *   stage by stage: after stage p every block of 2p is sorted, so the N-th largest composite
 *   of each block of M — the block's threshold — is read right after the stage that sorts
 *   blocks of M. All paper patterns cost the 191 compare-exchanges of one 32-sort, about six
 *   per element. The network is emitted once as straight-line code over local variables (a
 *   `new Function` built from the comparator table below, never from input data).
 * - Element i is kept at N:M iff its composite ≥ its block's threshold (exactly N per block,
 *   composites being distinct). The kernel writes keep bits (one word per 32 elements) and
 *   sums the squares of the dropped elements.
 * - A tail group (K not a multiple of Mmax) is ranked directly by the reference rule on its
 *   real elements, so it keeps min(N, r).
 * Tested equal to sparsity/select.ts `selectKeep` on random data with ties, zeros and NaN.
 */
import type { NmPattern } from '../sparsity/pattern.js';

export const NETWORK_MAX_GROUP = 32;

export function isNetworkPattern(p: { kind: string; m?: number }): p is NmPattern {
  return p.kind === 'nm' && p.m! >= 2 && p.m! <= NETWORK_MAX_GROUP && (p.m! & (p.m! - 1)) === 0;
}

export interface NetworkStage {
  a: number[];
  b: number[];
  /** blocks of this size are sorted after the stage */
  sortedBlock: number;
}

/** Batcher odd-even merge sort comparators for n = 2^j, by stage p = 1, 2, 4, … (Knuth 5.3.4). */
export function batcherStages(n: number): NetworkStage[] {
  const stages: NetworkStage[] = [];
  for (let p = 1; p < n; p <<= 1) {
    const a: number[] = [];
    const b: number[] = [];
    for (let k = p; k >= 1; k >>= 1) {
      for (let j = k % p; j <= n - 1 - k; j += 2 * k) {
        for (let i = 0; i <= Math.min(k - 1, n - j - k - 1); i++) {
          if (Math.floor((i + j) / (2 * p)) === Math.floor((i + j + k) / (2 * p))) {
            a.push(i + j);
            b.push(i + j + k);
          }
        }
      }
    }
    stages.push({ a, b, sortedBlock: 2 * p });
  }
  return stages;
}

type ThresholdFn = (comp: Float64Array, g: number, thr: Float64Array) => void;

/**
 * Straight-line code: loads comp[g … g+Mmax) into locals, runs the network descending, and
 * after each stage stores the thresholds thr[t·Mmax + block] = N-th largest of each block of
 * the patterns whose M that stage completes.
 */
function buildThresholdFn(mMax: number, patterns: NmPattern[]): ThresholdFn {
  const lines: string[] = [];
  for (let i = 0; i < mMax; i++) lines.push(`let s${i} = comp[g + ${i}];`);
  lines.push('let t;');
  for (const st of batcherStages(mMax)) {
    for (let c = 0; c < st.a.length; c++) {
      const a = `s${st.a[c]}`;
      const b = `s${st.b[c]}`;
      lines.push(`t = ${a}; if (${b} > t) { ${a} = ${b}; ${b} = t; }`);
    }
    patterns.forEach((p, ti) => {
      if (p.m !== st.sortedBlock) return;
      for (let blk = 0; blk < mMax; blk += p.m) lines.push(`thr[${ti * mMax + blk / p.m}] = s${blk + p.n - 1};`);
    });
  }
  return new Function('comp', 'g', 'thr', lines.join('\n')) as ThresholdFn;
}

type IntThresholdFn = (comp: Int32Array, g: number, thr: Int32Array) => void;

/**
 * The same network on int32 composites, branch-free: with d = a − b and m = d >> 31 (−1 when
 * a < b), t = d & m swaps by a −= t, b += t. Used when every key of the row has its low 13 bits
 * clear — true of any value that came from F16 or BF16 — so key >>> 13 keeps the exact order and
 * (key >>> 13) · 32 + (31 − i) fits in 23 bits.
 */
function buildIntThresholdFn(mMax: number, patterns: NmPattern[]): IntThresholdFn {
  const lines: string[] = [];
  for (let i = 0; i < mMax; i++) lines.push(`let s${i} = comp[g + ${i}] | 0;`);
  lines.push('let d = 0;');
  for (const st of batcherStages(mMax)) {
    for (let c = 0; c < st.a.length; c++) {
      const a = `s${st.a[c]}`;
      const b = `s${st.b[c]}`;
      lines.push(`d = ${a} - ${b}; d &= d >> 31; ${a} = (${a} - d) | 0; ${b} = (${b} + d) | 0;`);
    }
    patterns.forEach((p, ti) => {
      if (p.m !== st.sortedBlock) return;
      for (let blk = 0; blk < mMax; blk += p.m) lines.push(`thr[${ti * mMax + blk / p.m}] = s${blk + p.n - 1};`);
    });
  }
  return new Function('comp', 'g', 'thr', lines.join('\n')) as IntThresholdFn;
}

const intNetworkCache = new Map<string, IntThresholdFn>();
const networkCache = new Map<string, ThresholdFn>();

export class NetworkSelector {
  readonly k: number;
  private readonly mMax: number;
  private readonly patterns: NmPattern[];
  private readonly shifts: number[];
  private readonly thresholds: ThresholdFn;
  private readonly intThresholds: IntThresholdFn;
  private readonly comp: Float64Array;
  private readonly compInt: Int32Array;
  private readonly thrInt: Int32Array;
  private readonly keys: Int32Array;
  private readonly thr: Float64Array;
  /** packed keep words of the last row, per pattern */
  readonly words: Uint32Array[];
  /** dropped energy Σ x² of the last row, per pattern */
  readonly dropped: Float64Array;

  constructor(k: number, patterns: NmPattern[], words?: Uint32Array[]) {
    this.k = k;
    this.patterns = patterns;
    this.mMax = Math.max(2, ...patterns.map((p) => p.m));
    this.shifts = patterns.map((p) => Math.log2(p.m));
    const key = `${this.mMax}|${patterns.map((p) => `${p.n}:${p.m}`).join(',')}`;
    let fn = networkCache.get(key);
    if (!fn) networkCache.set(key, (fn = buildThresholdFn(this.mMax, patterns)));
    this.thresholds = fn;
    let intFn = intNetworkCache.get(key);
    if (!intFn) intNetworkCache.set(key, (intFn = buildIntThresholdFn(this.mMax, patterns)));
    this.intThresholds = intFn;
    this.comp = new Float64Array(k);
    this.compInt = new Int32Array(k);
    this.thrInt = new Int32Array(patterns.length * this.mMax);
    this.keys = new Int32Array(k);
    this.thr = new Float64Array(patterns.length * this.mMax);
    this.words = words ?? patterns.map(() => new Uint32Array((k + 31) >>> 5));
    this.dropped = new Float64Array(patterns.length);
  }

  /** bits: Int32Array view of the float32 row at `offset`; x2: the row's squares. */
  select(bits: Int32Array, offset: number, x2: Float64Array): void {
    const { k, mMax, keys, dropped, words } = this;
    let low = 0;
    for (let j = 0; j < k; j++) {
      const a = bits[offset + j] & 0x7fffffff;
      const nan = a > 0x7f800000;
      keys[j] = nan ? -1 : a;
      low |= nan ? 0 : a;
    }
    dropped.fill(0);
    for (const w of words) w.fill(0);
    const full = k - (k % mMax);
    if ((low & 0x1fff) === 0) this.selectInt(full, x2);
    else this.selectDouble(full, x2);
    if (full < k) this.tail(full, x2);
  }

  private selectInt(full: number, x2: Float64Array): void {
    const { mMax, keys, compInt: comp, thrInt: thr, patterns, shifts, dropped, words } = this;
    const lowMask = mMax - 1;
    for (let j = 0; j < full; j++) {
      const key = keys[j];
      comp[j] = (key < 0 ? -1 : key >>> 13) * 32 + (31 - (j & lowMask));
    }
    const nPat = patterns.length;
    for (let g = 0; g < full; g += mMax) {
      this.intThresholds(comp, g, thr);
      for (let ti = 0; ti < nPat; ti++) {
        const sh = shifts[ti];
        const base = ti * mMax;
        let w = 0;
        let drop = 0;
        for (let i = 0; i < mMax; i++) {
          const kept = (thr[base + (i >> sh)] - comp[g + i] - 1) >>> 31; // comp ≥ threshold
          w |= kept << i;
          drop += x2[g + i] * (1 - kept);
        }
        words[ti][g >>> 5] |= w << (g & 31);
        dropped[ti] += drop;
      }
    }
  }

  private selectDouble(full: number, x2: Float64Array): void {
    const { mMax, keys, comp, thr, patterns, shifts, dropped, words } = this;
    const lowMask = mMax - 1;
    for (let j = 0; j < full; j++) comp[j] = keys[j] * 64 + (63 - (j & lowMask));
    const nPat = patterns.length;
    for (let g = 0; g < full; g += mMax) {
      this.thresholds(comp, g, thr);
      for (let ti = 0; ti < nPat; ti++) {
        const sh = shifts[ti];
        const base = ti * mMax;
        let w = 0;
        let drop = 0;
        for (let i = 0; i < mMax; i++) {
          const kept = comp[g + i] >= thr[base + (i >> sh)] ? 1 : 0;
          w |= kept << i;
          drop += x2[g + i] * (1 - kept);
        }
        words[ti][g >>> 5] |= w << (g & 31);
        dropped[ti] += drop;
      }
    }
  }

  /** The last, partial group of Mmax: reference ranking on the real elements only. */
  private tail(g0: number, x2: Float64Array): void {
    const { k, keys, patterns, dropped, words } = this;
    patterns.forEach((p, ti) => {
      const { n, m } = p;
      for (let g = g0; g < k; g += m) {
        const end = Math.min(k, g + m);
        for (let j = g; j < end; j++) {
          const kj = keys[j];
          let r = 0;
          for (let i = g; i < end; i++) if (keys[i] > kj || (keys[i] === kj && i < j)) r++;
          if (r < n) words[ti][j >>> 5] |= 1 << (j & 31);
          else dropped[ti] += x2[j];
        }
      }
    });
  }
}

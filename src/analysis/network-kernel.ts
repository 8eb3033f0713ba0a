/**
 * The fast magnitude kernel for power-of-two group sizes up to 32 (2:4, 4:8, 8:16, 16:32 …):
 * one sorting network per group of Mmax gives every smaller pattern on the way.
 *
 * - Element i of a group of Mmax becomes the float64 composite c = key · 64 + (63 − i), with
 *   key = bits(x) & 0x7fffffff (the order of |x| is the integer order of these bit patterns;
 *   NaN → −1, below every number). Composites are distinct, exact in a double (37 bits), and
 *   order exactly like the reference rule "larger |x| first, lower index on ties".
 * - Batcher's odd-even merge sort (sparsity/sorting-networks.ts `batcherMergeStages`, run
 *   descending; 5/19/63/191 comparators for 4/8/16/32) runs stage by stage: after stage p
 *   every block of 2p is sorted, so the N-th largest composite of each block of M — the
 *   block's threshold — is read right after the stage that sorts blocks of M. All paper patterns cost the 191 compare-exchanges of one 32-sort, about six
 *   per element.
 * - Element i is kept at N:M iff its composite ≥ its block's threshold (exactly N per block,
 *   composites being distinct). The kernel writes keep bits (one word per 32 elements); the
 *   squares of the dropped elements are summed in the canonical order (canonical-sums.ts).
 * - Where WebAssembly SIMD is available the same selection runs there (network-simd.ts, four
 *   groups per instruction; tested equal to this JavaScript kernel, which stays the reference
 *   and the fallback: `{ simd: false }`).
 * - The per-row work is emitted once as straight-line code over local variables (a
 *   `new Function` built from the comparator table and the pattern list, never from input
 *   data), so composites and thresholds live in registers.
 * - A tail group (K not a multiple of Mmax) is ranked directly by the reference rule on its
 *   real elements, so it keeps min(N, r).
 * Tested equal to sparsity/select.ts `selectKeep` on random data with ties, zeros and NaN.
 */
import type { NmPattern } from '../sparsity/pattern.js';
import { batcherMergeStages } from '../sparsity/sorting-networks.js';
import { SIMD_AVAILABLE } from '../wasm/assembler.js';
import { droppedEnergy } from './canonical-sums.js';
import { fieldCounts } from './word-counts.js';
import { SimdNetwork } from './network-simd.js';

export const NETWORK_MAX_GROUP = 32;

export function isNetworkPattern(p: { kind: string; m?: number }): p is NmPattern {
  return p.kind === 'nm' && p.m! >= 2 && p.m! <= NETWORK_MAX_GROUP && (p.m! & (p.m! - 1)) === 0;
}

/** Processes the full groups of one row: keep words |= per pattern. */
type RowFn = (comp: Float64Array | Int32Array, full: number, words: Uint32Array[]) => void;

/**
 * Emits the row kernel as straight-line code over local variables, once per (Mmax, patterns):
 * per group, load the composites (o_i keeps the originals), run the network descending, take
 * each pattern's block thresholds T right after the stage that sorts its blocks, then for every
 * element and pattern: kept = o_i ≥ T, set its keep bit, add x_i² to the dropped energy if not.
 *
 * int32 flavour (rows whose keys have their low 13 bits clear — every value that came from F16
 * or BF16 — so key >>> 13 keeps the exact order and composites fit in 23 bits): branch-free
 * compare-exchange d = a − b, d &= d >> 31, a −= d, b += d; right after the stage that sorts a
 * pattern's blocks, the top N positions of each block are kept and the others dropped, their
 * element index read from the composite's low 5 bits.
 * float64 flavour (any float32 row): compare-exchange, then kept = composite ≥ block threshold.
 */
function buildRowFn(mMax: number, patterns: NmPattern[], int: boolean): RowFn {
  const L: string[] = [];
  patterns.forEach((_, t) => L.push(`const W${t} = words[${t}];`));
  L.push(`for (let g = 0; g < full; g += ${mMax}) {`);
  for (let i = 0; i < mMax; i++) L.push(int ? `let s${i} = comp[g + ${i}] | 0;` : `let s${i} = comp[g + ${i}];`);
  if (!int) for (let i = 0; i < mMax; i++) L.push(`const o${i} = s${i};`);
  L.push(int ? 'let d = 0; let w = 0;' : 'let t = 0;');
  // the generator's pairs [lo, hi] with the larger composite moved to lo: a descending sort
  for (const st of batcherMergeStages(mMax)) {
    for (const [lo, hi] of st.comparators) {
      const a = `s${lo}`;
      const b = `s${hi}`;
      L.push(int ? `d = ${a} - ${b}; d &= d >> 31; ${a} = (${a} - d) | 0; ${b} = (${b} + d) | 0;` : `t = ${a}; if (${b} > t) { ${a} = ${b}; ${b} = t; }`);
    }
    patterns.forEach((p, t) => {
      if (p.m !== st.sortedBlock) return;
      if (int) {
        // blocks of M are sorted now: the top N positions are kept; the element index is the
        // composite's low 5 bits (31 − i)
        L.push('w = 0;');
        for (let blk = 0; blk < mMax; blk += p.m) {
          for (let j = blk; j < blk + p.n; j++) L.push(`w |= 1 << (31 - (s${j} & 31));`);
        }
        L.push(`W${t}[g >>> 5] |= w << (g & 31);`);
      } else {
        for (let blk = 0; blk < mMax; blk += p.m) L.push(`const T${t}_${blk / p.m} = s${blk + p.n - 1};`);
      }
    });
  }
  if (!int) {
    L.push('let k = 0;');
    patterns.forEach((p, t) => {
      L.push(`let w${t} = 0;`);
      for (let i = 0; i < mMax; i++) {
        L.push(`k = o${i} >= T${t}_${Math.floor(i / p.m)} ? 1 : 0;`);
        L.push(`w${t} |= k << ${i};`);
      }
      L.push(`W${t}[g >>> 5] |= w${t} << (g & 31);`);
    });
  }
  L.push('}');
  return new Function('comp', 'full', 'words', L.join('\n')) as RowFn;
}

const rowFnCache = new Map<string, RowFn>();

function rowFn(mMax: number, patterns: NmPattern[], int: boolean): RowFn {
  const key = `${int ? 'i' : 'd'}${mMax}|${patterns.map((p) => `${p.n}:${p.m}`).join(',')}`;
  let fn = rowFnCache.get(key);
  if (!fn) rowFnCache.set(key, (fn = buildRowFn(mMax, patterns, int)));
  return fn;
}

export class NetworkSelector {
  readonly k: number;
  private readonly mMax: number;
  private readonly patterns: NmPattern[];
  private readonly intRow: RowFn;
  private readonly doubleRow: RowFn;
  // the JavaScript kernel's rows (16 B per element of K), allocated on its first use: the SIMD
  // path never needs them (at K = 2^20 that is 16 MiB per lane)
  private compBuf: Float64Array | null = null;
  private compIntBuf: Int32Array | null = null;
  private keysBuf: Int32Array | null = null;
  private get comp(): Float64Array {
    return (this.compBuf ??= new Float64Array(this.k));
  }
  private get compInt(): Int32Array {
    return (this.compIntBuf ??= new Int32Array(this.k));
  }
  private get keys(): Int32Array {
    return (this.keysBuf ??= new Int32Array(this.k));
  }
  /** packed keep words of the last row, per pattern */
  readonly words: Uint32Array[];
  /** dropped energy Σ x² of the last row, per pattern */
  readonly dropped: Float64Array;

  /** the WebAssembly SIMD kernel, where available */
  readonly simd: SimdNetwork | null;

  constructor(k: number, patterns: NmPattern[], words?: Uint32Array[], opts: { simd?: boolean } = {}) {
    this.k = k;
    this.simd = SIMD_AVAILABLE && opts.simd !== false && k > 0 ? new SimdNetwork(k, patterns) : null;
    this.patterns = patterns;
    this.mMax = Math.max(2, ...patterns.map((p) => p.m));
    this.intRow = rowFn(this.mMax, patterns, true);
    this.doubleRow = rowFn(this.mMax, patterns, false);
    this.words = words ?? patterns.map(() => new Uint32Array((k + 31) >>> 5));
    this.dropped = new Float64Array(patterns.length);
  }

  /**
   * bits: Int32Array view of the float32 row at `offset`; x2: the row's squares, or null when
   * the caller needs only the keep words (`dropped` is then left stale).
   */
  select(bits: Int32Array, offset: number, x2: Float64Array | null): void {
    if (this.simd) {
      this.simd.loadFloat(bits, offset, x2 === null);
      const exact = this.simd.run(x2 !== null);
      this.fromSimd();
      if (!exact) this.breakTies(bits, offset, x2);
      return;
    }
    this.selectJs(bits, offset, x2);
  }

  /**
   * After a SIMD run on plain keys with a tie at some threshold T: a group keeps every value ≥ T,
   * possibly more than its quota min(N, r); the tie rule keeps the lower indices, so the extra
   * values equal to T are dropped from the highest index down. D is then summed again
   * (canonical order) for the patterns that changed.
   */
  private breakTies(bits: Int32Array, offset: number, x2: Float64Array | null): void {
    const { k, patterns, words, dropped } = this;
    patterns.forEach((p, t) => {
      const w = words[t];
      const { n, m } = p;
      const fieldMask = m === 32 ? -1 : (1 << m) - 1;
      let changed = false;
      for (let wi = 0; wi < w.length; wi++) {
        // kept count of every group in this word at once (groups of M never straddle words)
        const counts = fieldCounts(w[wi], m);
        for (let f = 0; f < 32; f += m) {
          const g = (wi << 5) + f;
          if (g >= k) break;
          const r = Math.min(m, k - g);
          const quota = Math.min(n, r);
          let count = m === 32 ? counts : (counts >>> f) & fieldMask;
          if (count <= quota) continue;
          let min = Infinity;
          for (let j = g; j < g + r; j++) {
            const a = bits[offset + j] & 0x7fffffff;
            if ((w[wi] >>> (j & 31)) & 1) min = Math.min(min, a > 0x7f800000 ? -1 : a);
          }
          for (let j = g + r - 1; j >= g && count > quota; j--) {
            const a = bits[offset + j] & 0x7fffffff;
            if ((w[wi] >>> (j & 31)) & 1 && (a > 0x7f800000 ? -1 : a) === min) {
              w[wi] &= ~(1 << (j & 31));
              count--;
            }
          }
          changed = true;
        }
      }
      if (changed && x2) dropped[t] = droppedEnergy(w, x2, k);
    });
  }

  /**
   * SIMD only: keep words (no D) of scores s_j = f32(|z_j| · f_j), f given to the kernel by
   * `simd.setFactors` — the same selection as `select` on the scores written out, without
   * writing them in JavaScript.
   */
  selectScaled(zBits: Int32Array, offset: number): void {
    const simd = this.simd!;
    simd.loadScaled(zBits, offset);
    const exact = simd.run(false);
    this.fromSimd();
    if (!exact) this.breakTies(simd.scoreBits, 0, null);
  }

  /** Copies the SIMD kernel's words and D. */
  private fromSimd(): void {
    const simd = this.simd!;
    for (let t = 0; t < this.words.length; t++) this.words[t].set(simd.words[t]);
    this.dropped.set(simd.dropped);
  }

  /**
   * The SIMD path for F16/BF16 rows: loads the codes once for the row context (E, nonzero bits)
   * and the selection; returns E (+∞ for a row holding NaN or ±Inf). Only with `simd`.
   */
  loadHalfSimd(codes: Uint16Array, offset: number, dtype: 'F16' | 'BF16', nonzeroWords: Uint32Array): { energy: number; nonzeros: number } {
    const simd = this.simd!;
    const energy = simd.loadHalf(codes, offset, dtype);
    nonzeroWords.set(simd.nonzeroWords);
    return { energy, nonzeros: simd.nonzeros };
  }

  /** Runs the selection on the row loadHalfSimd loaded. */
  selectLoadedHalf(): void {
    this.simd!.run();
    this.fromSimd();
  }

  /** The JavaScript kernel (reference and fallback). */
  selectJs(bits: Int32Array, offset: number, x2: Float64Array | null): void {
    const { k, mMax, keys, dropped, words } = this;
    const full = k - (k % mMax);
    const lowMask = mMax - 1;
    const compInt = this.compInt;
    // one pass: keys, int32 composites (valid if every key has its low 13 bits clear)
    let low = 0;
    for (let j = 0; j < k; j++) {
      const a = bits[offset + j] & 0x7fffffff;
      const nan = a > 0x7f800000;
      const key = nan ? -1 : a;
      keys[j] = key;
      low |= nan ? 0 : a;
      compInt[j] = (nan ? -1 : a >>> 13) * 32 + (31 - (j & lowMask));
    }
    for (const w of words) w.fill(0);
    if ((low & 0x1fff) === 0) this.intRow(compInt, full, words);
    else {
      const comp = this.comp;
      for (let j = 0; j < full; j++) comp[j] = keys[j] * 64 + (63 - (j & lowMask));
      this.doubleRow(comp, full, words);
    }
    if (full < k) this.tail(full);
    if (x2) for (let t = 0; t < words.length; t++) dropped[t] = droppedEnergy(words[t], x2, k);
  }

  /**
   * The same selection on a row of F16/BF16 codes: key = code & 0x7fff (NaN codes → −1) orders
   * |x| exactly, so the int32 network runs on key · 32 + (31 − i) without decoding.
   */
  selectHalf(codes: Uint16Array, offset: number, x2: Float64Array, nanAbove: number): void {
    const { k, mMax, keys, dropped, words } = this;
    const full = k - (k % mMax);
    const lowMask = mMax - 1;
    const comp = this.compInt;
    for (let j = 0; j < full; j++) {
      const a = codes[offset + j] & 0x7fff;
      comp[j] = (a > nanAbove ? -1 : a) * 32 + (31 - (j & lowMask));
    }
    // keys are only read by the tail ranking
    for (let j = full; j < k; j++) {
      const a = codes[offset + j] & 0x7fff;
      keys[j] = a > nanAbove ? -1 : a;
    }
    for (const w of words) w.fill(0);
    this.intRow(comp, full, words);
    if (full < k) this.tail(full);
    for (let t = 0; t < words.length; t++) dropped[t] = droppedEnergy(words[t], x2, k);
  }

  /** The last, partial group of Mmax: reference ranking on the real elements only. */
  private tail(g0: number): void {
    const { k, keys, patterns, words } = this;
    patterns.forEach((p, ti) => {
      const { n, m } = p;
      for (let g = g0; g < k; g += m) {
        const end = Math.min(k, g + m);
        for (let j = g; j < end; j++) {
          const kj = keys[j];
          let r = 0;
          for (let i = g; i < end; i++) if (keys[i] > kj || (keys[i] === kj && i < j)) r++;
          if (r < n) words[ti][j >>> 5] |= 1 << (j & 31);
        }
      }
    });
  }
}

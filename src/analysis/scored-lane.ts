/**
 * The fast path of every lane but magnitude + none — amber, clact, and the var, dpts, spts and
 * affine mitigations — on network patterns (power-of-two M ≤ 32). sparsity/prune.ts
 * `pruneMatrix`, the reference, redoes the shift, the channel factors and the scores for each
 * pattern and ranks every group pairwise (selectKeep, O(M²)); here they are computed once per
 * chunk for all patterns and the selection runs on the sorting network (network-kernel.ts, all
 * patterns at once). The arithmetic is pruneMatrix's step for step, so keep rows and x̃ are the
 * same bits (tested in test/analysis/scored-lane.test.ts on random and captured rows):
 *
 *   per batch of rows (clact: its batch of tokens, as pruneMatrix is called; else the chunk)
 *     η_t = shift(x_t)            z_t = x_t − η_t (float32)          f = channelFactors(z batch)
 *   per row
 *     s_t = |z_t| · f (float32) ─▶ network: keep words of every pattern (s ≥ 0: |s| order is s order,
 *                                  ties to the lower index, as selectKeep)
 *   emit(pattern): keep bytes and x̃_t = (keep ? z_t : 0) + η_t, then var's row scale
 *   accumulate (no output error to compute): per row, once for all patterns, x̃ of each pattern
 *   and its sums straight into the accumulators — PatternAccumulator.addRow's arithmetic in its
 *   order, without the keep bytes and without reloading the row per pattern; without a row
 *   scale every pattern's four sums in one pass (scored-sums-wasm.ts, or the generated
 *   JavaScript loop below with `{ simd: false }`)
 *   dpts: η_t by radix selection (row-median.ts), the same value as the registry's lowerMedian
 *
 * z is recomputed in emit (the same float32 rounding of x − η) rather than kept per pattern.
 */
import type { NmPattern } from '../sparsity/pattern.js';
import { CRITERION_INFO, MITIGATION_INFO, checkPruneContext, type Criterion, type Mitigation, type PruneContext } from '../sparsity/registry.js';
import { NetworkSelector } from './network-kernel.js';
import { RowMedian, WasmRowMedian } from './row-median.js';
import { WasmRowSums } from './scored-sums-wasm.js';
import type { PatternAccumulator, RowContext } from './pattern-accumulator.js';
import type { CompatibilityAccumulator } from './compatibility.js';

/**
 * Sums addRow's four terms of every pattern of one row at once: terms[8j + bit], terms[8j + 2 + bit],
 * terms[8j + 4 + bit], terms[8j + 6 + bit] (bit = pattern's keep bit of j) are pattern p's kept
 * energy, (x̃ − x)², x·x̃ and x̃² terms; out[4p …] receives the sums. Each pattern's sums run over
 * j in order (the bits of addRow's); the patterns share the loop, so their 4P independent
 * additions overlap instead of waiting on one chain. Emitted as straight-line code per pattern
 * count (`new Function` built from P only, never from input data), sums in local variables.
 */
type RowSumsFn = (words: Uint32Array[], w0: number, k: number, terms: Float64Array, out: Float64Array) => void;

function buildRowSums(patterns: number): RowSumsFn {
  const L: string[] = [];
  const ps = Array.from({ length: patterns }, (_, p) => p);
  for (const p of ps) L.push(`const W${p} = words[${p}]; let a${p} = 0, b${p} = 0, c${p} = 0, d${p} = 0;`);
  L.push('for (let j0 = 0, wi = w0; j0 < k; j0 += 32, wi++) {');
  for (const p of ps) L.push(`let m${p} = W${p}[wi];`);
  L.push('const end = Math.min(k, j0 + 32);');
  L.push('for (let j = j0, e = 8 * j0; j < end; j++, e += 8) {');
  L.push('let i = 0;');
  for (const p of ps) L.push(`i = e + (m${p} & 1); m${p} >>>= 1; a${p} += terms[i]; b${p} += terms[i + 2]; c${p} += terms[i + 4]; d${p} += terms[i + 6];`);
  L.push('}');
  L.push('}');
  for (const p of ps) L.push(`out[${4 * p}] = a${p}; out[${4 * p + 1}] = b${p}; out[${4 * p + 2}] = c${p}; out[${4 * p + 3}] = d${p};`);
  return new Function('words', 'w0', 'k', 'terms', 'out', L.join('\n')) as RowSumsFn;
}

const rowSumsCache = new Map<number, RowSumsFn>();

function rowSums(patterns: number): RowSumsFn {
  let fn = rowSumsCache.get(patterns);
  if (!fn) rowSumsCache.set(patterns, (fn = buildRowSums(patterns)));
  return fn;
}

/** One lane's part in ScoredSelector.accumulateShared (lanes.ts Lane's fields). */
export interface SharedLane {
  scored: ScoredSelector;
  acc: PatternAccumulator[];
  compat: CompatibilityAccumulator[][];
  scoredIndex: number[];
}

/** The row's context: from the sums kernel's summary where it made one (the same E and bits as RowContext.load), else loaded. */
function loadRow(row: RowContext, t: number, x: Float32Array, off: number, sums: WasmRowSums): void {
  if (!sums.summary) {
    row.load(t, x, off);
    return;
  }
  row.loadSummary(t, sums.rowSummary[0], sums.rowSummary[1]);
  row.nonzeroWords.set(sums.nonzeroWords);
}

/** η of the first `rows` rows equal, bit for bit (−0 and +0 differ: x − η would too) */
function sameShifts(a: Float64Array, b: Float64Array, rows: number): boolean {
  if (a === b) return true;
  for (let t = 0; t < rows; t++) if (!Object.is(a[t], b[t])) return false;
  return true;
}

export class ScoredSelector {
  readonly k: number;
  readonly patterns: NmPattern[];
  private readonly criterion: Criterion;
  private readonly mitigation: Mitigation;
  private readonly ctx: PruneContext;
  private readonly network: NetworkSelector;
  private readonly nWords: number;
  /** η per row of the chunk (sized by the first, largest chunk) */
  private shifts = new Float64Array(0);
  /** keep words per pattern of every row of the chunk: [pattern][row · nWords + w] */
  private chunkWords: Uint32Array[] = [];
  private readonly scores: Float32Array;
  private readonly scoreBits: Int32Array;
  private readonly shiftScratch: Float32Array;
  /** dpts: η by radix selection (row-median.ts, equal to the registry's lowerMedian) */
  private readonly rowMedian: RowMedian | WasmRowMedian | null;
  /** accumulate's per-row terms (allocated on first use) */
  private terms: Float64Array | null = null;
  /** WebAssembly unless `{ simd: false }` (the JavaScript sums stay the reference) */
  readonly useWasm: boolean;
  private wasmSums: WasmRowSums | null = null;
  /** accumulateShared's sums over a group of lanes (held by the group's first lane) */
  private groupSums: WasmRowSums | null = null;

  /** the prune context is checked on first use, not at construction: the merge of sharded
   * token ranges builds lanes only for their accumulators, from a site's metadata without its
   * weight factors */
  private contextChecked = false;

  constructor(k: number, patterns: NmPattern[], criterion: Criterion, mitigation: Mitigation, ctx: PruneContext, opts: { simd?: boolean } = {}) {
    this.k = k;
    this.patterns = patterns;
    this.criterion = criterion;
    this.mitigation = mitigation;
    this.ctx = ctx;
    this.network = new NetworkSelector(k, patterns, undefined, opts);
    this.nWords = (k + 31) >>> 5;
    this.scores = new Float32Array(k);
    this.scoreBits = new Int32Array(this.scores.buffer);
    this.shiftScratch = new Float32Array(k);
    this.useWasm = opts.simd !== false && typeof WebAssembly === 'object';
    this.rowMedian = mitigation === 'dpts' ? (this.useWasm ? new WasmRowMedian(k) : new RowMedian(k)) : null;
  }

  /** η of each row of the last prepared chunk (valid for `rows` entries) */
  get preparedShifts(): Float64Array {
    return this.shifts;
  }

  /** dpts: η is a function of the row alone, so lanes of one site (amber's consumers) can share it */
  get sharesShifts(): boolean {
    return this.rowMedian !== null;
  }

  /**
   * Selects every pattern for `rows` rows of x (row-major, K wide), in batches of `batch` rows
   * (the tokens clact's norms are taken over). zScratch (≥ rows · K) is overwritten.
   * knownShifts: η of these rows from another lane with the same (dpts) mitigation on the same chunk;
   * knownZ: zScratch already holds z = x − knownShifts of these rows (that lane's prepare wrote it and
   * nothing wrote zScratch since), so it is not recomputed.
   */
  prepare(x: Float32Array, rows: number, batch: number, zScratch: Float32Array, knownShifts?: Float64Array, knownZ = false): void {
    if (!this.contextChecked) {
      checkPruneContext(this.criterion, this.mitigation, this.ctx, this.k);
      this.contextChecked = true;
    }
    if (this.shifts.length < rows) {
      this.shifts = new Float64Array(rows);
      this.chunkWords = this.patterns.map(() => new Uint32Array(rows * this.nWords));
    }
    const { k, nWords, shifts, scores, chunkWords } = this;
    const mitigation = MITIGATION_INFO[this.mitigation];
    const criterion = CRITERION_INFO[this.criterion];
    const rowMedian = this.rowMedian;
    const zBits = new Int32Array(zScratch.buffer, zScratch.byteOffset, zScratch.length);
    const xBits = rowMedian ? new Int32Array(x.buffer, x.byteOffset, x.length) : null;
    for (let b0 = 0; b0 < rows; b0 += batch) {
      const bn = Math.min(batch, rows - b0);
      for (let t = b0; t < b0 + bn; t++) {
        const row = t * k;
        const eta = knownShifts ? knownShifts[t] : rowMedian ? rowMedian.median(x, xBits!, row, k) : mitigation.shift(x, k, row, this.ctx, this.shiftScratch);
        shifts[t] = eta;
        if (knownZ && knownShifts) continue;
        // dpts: z from the row already in the median kernel's memory (the same bits)
        if (!knownShifts && rowMedian instanceof WasmRowMedian && rowMedian.shift(x, row, k, eta, zScratch, row)) continue;
        for (let j = 0; j < k; j++) zScratch[row + j] = x[row + j] - eta;
      }
      const z = zScratch.subarray(b0 * k, (b0 + bn) * k);
      const factors = criterion.channelFactors(z, bn, k, this.ctx);
      const simd = this.network.simd;
      if (factors && simd) simd.setFactors(factors);
      for (let t = 0; t < bn; t++) {
        const row = t * k;
        // keep words only (the sums come in accumulate); the network ranks |bits|, so without
        // factors it reads z itself (the bits of |z| are z's with the sign cleared)
        if (factors && simd) this.network.selectScaled(zBits, (b0 + t) * k);
        else if (factors) {
          for (let j = 0; j < k; j++) scores[j] = Math.abs(z[row + j]) * factors[j];
          this.network.select(this.scoreBits, 0, null);
        } else this.network.select(zBits, (b0 + t) * k, null);
        for (let q = 0; q < chunkWords.length; q++) chunkWords[q].set(this.network.words[q], (b0 + t) * nWords);
      }
    }
  }

  /**
   * Adds the prepared rows (row r0 + t of the site at x[t·K]) to acc[p] and compat[p] of every
   * plan pattern p with q = scoredIndex[p] ≥ 0, as loading each row, emit and
   * PatternAccumulator.addRow would; out (≥ rows · K) is scratch for x̃.
   */
  accumulate(x: Float32Array, r0: number, rows: number, row: RowContext, acc: PatternAccumulator[], compat: CompatibilityAccumulator[][], scoredIndex: number[], out: Float32Array): void {
    const { k, nWords, shifts } = this;
    const rowScale = MITIGATION_INFO[this.mitigation].rowScale;
    if (!rowScale) {
      this.accumulateTwoValued(x, r0, rows, row, acc, compat, scoredIndex);
      return;
    }
    for (let t = 0; t < rows; t++) {
      const off = t * k;
      row.load(r0 + t, x, off);
      const x2 = row.x2;
      const eta = shifts[t];
      for (let p = 0; p < scoredIndex.length; p++) {
        const q = scoredIndex[p];
        if (q < 0) continue;
        const words = this.chunkWords[q];
        const w0 = t * nWords;
        let keptE = 0;
        let err = 0;
        let xy = 0;
        let yy = 0;
        for (let j = 0; j < k; j++) {
          const kv = (words[w0 + (j >>> 5)] >>> (j & 31)) & 1;
          out[off + j] = (kv ? Math.fround(x[off + j] - eta) : 0) + eta;
        }
        const v = rowScale(x, out, k, off);
        for (let j = 0; j < k; j++) out[off + j] *= v;
        for (let j = 0; j < k; j++) {
          const kv = (words[w0 + (j >>> 5)] >>> (j & 31)) & 1;
          const xv = x[off + j];
          const yv = out[off + j];
          const d = yv - xv;
          keptE += x2[j] * kv;
          err += d * d;
          xy += xv * yv;
          yy += yv * yv;
        }
        this.addPattern(p, q, t, row, err, xy, yy, keptE, acc, compat);
      }
    }
  }

  /**
   * accumulate without a row scale: x̃_j is one of two values whatever the pattern, so the terms
   * of addRow's sums for "kept" and "dropped" are computed once per row, then every pattern's
   * sums are taken together (rowSums).
   */
  private accumulateTwoValued(x: Float32Array, r0: number, rows: number, row: RowContext, acc: PatternAccumulator[], compat: CompatibilityAccumulator[][], scoredIndex: number[]): void {
    const { k, nWords, shifts } = this;
    const active = scoredIndex.flatMap((q, p) => (q < 0 ? [] : [p]));
    const words = active.map((p) => this.chunkWords[scoredIndex[p]]);
    if (this.useWasm) {
      if (this.wasmSums?.patterns !== active.length) this.wasmSums = new WasmRowSums(k, active.length);
      const { sums } = this.wasmSums;
      for (let t = 0; t < rows; t++) {
        const sumsOf = this.wasmSums;
        sumsOf.row(x, t * k, shifts[t], words, t * nWords);
        loadRow(row, r0 + t, x, t * k, sumsOf);
        active.forEach((p, i) => this.addPattern(p, scoredIndex[p], t, row, sums[4 * i + 1], sums[4 * i + 2], sums[4 * i + 3], sums[4 * i], acc, compat));
      }
      return;
    }
    // per element j: [kept energy, (x̃ − x)², x·x̃, x̃²] × [dropped, kept] at 8j + 2·term + bit
    const terms = this.terms ?? (this.terms = new Float64Array(8 * k));
    const sums = new Float64Array(4 * active.length);
    const sumRow = rowSums(active.length);
    for (let t = 0; t < rows; t++) {
      const off = t * k;
      row.load(r0 + t, x, off);
      const x2 = row.x2;
      const eta = shifts[t];
      const yDropped = Math.fround(0 + eta);
      const yyDropped = yDropped * yDropped;
      for (let j = 0, e = 0; j < k; j++, e += 8) {
        const xv = x[off + j];
        const yKept = Math.fround(Math.fround(xv - eta) + eta);
        const dk = yKept - xv;
        const dd = yDropped - xv;
        terms[e] = 0;
        terms[e + 1] = x2[j];
        terms[e + 2] = dd * dd;
        terms[e + 3] = dk * dk;
        terms[e + 4] = xv * yDropped;
        terms[e + 5] = xv * yKept;
        terms[e + 6] = yyDropped;
        terms[e + 7] = yKept * yKept;
      }
      sumRow(words, t * nWords, k, terms, sums);
      active.forEach((p, i) => this.addPattern(p, scoredIndex[p], t, row, sums[4 * i + 1], sums[4 * i + 2], sums[4 * i + 3], sums[4 * i], acc, compat));
    }
  }

  /**
   * accumulate for lanes of one site that differ only in their consumer (amber's q, k, v …), all
   * prepared on the same chunk: where every lane is two-valued on WebAssembly and their η agree
   * row for row (dpts shares it), the row is loaded once and the sums of every lane's patterns come
   * from one pass (WasmRowSums over lanes × patterns: the terms of x and η once, each pattern's four
   * chains in j order as accumulate's, so the same bits). Otherwise each lane's accumulate in turn.
   */
  static accumulateShared(lanes: SharedLane[], x: Float32Array, r0: number, rows: number, row: RowContext, out: Float32Array): void {
    const first = lanes[0].scored;
    const shared =
      lanes.length > 1 &&
      first.useWasm &&
      !MITIGATION_INFO[first.mitigation].rowScale &&
      lanes.every((l) => l.scored.k === first.k && l.scored.useWasm && !MITIGATION_INFO[l.scored.mitigation].rowScale && sameShifts(l.scored.shifts, first.shifts, rows));
    if (!shared) {
      for (const l of lanes) l.scored.accumulate(x, r0, rows, row, l.acc, l.compat, l.scoredIndex, out);
      return;
    }
    const { k, nWords, shifts } = first;
    const active = lanes.map((l) => l.scoredIndex.flatMap((q, p) => (q < 0 ? [] : [p])));
    const words = lanes.flatMap((l, i) => active[i].map((p) => l.scored.chunkWords[l.scoredIndex[p]]));
    if (first.groupSums?.patterns !== words.length) first.groupSums = new WasmRowSums(k, words.length);
    const sumsOf = first.groupSums;
    const { sums } = sumsOf;
    for (let t = 0; t < rows; t++) {
      sumsOf.row(x, t * k, shifts[t], words, t * nWords);
      loadRow(row, r0 + t, x, t * k, sumsOf);
      let i = 0;
      lanes.forEach((l, li) => {
        for (const p of active[li]) {
          l.scored.addPattern(p, l.scoredIndex[p], t, row, sums[4 * i + 1], sums[4 * i + 2], sums[4 * i + 3], sums[4 * i], l.acc, l.compat);
          i++;
        }
      });
    }
  }

  /** Hands plan pattern p's keep words (chunkWords[q]) of prepared row t and its sums to acc[p] and compat[p]. */
  addPattern(p: number, q: number, t: number, row: RowContext, err: number, xy: number, yy: number, keptE: number, acc: PatternAccumulator[], compat: CompatibilityAccumulator[][]): void {
    const { k, nWords } = this;
    const w0 = t * nWords;
    const a = acc[p];
    a.words.set(this.chunkWords[q].subarray(w0, w0 + nWords));
    a.addSums(row, err, xy, yy, keptE);
    for (const c of compat[p]) c.addRow(a.words, row.nonzeroWords, row.nonzeros !== k);
  }

  /** Writes pattern q's keep bytes and pruned rows x̃ for the prepared rows, as pruneMatrix does. */
  emit(q: number, x: Float32Array, rows: number, keep: Uint8Array, out: Float32Array): void {
    const { k, nWords, shifts } = this;
    const words = this.chunkWords[q];
    const rowScale = MITIGATION_INFO[this.mitigation].rowScale;
    for (let t = 0; t < rows; t++) {
      const row = t * k;
      const eta = shifts[t];
      const w0 = t * nWords;
      for (let j = 0; j < k; j++) {
        const kv = (words[w0 + (j >>> 5)] >>> (j & 31)) & 1;
        keep[row + j] = kv;
        const z = Math.fround(x[row + j] - eta);
        out[row + j] = (kv ? z : 0) + eta;
      }
      const v = rowScale?.(x, out, k, row);
      if (v !== undefined) for (let j = 0; j < k; j++) out[row + j] *= v;
    }
  }
}

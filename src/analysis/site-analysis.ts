/**
 * One site (a linear input [tokens, K]) under every requested configuration, streamed in chunks
 * of rows with reused buffers: memory is O(chunk + K · patterns), whatever the token count
 * (bounds checked first: memory.ts).
 *
 *   chunk of rows ─▶ fast lane (magnitude + none): per row, every pattern at once
 *                      (NetworkSelector / MagnitudeSelector; F16/BF16 codes undecoded)
 *                  ─▶ other lanes (criterion × mitigation [× consumer for amber]: lanes.ts), one
 *                      lane and pattern at a time on shared chunk buffers: pruneMatrix (the
 *                      reference path)
 *                  ─▶ per row and pattern: PatternAccumulator (+ compatibility, output error)
 *
 * Non-finite values (nonfinite.ts): a pass stops at the first row whose Σx² is not finite;
 * under 'exclude' the tensor is scanned for every such row and the pass is redone on the
 * tensor without them, so the site's statistics are those of its finite rows, exactly.
 */
import type { Consumer } from '../trace/manifest.js';
import type { Pattern } from '../sparsity/pattern.js';
import { pruneMatrix } from '../sparsity/prune.js';
import { CRITERION_INFO } from '../sparsity/registry.js';
import { configurationProduct, type PruneSpec } from '../sparsity/configurations.js';
import { addOutputError, outputRelErr, outputScratch, referenceOutputs, type OutputScratch } from './output-error.js';
import type { Diagnostic } from '../diagnostics.js';
import { RowContext } from './pattern-accumulator.js';
import { buildLanes, type Lane } from './lanes.js';
import { ScoredSelector, type SharedLane } from './scored-lane.js';
import { planRandomBatches, sliceRandomPlan, type RandomBatchPlan } from './union-density.js';
import { halfNanAbove, squareTable, type HalfDtype } from './half-rows.js';
import { DTYPE_BYTES, LITTLE_ENDIAN_HOST, isDType } from '../trace/dtype.js';
import { HalfDecoder, HALF_DECODER_AVAILABLE } from '../trace/f16-wasm.js';
import type { AnalysisPlan, NonfiniteSite, SlotStats } from './types.js';
import { checkSiteBounds, chunkRowsFor } from './memory.js';
import { FiniteRowView, cleanRecord, firstNonfiniteInRow, nonfiniteError, nonfiniteInSliceError, scanNonfinite } from './nonfinite.js';
import { siteWarnings } from './site-warnings.js';

/** What analysis needs from a tensor: the trace branch's TensorSource satisfies it. */
export interface RowSource {
  rows: number;
  cols: number;
  readRows(rowStart: number, rowCount: number, out?: Float32Array): Promise<Float32Array>;
  /** raw stored bytes; with info.dtype F16/BF16 the fast lane reads codes without decoding */
  readBytes?(byteStart: number, byteCount: number, out?: Uint8Array): Promise<Uint8Array>;
  info?: { dtype: string };
}

export interface ConsumerInput {
  consumer: Consumer;
  /** amber factors f_j (length K) from the bundle's amber_column_norms */
  amberFactors?: Float32Array;
  /** the consumer's weight [outFeatures, K] row-major, for output-error statistics */
  weight?: { data: Float32Array; outFeatures: number };
}

export interface SiteInput {
  /** position of the site in its run (seeds the random batches) */
  index: number;
  name: string;
  layer: number | null;
  source: RowSource;
  /** stored dtype of the activations (F16, BF16, F32) */
  dtype: string;
  dtypeBits: number;
  consumers: ConsumerInput[];
  staticShift?: number;
  /** tokens per clact channel-norm batch */
  clactBatchTokens: number;
  /** the tensor's key in its file, for diagnostics (default: the site name) */
  tensorKey?: string;
  /** where the tensor is referenced (bundle file and key path), for diagnostics */
  where?: { file?: string; path?: string };
}

/** One configuration of the plan (pattern × criterion × mitigation). */
export type Configuration = PruneSpec;

/** criteria × mitigations × patterns, pattern varying fastest (the order reports show). */
export function configurations(plan: AnalysisPlan): Configuration[] {
  return configurationProduct(plan, { patterns: 'inner', dense: 'crossed' });
}

export interface SiteResult {
  dtype: string;
  /** per configuration (same order as configurations(plan)): one SlotStats per consumer analysed */
  slots: SlotStats[][];
  /** warnings, and errors (severity 'error') that leave statistics null: a site with no finite row */
  warnings: Diagnostic[];
  /** the site's non-finite values (zero counts when clean) */
  nonfinite: NonfiniteSite;
}

export { CHUNK_ELEMENTS } from './memory.js';



export async function analyzeSite(site: SiteInput, plan: AnalysisPlan, onRows?: (rows: number) => void): Promise<SiteResult> {
  const { source } = site;
  const tensorKey = site.tensorKey ?? site.name;
  checkSiteBounds({ tokens: source.rows, k: source.cols, consumers: site.consumers.length }, plan, { site: site.name, tensorKey, ...site.where });
  // progress: a redone pass reports only the rows beyond those already reported
  let reported = 0;
  let passRows = 0;
  const tick = (rows: number) => {
    passRows += rows;
    if (passRows > reported) {
      onRows?.(passRows - reported);
      reported = passRows;
    }
  };
  const first = await analyzeRows(site, plan, source, tick);
  if (first.kind === 'done') {
    return finishSite(site, plan, first.lanes, source.rows, source.cols, first.warnings, cleanRecord(site.name, tensorKey, source.rows, source.cols));
  }
  if (plan.nonfinite === 'error') {
    const { column, value } = await firstNonfiniteInRow(source, first.row);
    throw nonfiniteError(site.where ?? {}, tensorKey, site.name, [source.rows, source.cols], first.row, column, value);
  }
  const scan = await scanNonfinite(source, first.fromRow, site.name, tensorKey);
  const dtype = source.info?.dtype ?? site.dtype;
  const view = new FiniteRowView(source, scan.excluded, scan.rows, isDType(dtype) ? DTYPE_BYTES[dtype] : 4);
  passRows = 0;
  const second = await analyzeRows(site, plan, view, tick);
  if (second.kind !== 'done') throw new Error(`internal: row ${second.row} of the finite view of ${site.name} is not finite`);
  if (source.rows > reported) onRows?.(source.rows - reported);
  const { excluded: _bits, ...record } = scan;
  return finishSite(site, plan, second.lanes, view.rows, source.cols, second.warnings, record);
}

/** The random batches of a site of `tokens` rows: seeded by (seed, site index), so the same in every process. */
export function siteRandomPlan(site: Pick<SiteInput, 'index'>, plan: AnalysisPlan, tokens: number): RandomBatchPlan {
  return planRandomBatches(tokens, plan.batchSizes, plan.randomBatchesPerSize, (plan.randomSeed ^ Math.imul(site.index + 1, 0x9e3779b1)) >>> 0);
}

type PassResult = { kind: 'done'; lanes: Lane[]; warnings: Diagnostic[] } | { kind: 'nonfinite'; row: number; fromRow: number };

/** Index of the first row of a chunk (rows × k float32 bit patterns) holding NaN or ±Inf, else −1. */
function firstNonfiniteRow(bits: Int32Array, rows: number, k: number): number {
  for (let i = 0; i < rows * k; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) return Math.floor(i / k);
  return -1;
}

/** What one pass over a site's rows shares between its steps. */
interface RowPass {
  site: SiteInput;
  k: number;
  patterns: Pattern[];
  row: RowContext;
  fastLanes: Lane[];
  slowLanes: Lane[];
  /** keep decisions and pruned values of one chunk, shared by the slow lanes in turn */
  keepChunk: Uint8Array;
  prunedChunk: Float32Array;
  output: OutputScratch | null;
}

/** magnitude + none: every pattern of a row at once on the kernels. */
function runFastLanes(pass: RowPass, buf: Float32Array, bits: Int32Array, r0: number, rows: number): void {
  const { k, row, patterns, output } = pass;
  for (let i = 0; i < rows; i++) {
    const off = i * k;
    row.load(r0 + i, buf, off);
    for (const lane of pass.fastLanes) {
      if (lane.network) {
        lane.network.select(bits, off, row.x2);
        lane.networkPatterns.forEach((p, q) => lane.acc[p].addPacked(row, lane.network!.dropped[q]));
      }
      if (lane.ranked) {
        const keep = lane.rankedPatterns.map((p) => lane.keepRows[p]);
        lane.ranked.select(bits, off, keep);
        lane.rankedPatterns.forEach((p, q) => lane.acc[p].addRow(row, keep[q], 0, null, 0));
      }
      for (let p = 0; p < patterns.length; p++) {
        for (const c of lane.compat[p]) c.addRow(lane.acc[p].words, row.nonzeroWords, row.nonzeros !== k);
        if (output) addOutputError(pass.site, output, lane, p, buf, pass.prunedChunk, i, off, k);
      }
    }
  }
}

/**
 * Every other lane, one lane and pattern at a time over the chunk (clact in batches of its tokens):
 * scored-lane.ts on network patterns, else the reference pruneMatrix. Consecutive fused lanes of one
 * configuration (amber's consumers) are prepared in turn — dpts's η and z = x − η computed once —
 * and accumulated together (ScoredSelector.accumulateShared: the row loaded once, one pass of sums).
 */
function runSlowLanes(pass: RowPass, buf: Float32Array, r0: number, rows: number): void {
  const { site, k, row, patterns, keepChunk, prunedChunk, output } = pass;
  const lanes = pass.slowLanes;
  // without output error nothing needs the keep bytes: x̃ and the sums row by row, all patterns
  const fused = (lane: Lane) => lane.scored !== null && !output;
  // dpts's η of this chunk, from the first lane that computed it (amber runs one lane per consumer)
  let dynamicShifts: Float64Array | undefined;
  for (let li = 0; li < lanes.length; ) {
    const lane = lanes[li];
    let end = li + 1;
    if (fused(lane)) while (end < lanes.length && fused(lanes[end]) && lanes[end].criterion === lane.criterion && lanes[end].mitigation === lane.mitigation) end++;
    const group = lanes.slice(li, end);
    li = end;
    const batch = CRITERION_INFO[lane.criterion].batchReduction ? site.clactBatchTokens : rows;
    // network patterns: one shift/factor/score pass and one selection for all (scored-lane.ts);
    // z = x − η stays in prunedChunk between the group's prepares (nothing else writes it there)
    let zOf: Float64Array | undefined;
    for (const l of group) {
      if (!l.scored) continue;
      const shares = l.scored.sharesShifts;
      l.scored.prepare(buf, rows, batch, prunedChunk, shares ? dynamicShifts : undefined, shares && zOf !== undefined && zOf === dynamicShifts);
      if (shares) {
        dynamicShifts ??= l.scored.preparedShifts;
        zOf = dynamicShifts;
      }
    }
    if (fused(lane)) {
      ScoredSelector.accumulateShared(group as SharedLane[], buf, r0, rows, row, prunedChunk);
      const rest = group.filter((l) => l.scoredIndex.some((q) => q < 0));
      if (rest.length === 0) continue;
    }
    for (const l of group) runLanePatterns(pass, l, buf, r0, rows, batch, fused(l));
  }
}

/** One lane's patterns not accumulated by the fused path: emit (scored) or pruneMatrix, then addRow per row. */
function runLanePatterns(pass: RowPass, lane: Lane, buf: Float32Array, r0: number, rows: number, batch: number, fused: boolean): void {
  const { site, k, row, patterns, keepChunk, prunedChunk, output } = pass;
  for (let p = 0; p < patterns.length; p++) {
    if (fused && lane.scoredIndex[p] >= 0) continue;
    const spec = { pattern: patterns[p], criterion: lane.criterion, mitigation: lane.mitigation };
    if (lane.scored && lane.scoredIndex[p] >= 0) lane.scored.emit(lane.scoredIndex[p], buf, rows, keepChunk, prunedChunk);
    else {
      for (let b0 = 0; b0 < rows; b0 += batch) {
        const bn = Math.min(batch, rows - b0);
        pruneMatrix(buf.subarray(b0 * k, (b0 + bn) * k), bn, k, spec, lane.ctx, prunedChunk.subarray(b0 * k), keepChunk.subarray(b0 * k));
      }
    }
    const acc = lane.acc[p];
    for (let i = 0; i < rows; i++) {
      const off = i * k;
      row.load(r0 + i, buf, off);
      acc.addRow(row, keepChunk, off, prunedChunk, off);
      for (const c of lane.compat[p]) c.addRow(acc.words, row.nonzeroWords, row.nonzeros !== k);
      if (output) addOutputError(site, output, lane, p, buf, prunedChunk, i, off, k);
    }
  }
}

/**
 * One pass over `source`; stops at the first non-finite row:
 *   lanes ─▶ (F16/BF16 codes on the fast lane only: streamHalf) or per chunk of rows:
 *   read (F16: raw codes decoded in WebAssembly, f16-wasm.ts) ─▶ non-finite check (F16: only
 *   where the decode saw NaN/±Inf) ─▶ reference outputs ─▶ fast lanes ─▶ slow lanes
 */
async function analyzeRows(site: SiteInput, plan: AnalysisPlan, source: RowSource, onRows?: (rows: number) => void, slice?: SiteSlice): Promise<PassResult> {
  const tokens = source.rows;
  const k = source.cols;
  const warnings: Diagnostic[] = [];
  const randomPlan = slice
    ? sliceRandomPlan(siteRandomPlan(site, plan, slice.siteTokens), slice.start, tokens)
    : siteRandomPlan(site, plan, tokens);
  const lanes = buildLanes(site, plan, k, randomPlan, warnings);
  const batched = lanes.some((l) => CRITERION_INFO[l.criterion].batchReduction);
  const chunkRows = chunkRowsFor(k, tokens, batched ? site.clactBatchTokens : null);
  const row = new RowContext(k);
  const output = outputScratch(site, chunkRows, k);
  const half = halfDtype(source, lanes, output !== null);
  if (half) {
    const bad = await streamHalf(source, half, tokens, k, chunkRows, row, lanes, onRows);
    return bad >= 0 ? { kind: 'nonfinite', row: bad, fromRow: bad } : { kind: 'done', lanes, warnings };
  }
  const slowLanes = lanes.filter((l) => !l.fast);
  const pass: RowPass = {
    site,
    k,
    patterns: plan.patterns,
    row,
    fastLanes: lanes.filter((l) => l.fast),
    slowLanes,
    keepChunk: new Uint8Array(slowLanes.length > 0 ? chunkRows * k : 0),
    prunedChunk: new Float32Array(slowLanes.length > 0 ? chunkRows * k : 0),
    output,
  };
  // F16: the raw codes read into the WebAssembly decoder's memory and decoded there, the
  // non-finite check part of the decode (f16-wasm.ts; the same bits as readRows)
  const decoder = halfDecoderFor(source, chunkRows * k);
  let buf: Float32Array = decoder ? decoder.values : new Float32Array(chunkRows * k);
  for (let r0 = 0; r0 < tokens; r0 += chunkRows) {
    const rows = Math.min(chunkRows, tokens - r0);
    let maybeNonfinite = true;
    if (decoder) {
      await source.readBytes!(r0 * k * 2, rows * k * 2, decoder.codes);
      maybeNonfinite = decoder.decode(rows * k);
    } else buf = await source.readRows(r0, rows, buf);
    const bits = new Int32Array(buf.buffer, buf.byteOffset, rows * k);
    const bad = maybeNonfinite ? firstNonfiniteRow(bits, rows, k) : -1;
    if (bad >= 0) return { kind: 'nonfinite', row: r0 + bad, fromRow: r0 + bad };
    if (output) referenceOutputs(site, output, buf, rows, k);
    if (pass.fastLanes.length > 0) runFastLanes(pass, buf, bits, r0, rows);
    runSlowLanes(pass, buf, r0, rows);
    onRows?.(rows);
  }
  return { kind: 'done', lanes, warnings };
}

/** A WebAssembly F16 decoder of `elements` for an F16 source read as raw bytes, else null (readRows decodes). */
function halfDecoderFor(source: RowSource, elements: number): HalfDecoder | null {
  if (source.info?.dtype !== 'F16' || !source.readBytes || !LITTLE_ENDIAN_HOST || !HALF_DECODER_AVAILABLE || elements === 0) return null;
  return new HalfDecoder(elements);
}

/** F16/BF16 codes can feed the fast lane directly when every lane is magnitude + none on network patterns. */
function halfDtype(source: RowSource, lanes: Lane[], withWeights: boolean): HalfDtype | null {
  const dtype = source.info?.dtype;
  if ((dtype !== 'F16' && dtype !== 'BF16') || !source.readBytes || !LITTLE_ENDIAN_HOST || withWeights) return null;
  return lanes.every((l) => l.fast && !l.ranked) ? dtype : null;
}

/** Streams F16/BF16 codes through the fast lane; returns the first row holding NaN/±Inf, else −1. */
async function streamHalf(source: RowSource, dtype: HalfDtype, tokens: number, k: number, chunkRows: number, row: RowContext, lanes: Lane[], onRows?: (rows: number) => void): Promise<number> {
  const squares = squareTable(dtype);
  const nanAbove = halfNanAbove(dtype);
  // the SIMD kernel loads the codes once for the row summary and the selection (one fast lane)
  const simd = lanes.length === 1 && lanes[0].network?.simd ? lanes[0].network : null;
  // double-buffered: the next chunk is read while this one is analysed
  const buffers = [new Uint8Array(chunkRows * k * 2), new Uint8Array(chunkRows * k * 2)];
  const read = (r0: number, which: number) => source.readBytes!(r0 * k * 2, Math.min(chunkRows, tokens - r0) * k * 2, buffers[which]);
  let pending: Promise<Uint8Array> | null = tokens > 0 ? read(0, 0) : null;
  for (let r0 = 0, which = 0; r0 < tokens; r0 += chunkRows, which ^= 1) {
    const rows = Math.min(chunkRows, tokens - r0);
    const bytes = await pending!;
    pending = r0 + chunkRows < tokens ? read(r0 + chunkRows, which ^ 1) : null;
    const codes = new Uint16Array(bytes.buffer, bytes.byteOffset, rows * k);
    for (let i = 0; i < rows; i++) {
      const off = i * k;
      if (simd) {
        const { energy, nonzeros } = simd.loadHalfSimd(codes, off, dtype, row.nonzeroWords);
        row.loadSummary(r0 + i, energy, nonzeros);
      } else row.loadHalf(r0 + i, codes, off, squares);
      // Σx² is finite unless the row holds NaN or ±Inf (x² ≤ 65504² or ≤ BF16 max², K ≤ 2^20)
      if (!(row.energy < Infinity)) {
        // no read may be left in flight: the caller reads this source next
        await pending;
        return r0 + i;
      }
      for (const lane of lanes) {
        const net = lane.network!;
        if (simd) net.selectLoadedHalf();
        else net.selectHalf(codes, off, row.x2, nanAbove);
        for (let q = 0; q < lane.networkPatterns.length; q++) {
          const p = lane.networkPatterns[q];
          const acc = lane.acc[p];
          acc.addPacked(row, net.dropped[q]);
          for (const c of lane.compat[p]) c.addRow(acc.words, row.nonzeroWords, row.nonzeros !== k);
        }
      }
    }
    onRows?.(rows);
  }
  return -1;
}

/** The statistics of every lane × pattern as slots per configuration, in the site's consumer order. */
function collectSlots(site: SiteInput, plan: AnalysisPlan, lanes: Lane[], tokens: number, k: number, nonfinite: NonfiniteSite): SlotStats[][] {
  const configs = configurations(plan);
  const slots: SlotStats[][] = configs.map(() => []);
  for (const lane of lanes) {
    plan.patterns.forEach((pattern, p) => {
      const base = lane.acc[p].finish(site.dtypeBits, plan.topChannels, plan.channelHistogramBins);
      const compatibility = lane.compat[p].map((c) => c.finish());
      const ci = configs.findIndex((c) => c.pattern === pattern && c.criterion === lane.criterion && c.mitigation === lane.mitigation);
      lane.consumers.forEach((c, i) => {
        slots[ci].push({
          site: site.name,
          layer: site.layer,
          consumer: c.consumer,
          tokens,
          k,
          nonfiniteRows: nonfinite.rows,
          nonfiniteValues: nonfinite.values,
          ...base,
          compatibility,
          outputRelErrL2: c.weight && tokens > 0 ? outputRelErr(lane.output[p][i], c.weight.outFeatures) : null,
        });
      });
    });
  }
  const order = site.consumers.map((c) => c.consumer);
  for (const list of slots) list.sort((a, b) => order.indexOf(a.consumer) - order.indexOf(b.consumer));
  return slots;
}

/** A token range [start, start + rows) of a site of `siteTokens` rows (shard.ts). */
export interface SiteSlice {
  start: number;
  siteTokens: number;
}

/**
 * The lanes of one token range of a site, unfinished: their accumulators hold the range's
 * sums, counts and unions (piece-state.ts saves them; merge.ts adds the ranges of a site and
 * finishes them with finishSite). `source` reads the range's rows only. The range must start
 * where every consecutive union window and clact batch of the whole site starts (shard.ts
 * aligns it). A non-finite row cannot be excluded from a range alone — the exclusion renumbers
 * the site's tokens — so it is refused (or, under 'error', reported at its row in the site).
 */
export async function analyzeSiteSlice(site: SiteInput, plan: AnalysisPlan, source: RowSource, slice: SiteSlice, onRows?: (rows: number) => void): Promise<Lane[]> {
  const tensorKey = site.tensorKey ?? site.name;
  const pass = await analyzeRows(site, plan, source, onRows, slice);
  if (pass.kind === 'done') return pass.lanes;
  const row = slice.start + pass.row;
  const { column, value } = await firstNonfiniteInRow(source, pass.row);
  if (plan.nonfinite === 'error') throw nonfiniteError(site.where ?? {}, tensorKey, site.name, [slice.siteTokens, source.cols], row, column, value);
  throw nonfiniteInSliceError(site, tensorKey, [slice.siteTokens, source.cols], row, column, value);
}

export function finishSite(site: SiteInput, plan: AnalysisPlan, lanes: Lane[], tokens: number, k: number, warnings: Diagnostic[], nonfinite: NonfiniteSite): SiteResult {
  const slots = collectSlots(site, plan, lanes, tokens, k, nonfinite);
  const zeroInput = slots.some((list) => list.some((s) => s.retainedEnergy === null));
  warnings.push(...siteWarnings(site, plan.patterns, tokens, k, nonfinite, zeroInput));
  return { dtype: site.dtype, slots, warnings, nonfinite };
}

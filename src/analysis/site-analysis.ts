/**
 * One site (a linear input [tokens, K]) under every requested configuration, streamed in chunks
 * of rows with reused buffers: memory is O(chunk + K · patterns), whatever the token count
 * (bounds checked first: memory.ts).
 *
 *   chunk of rows ─▶ fast lane (magnitude + none): per row, every pattern at once
 *                      (NetworkSelector / MagnitudeSelector; F16/BF16 codes undecoded)
 *                  ─▶ other lanes (criterion × mitigation [× consumer for amber]), one lane and
 *                      pattern at a time on shared chunk buffers: pruneMatrix (the reference path)
 *                  ─▶ per row and pattern: PatternAccumulator (+ compatibility, output error)
 *
 * Non-finite values (nonfinite.ts): a pass stops at the first row whose Σx² is not finite;
 * under 'exclude' the tensor is scanned for every such row and the pass is redone on the
 * tensor without them, so the site's statistics are those of its finite rows, exactly.
 */
import type { Consumer } from '../trace/manifest.js';
import { effectiveDensity, formatPattern, type NmPattern, type Pattern } from '../sparsity/pattern.js';
import { pruneMatrix, type Criterion, type Mitigation, type PruneContext } from '../sparsity/prune.js';
import { addAffineToken, matVec, outputErrorSums, outputRelErr, type OutputErrorSums } from './output-error.js';
import type { Diagnostic } from '../diagnostics.js';
import { MagnitudeSelector } from './magnitude-kernel.js';
import { NetworkSelector, isNetworkPattern } from './network-kernel.js';
import { PatternAccumulator, RowContext } from './pattern-accumulator.js';
import { CompatibilityAccumulator } from './compatibility.js';
import { planRandomBatches } from './union-density.js';
import { halfNanAbove, squareTable, type HalfDtype } from './half-rows.js';
import { DTYPE_BYTES, LITTLE_ENDIAN_HOST, isDType } from '../trace/dtype.js';
import type { AnalysisPlan, NonfiniteSite, SlotStats } from './types.js';
import { checkSiteBounds, chunkRowsFor } from './memory.js';
import { FiniteRowView, cleanRecord, firstNonfiniteInRow, nonfiniteError, scanNonfinite } from './nonfinite.js';

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

export interface Configuration {
  pattern: Pattern;
  criterion: Criterion;
  mitigation: Mitigation;
}

/** criteria × mitigations × patterns, pattern varying fastest (the order reports show). */
export function configurations(plan: AnalysisPlan): Configuration[] {
  const out: Configuration[] = [];
  for (const criterion of plan.criteria)
    for (const mitigation of plan.mitigations) for (const pattern of plan.patterns) out.push({ pattern, criterion, mitigation });
  return out;
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


interface Lane {
  criterion: Criterion;
  mitigation: Mitigation;
  consumers: ConsumerInput[];
  ctx: PruneContext;
  /** magnitude + none: power-of-two patterns ≤ 32 on the sorting network, the rest ranked */
  fast: boolean;
  network: NetworkSelector | null;
  networkPatterns: number[];
  ranked: MagnitudeSelector | null;
  rankedPatterns: number[];
  acc: PatternAccumulator[];
  compat: CompatibilityAccumulator[][];
  /** [pattern][consumer] */
  output: OutputErrorSums[][];
  keepRows: Uint8Array[];
}


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

type PassResult = { kind: 'done'; lanes: Lane[]; warnings: Diagnostic[] } | { kind: 'nonfinite'; row: number; fromRow: number };

/** Index of the first row of a chunk (rows × k float32 bit patterns) holding NaN or ±Inf, else −1. */
function firstNonfiniteRow(bits: Int32Array, rows: number, k: number): number {
  for (let i = 0; i < rows * k; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) return Math.floor(i / k);
  return -1;
}

/** One pass over `source`; stops at the first non-finite row. */
async function analyzeRows(site: SiteInput, plan: AnalysisPlan, source: RowSource, onRows?: (rows: number) => void): Promise<PassResult> {
  const tokens = source.rows;
  const k = source.cols;
  const warnings: Diagnostic[] = [];
  const patterns = plan.patterns;
  const randomPlan = planRandomBatches(tokens, plan.batchSizes, plan.randomBatchesPerSize, (plan.randomSeed ^ Math.imul(site.index + 1, 0x9e3779b1)) >>> 0);

  const lanes: Lane[] = [];
  for (const criterion of plan.criteria) {
    for (const mitigation of plan.mitigations) {
      const groups: ConsumerInput[][] = criterion === 'amber' ? site.consumers.map((c) => [c]) : [site.consumers];
      for (const consumers of groups) {
        if (criterion === 'amber' && !consumers[0].amberFactors) {
          warnings.push({
            code: 'analysis/missing-amber-norms',
            severity: 'warning',
            path: site.name,
            message: `site ${site.name} has no amber_column_norms for consumer ${consumers[0].consumer}; amber is skipped there.`,
            hint: 'record weight statistics with the trace (weight_stats[].amber_column_norms), or use --criteria magnitude',
          });
          continue;
        }
        if (mitigation === 'spts' && site.staticShift === undefined) {
          warnings.push({
            code: 'analysis/missing-static-shift',
            severity: 'warning',
            path: site.name,
            message: `site ${site.name} has no static_shift; spts is skipped there.`,
            hint: 'calibrate η per site (static_shift in the manifest), or use --mitigations dpts',
          });
          continue;
        }
        const fast = criterion === 'magnitude' && mitigation === 'none';
        const acc = patterns.map((p) => new PatternAccumulator(p, k, randomPlan));
        // every lane's keep rows come from a selection (kernels or selectKeep): min(N, r) per group
        for (const a of acc) a.exactlyN = true;
        const networkPatterns = fast ? patterns.flatMap((p, i) => (isNetworkPattern(p) ? [i] : [])) : [];
        const rankedPatterns = fast ? patterns.flatMap((p, i) => (isNetworkPattern(p) ? [] : [i])) : [];
        const compat = patterns.map((a) =>
          patterns.flatMap((b) => (b.kind === 'nm' && a.kind !== 'dense' && formatPattern(a) !== formatPattern(b) ? [new CompatibilityAccumulator(a, b, k)] : [])),
        );
        lanes.push({
          criterion,
          mitigation,
          consumers,
          ctx: { amberFactors: consumers[0].amberFactors, staticShift: site.staticShift },
          fast,
          network:
            networkPatterns.length > 0
              ? new NetworkSelector(k, networkPatterns.map((i) => patterns[i] as NmPattern), networkPatterns.map((i) => acc[i].words))
              : null,
          networkPatterns,
          ranked: rankedPatterns.length > 0 ? new MagnitudeSelector(k, rankedPatterns.map((i) => patterns[i])) : null,
          rankedPatterns,
          acc,
          compat,
          output: patterns.map(() => consumers.map((c) => outputErrorSums(c.weight?.outFeatures ?? 0, mitigation === 'affine'))),
          keepRows: fast ? patterns.map(() => new Uint8Array(k)) : [],
        });
      }
    }
  }

  const anyClact = lanes.some((l) => l.criterion === 'clact');
  const chunkRows = chunkRowsFor(k, tokens, anyClact ? site.clactBatchTokens : null);
  const fastLanes = lanes.filter((l) => l.fast);
  const slowLanes = lanes.filter((l) => !l.fast);
  // the other lanes take turns on one keep chunk and one pruned chunk
  const keepChunk = slowLanes.length > 0 ? new Uint8Array(chunkRows * k) : new Uint8Array(0);
  const outChunk = slowLanes.length > 0 ? new Float32Array(chunkRows * k) : new Float32Array(0);
  const withWeights = site.consumers.some((c) => c.weight);
  // y = W x per consumer and row of the chunk, shared by every lane and pattern
  const refs = site.consumers.map((c) => (withWeights && c.weight ? new Float64Array(chunkRows * c.weight.outFeatures) : null));
  const maxOut = Math.max(1, ...site.consumers.map((c) => c.weight?.outFeatures ?? 0));
  const yRef = new Float64Array(maxOut);
  const yErr = new Float64Array(maxOut);
  const diff = new Float64Array(withWeights ? k : 0);
  const pruned = new Float64Array(withWeights ? k : 0);

  const row = new RowContext(k);
  const half = halfDtype(source, lanes, withWeights);
  if (half) {
    const bad = await streamHalf(source, half, tokens, k, chunkRows, row, lanes, onRows);
    return bad >= 0 ? { kind: 'nonfinite', row: bad, fromRow: bad } : { kind: 'done', lanes, warnings };
  }

  /** Output error of row i (chunk offset off) under lane × pattern p; x̃ from keep words (fast) or the pruned chunk. */
  const outputError = (lane: Lane, p: number, buf: Float32Array, i: number, off: number) => {
    const acc = lane.acc[p];
    for (let j = 0; j < k; j++) {
      const xv = buf[off + j];
      const yv = lane.fast ? ((acc.words[j >>> 5] >>> (j & 31)) & 1 ? xv : 0) : outChunk[off + j];
      pruned[j] = yv;
      diff[j] = yv - xv;
    }
    lane.consumers.forEach((c, ci) => {
      if (!c.weight) return;
      const outDim = c.weight.outFeatures;
      const ref = refs[site.consumers.indexOf(c)]!.subarray(i * outDim, (i + 1) * outDim);
      const sums = lane.output[p][ci];
      if (sums.affine) {
        matVec(c.weight.data, outDim, k, pruned, 0, yErr);
        addAffineToken(sums, ref, yErr, outDim);
        return;
      }
      matVec(c.weight.data, outDim, k, diff, 0, yErr);
      for (let o = 0; o < outDim; o++) {
        sums.err += yErr[o] * yErr[o];
        sums.ref += ref[o] * ref[o];
      }
    });
  };

  let buf: Float32Array = new Float32Array(chunkRows * k);
  for (let r0 = 0; r0 < tokens; r0 += chunkRows) {
    const rows = Math.min(chunkRows, tokens - r0);
    buf = await source.readRows(r0, rows, buf);
    const bits = new Int32Array(buf.buffer, buf.byteOffset, rows * k);
    const bad = firstNonfiniteRow(bits, rows, k);
    if (bad >= 0) return { kind: 'nonfinite', row: r0 + bad, fromRow: r0 + bad };
    if (withWeights) {
      site.consumers.forEach((c, ci) => {
        if (!c.weight) return;
        const outDim = c.weight.outFeatures;
        for (let i = 0; i < rows; i++) {
          matVec(c.weight.data, outDim, k, buf, i * k, yRef);
          refs[ci]!.set(yRef.subarray(0, outDim), i * outDim);
        }
      });
    }
    if (fastLanes.length > 0) {
      for (let i = 0; i < rows; i++) {
        const off = i * k;
        row.load(r0 + i, buf, off);
        for (const lane of fastLanes) {
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
            if (withWeights) outputError(lane, p, buf, i, off);
          }
        }
      }
    }
    for (const lane of slowLanes) {
      const batch = lane.criterion === 'clact' ? site.clactBatchTokens : rows;
      for (let p = 0; p < patterns.length; p++) {
        const pattern = patterns[p];
        for (let b0 = 0; b0 < rows; b0 += batch) {
          const bn = Math.min(batch, rows - b0);
          pruneMatrix(buf.subarray(b0 * k, (b0 + bn) * k), bn, k, { pattern, criterion: lane.criterion, mitigation: lane.mitigation }, lane.ctx, outChunk.subarray(b0 * k), keepChunk.subarray(b0 * k));
        }
        const acc = lane.acc[p];
        for (let i = 0; i < rows; i++) {
          const off = i * k;
          row.load(r0 + i, buf, off);
          acc.addRow(row, keepChunk, off, outChunk, off);
          for (const c of lane.compat[p]) c.addRow(acc.words, row.nonzeroWords, row.nonzeros !== k);
          if (withWeights) outputError(lane, p, buf, i, off);
        }
      }
    }
    onRows?.(rows);
  }
  return { kind: 'done', lanes, warnings };
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
      row.loadHalf(r0 + i, codes, off, squares);
      // Σx² is finite unless the row holds NaN or ±Inf (x² ≤ 65504² or ≤ BF16 max², K ≤ 2^20)
      if (!(row.energy < Infinity)) {
        // no read may be left in flight: the caller reads this source next
        await pending;
        return r0 + i;
      }
      for (const lane of lanes) {
        const net = lane.network!;
        net.selectHalf(codes, off, row.x2, nanAbove);
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

function finishSite(site: SiteInput, plan: AnalysisPlan, lanes: Lane[], tokens: number, k: number, warnings: Diagnostic[], nonfinite: NonfiniteSite): SiteResult {
  const patterns = plan.patterns;
  const configs = configurations(plan);
  const slots: SlotStats[][] = configs.map(() => []);
  for (const lane of lanes) {
    patterns.forEach((pattern, p) => {
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
  // keep slots in the site's consumer order
  const order = site.consumers.map((c) => c.consumer);
  for (const list of slots) list.sort((a, b) => order.indexOf(a.consumer) - order.indexOf(b.consumer));
  const where = site.where ?? {};
  const key = nonfinite.tensorKey;
  if (nonfinite.rows > 0) {
    warnings.push({
      code: 'analysis/nonfinite-rows',
      severity: 'warning',
      ...where,
      message:
        `Tensor "${key}" (site ${site.name}) holds ${nonfinite.values} non-finite values (${nonfinite.nan} NaN, ${nonfinite.posInf} +Inf, ${nonfinite.negInf} -Inf) ` +
        `in ${nonfinite.rows} of its ${nonfinite.tokens} token rows, the first at [${nonfinite.firstRow}, ${nonfinite.firstColumn}]; those rows are excluded from every statistic of the site.`,
      hint: 'fix the export (F16 overflow? a diverged run?); --nonfinite error refuses such traces instead',
    });
  }
  // a pattern that cannot prune this row width (K ≤ N: one tail group keeps it all) or keeps
  // nothing (unstructured at K = 1) would read as lossless / total loss without saying why
  for (const pattern of patterns) {
    // dense and N = M (e.g. 4:4) keep everything by definition, at any K
    if (pattern.kind === 'dense' || (pattern.kind === 'nm' && pattern.n === pattern.m)) continue;
    const d = effectiveDensity(pattern, k);
    if (d !== 1 && d !== 0) continue;
    const name = formatPattern(pattern);
    warnings.push({
      code: d === 1 ? 'analysis/pattern-prunes-nothing' : 'analysis/pattern-keeps-nothing',
      severity: 'warning',
      ...where,
      message:
        d === 1
          ? `Site ${site.name} has rows of K = ${k}: under ${name} every group (a tail group of min(M, K) elements keeps min(N, r)) keeps all its elements, so ${name} prunes nothing there (effective density 1); its error 0 says nothing about ${name}.`
          : `Site ${site.name} has rows of K = ${k}: ${name} keeps ⌊K/2⌋ = 0 elements of each row (effective density 0).`,
      hint: 'is the tensor [tokens, K] with the feature dimension last?',
    });
  }
  if (tokens === 0) {
    warnings.push({
      code: 'analysis/no-finite-rows',
      severity: 'error',
      ...where,
      message:
        nonfinite.tokens === 0
          ? `Tensor "${key}" (site ${site.name}) has no token rows: its statistics are undefined (null).`
          : `Every one of the ${nonfinite.tokens} token rows of tensor "${key}" (site ${site.name}) holds a non-finite value: its statistics are undefined (null).`,
      expected: 'at least one token row of finite values',
      found: `${nonfinite.tokens} rows, ${nonfinite.rows} with NaN/Inf`,
      hint: 'record the site again; a site with no finite activation says nothing about pruning',
    });
  } else if (slots.some((list) => list.some((s) => s.retainedEnergy === null))) {
    warnings.push({
      code: 'analysis/zero-input',
      severity: 'warning',
      ...where,
      message: `Tensor "${key}" (site ${site.name}) is all zeros over its ${tokens} analysed rows: retained energy and cosine are undefined there (null), and so is the relative error of a mitigation that moves x̃ off 0.`,
      hint: 'a site of zeros is usually a recording bug (hook on the wrong module?)',
    });
  }
  return { dtype: site.dtype, slots, warnings, nonfinite };
}

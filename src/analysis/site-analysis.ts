/**
 * One site (a linear input [tokens, K]) under every requested configuration, streamed in chunks
 * of rows with reused buffers: memory is O(chunk + K · patterns), whatever the token count.
 *
 *   chunk of rows ─▶ per lane (criterion × mitigation [× consumer for amber]):
 *                      magnitude + none → MagnitudeSelector (all patterns in one pass)
 *                      anything else    → pruneMatrix (the reference path) per pattern
 *                  ─▶ per row and pattern: PatternAccumulator (+ compatibility, output error)
 */
import type { Consumer } from '../trace/manifest.js';
import { formatPattern, type NmPattern, type Pattern } from '../sparsity/pattern.js';
import { pruneMatrix, type Criterion, type Mitigation, type PruneContext } from '../sparsity/prune.js';
import { matVec, outputRelErr, type OutputErrorSums } from './output-error.js';
import type { Diagnostic } from '../diagnostics.js';
import { MagnitudeSelector } from './magnitude-kernel.js';
import { NetworkSelector, isNetworkPattern } from './network-kernel.js';
import { PatternAccumulator, RowContext } from './pattern-accumulator.js';
import { CompatibilityAccumulator } from './compatibility.js';
import { planRandomBatches } from './union-density.js';
import { halfNanAbove, squareTable, type HalfDtype } from './half-rows.js';
import { LITTLE_ENDIAN_HOST } from '../trace/dtype.js';
import type { AnalysisPlan, SlotStats } from './types.js';

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
  warnings: Diagnostic[];
}

/** Rows per chunk: about 1 Mi elements (4 MiB of float32). */
export const CHUNK_ELEMENTS = 1 << 20;


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
  keepChunk: Uint8Array[];
  outChunk: Float32Array[];
  keepRows: Uint8Array[];
}


export async function analyzeSite(site: SiteInput, plan: AnalysisPlan, onRows?: (rows: number) => void): Promise<SiteResult> {
  const { source } = site;
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
          output: patterns.map(() =>
            consumers.map(() => (mitigation === 'affine' ? { err: 0, ref: 0, y: [], yPruned: [] } : { err: 0, ref: 0 })),
          ),
          keepChunk: [],
          outChunk: [],
          keepRows: fast ? patterns.map(() => new Uint8Array(k)) : [],
        });
      }
    }
  }

  const anyClact = lanes.some((l) => l.criterion === 'clact');
  let chunkRows = Math.max(1, Math.floor(CHUNK_ELEMENTS / Math.max(1, k)));
  if (anyClact) chunkRows = Math.max(site.clactBatchTokens, Math.floor(chunkRows / site.clactBatchTokens) * site.clactBatchTokens);
  chunkRows = Math.min(chunkRows, Math.max(1, tokens));
  for (const lane of lanes) {
    if (lane.fast) continue;
    lane.keepChunk = patterns.map(() => new Uint8Array(chunkRows * k));
    lane.outChunk = patterns.map(() => new Float32Array(chunkRows * k));
  }
  const withWeights = site.consumers.some((c) => c.weight);
  const maxOut = Math.max(1, ...site.consumers.map((c) => c.weight?.outFeatures ?? 0));
  const yRef = new Float64Array(maxOut);
  const yErr = new Float64Array(maxOut);
  const diff = new Float64Array(k);
  const pruned = new Float64Array(k);

  const row = new RowContext(k);
  const half = halfDtype(source, lanes, withWeights);
  if (half) {
    await streamHalf(source, half, tokens, k, chunkRows, row, lanes, onRows);
    return finishSite(site, plan, lanes, tokens, k, warnings);
  }
  let buf: Float32Array = new Float32Array(chunkRows * k);
  for (let r0 = 0; r0 < tokens; r0 += chunkRows) {
    const rows = Math.min(chunkRows, tokens - r0);
    buf = await source.readRows(r0, rows, buf);
    const bits = new Int32Array(buf.buffer, buf.byteOffset, rows * k);
    for (const lane of lanes) {
      if (lane.fast) continue;
      const batch = lane.criterion === 'clact' ? site.clactBatchTokens : rows;
      patterns.forEach((pattern, p) => {
        for (let b0 = 0; b0 < rows; b0 += batch) {
          const bn = Math.min(batch, rows - b0);
          const xs = buf.subarray(b0 * k, (b0 + bn) * k);
          pruneMatrix(xs, bn, k, { pattern, criterion: lane.criterion, mitigation: lane.mitigation }, lane.ctx, lane.outChunk[p].subarray(b0 * k), lane.keepChunk[p].subarray(b0 * k));
        }
      });
    }
    for (let i = 0; i < rows; i++) {
      const off = i * k;
      row.load(r0 + i, buf, off);
      // y = W x per consumer, shared by every lane and pattern of this row
      const refs: Float64Array[] = [];
      if (withWeights) {
        for (const c of site.consumers) {
          if (!c.weight) {
            refs.push(new Float64Array(0));
            continue;
          }
          matVec(c.weight.data, c.weight.outFeatures, k, buf, off, yRef);
          refs.push(yRef.slice(0, c.weight.outFeatures));
        }
      }
      for (const lane of lanes) {
        if (lane.fast) {
          if (lane.network) {
            lane.network.select(bits, off, row.x2);
            lane.networkPatterns.forEach((p, i) => lane.acc[p].addPacked(row, lane.network!.dropped[i]));
          }
          if (lane.ranked) {
            const rows = lane.rankedPatterns.map((p) => lane.keepRows[p]);
            lane.ranked.select(bits, off, rows);
            lane.rankedPatterns.forEach((p, i) => lane.acc[p].addRow(row, rows[i], 0, null, 0));
          }
        }
        for (let p = 0; p < patterns.length; p++) {
          const acc = lane.acc[p];
          if (!lane.fast) acc.addRow(row, lane.keepChunk[p], off, lane.outChunk[p], off);
          for (const c of lane.compat[p]) c.addRow(acc.words, row.nonzeroWords, row.nonzeros !== k);
          if (!withWeights) continue;
          // output error: ‖W(x̃ − x)‖ against ‖W x‖
          for (let j = 0; j < k; j++) {
            const xv = buf[off + j];
            const yv = lane.fast ? ((acc.words[j >>> 5] >>> (j & 31)) & 1 ? xv : 0) : lane.outChunk[p][off + j];
            pruned[j] = yv;
            diff[j] = yv - xv;
          }
          lane.consumers.forEach((c, ci) => {
            if (!c.weight) return;
            const ref = refs[site.consumers.indexOf(c)];
            const sums = lane.output[p][ci];
            const outDim = c.weight.outFeatures;
            if (sums.y) {
              matVec(c.weight.data, outDim, k, pruned, 0, yErr);
              sums.y.push(Array.from(ref));
              sums.yPruned!.push(Array.from(yErr.subarray(0, outDim)));
              return;
            }
            matVec(c.weight.data, outDim, k, diff, 0, yErr);
            for (let o = 0; o < outDim; o++) {
              sums.err += yErr[o] * yErr[o];
              sums.ref += ref[o] * ref[o];
            }
          });
        }
      }
    }
    onRows?.(rows);
  }
  return finishSite(site, plan, lanes, tokens, k, warnings);
}

/** F16/BF16 codes can feed the fast lane directly when every lane is magnitude + none on network patterns. */
function halfDtype(source: RowSource, lanes: Lane[], withWeights: boolean): HalfDtype | null {
  const dtype = source.info?.dtype;
  if ((dtype !== 'F16' && dtype !== 'BF16') || !source.readBytes || !LITTLE_ENDIAN_HOST || withWeights) return null;
  return lanes.every((l) => l.fast && !l.ranked) ? dtype : null;
}

async function streamHalf(source: RowSource, dtype: HalfDtype, tokens: number, k: number, chunkRows: number, row: RowContext, lanes: Lane[], onRows?: (rows: number) => void): Promise<void> {
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
}

function finishSite(site: SiteInput, plan: AnalysisPlan, lanes: Lane[], tokens: number, k: number, warnings: Diagnostic[]): SiteResult {
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
          ...base,
          compatibility,
          outputRelErrL2: c.weight ? outputRelErr(lane.output[p][i], c.weight.outFeatures) : null,
        });
      });
    });
  }
  // keep slots in the site's consumer order
  const order = site.consumers.map((c) => c.consumer);
  for (const list of slots) list.sort((a, b) => order.indexOf(a.consumer) - order.indexOf(b.consumer));
  return { dtype: site.dtype, slots, warnings };
}

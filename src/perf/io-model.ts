/**
 * Bytes a model step moves to and from DRAM, by kind, for one pattern and metadata encoding:
 * - site activations: written once by their producer, read once by each consumer GEMM —
 *   compressed (kept values + metadata) when the plan stores them compressed;
 * - weights: every GEMM's K × N, times the fetched row fraction (decode row skipping);
 * - KV cache: read and appended, unchanged by activation pruning;
 * - other activations: GEMM outputs and the other operator inputs/outputs, unchanged;
 * - pruning passes: the extra traffic of software online pruning.
 * Operand re-streaming inside a GEMM (tiling) is not model I/O and is left out here.
 */
import type { MetadataEncoding } from '../sparsity/pattern.js';
import type { GemmOp, ModelWorkload, NonGemmOp } from '../workload/layer-ops.js';
import { activationRowBytes } from './activation-bytes.js';
import { SOFTWARE_PRUNE_KERNELS_PER_SITE } from './constants.js';
import type { ExecutionPlan } from './execution-plan.js';

export interface IoTotals {
  siteActivationsWrittenBytes: number;
  siteActivationsReadBytes: number;
  /** the metadata part of the two site terms above */
  metadataBytes: number;
  weightsBytes: number;
  kvCacheBytes: number;
  otherActivationsBytes: number;
  pruningPassBytes: number;
  totalBytes: number;
}

export function emptyIo(): IoTotals {
  return {
    siteActivationsWrittenBytes: 0,
    siteActivationsReadBytes: 0,
    metadataBytes: 0,
    weightsBytes: 0,
    kvCacheBytes: 0,
    otherActivationsBytes: 0,
    pruningPassBytes: 0,
    totalBytes: 0,
  };
}

export function scaleIo(io: IoTotals, f: number): IoTotals {
  const out = emptyIo();
  for (const k of Object.keys(out) as (keyof IoTotals)[]) out[k] = io[k] * f;
  return out;
}

function addInto(acc: IoTotals, io: IoTotals, times: number): void {
  for (const k of Object.keys(acc) as (keyof IoTotals)[]) acc[k] += io[k] * times;
}

function layerIo(
  gemms: GemmOp[],
  nonGemm: NonGemmOp[],
  plan: ExecutionPlan,
  elementBytes: number,
  encoding: MetadataEncoding,
  weightRowFraction: (g: GemmOp) => number,
): IoTotals {
  const io = emptyIo();
  const sparse = plan.mode !== 'dense';
  // weight N:M (pruned offline): the projections' weights are stored compressed, activations stay dense
  const weightSparse = sparse && plan.sparseOperand === 'weight';
  const compressed = sparse && plan.compressed && !weightSparse;
  const site = (rows: number, k: number) => {
    const rb = activationRowBytes(plan.requested, compressed, k, elementBytes, encoding);
    return { total: rows * (rb.valueBytes + rb.metadataBytes), metadata: rows * rb.metadataBytes };
  };
  for (const g of gemms) {
    if (g.site) {
      const s = site(g.rowsTokens, g.kIn);
      io.siteActivationsReadBytes += s.total;
      io.metadataBytes += s.metadata;
      if (weightSparse) {
        // one output column's K weights: kept values + metadata, as a compressed activation row
        const wb = activationRowBytes(plan.requested, true, g.kIn, elementBytes, encoding);
        io.weightsBytes += g.nOut * (wb.valueBytes + wb.metadataBytes);
        io.metadataBytes += g.nOut * wb.metadataBytes;
      } else {
        io.weightsBytes += g.kIn * g.nOut * elementBytes * (sparse && plan.rowSkipping ? weightRowFraction(g) : 1);
      }
    } else {
      io.otherActivationsBytes += g.rowsTokens * g.kIn * elementBytes;
      io.weightsBytes += g.kIn * g.nOut * elementBytes;
    }
    io.otherActivationsBytes += g.rowsTokens * g.nOut * elementBytes;
  }
  for (const op of nonGemm) {
    io.kvCacheBytes += op.kvCacheBytesRead + op.kvCacheBytesWritten;
    io.otherActivationsBytes += op.bytesRead;
    if (!op.producesSite) {
      io.otherActivationsBytes += op.bytesWritten;
      continue;
    }
    const { rowsTokens, k } = op.producesSite;
    const denseSite = rowsTokens * k * elementBytes;
    io.otherActivationsBytes += op.bytesWritten - denseSite;
    if (sparse && plan.pruning === 'software') {
      // producer writes dense; the passes read it and write the compressed form
      io.siteActivationsWrittenBytes += denseSite;
      const c = site(rowsTokens, k);
      const kernels = SOFTWARE_PRUNE_KERNELS_PER_SITE;
      io.pruningPassBytes += kernels * denseSite + (kernels - 1) * denseSite + c.total;
    } else {
      const s = site(rowsTokens, k);
      io.siteActivationsWrittenBytes += s.total;
      io.metadataBytes += s.metadata;
    }
  }
  io.totalBytes =
    io.siteActivationsWrittenBytes + io.siteActivationsReadBytes + io.weightsBytes + io.kvCacheBytes + io.otherActivationsBytes + io.pruningPassBytes;
  return io;
}

/** I/O of one model step (all layers, embedding, final norm, LM head). */
export function modelIo(
  w: ModelWorkload,
  plan: ExecutionPlan,
  elementBytes: number,
  encoding: MetadataEncoding,
  weightRowFraction: (g: GemmOp) => number,
): { perStep: IoTotals; perLayer: IoTotals; perToken: IoTotals } {
  const perStep = emptyIo();
  const layersOnly = emptyIo();
  for (const l of w.layers) addInto(layersOnly, layerIo(l.gemms, l.nonGemm, plan, elementBytes, encoding, weightRowFraction), l.layerCount);
  addInto(perStep, layersOnly, 1);
  addInto(perStep, layerIo(w.head.gemms, w.head.nonGemm, plan, elementBytes, encoding, weightRowFraction), 1);
  return {
    perStep,
    perLayer: scaleIo(layersOnly, 1 / w.model.numLayers),
    perToken: scaleIo(perStep, 1 / w.rowsTokens),
  };
}

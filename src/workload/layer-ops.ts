/**
 * The work of one decoder layer (and of the model's ends) for one phase, as shapes and bytes:
 *
 *   embedding ─▶ [ input_norm ─▶ q,k,v ─▶ attention ─▶ o ─▶ residual ─▶ post_attention_norm
 *                  ─▶ gate,up ─▶ mlp_activation ─▶ down ─▶ residual ] × layers ─▶ final_norm ─▶ lm_head
 *
 * GEMMs are `rowsTokens × kIn → nOut`. The seven projections read one of four activation
 * *sites* — the linear inputs that N:M activation pruning prunes (arXiv 2509.22166): attn_in
 * (q, k, v), attn_out (o), mlp_in (gate, up), mlp_mid (down). Each site is written by exactly
 * one producer operator, which is where an online pruning unit compresses it.
 *
 * Assumptions: projections are unfused (q, k and v each read attn_in); prefill is one sequence
 * of T tokens with causal attention and computes logits for the last position only (serving);
 * decode runs B sequences, each at context L; the KV cache is stored at the operand width.
 */
import { localLayerCount, type ModelShape } from './model-shape.js';
import {
  GATED_ACTIVATION_FLOPS_PER_ELEMENT,
  RESIDUAL_FLOPS_PER_ELEMENT,
  RMSNORM_FLOPS_PER_ELEMENT,
  SOFTMAX_FLOPS_PER_SCORE,
} from './op-costs.js';

export const PHASES = ['prefill', 'decode'] as const;
export type PhaseKind = (typeof PHASES)[number];
export type Phase = { kind: 'prefill'; tokens: number } | { kind: 'decode'; batch: number; contextTokens: number };

export const SITES = ['attn_in', 'attn_out', 'mlp_in', 'mlp_mid'] as const;
export type SiteName = (typeof SITES)[number];

export const GEMM_NAMES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'lm_head'] as const;
export type GemmName = (typeof GEMM_NAMES)[number];

export interface GemmOp {
  name: GemmName;
  /** the pruned input site; absent for the LM head, which the paper leaves dense */
  site?: SiteName;
  rowsTokens: number;
  kIn: number;
  nOut: number;
}

export interface NonGemmOp {
  name: string;
  /** matrix work done on the tensor cores, dense (attention QKᵀ and PV) */
  tensorCoreFlops: number;
  /** element-wise work on the vector units */
  vectorFlops: number;
  /** dense bytes read / written from DRAM, excluding the KV cache */
  bytesRead: number;
  bytesWritten: number;
  kvCacheBytesRead: number;
  kvCacheBytesWritten: number;
  /** the activation site this operator writes (where an online pruning unit compresses it) */
  producesSite?: { site: SiteName; rowsTokens: number; k: number };
}

export interface LayerWorkload {
  /** how many decoder layers have exactly this workload */
  layerCount: number;
  /** attention span per query in this kind of layer: "global" or "window 1024" */
  attention: string;
  gemms: GemmOp[];
  nonGemm: NonGemmOp[];
}

export interface ModelWorkload {
  model: ModelShape;
  phase: Phase;
  /** tokens processed per step: T in prefill, B in decode */
  rowsTokens: number;
  layers: LayerWorkload[];
  /** embedding lookup, final norm, LM head */
  head: { gemms: GemmOp[]; nonGemm: NonGemmOp[] };
}

export function phaseRows(phase: Phase): number {
  return phase.kind === 'prefill' ? phase.tokens : phase.batch;
}

function vectorOp(name: string, elementsIn: number, elementsOut: number, flops: number, bytes: number, producesSite?: NonGemmOp['producesSite']): NonGemmOp {
  return {
    name,
    tensorCoreFlops: 0,
    vectorFlops: flops,
    bytesRead: elementsIn * bytes,
    bytesWritten: elementsOut * bytes,
    kvCacheBytesRead: 0,
    kvCacheBytesWritten: 0,
    ...(producesSite ? { producesSite } : {}),
  };
}

/** Σ_{t=1..T} min(t, w): keys each of T causal queries attends to. */
export function causalScorePairs(tokens: number, windowTokens: number): number {
  const w = Math.min(windowTokens, tokens);
  return (w * (w + 1)) / 2 + (tokens - w) * w;
}

function attentionOp(m: ModelShape, phase: Phase, windowTokens: number, bytes: number): NonGemmOp {
  const qWidth = m.numHeads * m.headDim;
  const kvWidth = m.numKvHeads * m.headDim;
  if (phase.kind === 'prefill') {
    const T = phase.tokens;
    const scores = m.numHeads * causalScorePairs(T, windowTokens);
    return {
      name: 'attention',
      tensorCoreFlops: 2 * 2 * m.headDim * scores,
      vectorFlops: SOFTMAX_FLOPS_PER_SCORE * scores,
      // fused (FlashAttention-style): read Q, K, V once, write O; scores never leave the chip
      bytesRead: T * (qWidth + 2 * kvWidth) * bytes,
      bytesWritten: T * qWidth * bytes,
      kvCacheBytesRead: 0,
      kvCacheBytesWritten: 0,
      producesSite: { site: 'attn_out', rowsTokens: T, k: qWidth },
    };
  }
  const B = phase.batch;
  const span = Math.min(phase.contextTokens, windowTokens);
  const scores = B * m.numHeads * span;
  return {
    name: 'attention',
    tensorCoreFlops: 2 * 2 * m.headDim * scores,
    vectorFlops: SOFTMAX_FLOPS_PER_SCORE * scores,
    bytesRead: B * qWidth * bytes,
    bytesWritten: B * qWidth * bytes,
    // every sequence reads K and V of its span; the new token's K and V are appended
    kvCacheBytesRead: B * span * 2 * kvWidth * bytes,
    kvCacheBytesWritten: B * 2 * kvWidth * bytes,
    producesSite: { site: 'attn_out', rowsTokens: B, k: qWidth },
  };
}

function layerOps(m: ModelShape, phase: Phase, windowTokens: number, layerCount: number, bytes: number): LayerWorkload {
  const R = phaseRows(phase);
  const h = m.hiddenSize;
  const inter = m.intermediateSize;
  const qWidth = m.numHeads * m.headDim;
  const kvWidth = m.numKvHeads * m.headDim;
  const gemms: GemmOp[] = [
    { name: 'q', site: 'attn_in', rowsTokens: R, kIn: h, nOut: qWidth },
    { name: 'k', site: 'attn_in', rowsTokens: R, kIn: h, nOut: kvWidth },
    { name: 'v', site: 'attn_in', rowsTokens: R, kIn: h, nOut: kvWidth },
    { name: 'o', site: 'attn_out', rowsTokens: R, kIn: qWidth, nOut: h },
    { name: 'gate', site: 'mlp_in', rowsTokens: R, kIn: h, nOut: inter },
    { name: 'up', site: 'mlp_in', rowsTokens: R, kIn: h, nOut: inter },
    { name: 'down', site: 'mlp_mid', rowsTokens: R, kIn: inter, nOut: h },
  ];
  const nonGemm: NonGemmOp[] = [
    vectorOp('input_norm', R * h, R * h, RMSNORM_FLOPS_PER_ELEMENT * R * h, bytes, { site: 'attn_in', rowsTokens: R, k: h }),
    attentionOp(m, phase, windowTokens, bytes),
    vectorOp('attention_residual', 2 * R * h, R * h, RESIDUAL_FLOPS_PER_ELEMENT * R * h, bytes),
    vectorOp('post_attention_norm', R * h, R * h, RMSNORM_FLOPS_PER_ELEMENT * R * h, bytes, { site: 'mlp_in', rowsTokens: R, k: h }),
    vectorOp('mlp_activation', 2 * R * inter, R * inter, GATED_ACTIVATION_FLOPS_PER_ELEMENT * R * inter, bytes, { site: 'mlp_mid', rowsTokens: R, k: inter }),
    vectorOp('mlp_residual', 2 * R * h, R * h, RESIDUAL_FLOPS_PER_ELEMENT * R * h, bytes),
  ];
  const extraNorms = m.normsPerLayer - 2;
  if (extraNorms > 0) {
    nonGemm.push(vectorOp('extra_norms', extraNorms * R * h, extraNorms * R * h, extraNorms * RMSNORM_FLOPS_PER_ELEMENT * R * h, bytes));
  }
  const attention = Number.isFinite(windowTokens) ? `window ${windowTokens}` : 'global';
  return { layerCount, attention, gemms, nonGemm };
}

/**
 * The whole model for one step of a phase. `elementBytes` is the width activations, weights
 * and the KV cache are stored at (the profile's operand width).
 */
export function modelWorkload(m: ModelShape, phase: Phase, elementBytes: number): ModelWorkload {
  const R = phaseRows(phase);
  const h = m.hiddenSize;
  const layers: LayerWorkload[] = [];
  const local = localLayerCount(m);
  const global = m.numLayers - local;
  if (global > 0) layers.push(layerOps(m, phase, Infinity, global, elementBytes));
  if (local > 0 && m.slidingWindow) layers.push(layerOps(m, phase, m.slidingWindow.windowTokens, local, elementBytes));
  const logitRows = phase.kind === 'prefill' ? 1 : R;
  return {
    model: m,
    phase,
    rowsTokens: R,
    layers,
    head: {
      gemms: [{ name: 'lm_head', rowsTokens: logitRows, kIn: h, nOut: m.vocabSize }],
      nonGemm: [
        // one embedding row read per token, the hidden state written
        vectorOp('embedding', R * h, R * h, 0, elementBytes),
        vectorOp('final_norm', logitRows * h, logitRows * h, RMSNORM_FLOPS_PER_ELEMENT * logitRows * h, elementBytes),
      ],
    },
  };
}

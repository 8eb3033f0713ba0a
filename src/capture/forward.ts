/**
 * The Llama-2 forward pass of llama2.c (run.c), float32 storage, in one chunked form:
 * `forwardChunk` runs T new tokens at positions start..start+T−1 against a KV cache. The
 * whole-sequence evaluation path is one chunk from an empty cache (causal attention inside the
 * chunk); the generation path is a chunk of one token per step.
 *
 *   x = emb[token]
 *   per layer: xb = rmsnorm(x)·g_att → [site qkv] q,k,v = Wq xb, Wk xb, Wv xb → RoPE(q,k)
 *              → causal grouped-query attention → [site o] x += Wo att
 *              xb = rmsnorm(x)·g_ffn → [site gate_up] h = silu(W1 xb) ⊙ (W3 xb) → [site down] x += W2 h
 *   logits = Wcls rmsnorm(x)·g_final
 * RMSNorm eps 1e-5; RoPE theta 10000 on adjacent pairs (2i, 2i+1) within each head;
 * attention scale 1/sqrt(head_size); kv head of query head h is h / (n_heads / n_kv_heads).
 *
 * Pruning enters through `LinearHooks`: before every projection the hooks turn a site's input
 * into the input each consumer multiplies, and may correct each consumer's output.
 */
import type { Consumer } from '../trace/manifest.js';
import type { ModelWeights } from './checkpoint.js';
import { headSize, kvDim } from './checkpoint.js';
import { matmulXWt } from './matmul.js';
import { WasmLayerAttention } from './attention-wasm.js';
import { attentionF32Fits, WasmLayerAttentionF32 } from './attention-f32-wasm.js';
import { WasmSilu } from './silu-wasm.js';
import { WasmSiluF32 } from './silu-f32-wasm.js';
import { WasmGlue } from './glue-wasm.js';
import { packedBytes, WasmMatmul, WASM_MATMUL_AVAILABLE, type PackedWeight } from './matmul-wasm.js';
import { packedBytesF32, WasmMatmulF32 } from './matmul-f32-wasm.js';
import { expNonPositive } from './exp.js';
import { SITE_CONSUMERS, type SiteKind } from './sites.js';

export const RMS_NORM_EPS = 1e-5;
export const ROPE_THETA = 10000;

export interface LinearHooks {
  /**
   * The input each consumer of the site multiplies, in SITE_CONSUMERS[kind] order, given the
   * site's pre-pruning input x [tokens, K]. `startPos` is the position of row 0.
   */
  inputs(layer: number, kind: SiteKind, x: Float32Array, tokens: number, k: number, startPos: number): Float32Array[];
  /** Optional in-place correction of a consumer's output y [tokens, outDim]. */
  output?(layer: number, consumer: Consumer, y: Float32Array, tokens: number, outDim: number): void;
}

export interface KvCache {
  /** per layer [kvDim, seqLen] (channel-major) */
  key: Float32Array[];
  value: Float32Array[];
}

export function createKvCache(model: ModelWeights): KvCache {
  const c = model.config;
  const n = c.seqLen * kvDim(c);
  return {
    key: Array.from({ length: c.nLayers }, () => new Float32Array(n)),
    value: Array.from({ length: c.nLayers }, () => new Float32Array(n)),
  };
}

export function rmsnorm(out: Float32Array, x: Float32Array, g: Float32Array, tokens: number, dim: number): void {
  for (let t = 0; t < tokens; t++) {
    const r = t * dim;
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += x[r + i] * x[r + i];
    const inv = 1 / Math.sqrt(ss / dim + RMS_NORM_EPS);
    for (let i = 0; i < dim; i++) out[r + i] = g[i] * (inv * x[r + i]);
  }
}

/**
 * RoPE's rotation of every (position, channel-within-head) pair, tabulated once per model:
 * cos[pos·hs + i] and sin[pos·hs + i] for pos < seq_len and even i < hs are Math.cos / Math.sin
 * of fround(pos · fround(1 / θ^(i/hs))) — the very values llama2.c's formula computes per token,
 * so a table lookup gives the same bits as computing them on the fly (ropeReference in
 * test/capture/rope.test.ts), at one cos and one sin per pair of the table instead of a pow, a cos
 * and a sin per pair of every token, head, layer and window.
 */
export interface RopeTable {
  hs: number;
  cos: Float64Array;
  sin: Float64Array;
}

export function ropeTable(seqLen: number, hs: number): RopeTable {
  const cos = new Float64Array(seqLen * hs);
  const sin = new Float64Array(seqLen * hs);
  for (let i = 0; i < hs; i += 2) {
    const freq = Math.fround(1 / Math.pow(ROPE_THETA, i / hs));
    for (let pos = 0; pos < seqLen; pos++) {
      const val = Math.fround(pos * freq);
      cos[pos * hs + i] = Math.cos(val);
      sin[pos * hs + i] = Math.sin(val);
    }
  }
  return { hs, cos, sin };
}

/** Rotates adjacent pairs of each head of v [tokens, width] by position (llama2.c RoPE; width a multiple of hs). */
export function rope(v: Float32Array, tokens: number, width: number, table: RopeTable, startPos: number): void {
  const { hs, cos, sin } = table;
  for (let t = 0; t < tokens; t++) {
    const tb = (startPos + t) * hs;
    const r = t * width;
    for (let h = 0; h < width; h += hs) {
      for (let i = 0; i < hs; i += 2) {
        const fcr = cos[tb + i];
        const fci = sin[tb + i];
        const v0 = v[r + h + i];
        const v1 = v[r + h + i + 1];
        v[r + h + i] = v0 * fcr - v1 * fci;
        v[r + h + i + 1] = v0 * fci + v1 * fcr;
      }
    }
  }
}

/**
 * One query head against positions 0 … n−1 of the cache (channel-major [kvDim, seqLen], this
 * head's channels from row ko): att[qo …] = softmax(scale·q·K) · V. The scores and their maximum
 * in one pass over the positions (no fill of the scratch), the exps and their sum in a second,
 * the value sums four channels per pass (a fused exp + all-channel value pass measured slower in
 * V8: its per-channel sums live in memory, not registers). The float64 arithmetic is that of the reference (three
 * passes of 4-channel groups, kept in git history and in test/capture/attention.test.ts): a
 * score is 0 + Σ over groups of 4 channels (then pairs) of ((q0k0 + q1k1) + q2k2) + q3k3, in
 * channel order; the sum and each value sum run over p = 0 … n−1 from 0; so each result is the
 * same bits.
 */
export function attendHead(
  q: Float32Array,
  qo: number,
  keys: Float32Array,
  values: Float32Array,
  ko: number,
  hs: number,
  n: number,
  seqLen: number,
  scale: number,
  scores: Float64Array,
  qs: Float64Array,
  att: Float32Array,
): void {
  for (let i = 0; i < hs; i++) qs[i] = q[qo + i] * scale;
  const base = ko * seqLen;
  const hs4 = hs & ~3;
  let max = -Infinity;
  for (let p = 0; p < n; p++) {
    let s = 0;
    let i = 0;
    let r = base + p;
    for (; i < hs4; i += 4, r += 4 * seqLen) {
      s += qs[i] * keys[r] + qs[i + 1] * keys[r + seqLen] + qs[i + 2] * keys[r + 2 * seqLen] + qs[i + 3] * keys[r + 3 * seqLen];
    }
    for (; i < hs; i += 2, r += 2 * seqLen) s += qs[i] * keys[r] + qs[i + 1] * keys[r + seqLen];
    scores[p] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let p = 0; p < n; p++) {
    const e = expNonPositive(scores[p] - max);
    scores[p] = e;
    sum += e;
  }
  const inv = 1 / sum;
  let i = 0;
  for (; i < hs4; i += 4) {
    const r0 = base + i * seqLen;
    const r1 = r0 + seqLen;
    const r2 = r1 + seqLen;
    const r3 = r2 + seqLen;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let p = 0; p < n; p++) {
      const w = scores[p];
      a0 += w * values[r0 + p];
      a1 += w * values[r1 + p];
      a2 += w * values[r2 + p];
      a3 += w * values[r3 + p];
    }
    att[qo + i] = a0 * inv;
    att[qo + i + 1] = a1 * inv;
    att[qo + i + 2] = a2 * inv;
    att[qo + i + 3] = a3 * inv;
  }
  for (; i < hs; i++) {
    const row = base + i * seqLen;
    let a = 0;
    for (let p = 0; p < n; p++) a += scores[p] * values[row + p];
    att[qo + i] = a * inv;
  }
}

/** The weight and output width of each consumer in one layer. */
function projections(model: ModelWeights, layer: number): Record<Consumer, [Float32Array, number]> {
  const c = model.config;
  const w = model.layers[layer];
  const kv = kvDim(c);
  return {
    q: [w.wq, c.dim],
    k: [w.wk, kv],
    v: [w.wv, kv],
    o: [w.wo, c.dim],
    gate: [w.w1, c.hiddenDim],
    up: [w.w3, c.hiddenDim],
    down: [w.w2, c.dim],
  } as Record<Consumer, [Float32Array, number]>;
}

/**
 * The activation buffers of one model's forward pass, reused from call to call (no allocation
 * per token or per window; only the returned logits are new). `view` holds [tokens]-sized views,
 * rebuilt only when the chunk length changes (generation: always 1; evaluation: seq_len, and
 * once more for a stream's shorter last window). forwardChunk is synchronous and never re-entered
 * (hooks do not run the model), so one workspace per model is safe; each worker thread has its own.
 */
interface Workspace {
  capacity: number;
  tokens: number;
  x: Float32Array;
  xb: Float32Array;
  att: Float32Array;
  hb: Float32Array;
  scores: Float64Array;
  /** one head's scaled query (float64, head_size) */
  qs: Float64Array;
  rope: RopeTable;
  /** per consumer, the output buffer [capacity · outDim] and its current [tokens · outDim] view */
  outFull: Record<Consumer, Float32Array>;
  out: Record<Consumer, Float32Array>;
  view: { x: Float32Array; xb: Float32Array; att: Float32Array; hb: Float32Array };
  proj: Record<Consumer, [Float32Array, number]>[];
  /** the WebAssembly SIMD matmul with this model's weights packed (absent: the JS kernel) */
  wasm?: { kernel: WasmMatmul | WasmMatmulF32; proj: Record<Consumer, PackedWeight>[]; cls: PackedWeight };
  /** the WebAssembly SIMD attention kernel, a whole layer per call (absent: attendHead in JS) */
  attention?: WasmLayerAttention | WasmLayerAttentionF32;
  /** the WebAssembly SIMD SwiGLU gate (absent: the JS loop) */
  silu?: WasmSilu | WasmSiluF32;
  /** RMSNorm and the residual adds in WebAssembly (absent: the JS loops) */
  glue?: WasmGlue;
  /** dense runs: the site input repeated once per consumer */
  same: Record<SiteKind, Float32Array[]>;
  outputs: Record<SiteKind, Float32Array[]>;
  /** forwardWindow's logits [capacity · vocab] and KV cache, made on its first call */
  windowLogits?: Float32Array;
  windowCache?: KvCache;
}

const workspaces = new WeakMap<ModelWeights, Workspace>();

function workspace(model: ModelWeights, tokens: number): Workspace {
  const c = model.config;
  let ws = workspaces.get(model);
  if (!ws || ws.capacity < tokens) {
    const capacity = Math.max(tokens, ws?.capacity ?? 0);
    const proj = Array.from({ length: c.nLayers }, (_, l) => projections(model, l));
    const outFull = {} as Record<Consumer, Float32Array>;
    for (const consumer of Object.keys(proj[0]) as Consumer[]) outFull[consumer] = new Float32Array(capacity * proj[0][consumer][1]);
    ws = {
      capacity,
      tokens: -1,
      x: new Float32Array(capacity * c.dim),
      xb: new Float32Array(capacity * c.dim),
      att: new Float32Array(capacity * c.dim),
      hb: new Float32Array(capacity * c.hiddenDim),
      scores: new Float64Array(c.seqLen),
      qs: new Float64Array(headSize(c)),
      rope: ws?.rope ?? ropeTable(c.seqLen, headSize(c)),
      outFull,
      out: { ...outFull },
      view: { x: new Float32Array(0), xb: new Float32Array(0), att: new Float32Array(0), hb: new Float32Array(0) },
      proj,
      same: {} as Record<SiteKind, Float32Array[]>,
      outputs: {} as Record<SiteKind, Float32Array[]>,
      wasm: wasmMatmulEnabled ? packModel(model, proj, capacity) : undefined,
      attention: wasmMatmulEnabled ? (ws?.attention ?? layerAttention(model)) : undefined,
      silu: wasmMatmulEnabled ? new (model.precision === 'f32' ? WasmSiluF32 : WasmSilu)(capacity * c.hiddenDim) : undefined,
      glue: wasmMatmulEnabled ? new WasmGlue(capacity * c.dim, c.dim) : undefined,
    };
    workspaces.set(model, ws);
  }
  if (ws.tokens !== tokens) {
    ws.tokens = tokens;
    ws.view = {
      x: ws.x.subarray(0, tokens * c.dim),
      xb: ws.xb.subarray(0, tokens * c.dim),
      att: ws.att.subarray(0, tokens * c.dim),
      hb: ws.hb.subarray(0, tokens * c.hiddenDim),
    };
    for (const consumer of Object.keys(ws.outFull) as Consumer[]) {
      ws.out[consumer] = ws.outFull[consumer].subarray(0, tokens * ws.proj[0][consumer][1]);
    }
    for (const kind of Object.keys(SITE_CONSUMERS) as SiteKind[]) {
      ws.outputs[kind] = SITE_CONSUMERS[kind].map((consumer) => ws!.out[consumer]);
    }
  }
  return ws;
}

/** precision 'f32' (precision.ts): the float32 kernel where its shape fits; otherwise the bit-identical float64 one */
function layerAttention(model: ModelWeights): WasmLayerAttention | WasmLayerAttentionF32 | undefined {
  const c = model.config;
  const hs = headSize(c);
  if (model.precision === 'f32' && attentionF32Fits(hs, kvDim(c), c.nHeads)) return new WasmLayerAttentionF32(hs, c.seqLen, kvDim(c), c.nHeads);
  return hs % 2 === 0 ? new WasmLayerAttention(hs, c.seqLen, kvDim(c), c.nHeads) : undefined;
}

/**
 * Whether forwardChunk uses the WebAssembly SIMD kernels (matmul-wasm.ts and attention-wasm.ts;
 * the same bits as matmulXWt and attendHead) for chunks of ≥ 4 tokens; on by default where the
 * engine has SIMD. A model whose workspace already exists keeps its choice.
 */
let wasmMatmulEnabled = WASM_MATMUL_AVAILABLE;
export function setWasmMatmul(enabled: boolean): void {
  wasmMatmulEnabled = enabled && WASM_MATMUL_AVAILABLE;
}

/**
 * Smallest chunk the WASM kernels take: the matmul computes 4 tokens per block and attention copies
 * the layer's cache in per chunk, so one-token generation steps stay in JS.
 */
const WASM_MIN_TOKENS = 4;

function packModel(model: ModelWeights, proj: Record<Consumer, [Float32Array, number]>[], capacity: number): Workspace['wasm'] {
  const c = model.config;
  const width = (consumer: Consumer) => (consumer === 'down' ? c.hiddenDim : c.dim);
  // precision 'f32': the float32-accumulating kernel (precision.ts); otherwise the bit-identical one
  const f32 = model.precision === 'f32';
  const packedBytesOf = f32 ? packedBytesF32 : packedBytes;
  let bytes = packedBytesOf(c.vocabSize, c.dim);
  for (const layer of proj) for (const consumer of Object.keys(layer) as Consumer[]) bytes += packedBytesOf(layer[consumer][1], width(consumer));
  const kernel = new (f32 ? WasmMatmulF32 : WasmMatmul)(bytes, capacity, Math.max(c.dim, c.hiddenDim), Math.max(c.dim, c.hiddenDim, c.vocabSize));
  return {
    kernel,
    proj: proj.map((layer) => {
      const packed = {} as Record<Consumer, PackedWeight>;
      for (const consumer of Object.keys(layer) as Consumer[]) packed[consumer] = kernel.pack(layer[consumer][0], layer[consumer][1], width(consumer));
      return packed;
    }),
    cls: kernel.pack(model.wcls, c.vocabSize, c.dim),
  };
}

/** Runs every consumer of a site into the workspace; returns their outputs in SITE_CONSUMERS order. */
function runSite(
  ws: Workspace,
  layer: number,
  kind: SiteKind,
  x: Float32Array,
  tokens: number,
  k: number,
  startPos: number,
  hooks: LinearHooks | undefined,
): Float32Array[] {
  const consumers = SITE_CONSUMERS[kind];
  let inputs: Float32Array[];
  if (hooks) inputs = hooks.inputs(layer, kind, x, tokens, k, startPos);
  else {
    inputs = ws.same[kind] ?? (ws.same[kind] = consumers.map(() => x));
    for (let i = 0; i < consumers.length; i++) inputs[i] = x;
  }
  const proj = ws.proj[layer];
  const outputs = ws.outputs[kind];
  for (let i = 0; i < consumers.length; i++) {
    const [w, outDim] = proj[consumers[i]];
    const y = outputs[i];
    // consumers sharing one input (dense, magnitude, clact) reuse the kernel's packed copy of it
    if (ws.wasm && tokens >= WASM_MIN_TOKENS) ws.wasm.kernel.matmul(y, inputs[i], ws.wasm.proj[layer][consumers[i]], tokens, i > 0 && inputs[i] === inputs[i - 1]);
    else matmulXWt(y, inputs[i], w, tokens, k, outDim);
    hooks?.output?.(layer, consumers[i], y, tokens, outDim);
  }
  return outputs;
}

/**
 * Runs tokens at positions startPos.. (startPos + tokens.length ≤ seqLen), filling the cache,
 * and returns the logits [tokens, vocab].
 */
export function forwardChunk(
  model: ModelWeights,
  cache: KvCache,
  tokenIds: ArrayLike<number>,
  startPos: number,
  hooks?: LinearHooks,
  logitsInto?: (ws: Workspace) => Float32Array,
): Float32Array {
  const c = model.config;
  const T = tokenIds.length;
  if (startPos + T > c.seqLen) throw new RangeError(`positions ${startPos}..${startPos + T - 1} exceed seq_len ${c.seqLen}`);
  const dim = c.dim;
  const hs = headSize(c);
  const kv = kvDim(c);
  const kvMul = c.nHeads / c.nKvHeads;
  const scale = 1 / Math.sqrt(hs);
  const ws = workspace(model, T);
  const { x, xb, att, hb } = ws.view;
  for (let t = 0; t < T; t++) x.set(model.tokenEmbedding.subarray(tokenIds[t] * dim, (tokenIds[t] + 1) * dim), t * dim);
  const seqLen = c.seqLen;
  const scores = ws.scores;

  const glue = T >= WASM_MIN_TOKENS ? ws.glue : undefined;
  const norm = (out: Float32Array, g: Float32Array) => (glue ? glue.rmsnorm(out, x, g, T, dim, RMS_NORM_EPS) : rmsnorm(out, x, g, T, dim));
  const addInto = (o: Float32Array) => {
    if (glue) glue.add(x, o, T * dim);
    else for (let i = 0; i < T * dim; i++) x[i] += o[i];
  };
  for (let l = 0; l < c.nLayers; l++) {
    const w = model.layers[l];
    norm(xb, w.rmsAtt);
    const [q, k, v] = runSite(ws, l, 'qkv', xb, T, dim, startPos, hooks);
    rope(q, T, dim, ws.rope, startPos);
    rope(k, T, kv, ws.rope, startPos);
    // cache layout [kvDim, seqLen] (channel-major): the score and value sums below run over
    // positions in long contiguous inner loops
    const keys = cache.key[l];
    const values = cache.value[l];
    for (let t = 0; t < T; t++) {
      for (let ch = 0; ch < kv; ch++) {
        keys[ch * seqLen + startPos + t] = k[t * kv + ch];
        values[ch * seqLen + startPos + t] = v[t * kv + ch];
      }
    }
    if (ws.attention && T >= WASM_MIN_TOKENS) ws.attention.run(keys, values, q, T, startPos, scale, att);
    else {
      for (let t = 0; t < T; t++) {
        const n = startPos + t + 1;
        for (let h = 0; h < c.nHeads; h++) attendHead(q, t * dim + h * hs, keys, values, Math.floor(h / kvMul) * hs, hs, n, seqLen, scale, scores, ws.qs, att);
      }
    }
    const [o] = runSite(ws, l, 'o', att, T, dim, startPos, hooks);
    addInto(o);

    norm(xb, w.rmsFfn);
    const [g, u] = runSite(ws, l, 'gate_up', xb, T, dim, startPos, hooks);
    // SwiGLU: in WebAssembly (the same bits; it declines inputs beyond its exp's range) or here
    if (!(ws.silu && T >= WASM_MIN_TOKENS && ws.silu.gate(hb, g, u, T * c.hiddenDim))) {
      for (let i = 0; i < T * c.hiddenDim; i++) {
        const a = g[i];
        hb[i] = (a / (1 + Math.exp(-a))) * u[i];
      }
    }
    const [down] = runSite(ws, l, 'down', hb, T, c.hiddenDim, startPos, hooks);
    addInto(down);
  }
  norm(xb, model.rmsFinal);
  const logits = logitsInto ? logitsInto(ws) : new Float32Array(T * c.vocabSize);
  if (ws.wasm && T >= WASM_MIN_TOKENS) ws.wasm.kernel.matmul(logits, xb, ws.wasm.cls, T);
  else matmulXWt(logits, xb, model.wcls, T, dim, c.vocabSize);
  return logits;
}

/** Whole-sequence causal pass from an empty cache (evaluation). */
export function forwardSequence(model: ModelWeights, tokenIds: ArrayLike<number>, hooks?: LinearHooks): Float32Array {
  return forwardChunk(model, createKvCache(model), tokenIds, 0, hooks);
}

/**
 * forwardSequence without allocating: the logits [tokens, vocab] are a view of a buffer the
 * model's workspace keeps, valid only until the next forward call on this model (the perplexity
 * windows read them at once), and the KV cache is the workspace's own, reused from window to
 * window — a whole-sequence pass from position 0 writes every position before it reads it, so
 * the stale contents of an earlier window are never read. The same bits as forwardSequence
 * (test/capture/forward-workspace.test.ts).
 */
export function forwardWindow(model: ModelWeights, tokenIds: ArrayLike<number>, hooks?: LinearHooks): Float32Array {
  const ws = workspace(model, tokenIds.length);
  const cache = (ws.windowCache ??= createKvCache(model));
  const vocab = model.config.vocabSize;
  return forwardChunk(model, cache, tokenIds, 0, hooks, (w) => (w.windowLogits ??= new Float32Array(w.capacity * vocab)).subarray(0, tokenIds.length * vocab));
}

/** One KV-cache step (generation): the logits [vocab] of the token at `pos`. */
export function forwardStep(model: ModelWeights, cache: KvCache, token: number, pos: number, hooks?: LinearHooks): Float32Array {
  return forwardChunk(model, cache, [token], pos, hooks);
}

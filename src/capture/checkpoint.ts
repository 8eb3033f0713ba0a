/**
 * llama2.c checkpoint loader (karpathy/llama2.c export formats):
 * - legacy (v0): 7 int32 header (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
 *   seq_len; a negative vocab_size means an untied classifier), then fp32 tensors in the order
 *   tok_embeddings, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq_cis_real,
 *   freq_cis_imag (both [seq_len, head_size/2], unused: RoPE is recomputed), [wcls].
 * - version 1: 256-byte header (uint32 magic 0x616b3432 "ak42", int32 version, the 7 int32
 *   params, uint8 shared_classifier, zero padding), then fp32 rms_att, rms_ffn, rms_final,
 *   tok_embeddings, wq, wk, wv, wo, w1, w2, w3, [wcls].
 * - version 2 (Q8_0): the v1 header plus int32 group_size; fp32 rms_att, rms_ffn, rms_final;
 *   then per tensor (tok_embeddings, then per layer wq…, wk…, wv…, wo…, w1…, w2…, w3…, [wcls])
 *   int8 values followed by one fp32 scale per group of group_size (w = q · scale).
 *   We dequantize to fp32 once at load; activations stay fp32 (llama2.c's runq.c also
 *   quantizes activations to Q8_0 before each matmul — we do not).
 * Weights are row-major [out, in] (y = W x), as in PyTorch.
 *
 * `parseCheckpoint` is pure (bytes in, model out); `loadCheckpoint` reads the file.
 */
import type { Precision } from './precision.js';
import { inputError } from '../diagnostics.js';
import { readInputFile } from './input-file.js';

export const CHECKPOINT_MAGIC = 0x616b3432;
export const V1_HEADER_BYTES = 256;
export const LEGACY_HEADER_BYTES = 28;
export const CHECKPOINT_FORMATS = ['legacy', 'v1', 'v2-q8_0'] as const;
export type CheckpointFormat = (typeof CHECKPOINT_FORMATS)[number];

export interface ModelConfig {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  sharedClassifier: boolean;
  format: CheckpointFormat;
  /** Q8_0 group size (v2 only) */
  groupSize?: number;
}

export interface LayerWeights {
  rmsAtt: Float32Array; // [dim]
  wq: Float32Array; // [dim, dim]
  wk: Float32Array; // [kvDim, dim]
  wv: Float32Array; // [kvDim, dim]
  wo: Float32Array; // [dim, dim]
  rmsFfn: Float32Array; // [dim]
  w1: Float32Array; // [hidden, dim] (gate)
  w2: Float32Array; // [dim, hidden] (down)
  w3: Float32Array; // [hidden, dim] (up)
}

export interface ModelWeights {
  config: ModelConfig;
  tokenEmbedding: Float32Array; // [vocab, dim]
  layers: LayerWeights[];
  rmsFinal: Float32Array; // [dim]
  wcls: Float32Array; // [vocab, dim] (the embedding itself when tied)
  /** the evaluation's arithmetic (precision.ts); absent: 'f64', bit-identical to the JS reference */
  precision?: Precision;
}

export function headSize(c: ModelConfig): number {
  return c.dim / c.nHeads;
}
export function kvDim(c: ModelConfig): number {
  return (c.dim * c.nKvHeads) / c.nHeads;
}

/** Element counts of the transformer weights, independent of the file format. */
function tensorSizes(c: ModelConfig) {
  const kv = kvDim(c);
  return {
    emb: c.vocabSize * c.dim,
    wq: c.dim * c.dim,
    wk: kv * c.dim,
    wv: kv * c.dim,
    wo: c.dim * c.dim,
    w1: c.hiddenDim * c.dim,
    w2: c.dim * c.hiddenDim,
    w3: c.hiddenDim * c.dim,
  };
}

/** Bytes a well-formed file with this config must have. */
export function expectedCheckpointBytes(c: ModelConfig): number {
  const s = tensorSizes(c);
  const L = c.nLayers;
  const perLayer = s.wq + s.wk + s.wv + s.wo + s.w1 + s.w2 + s.w3;
  const cls = c.sharedClassifier ? 0 : s.emb;
  const norms = 2 * L * c.dim + c.dim;
  if (c.format === 'legacy') {
    const freq = c.seqLen * headSize(c); // real + imag, each seqLen · headSize/2
    return LEGACY_HEADER_BYTES + 4 * (s.emb + norms + L * perLayer + freq + cls);
  }
  if (c.format === 'v1') return V1_HEADER_BYTES + 4 * (norms + s.emb + L * perLayer + cls);
  const gs = c.groupSize!;
  const q8 = (n: number) => n + 4 * (n / gs);
  return V1_HEADER_BYTES + 4 * norms + q8(s.emb) + L * perLayer + (4 * L * perLayer) / gs + (cls ? q8(cls) : 0);
}

function describeConfig(c: ModelConfig): string {
  return (
    `${c.format} dim ${c.dim}, hidden ${c.hiddenDim}, ${c.nLayers} layers, ${c.nHeads} heads, ` +
    `${c.nKvHeads} kv heads, vocab ${c.vocabSize}, seq_len ${c.seqLen}, ` +
    `${c.sharedClassifier ? 'tied' : 'untied'} classifier${c.groupSize ? `, group ${c.groupSize}` : ''}`
  );
}

function checkConfig(c: ModelConfig, file: string): void {
  const fields: [string, number][] = [
    ['dim', c.dim],
    ['hidden_dim', c.hiddenDim],
    ['n_layers', c.nLayers],
    ['n_heads', c.nHeads],
    ['n_kv_heads', c.nKvHeads],
    ['vocab_size', c.vocabSize],
    ['seq_len', c.seqLen],
  ];
  for (const [name, v] of fields) {
    if (!(Number.isInteger(v) && v > 0 && v < 1 << 24)) {
      throw inputError({
        code: 'checkpoint/bad-header',
        file,
        path: `header.${name}`,
        message: `the header field ${name} is ${v}, which no llama2.c model has.`,
        expected: 'a positive integer below 2^24',
        found: String(v),
        hint: 'is this a llama2.c checkpoint (legacy, or exported with --version 1 or 2)?',
      });
    }
  }
  const problems: string[] = [];
  if (c.dim % c.nHeads !== 0) problems.push(`dim ${c.dim} is not a multiple of n_heads ${c.nHeads}`);
  if (c.nHeads % c.nKvHeads !== 0) problems.push(`n_heads ${c.nHeads} is not a multiple of n_kv_heads ${c.nKvHeads}`);
  if (headSize(c) % 2 !== 0) problems.push(`head size ${headSize(c)} is odd (RoPE rotates pairs)`);
  if (c.format === 'v2-q8_0') {
    const gs = c.groupSize!;
    const s = tensorSizes(c);
    if (!(Number.isInteger(gs) && gs > 0)) problems.push(`group_size ${gs} is not a positive integer`);
    else {
      for (const [name, n] of Object.entries(s)) if (n % gs !== 0) problems.push(`${name} (${n} elements) is not a multiple of group_size ${gs}`);
    }
  }
  if (problems.length > 0) {
    throw inputError({
      code: 'checkpoint/bad-header',
      file,
      path: 'header',
      message: `the header describes an impossible model: ${problems.join('; ')}.`,
      found: describeConfig(c),
      hint: 'the file is probably not a llama2.c checkpoint, or it is corrupted',
    });
  }
}

/** Sequential little-endian reader over the file bytes. */
class Reader {
  private off: number;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array, offset: number) {
    this.off = offset;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  f32(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getFloat32(this.off + 4 * i, true);
    this.off += 4 * n;
    return out;
  }
  /** Q8_0: n int8 values, then n / gs fp32 scales; returns the dequantized tensor. */
  q80(n: number, gs: number): Float32Array {
    const q = new Int8Array(this.bytes.buffer, this.bytes.byteOffset + this.off, n);
    this.off += n;
    const scales = this.f32(n / gs);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = q[i] * scales[Math.floor(i / gs)];
    return out;
  }
  skip(bytes: number): void {
    this.off += bytes;
  }
  get offset(): number {
    return this.off;
  }
}

function readHeader(bytes: Uint8Array, file: string): ModelConfig {
  if (bytes.byteLength < LEGACY_HEADER_BYTES) {
    throw inputError({
      code: 'checkpoint/truncated',
      file,
      message: `the file has ${bytes.byteLength} bytes, too few for even a llama2.c header.`,
      expected: `at least ${LEGACY_HEADER_BYTES} bytes`,
      found: `${bytes.byteLength} bytes`,
      hint: 'pass a llama2.c model .bin file (e.g. stories260K.bin)',
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic === CHECKPOINT_MAGIC) {
    if (bytes.byteLength < V1_HEADER_BYTES) {
      throw inputError({
        code: 'checkpoint/truncated',
        file,
        message: `the file starts with the "ak42" magic but has only ${bytes.byteLength} bytes, less than its 256-byte header.`,
        expected: `at least ${V1_HEADER_BYTES} bytes`,
        found: `${bytes.byteLength} bytes`,
        hint: 'the download or export was cut short; export the model again',
      });
    }
    const version = view.getInt32(4, true);
    if (version !== 1 && version !== 2) {
      throw inputError({
        code: 'checkpoint/unsupported-version',
        file,
        path: 'header.version',
        message: `llama2.c checkpoint version ${version} is not supported.`,
        expected: '1 (fp32) or 2 (Q8_0)',
        found: String(version),
        hint: 'export with llama2.c export.py --version 1 or --version 2, or use the legacy format',
      });
    }
    return {
      ...headerShape(view, 8),
      sharedClassifier: bytes[36] !== 0,
      format: version === 1 ? 'v1' : 'v2-q8_0',
      groupSize: version === 2 ? view.getInt32(37, true) : undefined,
    };
  }
  // legacy: a negative vocab size means an unshared classifier
  const shape = headerShape(view, 0);
  return { ...shape, vocabSize: Math.abs(shape.vocabSize), sharedClassifier: shape.vocabSize > 0, format: 'legacy' };
}

/** The seven int32 sizes every llama2.c header starts with, from byte `offset`. */
function headerShape(view: DataView, offset: number): Pick<ModelConfig, 'dim' | 'hiddenDim' | 'nLayers' | 'nHeads' | 'nKvHeads' | 'vocabSize' | 'seqLen'> {
  const p = (i: number) => view.getInt32(offset + 4 * i, true);
  return { dim: p(0), hiddenDim: p(1), nLayers: p(2), nHeads: p(3), nKvHeads: p(4), vocabSize: p(5), seqLen: p(6) };
}

/** Parses a whole checkpoint held in memory. Throws input diagnostics naming `file`. */
export function parseCheckpoint(bytes: Uint8Array, file = '<checkpoint>'): ModelWeights {
  const config = readHeader(bytes, file);
  checkConfig(config, file);
  const expected = expectedCheckpointBytes(config);
  if (bytes.byteLength !== expected) {
    throw inputError({
      code: 'checkpoint/size-mismatch',
      file,
      message:
        `the header describes a model of ${expected} bytes but the file has ${bytes.byteLength} ` +
        `(${bytes.byteLength < expected ? 'truncated' : 'trailing data or a different format'}).`,
      expected: `${expected} bytes (${describeConfig(config)})`,
      found: `${bytes.byteLength} bytes`,
      hint: 'the file is truncated, corrupted, or not a llama2.c checkpoint of the format its header claims',
    });
  }
  const s = tensorSizes(config);
  const L = config.nLayers;
  const dim = config.dim;
  const split = (all: Float32Array, n: number) => Array.from({ length: L }, (_, i) => all.subarray(i * n, (i + 1) * n));

  let emb: Float32Array;
  let rmsAtt: Float32Array[];
  let rmsFfn: Float32Array[];
  let rmsFinal: Float32Array;
  const per: Record<'wq' | 'wk' | 'wv' | 'wo' | 'w1' | 'w2' | 'w3', Float32Array[]> = {
    wq: [], wk: [], wv: [], wo: [], w1: [], w2: [], w3: [],
  };
  const order = ['wq', 'wk', 'wv', 'wo', 'w1', 'w2', 'w3'] as const;
  let wcls: Float32Array;
  if (config.format === 'legacy') {
    const r = new Reader(bytes, LEGACY_HEADER_BYTES);
    emb = r.f32(s.emb);
    rmsAtt = split(r.f32(L * dim), dim);
    for (const name of ['wq', 'wk', 'wv', 'wo'] as const) per[name] = split(r.f32(L * s[name]), s[name]);
    rmsFfn = split(r.f32(L * dim), dim);
    for (const name of ['w1', 'w2', 'w3'] as const) per[name] = split(r.f32(L * s[name]), s[name]);
    rmsFinal = r.f32(dim);
    r.skip(4 * config.seqLen * headSize(config));
    wcls = config.sharedClassifier ? emb : r.f32(s.emb);
  } else if (config.format === 'v1') {
    const r = new Reader(bytes, V1_HEADER_BYTES);
    rmsAtt = split(r.f32(L * dim), dim);
    rmsFfn = split(r.f32(L * dim), dim);
    rmsFinal = r.f32(dim);
    emb = r.f32(s.emb);
    for (const name of order) per[name] = split(r.f32(L * s[name]), s[name]);
    wcls = config.sharedClassifier ? emb : r.f32(s.emb);
  } else {
    const gs = config.groupSize!;
    const r = new Reader(bytes, V1_HEADER_BYTES);
    rmsAtt = split(r.f32(L * dim), dim);
    rmsFfn = split(r.f32(L * dim), dim);
    rmsFinal = r.f32(dim);
    emb = r.q80(s.emb, gs);
    for (const name of order) per[name] = Array.from({ length: L }, () => r.q80(s[name], gs));
    wcls = config.sharedClassifier ? emb : r.q80(s.emb, gs);
  }
  const layers: LayerWeights[] = Array.from({ length: L }, (_, i) => ({
    rmsAtt: rmsAtt[i],
    wq: per.wq[i],
    wk: per.wk[i],
    wv: per.wv[i],
    wo: per.wo[i],
    rmsFfn: rmsFfn[i],
    w1: per.w1[i],
    w2: per.w2[i],
    w3: per.w3[i],
  }));
  const model = { config, tokenEmbedding: emb, layers, rmsFinal, wcls };
  checkFiniteWeights(model, file);
  return model;
}

/** llama2.c's names (TransformerWeights) and shapes [rows, cols] of every tensor, in file order. */
function namedTensors(m: ModelWeights): { name: string; layer: number | null; data: Float32Array; shape: [number, number] }[] {
  const c = m.config;
  const kv = kvDim(c);
  const out: { name: string; layer: number | null; data: Float32Array; shape: [number, number] }[] = [
    { name: 'tok_embeddings', layer: null, data: m.tokenEmbedding, shape: [c.vocabSize, c.dim] },
  ];
  m.layers.forEach((l, i) => {
    out.push(
      { name: 'rms_att_weight', layer: i, data: l.rmsAtt, shape: [1, c.dim] },
      { name: 'wq', layer: i, data: l.wq, shape: [c.dim, c.dim] },
      { name: 'wk', layer: i, data: l.wk, shape: [kv, c.dim] },
      { name: 'wv', layer: i, data: l.wv, shape: [kv, c.dim] },
      { name: 'wo', layer: i, data: l.wo, shape: [c.dim, c.dim] },
      { name: 'rms_ffn_weight', layer: i, data: l.rmsFfn, shape: [1, c.dim] },
      { name: 'w1', layer: i, data: l.w1, shape: [c.hiddenDim, c.dim] },
      { name: 'w2', layer: i, data: l.w2, shape: [c.dim, c.hiddenDim] },
      { name: 'w3', layer: i, data: l.w3, shape: [c.hiddenDim, c.dim] },
    );
  });
  out.push({ name: 'rms_final_weight', layer: null, data: m.rmsFinal, shape: [1, c.dim] });
  if (m.wcls !== m.tokenEmbedding) out.push({ name: 'wcls', layer: null, data: m.wcls, shape: [c.vocabSize, c.dim] });
  return out;
}

/**
 * A NaN or ±Inf weight makes every logit NaN: the model would "run" and report perplexity NaN.
 * Refused at load with the tensor's llama2.c name, its layer and the first bad index (row and
 * column for matrices). Q8_0 weights are checked after dequantization (an Inf or NaN group
 * scale). The freq_cis tables of legacy files are never read, so they are not checked.
 */
function checkFiniteWeights(m: ModelWeights, file: string): void {
  for (const t of namedTensors(m)) {
    const d = t.data;
    let first = -1;
    let count = 0;
    for (let i = 0; i < d.length; i++) {
      if (d[i] - d[i] === 0) continue;
      if (first < 0) first = i;
      count++;
    }
    if (first < 0) continue;
    const v = d[first];
    const found = v !== v ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
    const [rows, cols] = t.shape;
    const at = rows > 1 ? `index ${first} (row ${Math.floor(first / cols)}, column ${first % cols} of [${rows}, ${cols}])` : `index ${first} (of ${cols})`;
    throw inputError({
      code: 'checkpoint/nonfinite-weight',
      file,
      path: t.layer === null ? `weights.${t.name}` : `weights.layers[${t.layer}].${t.name}`,
      message:
        `weight "${t.name}"${t.layer === null ? '' : ` of layer ${t.layer}`} holds ${found} at ${at}` +
        `${count > 1 ? ` (${count} non-finite values in that tensor)` : ''}${m.config.format === 'v2-q8_0' ? ', after Q8_0 dequantization (a NaN or Inf group scale?)' : ''}; a forward pass through it has no perplexity.`,
      expected: 'finite weights',
      found,
      hint: 'the checkpoint is corrupted or was exported from a diverged model; export it again from a healthy one',
    });
  }
}

export async function loadCheckpoint(file: string): Promise<ModelWeights> {
  const bytes = await readInputFile(file, { code: 'checkpoint/unreadable', noun: 'model file', hint: 'pass --model with the path of a llama2.c .bin checkpoint' });
  return parseCheckpoint(bytes, file);
}

/** Number of weights (parameters), counting a tied classifier once. */
export function checkpointParameterCount(c: ModelConfig): number {
  const s = tensorSizes(c);
  const perLayer = s.wq + s.wk + s.wv + s.wo + s.w1 + s.w2 + s.w3 + 2 * c.dim;
  return s.emb + c.nLayers * perLayer + c.dim + (c.sharedClassifier ? 0 : s.emb);
}

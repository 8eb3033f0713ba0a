/**
 * The loader against checkpoints serialised here, in the test, by the llama2.c export layouts
 * (legacy_export, version1_export, version2_export), and against the real stories260K files.
 */
import * as fs from 'node:fs';
import { parseCheckpoint, checkpointParameterCount, expectedCheckpointBytes } from '../../src/capture/checkpoint.js';
import { NmsimError } from '../../src/diagnostics.js';
import { evaluatePerplexity } from '../../src/capture/perplexity.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

const CFG = { dim: 8, hidden: 12, layers: 2, heads: 2, kvHeads: 1, vocab: 16, seq: 4 };
const kvDim = (CFG.dim * CFG.kvHeads) / CFG.heads;

/** Deterministic weights: tensor name → values (value = tensor id + index / 1000). */
function tinyWeights(untied = false) {
  let id = 0;
  const t = (n: number) => {
    id++;
    const base = id;
    return Float32Array.from({ length: n }, (_, i) => ((base + i / 1000) * (i % 2 ? -1 : 1)) / 8);
  };
  const L = CFG.layers;
  return {
    emb: t(CFG.vocab * CFG.dim),
    rmsAtt: t(L * CFG.dim),
    wq: t(L * CFG.dim * CFG.dim),
    wk: t(L * kvDim * CFG.dim),
    wv: t(L * kvDim * CFG.dim),
    wo: t(L * CFG.dim * CFG.dim),
    rmsFfn: t(L * CFG.dim),
    w1: t(L * CFG.hidden * CFG.dim),
    w2: t(L * CFG.dim * CFG.hidden),
    w3: t(L * CFG.hidden * CFG.dim),
    rmsFinal: t(CFG.dim),
    cls: untied ? t(CFG.vocab * CFG.dim) : undefined,
  };
}
type W = ReturnType<typeof tinyWeights>;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const f32 = (a: Float32Array) => new Uint8Array(Float32Array.from(a).buffer);
const i32 = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);

function legacy(w: W): Uint8Array {
  const hs = CFG.dim / CFG.heads;
  return concat([
    i32(CFG.dim, CFG.hidden, CFG.layers, CFG.heads, CFG.kvHeads, w.cls ? -CFG.vocab : CFG.vocab, CFG.seq),
    ...[w.emb, w.rmsAtt, w.wq, w.wk, w.wv, w.wo, w.rmsFfn, w.w1, w.w2, w.w3, w.rmsFinal].map(f32),
    f32(new Float32Array(CFG.seq * hs)), // freq_cis_real + imag
    ...(w.cls ? [f32(w.cls)] : []),
  ]);
}

function header(version: number, shared: boolean, groupSize?: number): Uint8Array {
  const h = new Uint8Array(256);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x616b3432, true);
  v.setInt32(4, version, true);
  [CFG.dim, CFG.hidden, CFG.layers, CFG.heads, CFG.kvHeads, CFG.vocab, CFG.seq].forEach((x, i) => v.setInt32(8 + 4 * i, x, true));
  h[36] = shared ? 1 : 0;
  if (groupSize !== undefined) v.setInt32(37, groupSize, true);
  return h;
}

function v1(w: W): Uint8Array {
  return concat([
    header(1, !w.cls),
    ...[w.rmsAtt, w.rmsFfn, w.rmsFinal, w.emb, w.wq, w.wk, w.wv, w.wo, w.w1, w.w2, w.w3].map(f32),
    ...(w.cls ? [f32(w.cls)] : []),
  ]);
}

/** Q8_0 as export.py quantize_q80: per group scale = max|w| / 127, q = round(w / scale). */
function q80(a: Float32Array, gs: number): { bytes: Uint8Array; deq: Float32Array } {
  const q = new Int8Array(a.length);
  const s = new Float32Array(a.length / gs);
  const deq = new Float32Array(a.length);
  for (let g = 0; g < s.length; g++) {
    let m = 0;
    for (let i = 0; i < gs; i++) m = Math.max(m, Math.abs(a[g * gs + i]));
    s[g] = m / 127;
    for (let i = 0; i < gs; i++) {
      q[g * gs + i] = Math.round(a[g * gs + i] / s[g]);
      deq[g * gs + i] = q[g * gs + i] * s[g];
    }
  }
  return { bytes: concat([new Uint8Array(q.buffer), f32(s)]), deq };
}

function v2(w: W, gs: number) {
  const L = CFG.layers;
  const perLayer = (a: Float32Array) => Array.from({ length: L }, (_, l) => a.subarray((l * a.length) / L, ((l + 1) * a.length) / L));
  const tensors = [w.emb, ...[w.wq, w.wk, w.wv, w.wo, w.w1, w.w2, w.w3].flatMap(perLayer)];
  const q = tensors.map((t) => q80(t, gs));
  return {
    bytes: concat([header(2, true, gs), ...[w.rmsAtt, w.rmsFfn, w.rmsFinal].map(f32), ...q.map((x) => x.bytes)]),
    emb: q[0].deq,
    wq0: q[1].deq,
  };
}

function errorOf(f: () => unknown): NmsimError {
  try {
    f();
  } catch (e) {
    if (e instanceof NmsimError) return e;
    throw e;
  }
  throw new Error('expected an NmsimError');
}

describe('llama2.c checkpoint loader', () => {
  test('a legacy file with a tied classifier loads every tensor at its place', () => {
    const w = tinyWeights();
    const m = parseCheckpoint(legacy(w), 'tiny.bin');
    expect(m.config).toMatchObject({ dim: 8, hiddenDim: 12, nLayers: 2, nHeads: 2, nKvHeads: 1, vocabSize: 16, seqLen: 4, sharedClassifier: true, format: 'legacy' });
    expect(Array.from(m.tokenEmbedding)).toEqual(Array.from(w.emb));
    expect(Array.from(m.layers[1].wk)).toEqual(Array.from(w.wk.subarray(kvDim * CFG.dim)));
    expect(Array.from(m.layers[0].w2)).toEqual(Array.from(w.w2.subarray(0, CFG.dim * CFG.hidden)));
    expect(Array.from(m.rmsFinal)).toEqual(Array.from(w.rmsFinal));
    expect(m.wcls).toBe(m.tokenEmbedding);
  });

  test('a negative vocab_size in a legacy header means an untied classifier stored last', () => {
    const w = tinyWeights(true);
    const m = parseCheckpoint(legacy(w), 'tiny.bin');
    expect(m.config.sharedClassifier).toBe(false);
    expect(m.config.vocabSize).toBe(16);
    expect(Array.from(m.wcls)).toEqual(Array.from(w.cls!));
  });

  test('version 1 (ak42, fp32) reads norms first and the embedding after them', () => {
    for (const untied of [false, true]) {
      const w = tinyWeights(untied);
      const m = parseCheckpoint(v1(w), 'tiny-v1.bin');
      expect(m.config.format).toBe('v1');
      expect(Array.from(m.layers[1].rmsFfn)).toEqual(Array.from(w.rmsFfn.subarray(CFG.dim)));
      expect(Array.from(m.layers[1].w3)).toEqual(Array.from(w.w3.subarray(CFG.hidden * CFG.dim)));
      expect(Array.from(m.wcls)).toEqual(Array.from(untied ? w.cls! : w.emb));
    }
  });

  test('version 2 (Q8_0) dequantizes int8 × per-group scale with the header group size', () => {
    const w = tinyWeights();
    const { bytes, emb, wq0 } = v2(w, 4);
    const m = parseCheckpoint(bytes, 'tiny-q80.bin');
    expect(m.config).toMatchObject({ format: 'v2-q8_0', groupSize: 4 });
    expect(Array.from(m.tokenEmbedding)).toEqual(Array.from(emb));
    expect(Array.from(m.layers[0].wq)).toEqual(Array.from(wq0));
    expect(Array.from(m.layers[1].rmsAtt)).toEqual(Array.from(w.rmsAtt.subarray(CFG.dim)));
  });

  test('a truncated, padded or tiny file is rejected with the expected and found sizes', () => {
    const good = legacy(tinyWeights());
    const short = errorOf(() => parseCheckpoint(good.subarray(0, good.length - 4), 'cut.bin'));
    expect(short.diagnostics[0]).toMatchObject({ code: 'checkpoint/size-mismatch', file: 'cut.bin' });
    expect(short.diagnostics[0].expected).toContain(`${good.length} bytes`);
    expect(short.diagnostics[0].found).toBe(`${good.length - 4} bytes`);
    expect(short.diagnostics[0].message).toContain('truncated');
    const long = errorOf(() => parseCheckpoint(concat([good, new Uint8Array(8)]), 'long.bin'));
    expect(long.diagnostics[0].code).toBe('checkpoint/size-mismatch');
    expect(errorOf(() => parseCheckpoint(new Uint8Array(10), 'tiny.bin')).diagnostics[0].code).toBe('checkpoint/truncated');
    const v2bytes = v2(tinyWeights(), 4).bytes;
    expect(errorOf(() => parseCheckpoint(v2bytes.subarray(0, v2bytes.length - 1), 'q.bin')).diagnostics[0].code).toBe('checkpoint/size-mismatch');
  });

  test('impossible headers and unknown versions are named, not crashed on', () => {
    const bad = legacy(tinyWeights());
    new DataView(bad.buffer).setInt32(12, 3, true); // n_heads 3 does not divide dim 8
    expect(errorOf(() => parseCheckpoint(bad, 'bad.bin')).diagnostics[0]).toMatchObject({ code: 'checkpoint/bad-header', file: 'bad.bin' });
    const v3 = header(3, true);
    expect(errorOf(() => parseCheckpoint(v3, 'v3.bin')).diagnostics[0]).toMatchObject({ code: 'checkpoint/unsupported-version', found: '3' });
    const neg = legacy(tinyWeights());
    new DataView(neg.buffer).setInt32(0, -5, true);
    expect(errorOf(() => parseCheckpoint(neg, 'neg.bin')).diagnostics[0]).toMatchObject({ code: 'checkpoint/bad-header', path: 'header.dim' });
  });
});

describeWithShared('stories260K checkpoints', ['models/stories260K.bin', 'models/stories260K_q80.bin'], () => {
  test('the fp32 and Q8_0 files have the config and parameter count of models/SOURCES.md', () => {
    const fp = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')));
    const q = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K_q80.bin')));
    for (const m of [fp, q]) {
      expect(m.config).toMatchObject({ dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true });
      expect(checkpointParameterCount(m.config)).toBe(260032);
    }
    expect(expectedCheckpointBytes(fp.config)).toBe(1056540);
    expect(expectedCheckpointBytes(q.config)).toBe(294816);
    expect(q.config.groupSize).toBe(32);
    // Q8_0 error per weight is at most half a quantization step: max|w_group| / 254
    const a = fp.layers[2].w2;
    const b = q.layers[2].w2;
    for (let g = 0; g < a.length; g += 32) {
      let m = 0;
      for (let i = 0; i < 32; i++) m = Math.max(m, Math.abs(a[g + i]));
      for (let i = 0; i < 32; i++) expect(Math.abs(a[g + i] - b[g + i])).toBeLessThanOrEqual(m / 254 + 1e-7);
    }
  });
});

describe('non-finite weights and perplexities', () => {
  test('a NaN or Inf weight is refused at load with the tensor name, layer and first bad index (exit 1)', () => {
    // legacy: NaN in layer 1's wk at element 5 (row 0, column 5 of [kvDim, dim] = [4, 8]), a second one later
    const w = tinyWeights();
    w.wk[kvDim * CFG.dim + 5] = NaN;
    w.wk[kvDim * CFG.dim + 9] = NaN;
    const e = errorOf(() => parseCheckpoint(legacy(w), 'nan.bin'));
    expect(e.kind).toBe('input');
    expect(e.diagnostics[0]).toMatchObject({ code: 'checkpoint/nonfinite-weight', file: 'nan.bin', path: 'weights.layers[1].wk', found: 'NaN' });
    expect(e.diagnostics[0].message).toContain('"wk" of layer 1');
    expect(e.diagnostics[0].message).toContain('index 5 (row 0, column 5 of [4, 8])');
    expect(e.diagnostics[0].message).toContain('2 non-finite values');
    // v1: −Inf in the final norm
    const w1 = tinyWeights();
    w1.rmsFinal[3] = -Infinity;
    expect(errorOf(() => parseCheckpoint(v1(w1), 'inf.bin')).diagnostics[0]).toMatchObject({ code: 'checkpoint/nonfinite-weight', path: 'weights.rms_final_weight', found: '-Inf' });
    // v2 (Q8_0): an Inf group scale makes the dequantized weights of that group non-finite
    const q = v2(tinyWeights(), 4).bytes;
    const view = new DataView(q.buffer, q.byteOffset);
    const embScales = 256 + 4 * (2 * CFG.layers * CFG.dim + CFG.dim) + CFG.vocab * CFG.dim;
    view.setFloat32(embScales + 4 * 2, Infinity, true); // group 2 of the embedding: elements 8 … 11
    const eq = errorOf(() => parseCheckpoint(q, 'q.bin')).diagnostics[0];
    expect(eq).toMatchObject({ code: 'checkpoint/nonfinite-weight', path: 'weights.tok_embeddings' });
    expect(eq.message).toMatch(/index (8|9|10|11) /);
  });

  test('a forward pass that overflows float32 is refused, never reported as perplexity NaN or Infinity', () => {
    const w = tinyWeights();
    for (const t of [w.wq, w.wk, w.wv, w.wo, w.w1, w.w2, w.w3]) t.forEach((v, i) => (t[i] = v * 1e30));
    const model = parseCheckpoint(legacy(w), 'huge.bin');
    const e = errorOf(() => evaluatePerplexity(model, Int32Array.from([1, 2, 3, 4, 5, 6])));
    expect(e.kind).toBe('input');
    expect(e.diagnostics[0].code).toBe('capture/nonfinite-logits');
    expect(e.diagnostics[0].message).toMatch(/stream position \d+/);
    // a stream with nothing to score has no perplexity either
    expect(errorOf(() => evaluatePerplexity(parseCheckpoint(legacy(tinyWeights()), 't.bin'), Int32Array.from([1]))).diagnostics[0].code).toBe('capture/no-scored-tokens');
  });
});

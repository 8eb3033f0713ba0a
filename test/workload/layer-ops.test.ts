import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { causalScorePairs, modelWorkload } from '../../src/workload/layer-ops.js';

const llama = MODEL_CATALOG['llama3.1-8b'];

describe('the work of one decoder layer', () => {
  test('prefill GEMMs are T × K → N for q, k, v, o, gate, up, down with GQA-narrow k and v', () => {
    const w = modelWorkload(llama, { kind: 'prefill', tokens: 2048 }, 2);
    expect(w.layers).toHaveLength(1);
    expect(w.layers[0].layerCount).toBe(32);
    expect(w.layers[0].gemms.map((g) => [g.name, g.site, g.rowsTokens, g.kIn, g.nOut])).toEqual([
      ['q', 'attn_in', 2048, 4096, 4096],
      ['k', 'attn_in', 2048, 4096, 1024],
      ['v', 'attn_in', 2048, 4096, 1024],
      ['o', 'attn_out', 2048, 4096, 4096],
      ['gate', 'mlp_in', 2048, 4096, 14336],
      ['up', 'mlp_in', 2048, 4096, 14336],
      ['down', 'mlp_mid', 2048, 14336, 4096],
    ]);
    // logits for the last position only in prefill
    expect(w.head.gemms).toEqual([{ name: 'lm_head', rowsTokens: 1, kIn: 4096, nOut: 128256 }]);
  });
  test('causal score pairs count 1 + 2 + … capped at the window', () => {
    expect(causalScorePairs(4, Infinity)).toBe(10);
    expect(causalScorePairs(4, 2)).toBe(1 + 2 + 2 + 2);
    expect(causalScorePairs(3, 10)).toBe(6);
  });
  test('decode reads the KV cache of every sequence: B · L · 2 · kv heads · head dim · bytes per layer', () => {
    const w = modelWorkload(llama, { kind: 'decode', batch: 4, contextTokens: 2048 }, 2);
    const att = w.layers[0].nonGemm.find((o) => o.name === 'attention')!;
    expect(att.kvCacheBytesRead).toBe(4 * 2048 * 2 * 8 * 128 * 2);
    expect(att.kvCacheBytesWritten).toBe(4 * 2 * 8 * 128 * 2);
    // QKᵀ and PV: 2 flops per MAC, heads · head_dim per score, B · heads · L scores
    expect(att.tensorCoreFlops).toBe(2 * 2 * 128 * 4 * 32 * 2048);
    expect(w.head.gemms[0].rowsTokens).toBe(4);
  });
  test('each activation site has exactly one producer', () => {
    const w = modelWorkload(llama, { kind: 'decode', batch: 1, contextTokens: 16 }, 2);
    const produced = w.layers[0].nonGemm.filter((o) => o.producesSite).map((o) => [o.name, o.producesSite!.site, o.producesSite!.k]);
    expect(produced).toEqual([
      ['input_norm', 'attn_in', 4096],
      ['attention', 'attn_out', 4096],
      ['post_attention_norm', 'mlp_in', 4096],
      ['mlp_activation', 'mlp_mid', 14336],
    ]);
  });
  test('Gemma-3 local layers attend over at most 1024 tokens in decode', () => {
    const w = modelWorkload(MODEL_CATALOG['gemma3-4b'], { kind: 'decode', batch: 1, contextTokens: 8192 }, 2);
    expect(w.layers.map((l) => [l.layerCount, l.attention])).toEqual([
      [5, 'global'],
      [29, 'window 1024'],
    ]);
    const kv = (i: number) => w.layers[i].nonGemm.find((o) => o.name === 'attention')!.kvCacheBytesRead;
    expect(kv(0) / kv(1)).toBe(8);
  });
});

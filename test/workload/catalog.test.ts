import { MODEL_CATALOG, MODEL_IDS, catalogModel } from '../../src/workload/catalog.js';
import { localLayerCount, type ModelShape } from '../../src/workload/model-shape.js';
import { modelFromManifest } from '../../src/workload/from-manifest.js';
import { isNmsimError } from '../../src/diagnostics.js';

/** Parameter count implied by the shapes (embeddings, projections, biases, norms, LM head): the test's own count. */
function parameterCount(m: ModelShape): number {
  const h = m.hiddenSize;
  const qOut = m.numHeads * m.headDim;
  const kvOut = m.numKvHeads * m.headDim;
  const attention = h * qOut + 2 * h * kvOut + qOut * h + (m.qkvBias ? qOut + 2 * kvOut : 0);
  const mlp = 3 * h * m.intermediateSize;
  const norms = m.normsPerLayer * h;
  const perLayer = attention + mlp + norms;
  const embeddings = m.vocabSize * h * (m.tiedEmbeddings ? 1 : 2);
  return m.numLayers * perLayer + embeddings + h;
}

describe('the model catalog', () => {
  // Parameter counts published with each model (Hugging Face model cards / safetensors index):
  // Llama-2-7B 6,738,415,616; Llama-3.1-8B 8,030,261,248; Qwen2.5-7B 7,615,616,512 ("7.61B").
  // They depend on every shape in the catalog, so they check the transcription independently.
  test('Llama-2-7B shapes imply its published parameter count exactly', () => {
    expect(parameterCount(MODEL_CATALOG['llama2-7b'])).toBe(6_738_415_616);
  });
  test('Llama-3.1-8B shapes imply its published parameter count exactly', () => {
    expect(parameterCount(MODEL_CATALOG['llama3.1-8b'])).toBe(8_030_261_248);
  });
  test('Qwen2.5-7B shapes (with q/k/v biases) imply its published parameter count exactly', () => {
    expect(parameterCount(MODEL_CATALOG['qwen2.5-7b'])).toBe(7_615_616_512);
  });
  test('Gemma-3-4B has the 3,209M non-embedding parameters of the Gemma 3 technical report (Table 1)', () => {
    const g = MODEL_CATALOG['gemma3-4b'];
    const nonEmbedding = parameterCount(g) - g.vocabSize * g.hiddenSize;
    expect(Math.abs(nonEmbedding - 3_209e6)).toBeLessThan(1e6);
  });
  test('the published configs: hidden, intermediate, layers, heads, kv heads, vocabulary', () => {
    const rows = MODEL_IDS.map((id) => {
      const m = MODEL_CATALOG[id];
      return [id, m.hiddenSize, m.intermediateSize, m.numLayers, m.numHeads, m.numKvHeads, m.headDim, m.vocabSize];
    });
    expect(rows).toEqual([
      ['llama2-7b', 4096, 11008, 32, 32, 32, 128, 32000],
      ['llama3.1-8b', 4096, 14336, 32, 32, 8, 128, 128256],
      ['qwen2.5-7b', 3584, 18944, 28, 28, 4, 128, 152064],
      ['gemma3-4b', 2560, 10240, 34, 8, 4, 256, 262208],
    ]);
  });
  test('every catalog model cites the config it was transcribed from', () => {
    for (const id of MODEL_IDS) expect(MODEL_CATALOG[id].source).toMatch(/^https:\/\/huggingface\.co\/.+config\.json/);
  });
  test('Gemma-3-4B has 29 sliding-window layers and 5 global ones (every 6th global)', () => {
    expect(localLayerCount(MODEL_CATALOG['gemma3-4b'])).toBe(29);
  });
  test('an unknown model id is a usage error that lists every catalog id', () => {
    try {
      catalogModel('llama-9000');
      throw new Error('expected an error');
    } catch (e) {
      expect(isNmsimError(e)).toBe(true);
      if (!isNmsimError(e)) return;
      expect(e.kind).toBe('usage');
      for (const id of MODEL_IDS) expect(e.diagnostics[0].expected).toContain(id);
    }
  });
  test('a manifest model block becomes a shape, head_dim defaulting to hidden / heads', () => {
    const m = modelFromManifest(
      { name: 'stories260K', family: 'llama', hidden_size: 64, intermediate_size: 172, num_layers: 5, num_heads: 8, num_kv_heads: 4, vocab_size: 512 },
      'test',
    );
    expect(m.headDim).toBe(8);
    expect(m.numKvHeads).toBe(4);
    // stories260K: tied classifier; 5 · (64·64·2 + 2·64·32 + 3·64·172 + 128) + 512·64 + 64
    expect(parameterCount(m)).toBe(5 * (64 * 64 * 2 + 2 * 64 * 32 + 3 * 64 * 172 + 128) + 512 * 64 + 64);
  });
});

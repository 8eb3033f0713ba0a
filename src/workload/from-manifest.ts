/** A model described by a trace bundle's manifest (`model` block) as a `ModelShape`. */
import type { ModelInfo } from '../trace/manifest.js';
import type { ModelShape } from './model-shape.js';

/**
 * llama2.c checkpoints (stories260K …) are Llama-architecture: gated SiLU MLP, two RMSNorms per
 * layer, no biases; their classifier is tied to the embedding table.
 */
export function modelFromManifest(info: ModelInfo, source: string): ModelShape {
  return {
    id: info.name,
    name: info.name,
    family: info.family,
    hiddenSize: info.hidden_size,
    intermediateSize: info.intermediate_size,
    numLayers: info.num_layers,
    numHeads: info.num_heads,
    numKvHeads: info.num_kv_heads,
    headDim: info.head_dim ?? Math.floor(info.hidden_size / info.num_heads),
    vocabSize: info.vocab_size,
    mlp: 'gated',
    normsPerLayer: info.family.startsWith('gemma') ? 4 : 2,
    qkvBias: info.family.startsWith('qwen'),
    tiedEmbeddings: true,
    source,
  };
}

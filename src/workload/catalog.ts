/**
 * Model catalog: the exact public shapes of the models in arXiv 2509.22166, each transcribed
 * from the model's published Hugging Face config.json (cited per entry).
 */
import { usageError } from '../diagnostics.js';
import { didYouMean, excerpt } from '../user-text.js';
import type { ModelShape } from './model-shape.js';

export const MODEL_IDS = ['llama2-7b', 'llama3.1-8b', 'qwen2.5-7b', 'gemma3-4b'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export const MODEL_CATALOG: Record<ModelId, ModelShape> = {
  'llama2-7b': {
    id: 'llama2-7b',
    name: 'Llama-2-7B',
    family: 'llama',
    hiddenSize: 4096,
    intermediateSize: 11008,
    numLayers: 32,
    numHeads: 32,
    numKvHeads: 32,
    headDim: 128,
    vocabSize: 32000,
    mlp: 'gated',
    normsPerLayer: 2,
    qkvBias: false,
    tiedEmbeddings: false,
    source: 'https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json',
  },
  'llama3.1-8b': {
    id: 'llama3.1-8b',
    name: 'Llama-3.1-8B',
    family: 'llama',
    hiddenSize: 4096,
    intermediateSize: 14336,
    numLayers: 32,
    numHeads: 32,
    numKvHeads: 8,
    headDim: 128,
    vocabSize: 128256,
    mlp: 'gated',
    normsPerLayer: 2,
    qkvBias: false,
    tiedEmbeddings: false,
    source: 'https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json',
  },
  'qwen2.5-7b': {
    id: 'qwen2.5-7b',
    name: 'Qwen2.5-7B',
    family: 'qwen2',
    hiddenSize: 3584,
    intermediateSize: 18944,
    numLayers: 28,
    numHeads: 28,
    numKvHeads: 4,
    headDim: 128,
    vocabSize: 152064,
    mlp: 'gated',
    normsPerLayer: 2,
    qkvBias: true,
    tiedEmbeddings: false,
    source: 'https://huggingface.co/Qwen/Qwen2.5-7B/blob/main/config.json',
  },
  'gemma3-4b': {
    id: 'gemma3-4b',
    name: 'Gemma-3-4B',
    family: 'gemma3',
    hiddenSize: 2560,
    intermediateSize: 10240,
    numLayers: 34,
    numHeads: 8,
    numKvHeads: 4,
    headDim: 256,
    // text_config.vocab_size of google/gemma-3-4b-it (the tokenizer has 262144 entries; the
    // embedding table is padded to 262208)
    vocabSize: 262208,
    mlp: 'gated',
    normsPerLayer: 4,
    qkvBias: false,
    tiedEmbeddings: true,
    slidingWindow: { windowTokens: 1024, globalEveryLayers: 6 },
    source: 'https://huggingface.co/google/gemma-3-4b-it/blob/main/config.json (text_config)',
  },
};

export function isModelId(s: string): s is ModelId {
  return (MODEL_IDS as readonly string[]).includes(s);
}

/** Looks a catalog model up by id; the error lists every valid id. */
export function catalogModel(id: string): ModelShape {
  if (isModelId(id)) return MODEL_CATALOG[id];
  throw usageError({
    code: 'workload/unknown-model',
    path: '--model',
    message: `${excerpt(id)} is neither a catalog model nor a trace bundle folder.${didYouMean(id, MODEL_IDS)}`,
    expected: `one of ${MODEL_IDS.join(', ')}, or the path of a trace bundle (a folder with manifest.json)`,
    found: excerpt(id),
    hint: 'run `nmsim simulate --help` for the catalog, or point --model at a bundle folder.',
  });
}

/**
 * The shape of a decoder-only transformer, as far as cycles and bytes care: no weights, no
 * tensors. Every field is a count (elements, heads, layers, tokens).
 */
export const MLP_KINDS = ['gated'] as const;
export type MlpKind = (typeof MLP_KINDS)[number];

export interface ModelShape {
  /** catalog id (`llama3.1-8b`) or the manifest's model name */
  id: string;
  name: string;
  family: string;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  /** gated MLP (SwiGLU / GeGLU): gate and up read the same input, down reads act(gate)·up */
  mlp: MlpKind;
  /** RMSNorms per decoder layer (Llama/Qwen: 2; Gemma 3: 4, pre and post each block) */
  normsPerLayer: number;
  /** q/k/v projections carry a bias (Qwen2) — counts parameters only */
  qkvBias: boolean;
  tiedEmbeddings: boolean;
  /**
   * Local (sliding-window) attention: window in tokens, and every `globalEveryLayers`-th layer
   * attends globally (Gemma 3: window 1024, 5 local : 1 global). Absent: every layer global.
   */
  slidingWindow?: { windowTokens: number; globalEveryLayers: number };
  /** where the shapes come from (a config.json URL, or a trace manifest) */
  source: string;
}

/** Number of layers that attend over at most `windowTokens` (0 when there is no window). */
export function localLayerCount(m: ModelShape): number {
  if (!m.slidingWindow) return 0;
  return m.numLayers - Math.floor(m.numLayers / m.slidingWindow.globalEveryLayers);
}

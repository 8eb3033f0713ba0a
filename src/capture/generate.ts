/**
 * Greedy (argmax) generation on the KV-cache step path, as llama2.c run.c with temperature 0:
 * the prompt is encoded with BOS; every position is fed one token at a time; after the prompt
 * the argmax token (lowest id on ties) is appended; generation stops after `steps` positions,
 * at seq_len, or when the model emits BOS (llama2.c's sequence delimiter).
 * With pruning hooks, each step prunes its single token: the clact criterion then degenerates
 * to magnitude (its channel norm over one token is |x_j|, so the score is |x_j|², same order).
 */
import type { ModelWeights } from './checkpoint.js';
import { createKvCache, forwardStep, type LinearHooks } from './forward.js';
import { BOS_ID, encode, decode, type Tokenizer } from './tokenizer.js';

export interface GenerateResult {
  promptIds: number[];
  /** generated ids (after the prompt) */
  ids: number[];
  /** the prompt's text continuation as llama2.c prints it (prompt pieces then generated pieces) */
  text: string;
  steps: number;
  seconds: number;
}

export function argmax(v: Float32Array, offset = 0, n = v.length - offset): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < n; i++) {
    if (v[offset + i] > bestV) {
      bestV = v[offset + i];
      best = i;
    }
  }
  return best;
}

export function generateGreedy(
  model: ModelWeights,
  tok: Tokenizer,
  prompt: string,
  steps: number,
  hooks?: LinearHooks,
): GenerateResult {
  const started = performance.now();
  const promptIds = encode(tok, prompt, true, false);
  const cache = createKvCache(model);
  const limit = Math.min(steps, model.config.seqLen);
  const ids: number[] = [];
  let token = promptIds[0];
  let pos = 0;
  const printed: number[] = [];
  while (pos < limit) {
    const logits = forwardStep(model, cache, token, pos, hooks);
    let next: number;
    if (pos < promptIds.length - 1) next = promptIds[pos + 1];
    else {
      next = argmax(logits);
      ids.push(next);
    }
    pos++;
    if (next === BOS_ID) break;
    printed.push(next);
    token = next;
  }
  return {
    promptIds,
    ids,
    text: decode(tok, printed, BOS_ID),
    steps: pos,
    seconds: (performance.now() - started) / 1000,
  };
}

#!/usr/bin/env node
/**
 * Engine speed on this machine: dense evaluation tokens/s (whole-sequence windows of seq_len)
 * on the first N stories, a pruned 8:16 magnitude evaluation, and greedy generation tokens/s
 * (KV-cache steps from BOS). Prints the 1-minute load average beside it: on a shared machine
 * the numbers mean little without it. Needs `npm run build`.
 *
 *   node bench/capture-speed.mjs MODEL TOKENIZER STORIES.txt [N=20]
 */
import os from 'node:os';
import { loadCheckpoint } from '../dist/capture/checkpoint.js';
import { loadTokenizer } from '../dist/capture/tokenizer.js';
import { loadStories } from '../dist/capture/stories.js';
import { encodeStream, evaluatePerplexity } from '../dist/capture/perplexity.js';
import { generateGreedy } from '../dist/capture/generate.js';
import { createPruningHooks } from '../dist/capture/prune-hooks.js';
import { parsePattern } from '../dist/sparsity/pattern.js';

const [modelPath, tokPath, textPath, n = '20'] = process.argv.slice(2);
const model = await loadCheckpoint(modelPath);
const tok = await loadTokenizer(tokPath, model.config.vocabSize);
const stream = encodeStream(tok, (await loadStories(textPath)).slice(0, +n));
const load0 = os.loadavg()[0];
const dense = evaluatePerplexity(model, stream);
const spec = { pattern: parsePattern('8:16'), criterion: 'magnitude', mitigation: 'none' };
const pruned = evaluatePerplexity(model, stream, () => createPruningHooks(model, spec));
const gen = generateGreedy(model, tok, '', 256);
console.log(JSON.stringify({
  stream_tokens: stream.length,
  dense_eval_tokens_per_s: Math.round(dense.tokensPerSecond),
  pruned_8of16_eval_tokens_per_s: Math.round(pruned.tokensPerSecond),
  generation_tokens_per_s: Math.round(gen.steps / gen.seconds),
  load_average_1min: [load0, os.loadavg()[0]].map((l) => +l.toFixed(2)),
  cpus: os.cpus().length,
}));

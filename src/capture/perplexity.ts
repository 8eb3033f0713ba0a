/**
 * Perplexity protocol of llama2.c's validation: each story is encoded as BOS + tokens (no EOS),
 * the stories are concatenated into one stream, and the stream is cut into windows
 * ids[i : i + seqLen] for i = 0, seqLen − 1, 2·(seqLen − 1), … Consecutive windows share one
 * boundary token, so every next-token prediction of the stream is scored exactly once, each
 * window from an empty cache (whole-sequence causal pass). Perplexity = exp(mean NLL).
 */
import { inputError } from '../diagnostics.js';
import type { ModelWeights } from './checkpoint.js';
import { forwardWindow, type LinearHooks } from './forward.js';
import { encode, type Tokenizer } from './tokenizer.js';
import { WasmRowNll, WASM_NLL_AVAILABLE } from './nll-wasm.js';

export function encodeStream(tok: Tokenizer, stories: readonly string[]): Int32Array {
  return encodeStories(tok, stories).stream;
}

/** The BOS+story stream and the stream position where each story (its BOS) begins. */
export function encodeStories(tok: Tokenizer, stories: readonly string[]): { stream: Int32Array; storyStarts: number[] } {
  const ids: number[] = [];
  const storyStarts: number[] = [];
  for (const s of stories) {
    storyStarts.push(ids.length);
    for (const id of encode(tok, s.trim(), true, false)) ids.push(id);
  }
  return { stream: Int32Array.from(ids), storyStarts };
}

/**
 * NLL per story: a scored prediction belongs to the story of its *context* position (the token
 * it is predicted from), so story k holds the predictions of its own tokens after its BOS plus
 * the prediction of the next story's BOS (its "end"); the last story has no such end. Story
 * starts must begin at 0 and increase strictly.
 */
export interface PerStoryNllResult {
  /** Σ NLL (nats) of each story's scored predictions, in story order */
  nllSumsNats: number[];
  /** scored predictions of each story */
  tokens: number[];
}

/** Window start positions: stride seqLen − 1, the last window reaching the stream's end. */
export function windowStarts(streamLength: number, seqLen: number): number[] {
  const starts: number[] = [];
  for (let i = 0; i + 1 < streamLength; i += seqLen - 1) starts.push(i);
  return starts;
}

export interface PerplexityResult {
  scoredTokens: number;
  nllSumNats: number;
  meanNllNats: number;
  perplexity: number;
  windows: number;
  seconds: number;
  /** stream tokens processed per second (forward passes over every window position) */
  tokensPerSecond: number;
  /** present when the caller gave the story starts */
  perStory?: PerStoryNllResult;
}

/** storyOf[q] = index of the story that stream position q belongs to. */
function storyIndexByPosition(streamLength: number, storyStarts: readonly number[]): Int32Array {
  if (storyStarts.length === 0 || storyStarts[0] !== 0 || storyStarts.some((b, k) => k > 0 && !(b > storyStarts[k - 1] && b < streamLength))) {
    throw new Error(`evaluatePerplexity: story starts must begin at 0 and increase strictly inside the stream (${streamLength} tokens)`);
  }
  const storyOf = new Int32Array(streamLength);
  let k = 0;
  for (let q = 0; q < streamLength; q++) {
    while (k + 1 < storyStarts.length && storyStarts[k + 1] <= q) k++;
    storyOf[q] = k;
  }
  return storyOf;
}

/** NLL (nats) of target under a logits row, by a float64 log-sum-exp. */
export function tokenNll(logits: Float32Array, offset: number, vocab: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
  return Math.log(sum) + max - logits[offset + target];
}

export interface WindowHooksFactory {
  /** hooks for the window starting at stream position `start` (undefined: dense) */
  (start: number, window: Int32Array): LinearHooks | undefined;
}

/**
 * The NLL of each next-token prediction of one window (window.length − 1 of them, in position
 * order), from one whole-sequence pass; tokenNll's bits, computed in WebAssembly for windows of
 * ≥ 5 tokens (nll-wasm.ts). The single-thread and the worker-thread evaluations
 * (perplexity-pool.ts) both score windows here, so a window's losses are the same bits in both.
 */
export function windowLosses(model: ModelWeights, window: Int32Array, hooks: LinearHooks | undefined): Float64Array {
  const vocab = model.config.vocabSize;
  const logits = forwardWindow(model, window, hooks);
  const losses = new Float64Array(Math.max(0, window.length - 1));
  const rows = losses.length;
  if (WASM_NLL_AVAILABLE && rows >= 4) {
    let kernel = rowNll.get(model);
    if (!kernel || kernel.capacityRows < rows) rowNll.set(model, (kernel = new WasmRowNll(Math.max(rows, model.config.seqLen), vocab)));
    kernel.losses(logits, rows, window.subarray(1), losses, tokenNll);
  } else for (let t = 0; t < rows; t++) losses[t] = tokenNll(logits, t * vocab, vocab, window[t + 1]);
  return losses;
}

/** one row-NLL kernel per model (its memory holds a window's logits) */
const rowNll = new WeakMap<ModelWeights, WasmRowNll>();

/**
 * Sums the windows' losses in window order and position order — the one float64 summation
 * order of the run's total and of each story's sum, whichever thread scored the window — and
 * refuses a non-finite loss at the first stream position (in that order) that has one.
 */
export class NllAccumulator {
  private nll = 0;
  private scored = 0;
  private processed = 0;
  private readonly storyOf: Int32Array | undefined;
  private readonly storyNll: number[];
  private readonly storyTokens: number[];

  constructor(
    private readonly streamLength: number,
    private readonly windows: number,
    storyStarts: readonly number[] | undefined,
  ) {
    this.storyOf = storyStarts ? storyIndexByPosition(streamLength, storyStarts) : undefined;
    this.storyNll = storyStarts ? new Array<number>(storyStarts.length).fill(0) : [];
    this.storyTokens = storyStarts ? new Array<number>(storyStarts.length).fill(0) : [];
  }

  /** Adds window w (0-based; windows must come in order) starting at stream position `start`. */
  add(w: number, start: number, windowLength: number, losses: Float64Array): void {
    for (let t = 0; t < losses.length; t++) {
      const tokenLoss = losses[t];
      // NaN/Inf logits (weights or activations overflowing float32): no perplexity, never "NaN"
      if (!Number.isFinite(tokenLoss)) {
        throw inputError({
          code: 'capture/nonfinite-logits',
          message: `the forward pass produced non-finite logits at stream position ${start + t} (window ${w + 1} of ${this.windows}, position ${t}); the perplexity of this run is undefined.`,
          expected: 'finite logits',
          found: String(tokenLoss),
          hint: 'the checkpoint overflows float32 (huge weights?), or a mitigation produced Inf; check the model with `nmsim generate`',
        });
      }
      // the run's total keeps its own running sum (its value does not depend on story bookkeeping)
      this.nll += tokenLoss;
      this.scored++;
      if (this.storyOf) {
        const k = this.storyOf[start + t];
        this.storyNll[k] += tokenLoss;
        this.storyTokens[k]++;
      }
    }
    this.processed += windowLength;
  }

  result(started: number): PerplexityResult {
    const seconds = (performance.now() - started) / 1000;
    const { nll, scored } = this;
    if (scored === 0) {
      throw inputError({
        code: 'capture/no-scored-tokens',
        message: `the evaluation stream holds ${this.streamLength} token${this.streamLength === 1 ? '' : 's'}: no next-token prediction to score, so no perplexity.`,
        expected: 'at least 2 tokens',
        found: String(this.streamLength),
        hint: 'evaluate more text (--stories)',
      });
    }
    const mean = nll / scored;
    if (!Number.isFinite(Math.exp(mean))) {
      throw inputError({
        code: 'capture/perplexity-overflow',
        message: `the mean NLL is ${mean.toFixed(1)} nats per token: exp() of it exceeds float64, so the perplexity cannot be reported.`,
        expected: 'a mean NLL below 709.78 nats (perplexity < 1.8e308)',
        found: `${mean.toFixed(1)} nats`,
        hint: 'the model predicts nothing of this text; check the checkpoint and the tokenizer',
      });
    }
    return {
      scoredTokens: scored,
      nllSumNats: nll,
      meanNllNats: mean,
      perplexity: Math.exp(mean),
      windows: this.windows,
      seconds,
      tokensPerSecond: this.processed / seconds,
      ...(this.storyOf ? { perStory: { nllSumsNats: this.storyNll, tokens: this.storyTokens } } : {}),
    };
  }
}

export function evaluatePerplexity(
  model: ModelWeights,
  stream: Int32Array,
  hooksFor?: WindowHooksFactory,
  onWindow?: (done: number, total: number) => void,
  storyStarts?: readonly number[],
): PerplexityResult {
  const started = performance.now();
  const seqLen = model.config.seqLen;
  const starts = windowStarts(stream.length, seqLen);
  const acc = new NllAccumulator(stream.length, starts.length, storyStarts);
  starts.forEach((start, w) => {
    const window = stream.subarray(start, Math.min(start + seqLen, stream.length));
    acc.add(w, start, window.length, windowLosses(model, window, hooksFor?.(start, window)));
    onWindow?.(w + 1, starts.length);
  });
  return acc.result(started);
}

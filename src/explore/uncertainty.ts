/**
 * How sure a measured perplexity is: percentile-bootstrap intervals over stories (Efron &
 * Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13: the percentile interval).
 *
 *   per-story NLL sums s_i (nats) and token counts t_i, i = 1…n  (one run, or two runs on the same stories)
 *     │  R times: draw n story indices with replacement (mulberry32(seed), ⌊u·n⌋ per draw, in order)
 *     ▼
 *   ppl* = exp(Σ s_i* / Σ t_i*) per resample            — a ratio estimator: long stories weigh more,
 *     │                                                    exactly as in the full-text perplexity
 *     ▼
 *   interval = the (1−c)/2 and (1+c)/2 quantiles of the R values (inverse empirical CDF: the
 *   smallest value whose empirical CDF reaches p)
 *
 * Two runs measured on the same stories are compared with *paired* resampling: the same indices
 * for both runs in every resample, so story-to-story difficulty (shared by both runs) cancels
 * out of the difference a − b and the ratio a / b. "Distinguishable" means the interval of the
 * difference excludes 0.
 *
 * Pure and deterministic: the same inputs and seed give the same intervals, bit for bit.
 */
import { inputError, usageError } from '../diagnostics.js';
import { mulberry32 } from '../analysis/mulberry32.js';
import { countNoun } from '../plural.js';

// module-local: the resampling loops run R·n times, and a global lookup is slow inside a vm context (jest)
const { exp, floor } = Math;

/** One run measured story by story (capture records these per story of the evaluation text). */
export interface PerStoryNll {
  /** summed negative log-likelihood of each story's scored tokens, in nats (≥ 0) */
  nllSumsNats: readonly number[];
  /** scored tokens of each story (≥ 1), in the same order */
  tokens: readonly number[];
}

export interface BootstrapOptions {
  /** resamples R (default 2000) */
  resamples?: number;
  /** seed of the resampling generator (default BOOTSTRAP_DEFAULTS.seed) */
  seed?: number;
  /** two-sided coverage of the interval, 0 < c < 1 (default 0.95) */
  confidence?: number;
}

/**
 * R = 2000 puts the Monte-Carlo error of a 2.5 % quantile at ≈ √(0.025·0.975/2000) ≈ 0.35 % of
 * the resample distribution (Efron & Tibshirani 1993, §19.3 recommend R ≥ 1000 for percentile
 * intervals). The seed is arbitrary and fixed so that reports are byte-identical across reruns.
 */
export const BOOTSTRAP_DEFAULTS = { resamples: 2000, seed: 20_250_926, confidence: 0.95 } as const;

/** The most resamples one call accepts (R·n draws; 10⁶ resamples of 10³ stories is ~10 s). */
export const MAX_RESAMPLES = 1_000_000;

/** A closed interval [lo, hi]. */
export type Interval = [number, number];

export interface PerplexityInterval {
  /** exp(Σ NLL / Σ tokens) over all stories */
  perplexity: number;
  interval: Interval;
  confidence: number;
  resamples: number;
  stories: number;
}

export interface PairedPerplexityComparison {
  /** perplexity of run a and run b over all stories */
  a: number;
  b: number;
  /** a − b, and its interval under paired resampling */
  difference: number;
  differenceInterval: Interval;
  /** a / b, and its interval under paired resampling */
  ratio: number;
  ratioInterval: Interval;
  /** the interval of the difference excludes 0 */
  distinguishable: boolean;
  confidence: number;
  resamples: number;
  stories: number;
}

/** exp(Σ NLL / Σ tokens): the perplexity of the whole text. */
export function perplexityOf(run: PerStoryNll): number {
  checkRun(run, 'run');
  return exp(sum(run.nllSumsNats) / sum(run.tokens));
}

/**
 * The quantile p of sorted values by the inverse empirical CDF: the smallest value v with
 * #{x ≤ v} / R ≥ p (Hyndman & Fan 1996, definition 1).
 */
export function inverseCdfQuantile(sorted: ArrayLike<number>, p: number): number {
  const r = sorted.length;
  // 1e-9 absorbs the rounding of p·R (0.025 · 2000 is 50.000000000000004 in doubles)
  const rank = Math.min(r, Math.max(1, Math.ceil(p * r - 1e-9)));
  return sorted[rank - 1];
}

/**
 * The story indices of every resample of one plan (seed, n stories, R resamples), in draw order:
 * index r·n + k is the k-th draw of resample r, ⌊u·n⌋ with u from mulberry32(seed). Every run of
 * a bundle is measured on the same stories with the same seed, so a review's ~20 bootstraps (and
 * its paired comparisons, bootstrapPairedPerplexity) draw the same R·n indices: they are drawn once
 * and kept for the last plan asked (issue 16: the draws were ~3/4 of the bootstrap's time). Plans
 * of more than MAX_KEPT_DRAWS indices are not kept (undefined: the caller draws as it goes). A
 * Uint32Array holds any n (n ≤ 2³² stories).
 */
const MAX_KEPT_DRAWS = 1 << 20; // 4 MiB of Uint32: 524 stories at the default 2000 resamples
let keptDraws: { seed: number; stories: number; resamples: number; indices: Uint32Array } | undefined;

export function resampleIndices(seed: number, stories: number, resamples: number): Uint32Array | undefined {
  if (keptDraws && keptDraws.seed === seed && keptDraws.stories === stories && keptDraws.resamples === resamples) return keptDraws.indices;
  if (stories * resamples > MAX_KEPT_DRAWS) return undefined;
  const indices = new Uint32Array(stories * resamples);
  const rand = mulberry32(seed);
  for (let j = 0; j < indices.length; j++) indices[j] = floor(rand() * stories);
  keptDraws = { seed, stories, resamples, indices };
  return indices;
}

/** Percentile-bootstrap interval of one run's perplexity, resampling stories with replacement. */
export function bootstrapPerplexity(run: PerStoryNll, opts: BootstrapOptions = {}): PerplexityInterval {
  checkRun(run, 'run');
  const o = options(opts);
  const n = run.tokens.length;
  const values = new Float64Array(o.resamples);
  const drawn = resampleIndices(o.seed, n, o.resamples);
  const { nllSumsNats, tokens: storyTokens } = run;
  if (drawn) {
    // the same draws and the same order of additions as the loop below: the same bits
    for (let r = 0, j = 0; r < o.resamples; r++) {
      let nll = 0;
      let tokens = 0;
      for (let k = 0; k < n; k++, j++) {
        const i = drawn[j];
        nll += nllSumsNats[i];
        tokens += storyTokens[i];
      }
      values[r] = exp(nll / tokens);
    }
  } else {
    const rand = mulberry32(o.seed);
    for (let r = 0; r < o.resamples; r++) {
      let nll = 0;
      let tokens = 0;
      for (let k = 0; k < n; k++) {
        const i = floor(rand() * n);
        nll += nllSumsNats[i];
        tokens += storyTokens[i];
      }
      values[r] = exp(nll / tokens);
    }
  }
  return { perplexity: perplexityOf(run), interval: intervalOf(values, o.confidence), confidence: o.confidence, resamples: o.resamples, stories: n };
}

/**
 * Paired percentile-bootstrap comparison of two runs measured on the same stories (same order,
 * same token counts): intervals of a − b and a / b from the same resampled story indices.
 */
export function bootstrapPairedPerplexity(a: PerStoryNll, b: PerStoryNll, opts: BootstrapOptions = {}): PairedPerplexityComparison {
  checkRun(a, 'a');
  checkRun(b, 'b');
  checkPaired(a, b);
  const o = options(opts);
  const n = a.tokens.length;
  const differences = new Float64Array(o.resamples);
  const ratios = new Float64Array(o.resamples);
  // the plan's kept draws (resampleIndices: a review's paired comparisons share them with its
  // bootstraps), else drawn as they go: the same indices in the same order, so the same bits
  const drawn = resampleIndices(o.seed, n, o.resamples);
  const rand = drawn ? undefined : mulberry32(o.seed);
  for (let r = 0, j = 0; r < o.resamples; r++) {
    let nllA = 0;
    let nllB = 0;
    let tokens = 0;
    for (let k = 0; k < n; k++, j++) {
      const i = drawn ? drawn[j] : floor(rand!() * n);
      nllA += a.nllSumsNats[i];
      nllB += b.nllSumsNats[i];
      tokens += a.tokens[i];
    }
    const pa = exp(nllA / tokens);
    const pb = exp(nllB / tokens);
    differences[r] = pa - pb;
    // exp((ΣA − ΣB)/T) equals pa / pb and keeps full precision when the two are close
    ratios[r] = exp((nllA - nllB) / tokens);
  }
  const pa = perplexityOf(a);
  const pb = perplexityOf(b);
  const differenceInterval = intervalOf(differences, o.confidence);
  return {
    a: pa,
    b: pb,
    difference: pa - pb,
    differenceInterval,
    ratio: exp((sum(a.nllSumsNats) - sum(b.nllSumsNats)) / sum(a.tokens)),
    ratioInterval: intervalOf(ratios, o.confidence),
    distinguishable: differenceInterval[0] > 0 || differenceInterval[1] < 0,
    confidence: o.confidence,
    resamples: o.resamples,
    stories: n,
  };
}

function intervalOf(values: Float64Array, confidence: number): Interval {
  const sorted = values.slice().sort();
  const tail = (1 - confidence) / 2;
  return [inverseCdfQuantile(sorted, tail), inverseCdfQuantile(sorted, 1 - tail)];
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function options(opts: BootstrapOptions): Required<BootstrapOptions> {
  const resamples = opts.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
  const seed = opts.seed ?? BOOTSTRAP_DEFAULTS.seed;
  const confidence = opts.confidence ?? BOOTSTRAP_DEFAULTS.confidence;
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > MAX_RESAMPLES) {
    throw usageError({ code: 'uncertainty/bad-resamples', path: 'resamples', message: `the bootstrap needs a whole number of resamples between 1 and ${MAX_RESAMPLES.toLocaleString('en-US')}.`, expected: `1 … ${MAX_RESAMPLES}`, found: String(resamples), hint: `${BOOTSTRAP_DEFAULTS.resamples} is the default.` });
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw usageError({ code: 'uncertainty/bad-seed', path: 'seed', message: 'the bootstrap seed must be a 32-bit unsigned integer.', expected: '0 … 4294967295', found: String(seed), hint: 'the resampling generator is mulberry32.' });
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw usageError({ code: 'uncertainty/bad-confidence', path: 'confidence', message: 'the confidence of an interval is a fraction strictly between 0 and 1.', expected: '0 < confidence < 1 (e.g. 0.95)', found: String(confidence), hint: 'write 0.95 for a 95 % interval.' });
  }
  return { resamples, seed, confidence };
}

function checkRun(run: PerStoryNll, name: string): void {
  const n = run.tokens.length;
  if (n === 0) throw inputError({ code: 'uncertainty/no-stories', path: `${name}.tokens`, message: 'an interval needs at least one story.', expected: '≥ 1 story', found: '0', hint: 'capture records per-story NLL; a run without it has no interval.' });
  if (run.nllSumsNats.length !== n) {
    throw inputError({ code: 'uncertainty/length-mismatch', path: `${name}.nllSumsNats`, message: `${name} lists ${run.nllSumsNats.length} NLL sums for ${n} token counts.`, expected: countNoun(n, 'NLL sum'), found: String(run.nllSumsNats.length), hint: 'one NLL sum and one token count per story.' });
  }
  for (let i = 0; i < n; i++) {
    const t = run.tokens[i];
    if (!Number.isInteger(t) || t < 1) throw inputError({ code: 'uncertainty/bad-token-count', path: `${name}.tokens[${i}]`, message: `story ${i} of ${name} has ${String(t)} scored tokens.`, expected: 'a whole number ≥ 1', found: String(t), hint: 'leave out stories with no scored token.' });
    const s = run.nllSumsNats[i];
    if (!Number.isFinite(s) || s < 0) throw inputError({ code: 'uncertainty/bad-nll', path: `${name}.nllSumsNats[${i}]`, message: `story ${i} of ${name} has an NLL sum of ${String(s)} nats.`, expected: 'a finite number ≥ 0', found: String(s), hint: 'an NLL is −log p ≥ 0; a non-finite one means the forward pass produced NaN or Inf.' });
  }
}

function checkPaired(a: PerStoryNll, b: PerStoryNll): void {
  if (a.tokens.length !== b.tokens.length) {
    throw inputError({ code: 'uncertainty/unpaired-runs', path: 'b.tokens', message: `the two runs hold ${a.tokens.length} and ${b.tokens.length} stories; a paired comparison needs the same stories.`, expected: countNoun(a.tokens.length, 'story', 'stories'), found: String(b.tokens.length), hint: 'compare runs measured on the same text.' });
  }
  const i = a.tokens.findIndex((t, k) => t !== b.tokens[k]);
  if (i >= 0) {
    throw inputError({ code: 'uncertainty/unpaired-runs', path: `b.tokens[${i}]`, message: `story ${i} has ${a.tokens[i]} scored tokens in a and ${b.tokens[i]} in b; a paired comparison needs the same stories in the same order.`, expected: String(a.tokens[i]), found: String(b.tokens[i]), hint: 'compare runs measured on the same text, story for story.' });
  }
}

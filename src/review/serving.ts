/**
 * Serving metrics per profile × pattern (and each profile's dense core), from the same
 * perf/simulate.ts steps as the speed-ups:
 *
 * - time to first token (TTFT) = the prefill step of one prompt (T = prompt tokens);
 * - time per output token (TPOT) at batch B = one decode step of B sequences at context
 *   L = prompt + output/2: the mid-point of the output. The decode step's only L-dependent cost
 *   (the KV-cache read and attention) is linear in L, so the mid-point step equals the mean step
 *   over the output; no integration over the output is done;
 * - tokens/s per user = 1 / TPOT; tokens/s per chip = B / TPOT (the profile models the whole
 *   device: all its tensor cores);
 * - at a latency target: the largest B whose TPOT meets it (pickAtTarget) and its throughput,
 *   over the batches that fit in the device's memory;
 * - memory: the weights (every parameter at the operand width: activation sparsity stores them
 *   dense) + the KV cache of B sequences at their longest, prompt + output tokens (the last
 *   output token). A batch whose sum exceeds the profile's `memory.dramCapacity` does not fit
 *   (activations and workspace are left out: a lower bound on what a batch needs).
 *
 * Decode at a batch B the trace did not measure (the review measures the union density at
 * 1 … 64 by default): perf/measured-sparsity.ts unionDensity falls back to the independence
 * bound 1 − (1 − d)^B — an assumption (the measured densities lie below it: tokens share
 * channels), listed in the report's assumptions. So 128 and 256 are optimistic about how many
 * weight rows a batch fetches, i.e. pessimistic for the sparse core's decode speed-up.
 */
import { usageError } from '../diagnostics.js';
import type { MeasuredSparsity } from '../perf/measured-sparsity.js';
import { comparisonPlan, gemmMemo, type GemmMemo, type ModelSim, type SparseOperand } from '../perf/model-sim.js';
import { perfViewKey } from '../perf/hardware-view.js';
import { patternKey } from '../explore/design-point.js';
import { simulate } from '../perf/simulate.js';
import type { HardwareProfile } from '../profile/schema.js';
import { formatPattern, type Pattern } from '../sparsity/pattern.js';
import { localLayerCount, type ModelShape } from '../workload/model-shape.js';
import type { Assumption } from './review-data.js';

export const DEFAULT_SERVING = { promptTokens: 2048, outputTokens: 256 } as const;
/** The latency target of a chat-style service, ~20 tokens/s per user (a common interactive SLO; an assumption, change with --tpot-target-ms) */
export const DEFAULT_TPOT_TARGET_MS = 50;
/** Batch sizes of the serving table: 1, 2, 4, …, 256 */
export const SERVING_BATCHES: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** Upper bound on either side of --serving (tokens): --prefill-tokens' bound (cli/options.ts: 128k context, 2^20 tiles per GEMM) */
export const MAX_SERVING_TOKENS = 131_072;

export interface ServingMix {
  promptTokens: number;
  outputTokens: number;
}

/** `--serving 2048:256`: prompt and output tokens, two positive whole numbers. */
export function parseServingMix(text: string): ServingMix {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  const prompt = m ? Number(m[1]) : NaN;
  const output = m ? Number(m[2]) : NaN;
  const ok = (v: number) => Number.isSafeInteger(v) && v >= 1 && v <= MAX_SERVING_TOKENS;
  if (!ok(prompt) || !ok(output)) {
    const found = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw usageError({
      code: 'review/serving-mix',
      path: '--serving',
      message: `--serving takes the prompt and output lengths as PROMPT:OUTPUT tokens, two whole numbers from 1 to ${MAX_SERVING_TOKENS}; found "${found}".`,
      expected: `PROMPT:OUTPUT, each 1 … ${MAX_SERVING_TOKENS}`,
      found,
      hint: 'nmsim review --serving 2048:256',
    });
  }
  return { promptTokens: prompt, outputTokens: output };
}

/** `--tpot-target-ms 50`: a positive finite number of milliseconds. */
export function parseTpotTarget(text: string): number {
  const v = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(Number.isFinite(v) && v > 0 && v <= 1e6)) {
    const found = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw usageError({
      code: 'review/tpot-target',
      path: '--tpot-target-ms',
      message: `--tpot-target-ms takes the time-per-output-token target in milliseconds, a positive number; found "${found}".`,
      expected: 'a number of milliseconds > 0, e.g. 50',
      found,
      hint: 'nmsim review --tpot-target-ms 50',
    });
  }
  return v;
}

export interface ServingStep {
  batch: number;
  tpotMs: number;
  /** dense core's TPOT / this TPOT on the same profile (1 for the dense row) */
  speedup: number;
  tokensPerSPerUser: number;
  tokensPerSPerChip: number;
  /** fraction of weight rows fetched and where it comes from (absent: the core does not skip rows) */
  weightRows?: { fraction: number; source: string };
  bottleneck: string;
  /** KV cache the B sequences hold at the decode context (kvCacheBytes): the mean step's */
  kvCacheBytes: number;
  /** weights + the KV cache of B sequences at prompt + output tokens: what the batch must hold at its end */
  memoryBytes: number;
  /** memoryBytes ≤ the profile's DRAM capacity; absent when the profile gives no capacity (not checked) */
  fits?: boolean;
}

export interface ServingPick {
  batch: number;
  tpotMs: number;
  tokensPerSPerUser: number;
  tokensPerSPerChip: number;
}

export interface ServingRow {
  profile: string;
  /** 'weight': the pattern on the weights, pruned offline (perf/execution-plan.ts planWeightPattern); absent: on the activations */
  operand?: 'weight';
  /** dense: the profile's core run dense */
  pattern: Pattern;
  ttftMs: number;
  ttftBottleneck: string;
  steps: ServingStep[];
  /** the largest B meeting the target among the batches that fit in memory; null when none does */
  atTarget: ServingPick | null;
  /** the profile's device memory (memory.dramCapacity); absent when it gives none */
  dramCapacityBytes?: number;
}

export interface ServingResult {
  promptTokens: number;
  outputTokens: number;
  /** decode context L = prompt + output/2 (rounded down) */
  decodeContextTokens: number;
  tpotTargetMs: number;
  batches: number[];
  /** the model's weights at the first profile's operand width (servingWeightBytes) */
  weightBytes: number;
  /** tokens each sequence holds at its end: prompt + output (the memory check's context) */
  peakContextTokens: number;
  rows: ServingRow[];
  /** the weight runs' patterns on the cores that take them on weights (today's 2:4 cores), at the same batches and mix: the decode chart's weight baseline; absent when no core does */
  weightRows?: ServingRow[];
}

/**
 * The largest batch whose TPOT meets the target (≤), scanning every step (TPOT need not be
 * monotone in B); null when none does.
 */
export function pickAtTarget(steps: readonly { batch: number; tpotMs: number }[], targetMs: number): ServingPick | null {
  let best: { batch: number; tpotMs: number } | null = null;
  for (const s of steps) if (s.tpotMs <= targetMs && (best === null || s.batch > best.batch)) best = s;
  return best === null ? null : { batch: best.batch, tpotMs: best.tpotMs, tokensPerSPerUser: 1000 / best.tpotMs, tokensPerSPerChip: (best.batch * 1000) / best.tpotMs };
}

/**
 * Bytes of K and V held for `batch` sequences of `contextTokens` tokens: every layer stores
 * 2 × kvHeads × headDim values per token (a sliding-window layer at most its window) at
 * `valueBytes` each.
 */
export function kvCacheBytes(shape: ModelShape, batch: number, contextTokens: number, valueBytes: number): number {
  const local = localLayerCount(shape);
  const window = shape.slidingWindow?.windowTokens ?? contextTokens;
  const tokensHeld = (shape.numLayers - local) * contextTokens + local * Math.min(window, contextTokens);
  return batch * tokensHeld * 2 * shape.numKvHeads * shape.headDim * valueBytes;
}

/**
 * Parameters of a decoder-only model: token embeddings (vocab × hidden), per layer the q, k, v, o
 * projections (hidden × heads·headDim, twice hidden × kvHeads·headDim, heads·headDim × hidden),
 * q/k/v biases where the model has them, the gated MLP's gate, up and down (3 × hidden ×
 * intermediate) and its norms' scales (hidden each), the final norm, and the LM head unless tied
 * to the embeddings. Llama-3.1-8B: 8,030,261,248.
 */
export function modelParameters(shape: ModelShape): number {
  const h = shape.hiddenSize;
  const q = shape.numHeads * shape.headDim;
  const kv = shape.numKvHeads * shape.headDim;
  const attention = h * q + 2 * h * kv + q * h + (shape.qkvBias ? q + 2 * kv : 0);
  const mlp = 3 * h * shape.intermediateSize;
  const layer = attention + mlp + shape.normsPerLayer * h;
  const embeddings = shape.vocabSize * h;
  return embeddings + shape.numLayers * layer + h + (shape.tiedEmbeddings ? 0 : embeddings);
}

/** Bytes of the model's weights held in device memory at `valueBytes` per parameter. */
export function servingWeightBytes(shape: ModelShape, valueBytes: number): number {
  return modelParameters(shape) * valueBytes;
}

export function decodeContextOf(mix: ServingMix): number {
  return mix.promptTokens + Math.floor(mix.outputTokens / 2);
}

/**
 * Serving metrics of one profile: its dense core and every sparse pattern it does not run dense (one simulate call
 * per phase step, all patterns at once: 1 prefill + one decode per batch size). With `operand` weight the
 * patterns are on the weights (as the review's weight points: pass no measured sparsity, the masks are fixed
 * offline) and the dense row is left out (it is the activation rows' dense row: same core, same dense step).
 */
export function servingForProfile(
  profile: HardwareProfile,
  patterns: readonly Pattern[],
  shape: ModelShape,
  measured: readonly MeasuredSparsity[],
  mix: ServingMix,
  tpotTargetMs: number,
  batches: readonly number[] = SERVING_BATCHES,
  operand: SparseOperand = 'activation',
  /** prefill steps the design points already simulated on the same model and measured sparsity (PrefillSims): reused, not simulated again */
  prefillSims?: PrefillSims,
): ServingRow[] {
  // a pattern the core runs dense (execution-plan.ts) would repeat the dense row: left out before
  // simulating (its steps were a third of a shipped activation core's serving work, then dropped)
  const sparse = patterns.filter((p) => p.kind !== 'dense' && comparisonPlan(profile, p, measured, operand).mode !== 'dense');
  const memo = reviewGemms(prefillSims);
  const gemms = memo ? { gemms: memo } : {};
  const prefill =
    (operand === 'activation' ? knownPrefill(prefillSims, profile, mix.promptTokens, sparse) : undefined) ??
    simulate({ profile, model: shape, phase: { kind: 'prefill', tokens: mix.promptTokens }, patterns: sparse, measured, operand, ...gemms });
  const contextTokens = decodeContextOf(mix);
  const decode = batches.map((batch) => simulate({ profile, model: shape, phase: { kind: 'decode', batch, contextTokens }, patterns: sparse, measured, operand, ...gemms }));
  const capacity = profile.memory.dramCapacityBytes;
  const peakContextTokens = mix.promptTokens + mix.outputTokens;
  const row = (pattern: Pattern, i: number | null): ServingRow => {
    const pre = i === null ? prefill.dense : prefill.patterns[i].sim;
    const steps = decode.map((c, j): ServingStep => {
      const sim = i === null ? c.dense : c.patterns[i].sim;
      const tpotMs = sim.timeS * 1000;
      return {
        batch: batches[j],
        tpotMs,
        speedup: c.dense.timeS / sim.timeS,
        tokensPerSPerUser: 1000 / tpotMs,
        tokensPerSPerChip: (batches[j] * 1000) / tpotMs,
        ...(sim.weightRows ? { weightRows: { fraction: sim.weightRows.fraction, source: sim.weightRows.source } } : {}),
        bottleneck: sim.bottleneck,
        kvCacheBytes: kvCacheBytes(shape, batches[j], contextTokens, c.hw.operandBytes),
        ...memoryOf(shape, batches[j], peakContextTokens, c.hw.operandBytes, capacity),
      };
    });
    return {
      profile: profile.name,
      ...(operand === 'weight' && i !== null ? { operand: 'weight' as const } : {}),
      pattern,
      ttftMs: pre.timeS * 1000,
      ttftBottleneck: pre.bottleneck,
      steps,
      atTarget: pickAtTarget(steps.filter((s) => s.fits !== false), tpotTargetMs),
      ...(capacity !== undefined ? { dramCapacityBytes: capacity } : {}),
    };
  };
  const sparseRows = sparse.map((p, i) => row(p, i));
  return operand === 'weight' ? sparseRows : [row({ kind: 'dense' }, null), ...sparseRows];
}

/**
 * Prefill steps already simulated in this review (points.ts records each activation estimate's
 * prefill: its dense step and each sparse pattern's), by prefillSimKey. Only for the model and the
 * measured sparsity the serving rows use (runReview passes one map to both): a step is a function of
 * the perf view (perf/hardware-view.ts perfViewKey: selector twins share it), the prompt tokens and
 * the pattern, so serving reads the same ModelSim it would simulate (serving reads its timeS and
 * bottleneck; test/review/serving-chosen.test.ts compares with and without).
 */
export type PrefillSims = Map<string, ModelSim>;

/**
 * The GEMM results one review's design points and serving rows share (perf/model-sim.ts
 * gemmMemo), held by the review's PrefillSims map (runReview makes one per review, points.ts and
 * the serving rows both get it), so they live as long as that map. Serving's decode steps have
 * the points' decode GEMMs (a decode GEMM's shape is the batch's, whatever the context) and each
 * core's variants share their dense ones. A result changes nothing: the key holds every input.
 */
const reviewGemmMemos = new WeakMap<PrefillSims, GemmMemo>();

export function reviewGemms(sims: PrefillSims | undefined): GemmMemo | undefined {
  if (sims === undefined) return undefined;
  let memo = reviewGemmMemos.get(sims);
  if (!memo) reviewGemmMemos.set(sims, (memo = gemmMemo()));
  return memo;
}

export function prefillSimKey(view: string, tokens: number, pattern: Pattern): string {
  return `${view}|${tokens}|${pattern.kind === 'dense' ? 'dense' : patternKey(pattern)}`;
}

/** The prefill comparison's steps from `sims` when every one is there (dense and each of `sparse`), else undefined. */
function knownPrefill(sims: PrefillSims | undefined, profile: HardwareProfile, tokens: number, sparse: readonly Pattern[]): { dense: ModelSim; patterns: { sim: ModelSim }[] } | undefined {
  if (sims === undefined || sims.size === 0) return undefined;
  const view = perfViewKey(profile);
  const dense = sims.get(prefillSimKey(view, tokens, { kind: 'dense' }));
  if (!dense) return undefined;
  const patterns: { sim: ModelSim }[] = [];
  for (const p of sparse) {
    const sim = sims.get(prefillSimKey(view, tokens, p));
    if (!sim) return undefined;
    patterns.push({ sim });
  }
  return { dense, patterns };
}

/** What a batch of B sequences holds at its end (weights + KV cache at prompt + output tokens), and whether it fits in `capacityBytes`. */
export function memoryOf(shape: ModelShape, batch: number, peakContextTokens: number, valueBytes: number, capacityBytes: number | undefined): { memoryBytes: number; fits?: boolean } {
  const memoryBytes = servingWeightBytes(shape, valueBytes) + kvCacheBytes(shape, batch, peakContextTokens, valueBytes);
  return capacityBytes === undefined ? { memoryBytes } : { memoryBytes, fits: memoryBytes <= capacityBytes };
}

export function servingFor(
  profiles: readonly HardwareProfile[],
  patterns: readonly Pattern[],
  shape: ModelShape,
  measured: readonly MeasuredSparsity[],
  mix: ServingMix,
  tpotTargetMs: number,
  batches: readonly number[] = SERVING_BATCHES,
  prefillSims?: PrefillSims,
): ServingResult {
  return {
    promptTokens: mix.promptTokens,
    outputTokens: mix.outputTokens,
    decodeContextTokens: decodeContextOf(mix),
    tpotTargetMs,
    batches: [...batches],
    weightBytes: servingWeightBytes(shape, profiles.length > 0 ? profiles[0].tensorCore.operandBits / 8 : 2),
    peakContextTokens: mix.promptTokens + mix.outputTokens,
    rows: profiles.flatMap((p) => servingForProfile(p, patterns, shape, measured, mix, tpotTargetMs, batches, 'activation', prefillSims)),
  };
}

/** Geometric mean of a row's decode speed-ups over its batch sizes (the best-core score). */
export function meanDecodeSpeedup(r: ServingRow): number {
  return r.steps.length === 0 ? 0 : Math.exp(r.steps.reduce((s, x) => s + Math.log(x.speedup), 0) / r.steps.length);
}

/**
 * The chart's series: each sparse pattern on its best core — the profile with the highest
 * geometric-mean decode speed-up over the batch sizes (ties: the first profile) — speed-up vs B.
 * (At one batch alone the pick is arbitrary: at B = 256 a 2:4 weight-side core edges out every
 * activation core, which lead at B = 1.)
 */
export function bestCoreSeries(serving: ServingResult): ServingRow[] {
  const best = new Map<string, ServingRow>();
  for (const r of serving.rows) {
    if (r.pattern.kind === 'dense') continue;
    const key = formatPattern(r.pattern);
    const cur = best.get(key);
    if (!cur || meanDecodeSpeedup(r) > meanDecodeSpeedup(cur)) best.set(key, r);
  }
  return [...best.values()];
}

/** The assumptions-table row for the serving metrics' unmeasured batches. */
export function servingAssumption(serving: ServingResult): Assumption {
  return {
    name: 'serving: union density at unmeasured decode batches',
    value: servingAssumptionText(serving),
    source: 'assumption (review/serving.ts): the tokens of a batch keep channels independently; the measured curve lies below this bound',
  };
}

/** The text of that row: the batches whose union density was not measured and the bound used. */
export function servingAssumptionText(serving: ServingResult): string {
  const unmeasured = new Set<number>();
  for (const r of serving.rows) for (const s of r.steps) if (s.weightRows && !s.weightRows.source.startsWith('measured')) unmeasured.add(s.batch);
  const list = [...unmeasured].sort((a, b) => a - b);
  return list.length === 0
    ? 'every serving batch size has a measured union density'
    : `decode at B = ${list.join(', ')} (not measured on the trace): union density from the independence bound 1 − (1 − d)^B (perf/measured-sparsity.ts), an upper bound on the rows fetched`;
}

/** A design-axis variant × pattern and whether the review chose it (explore/variants.ts VariantRow's fields serving reads). */
export interface ServingChoiceRow {
  profile: string;
  pattern: Pattern;
  chosen: boolean;
}

/**
 * The serving rows of the design points the review keeps (issue 16): serving is computed for
 * every design-axis variant (servingFor over the variants' profiles), and the report shows those
 * of the chosen variants only — per chosen variant × pattern its row, and its core's dense row
 * once per chosen variant profile. A profile with no variant row (a weight core as written, or a
 * review without swept axes) keeps every row. Row order: the variants' order, as computed.
 */
/**
 * The patterns of `patterns` whose serving rows servingOfChosen keeps for the variant `profile`
 * (given `variantRows`): all of them for a core that was not swept, else its chosen ones (null:
 * none chosen, so not even its dense row is kept and nothing needs computing). The dense row
 * comes with any pattern (servingForProfile always emits it), as servingOfChosen keeps it.
 */
export function servingPatternsOf(profile: string, patterns: readonly Pattern[], variantRows: readonly ServingChoiceRow[]): Pattern[] | null {
  if (!variantRows.some((r) => r.profile === profile)) return [...patterns];
  const chosen = new Set(variantRows.filter((r) => r.chosen && r.profile === profile).map((r) => formatPattern(r.pattern)));
  if (chosen.size === 0) return null;
  return patterns.filter((p) => chosen.has(formatPattern(p)));
}

export function servingOfChosen(serving: ServingResult, variantRows: readonly ServingChoiceRow[]): ServingResult {
  const swept = new Set(variantRows.map((r) => r.profile));
  const chosenProfiles = new Set(variantRows.filter((r) => r.chosen).map((r) => r.profile));
  const chosenPairs = new Set(variantRows.filter((r) => r.chosen).map((r) => `${r.profile}|${formatPattern(r.pattern)}`));
  const keep = (r: ServingRow) => !swept.has(r.profile) || (r.pattern.kind === 'dense' ? chosenProfiles.has(r.profile) : chosenPairs.has(`${r.profile}|${formatPattern(r.pattern)}`));
  return { ...serving, rows: serving.rows.filter(keep) };
}

/**
 * The review's notes on design points whose decode batch does not fit in device memory (issue 16):
 * per (batch, context), the cores whose weights + KV cache of B sequences at the decode context exceed
 * their `memory.dramCapacity` (DecodeAtBatch.fits false, set by review/performance.ts). Empty when every
 * batch fits or no profile gives a capacity.
 */
export function decodeFitNotes(points: readonly { profile: string; decodeContextTokens: number; decode: readonly { batchTokens: number; memoryBytes?: number; fits?: boolean }[] }[]): string[] {
  const over = new Map<string, { batch: number; context: number; bytes: number; profiles: string[] }>();
  for (const p of points) {
    for (const d of p.decode) {
      if (d.fits !== false) continue;
      const key = `${d.batchTokens}|${p.decodeContextTokens}`;
      const g = over.get(key) ?? { batch: d.batchTokens, context: p.decodeContextTokens, bytes: d.memoryBytes ?? 0, profiles: [] };
      if (!g.profiles.includes(p.profile)) g.profiles.push(p.profile);
      g.bytes = Math.max(g.bytes, d.memoryBytes ?? 0);
      over.set(key, g);
    }
  }
  return [...over.values()]
    .sort((a, b) => a.batch - b.batch)
    .map(
      (g) =>
        `Decode at B = ${g.batch} (context ${g.context} tokens) does not fit in device memory (memory.dramCapacity) on ${g.profiles.join(', ')}: the weights + the KV cache of ${g.batch} sequences need ${(g.bytes / 1e9).toFixed(1)} GB. Its decode speed-ups are of a batch the device cannot hold (design-points.csv decode_fits_b${g.batch} false); choose smaller --decode-batches or --context.`,
    );
}

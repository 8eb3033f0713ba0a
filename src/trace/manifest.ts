/**
 * Trace bundle manifest, format version 1 (traces/README.md is the prose specification; the
 * published JSON Schema, traces/manifest.schema.json, is generated from this zod schema).
 *
 * A bundle is a folder with manifest.json and one or more .safetensors files (.npy accepted for
 * single tensors). Paths inside the manifest are relative to the bundle folder and may not
 * leave it. Keys are snake_case so Python exporters can write them without a mapping.
 */
import { z } from 'zod';
import { MITIGATIONS } from '../sparsity/registry.js';
import { OPERANDS, RUN_CRITERIA } from '../sparsity/weight-registry.js';

export const TRACE_FORMAT = 'nmsim-trace';
export const TRACE_FORMAT_VERSION = 1;

export const CONSUMERS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type Consumer = (typeof CONSUMERS)[number];

/**
 * Upper bounds on what a manifest may claim (traces/README.md, "Bounds"). Generous: 10–100× the
 * largest public LLMs (Llama 3.1 405B: 126 layers, hidden 16,384, intermediate 53,248, 128
 * heads; Gemma 3 vocabulary 262,144), so they only catch corrupt or hostile numbers
 * (`num_layers: 1e9`) before anything sizes a loop or a buffer from them.
 */
export const MANIFEST_BOUNDS = {
  /** transformer blocks; a site's `layer` index is below it */
  layers: 4096,
  /** hidden_size, intermediate_size, head_dim, out_features */
  modelDim: 2 ** 20,
  /** num_heads, num_kv_heads */
  heads: 65_536,
  vocab: 2 ** 24,
  /** run and metric token counts, max_seq_len, clact_batch_tokens */
  tokens: 2 ** 40,
  /** each dimension of a tensor reference's shape */
  shapeDim: 2 ** 40,
  /** dimensions of a tensor reference's shape */
  rank: 8,
  /** run ids, site names, tensor keys and file names */
  nameChars: 1024,
} as const;

const BOUNDS_NOTE = 'nmsim’s bound, see traces/README.md';
const count = (max: number, what: string) => z.number().int().positive().max(max, { error: `${what} must be ≤ ${max} (${BOUNDS_NOTE})` });
const countOrZero = (max: number, what: string) => z.number().int().nonnegative().max(max, { error: `${what} must be ≤ ${max} (${BOUNDS_NOTE})` });
const name = (what: string) => z.string().min(1).max(MANIFEST_BOUNDS.nameChars, { error: `${what} must be at most ${MANIFEST_BOUNDS.nameChars} characters (${BOUNDS_NOTE})` });

/**
 * What a metric's value can be, by its name: the lower-cased name is split into words at
 * `_ - .` and spaces, and the first row with a matching word applies (so "mean_nll_nats" is an
 * NLL, "acc_norm" an accuracy, "accumulated" nothing). Other names take any finite value.
 */
export const METRIC_RANGES = [
  { kind: 'perplexity', words: ['perplexity', 'ppl'], min: 1, max: undefined, why: 'perplexity = exp(mean NLL) ≥ 1' },
  { kind: 'nll', words: ['nll', 'loss', 'entropy'], min: 0, max: undefined, why: 'a negative log-likelihood or cross-entropy is ≥ 0' },
  { kind: 'accuracy', words: ['accuracy', 'acc'], min: 0, max: 1, why: 'an accuracy is a fraction in [0, 1], not a percentage' },
] as const;
export type MetricRange = (typeof METRIC_RANGES)[number];

const METRIC_WORD_SEPARATOR = /[-_. ]/;

export function metricRange(metricName: string): MetricRange | undefined {
  const words = metricName.toLowerCase().split(METRIC_WORD_SEPARATOR);
  return METRIC_RANGES.find((r) => r.words.some((w) => words.includes(w)));
}

export function describeMetricRange(r: MetricRange): string {
  return r.max === undefined ? `≥ ${r.min}` : `in [${r.min}, ${r.max}]`;
}

/**
 * The same classification as a JSON Schema regular expression (no flags in JSON Schema, so
 * each letter is a [xX] class): a whole word of `r` inside the metric name.
 */
export function metricRangePattern(r: MetricRange): string {
  const word = (w: string) => w.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
  return `(^|[-_. ])(${r.words.map(word).join('|')})([-_. ]|$)`;
}

/** A tensor inside the bundle: file relative to the bundle folder, key inside a safetensors file. */
export const TensorRefSchema = z
  .object({
    file: name('file').describe('path relative to the bundle folder, e.g. "dense.safetensors"'),
    key: name('key').optional().describe('tensor name inside a .safetensors file (absent for .npy)'),
    shape: z
      .array(countOrZero(MANIFEST_BOUNDS.shapeDim, 'a shape dimension'))
      .max(MANIFEST_BOUNDS.rank, { error: `a shape has at most ${MANIFEST_BOUNDS.rank} dimensions (${BOUNDS_NOTE})` })
      .describe('shape as stored'),
    dtype: z.enum(['F32', 'F16', 'BF16', 'U8']).optional().describe('dtype as stored; checked against the file'),
  })
  .strict();
export type TensorRef = z.infer<typeof TensorRefSchema>;

export const WeightStatsSchema = z
  .object({
    consumer: z.enum(CONSUMERS),
    out_features: count(MANIFEST_BOUNDS.modelDim, 'out_features').optional(),
    column_norms: TensorRefSchema.optional().describe('‖W[:,j]‖₂ per input channel, shape [K]'),
    amber_column_norms: TensorRefSchema.optional().describe(
      'standardised column norms ‖Ŵ[:,j]‖₂ for the amber criterion, shape [K]',
    ),
    weight: TensorRefSchema.optional().describe('the full weight [out_features, K], for output-error statistics'),
  })
  .strict();
export type WeightStats = z.infer<typeof WeightStatsSchema>;

export const MaskRefSchema = z
  .object({
    consumer: z.enum(CONSUMERS),
    tensor: TensorRefSchema.describe('U8, shape [tokens, ceil(K/8)], bit j%8 of byte j/8 (LSB first) = element j kept'),
  })
  .strict();
export type MaskRef = z.infer<typeof MaskRefSchema>;

export const WeightMaskRefSchema = z
  .object({
    consumer: z.enum(CONSUMERS),
    tensor: TensorRefSchema.describe(
      'U8, shape [out_features, ceil(K/8)]: bit j%8 of byte j/8 of row o (LSB first along the input dimension) = W[o, j] kept',
    ),
  })
  .strict();
export type WeightMaskRef = z.infer<typeof WeightMaskRefSchema>;

export const SiteSchema = z
  .object({
    name: name('a site name').describe('module path of the linear input, e.g. "layers.3.mlp.down_proj.input"'),
    layer: z
      .number()
      .int()
      .nonnegative()
      .max(MANIFEST_BOUNDS.layers - 1, { error: `a layer index must be below ${MANIFEST_BOUNDS.layers} (${BOUNDS_NOTE})` })
      .optional(),
    consumers: z.array(z.enum(CONSUMERS)).min(1),
    tensor: TensorRefSchema.describe('the pre-pruning input, shape [tokens, K]'),
    masks: z.array(MaskRefSchema).optional().describe('the keep-mask each consumer actually applied'),
    weight_stats: z.array(WeightStatsSchema).optional(),
    static_shift: z.number().optional().describe('spts: the calibrated η of this site'),
    weight_masks: z
      .array(WeightMaskRefSchema)
      .optional()
      .describe('weight runs: the keep-mask each consumer applied to its weight [out_features, K], pruned along K'),
    input_norms: TensorRefSchema.optional().describe('wanda weight runs: ‖X_j‖₂ of this input over the calibration tokens, F32 [K]'),
  })
  .strict();
export type Site = z.infer<typeof SiteSchema>;

/** A metric story by story (issue 16): the per-story NLL sums and scored tokens a bootstrap over stories resamples. */
export const PerStorySchema = z
  .object({
    nll_sums_nats: z.array(z.number().nonnegative()).min(1).describe('Σ NLL (nats) of each story\'s scored predictions, in story order'),
    tokens: z.array(count(MANIFEST_BOUNDS.tokens, 'a story\'s tokens')).min(1).describe('scored predictions of each story (≥ 1), same order; they sum to the metric\'s tokens'),
  })
  .strict();
export type PerStory = z.infer<typeof PerStorySchema>;

export const MetricSchema = z
  .object({
    metric: z.string().min(1).describe('e.g. "perplexity"'),
    dataset: z.string().min(1),
    tokens: countOrZero(MANIFEST_BOUNDS.tokens, 'tokens').describe('scored tokens'),
    value: z.number().describe('finite; perplexity ≥ 1, NLL/loss/entropy ≥ 0, accuracy in [0, 1] (METRIC_RANGES)'),
    detail: z.string().optional(),
    per_story: PerStorySchema.optional().describe(
      'optional (issue 16): the metric story by story, in story order — what a bootstrap over stories resamples; readers that do not use it may ignore it',
    ),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.per_story) {
      const { nll_sums_nats: sums, tokens } = m.per_story;
      if (sums.length !== tokens.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['per_story', 'tokens'],
          message: `per_story holds ${sums.length} NLL sums but ${tokens.length} token counts: one of each per story.`,
          params: { expected: `${sums.length} token counts`, hint: 'write both arrays in story order, one entry per evaluated story.' },
        });
      }
      const total = tokens.reduce((a, b) => a + b, 0);
      if (total !== m.tokens) {
        ctx.addIssue({
          code: 'custom',
          path: ['per_story', 'tokens'],
          message: `the per-story token counts add up to ${total}, but the metric scored ${m.tokens} tokens.`,
          params: { expected: `counts summing to ${m.tokens}`, hint: 'every scored token belongs to exactly one story.' },
        });
      }
    }
    const r = metricRange(m.metric);
    if (!r || (m.value >= r.min && (r.max === undefined || m.value <= r.max))) return;
    ctx.addIssue({
      code: 'custom',
      path: ['value'],
      message: `a "${m.metric.length > 60 ? `${m.metric.slice(0, 59)}…` : m.metric}" of ${m.value} is impossible: ${r.why}.`,
      params: {
        expected: `${describeMetricRange(r)} (${r.why})`,
        hint: r.kind === 'accuracy' ? 'write accuracies as fractions (0.735, not 73.5).' : 'check the exporter: is this the right metric, in the right unit?',
      },
    });
  });
export type Metric = z.infer<typeof MetricSchema>;

export const RunConfigSchema = z
  .object({
    pattern: z.string().min(1).describe('"dense", "unstructured" or "N:M"'),
    operand: z
      .enum(OPERANDS)
      .optional()
      .describe('what the run pruned: "activation" (absent = activation) or "weight" (the linear weights, once, before the run)'),
    criterion: z
      .enum(RUN_CRITERIA)
      .optional()
      .describe('activation runs: magnitude, amber, clact; weight runs: magnitude, wanda'),
    mitigation: z.enum(MITIGATIONS).optional().describe('activation runs; a weight run has none'),
    clact_batch_tokens: count(MANIFEST_BOUNDS.tokens, 'clact_batch_tokens').optional().describe('tokens per clact channel-norm batch'),
  })
  .strict();
export type RunConfig = z.infer<typeof RunConfigSchema>;

/** The operand a run pruned ("activation" when the manifest does not say: every bundle before issue 14). */
export function runOperand(config: RunConfig): (typeof OPERANDS)[number] {
  return config.operand ?? 'activation';
}

export const RunSchema = z
  .object({
    id: name('a run id'),
    config: RunConfigSchema,
    metrics: z.array(MetricSchema),
    tokens: countOrZero(MANIFEST_BOUNDS.tokens, 'tokens').describe('tokens recorded per site'),
    sites: z.array(SiteSchema),
  })
  .strict();
export type Run = z.infer<typeof RunSchema>;

export const ModelSchema = z
  .object({
    name: z.string().min(1),
    family: z.string().min(1).describe('e.g. "llama", "qwen2", "gemma3"'),
    hidden_size: count(MANIFEST_BOUNDS.modelDim, 'hidden_size'),
    intermediate_size: count(MANIFEST_BOUNDS.modelDim, 'intermediate_size'),
    num_layers: count(MANIFEST_BOUNDS.layers, 'num_layers'),
    num_heads: count(MANIFEST_BOUNDS.heads, 'num_heads'),
    num_kv_heads: count(MANIFEST_BOUNDS.heads, 'num_kv_heads'),
    vocab_size: count(MANIFEST_BOUNDS.vocab, 'vocab_size'),
    head_dim: count(MANIFEST_BOUNDS.modelDim, 'head_dim').optional(),
    max_seq_len: count(MANIFEST_BOUNDS.tokens, 'max_seq_len').optional(),
  })
  .strict();
export type ModelInfo = z.infer<typeof ModelSchema>;

export const SourceSchema = z
  .object({
    tool: z.string().min(1).describe('what produced the bundle, with version'),
    checkpoint: z.string().min(1),
    checkpoint_sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    dataset: z.string().min(1).describe('the text or data set the activations come from'),
    dataset_sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    command: z.string().optional().describe('the exact command that produced the bundle'),
    notes: z.string().optional(),
  })
  .strict();

export const ManifestSchema = z
  .object({
    format: z.literal(TRACE_FORMAT),
    version: z.literal(TRACE_FORMAT_VERSION),
    model: ModelSchema,
    source: SourceSchema,
    runs: z.array(RunSchema).min(1),
  })
  .strict();
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * Trace bundle manifest, format version 1 (traces/README.md is the prose specification; the
 * published JSON Schema, traces/manifest.schema.json, is generated from this zod schema).
 *
 * A bundle is a folder with manifest.json and one or more .safetensors files (.npy accepted for
 * single tensors). Paths inside the manifest are relative to the bundle folder and may not
 * leave it. Keys are snake_case so Python exporters can write them without a mapping.
 */
import { z } from 'zod';

export const TRACE_FORMAT = 'nmsim-trace';
export const TRACE_FORMAT_VERSION = 1;

export const CONSUMERS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type Consumer = (typeof CONSUMERS)[number];

/** A tensor inside the bundle: file relative to the bundle folder, key inside a safetensors file. */
export const TensorRefSchema = z
  .object({
    file: z.string().min(1).describe('path relative to the bundle folder, e.g. "dense.safetensors"'),
    key: z.string().min(1).optional().describe('tensor name inside a .safetensors file (absent for .npy)'),
    shape: z.array(z.number().int().nonnegative()).describe('shape as stored'),
    dtype: z.enum(['F32', 'F16', 'BF16', 'U8']).optional().describe('dtype as stored; checked against the file'),
  })
  .strict();
export type TensorRef = z.infer<typeof TensorRefSchema>;

export const WeightStatsSchema = z
  .object({
    consumer: z.enum(CONSUMERS),
    out_features: z.number().int().positive().optional(),
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

export const SiteSchema = z
  .object({
    name: z.string().min(1).describe('module path of the linear input, e.g. "layers.3.mlp.down_proj.input"'),
    layer: z.number().int().nonnegative().optional(),
    consumers: z.array(z.enum(CONSUMERS)).min(1),
    tensor: TensorRefSchema.describe('the pre-pruning input, shape [tokens, K]'),
    masks: z.array(MaskRefSchema).optional().describe('the keep-mask each consumer actually applied'),
    weight_stats: z.array(WeightStatsSchema).optional(),
    static_shift: z.number().optional().describe('spts: the calibrated η of this site'),
  })
  .strict();
export type Site = z.infer<typeof SiteSchema>;

export const MetricSchema = z
  .object({
    metric: z.string().min(1).describe('e.g. "perplexity"'),
    dataset: z.string().min(1),
    tokens: z.number().int().nonnegative().describe('scored tokens'),
    value: z.number(),
    detail: z.string().optional(),
  })
  .strict();
export type Metric = z.infer<typeof MetricSchema>;

export const RunConfigSchema = z
  .object({
    pattern: z.string().min(1).describe('"dense", "unstructured" or "N:M"'),
    criterion: z.enum(['magnitude', 'amber', 'clact']).optional(),
    mitigation: z.enum(['none', 'var', 'dpts', 'spts', 'affine']).optional(),
    clact_batch_tokens: z.number().int().positive().optional().describe('tokens per clact channel-norm batch'),
  })
  .strict();
export type RunConfig = z.infer<typeof RunConfigSchema>;

export const RunSchema = z
  .object({
    id: z.string().min(1),
    config: RunConfigSchema,
    metrics: z.array(MetricSchema),
    tokens: z.number().int().nonnegative().describe('tokens recorded per site'),
    sites: z.array(SiteSchema),
  })
  .strict();
export type Run = z.infer<typeof RunSchema>;

export const ModelSchema = z
  .object({
    name: z.string().min(1),
    family: z.string().min(1).describe('e.g. "llama", "qwen2", "gemma3"'),
    hidden_size: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    num_layers: z.number().int().positive(),
    num_heads: z.number().int().positive(),
    num_kv_heads: z.number().int().positive(),
    vocab_size: z.number().int().positive(),
    head_dim: z.number().int().positive().optional(),
    max_seq_len: z.number().int().positive().optional(),
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

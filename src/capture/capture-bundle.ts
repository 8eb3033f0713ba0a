/**
 * Writes captured runs as a trace bundle (format v1, traces/README.md): one
 * `<run id>.safetensors` per run with each site's pre-pruning input (F16, [tokens, K]) and each
 * consumer's bit-packed keep-mask (U8, [tokens, ceil(K/8)]); one `weights.safetensors` shared
 * by all runs with every consumer's full (dense) weight (F32, [out, K]), its column norms
 * ‖W[:,j]‖₂ and its amber standardised column norms (F32, [K]). spts runs carry each site's η.
 * Weight runs ("operand": "weight") carry instead each consumer's weight keep-mask (U8,
 * [out, ceil(K/8)], LSB first along K) and, for wanda, each site's input norms (F32, [K]).
 */
import { createHash } from 'node:crypto';
import { BundleWriter } from '../trace/writer.js';
import { packMask } from '../trace/mask.js';
import {
  TRACE_FORMAT,
  TRACE_FORMAT_VERSION,
  type Manifest,
  type Run,
  type Site,
  type TensorRef,
  type WeightStats,
} from '../trace/manifest.js';
import { amberColumnNorms } from '../sparsity/criteria/amber.js';
import { formatPattern } from '../sparsity/pattern.js';
import { TOOL_VERSION } from '../version.js';
import type { ModelWeights } from './checkpoint.js';
import { headSize } from './checkpoint.js';
import { isWeightSpec, needsCalibration, type CapturedRun } from './capture.js';
import { CRITERION_INFO, MITIGATION_INFO } from '../sparsity/registry.js';
import { consumerWeight, SITE_CONSUMERS, SITE_KINDS } from './sites.js';
import type { Consumer } from '../trace/manifest.js';

export const WEIGHTS_FILE = 'weights.safetensors';

const WEIGHT_MODULES: Record<Consumer, string> = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** ‖W[:,j]‖₂ per input channel of a row-major [outDim, inDim] weight. */
export function columnNorms(weight: Float32Array, outDim: number, inDim: number): Float32Array {
  const acc = new Float64Array(inDim);
  for (let o = 0; o < outDim; o++) for (let j = 0; j < inDim; j++) acc[j] += weight[o * inDim + j] ** 2;
  return Float32Array.from(acc, Math.sqrt);
}

export interface CaptureSource {
  name: string;
  checkpoint: string;
  checkpointSha256?: string;
  dataset: string;
  datasetSha256?: string;
  command?: string;
  notes?: string;
  /** e.g. "tinystories_hf_validation_head.stories.txt stories 0–99" */
  evaluated: string;
  /** calibration stories, for spts/affine runs */
  calibration?: string;
  /** clact batch: the evaluation window */
  clactBatchTokens: number;
}

function addWeightStats(writer: BundleWriter, model: ModelWeights): Map<string, WeightStats> {
  const stats = new Map<string, WeightStats>();
  model.layers.forEach((w, layer) => {
    for (const kind of SITE_KINDS) {
      for (const consumer of SITE_CONSUMERS[kind]) {
        const { weight, outFeatures, inFeatures } = consumerWeight(model.config, w, consumer);
        const base = `layers.${layer}.${WEIGHT_MODULES[consumer]}`;
        stats.set(`${layer}.${consumer}`, {
          consumer,
          out_features: outFeatures,
          weight: writer.addTensor(WEIGHTS_FILE, `${base}.weight`, weight, [outFeatures, inFeatures], 'F32'),
          column_norms: writer.addTensor(WEIGHTS_FILE, `${base}.column_norms`, columnNorms(weight, outFeatures, inFeatures), [inFeatures], 'F32'),
          amber_column_norms: writer.addTensor(
            WEIGHTS_FILE,
            `${base}.amber_column_norms`,
            amberColumnNorms(weight, outFeatures, inFeatures),
            [inFeatures],
            'F32',
          ),
        });
      }
    }
  });
  return stats;
}

/** The key of a consumer's weight mask in its run's file ("layers.0.self_attn.q_proj.weight_mask", as the exporter). */
export function weightMaskKey(layer: number, consumer: Consumer): string {
  return `layers.${layer}.${WEIGHT_MODULES[consumer]}.weight_mask`;
}

/** A weight run's weight masks and input norms on each of its sites. */
function addWeightRunTensors(writer: BundleWriter, file: string, run: CapturedRun, sites: Site[]): void {
  for (const site of sites) {
    const masks = (run.weightMasks ?? []).filter((m) => m.layer === site.layer && site.consumers.includes(m.consumer));
    site.weight_masks = masks.map((m) => ({
      consumer: m.consumer,
      tensor: writer.addTensor(file, weightMaskKey(m.layer, m.consumer), packMask(m.keep, m.outFeatures, m.inFeatures), [m.outFeatures, Math.ceil(m.inFeatures / 8)], 'U8'),
    }));
    const norms = run.inputNorms?.get(site.name);
    if (norms) site.input_norms = writer.addTensor(file, `${site.name}.input_norms`, norms, [norms.length], 'F32');
  }
}

function runConfig(run: CapturedRun, src: CaptureSource): Run['config'] {
  const spec = run.spec;
  if (spec.pattern.kind === 'dense') return { pattern: 'dense' };
  if (isWeightSpec(spec)) return { pattern: formatPattern(spec.pattern), operand: 'weight', criterion: spec.criterion, mitigation: 'none' };
  return {
    pattern: formatPattern(spec.pattern),
    criterion: spec.criterion,
    mitigation: spec.mitigation,
    ...(CRITERION_INFO[spec.criterion].batchReduction ? { clact_batch_tokens: src.clactBatchTokens } : {}),
  };
}

function runEntry(writer: BundleWriter, run: CapturedRun, weights: Map<string, WeightStats>, src: CaptureSource): Run {
  const file = `${run.id}.safetensors`;
  const tokens = run.recordings.length > 0 ? Math.min(...run.recordings.map((r) => r.tokens)) : 0;
  const sites: Site[] = run.recordings.map((r) => {
    const tensor: TensorRef = writer.addTensor(file, r.name, r.input.subarray(0, tokens * r.k), [tokens, r.k], 'F16');
    const site: Site = {
      name: r.name,
      layer: r.layer,
      consumers: [...r.consumers],
      tensor,
      weight_stats: r.consumers.map((c) => weights.get(`${r.layer}.${c}`)!),
    };
    if (r.masks) {
      site.masks = r.consumers.map((consumer, i) => ({
        consumer,
        tensor: writer.addTensor(file, `${r.name}.mask.${consumer}`, packMask(r.masks![i], tokens, r.k), [tokens, Math.ceil(r.k / 8)], 'U8'),
      }));
    }
    const eta = run.staticShift?.get(r.name);
    if (eta !== undefined && !isWeightSpec(run.spec) && MITIGATION_INFO[run.spec.mitigation].needsStaticShift) site.static_shift = eta;
    return site;
  });
  if (isWeightSpec(run.spec)) addWeightRunTensors(writer, file, run, sites);
  const w = run.weightMaskStats;
  const detail = [
    `mean NLL ${run.result.meanNllNats.toFixed(6)} nats/token over ${run.result.windows} windows of ≤ ${src.clactBatchTokens} tokens sharing one boundary token`,
    w
      ? `the 7 linear weights of every block pruned once along their input dimension: ${w.kept} of ${w.elements} weights kept (${w.keptFraction.toFixed(6)}, the pattern's ${w.expectedKeptFraction.toFixed(6)} with the tail rule), ${w.violatingGroups} of ${w.groups} groups over their quota`
      : undefined,
    needsCalibration(run.spec) && src.calibration ? `calibrated on ${src.calibration}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    id: run.id,
    config: runConfig(run, src),
    metrics: [
      {
        metric: 'perplexity',
        dataset: src.evaluated,
        tokens: run.result.scoredTokens,
        value: run.result.perplexity,
        detail,
        ...(run.result.perStory ? { per_story: { nll_sums_nats: run.result.perStory.nllSumsNats, tokens: run.result.perStory.tokens } } : {}),
      },
      { metric: 'mean_nll_nats', dataset: src.evaluated, tokens: run.result.scoredTokens, value: run.result.meanNllNats },
    ],
    tokens,
    sites,
  };
}

export function captureManifest(model: ModelWeights, runs: Run[], src: CaptureSource): Manifest {
  const c = model.config;
  return {
    format: TRACE_FORMAT,
    version: TRACE_FORMAT_VERSION,
    model: {
      name: src.name,
      family: 'llama',
      hidden_size: c.dim,
      intermediate_size: c.hiddenDim,
      num_layers: c.nLayers,
      num_heads: c.nHeads,
      num_kv_heads: c.nKvHeads,
      vocab_size: c.vocabSize,
      head_dim: headSize(c),
      max_seq_len: c.seqLen,
    },
    source: {
      tool: `nmsim capture ${TOOL_VERSION}`,
      checkpoint: src.checkpoint,
      ...(src.checkpointSha256 ? { checkpoint_sha256: src.checkpointSha256 } : {}),
      dataset: src.dataset,
      ...(src.datasetSha256 ? { dataset_sha256: src.datasetSha256 } : {}),
      ...(src.command ? { command: src.command } : {}),
      ...(src.notes ? { notes: src.notes } : {}),
    },
    runs,
  };
}

/** Writes the bundle atomically into outDir (replacing it only when complete). */
export async function writeCaptureBundle(outDir: string, model: ModelWeights, runs: CapturedRun[], src: CaptureSource): Promise<Manifest> {
  const writer = new BundleWriter(outDir);
  const weights = addWeightStats(writer, model);
  const manifest = captureManifest(
    model,
    runs.map((r) => runEntry(writer, r, weights, src)),
    src,
  );
  await writer.finish(manifest);
  return manifest;
}


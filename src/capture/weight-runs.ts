/**
 * Weight runs (issue 14): today's sparse tensor cores prune weights, so a design review needs the
 * accuracy of weight N:M pruning on the same model and text as the activation runs. A weight run
 * prunes the seven linear weights of every block (q, k, v, o, gate = w1, up = w3, down = w2;
 * never the embedding or the classifier) once, before the evaluation, along their input
 * dimension (sparsity/weight-prune.ts), and evaluates the pruned model with the dense forward
 * pass and the perplexity protocol of the activation runs; its activations are not pruned.
 *
 *   dense model ─(calibration stories: calibrateInputNorms, wanda only)─▶ ‖X_j‖₂ per site
 *   W of every consumer ─ pruneWeight(pattern, criterion, its site's norms) ─▶ W̃, keep
 *   pruned model (W̃ in place of W, everything else shared) ─▶ evaluatePerplexity
 */
import type { Consumer } from '../trace/manifest.js';
import { formatPattern, keptPerToken, type Pattern } from '../sparsity/pattern.js';
import { pruneWeight } from '../sparsity/weight-prune.js';
import { WEIGHT_CRITERION_INFO, type WeightCriterion } from '../sparsity/weight-registry.js';
import { checkMaskRows, emptyMaskCheck, packMask } from '../trace/mask.js';
import type { LayerWeights, ModelWeights } from './checkpoint.js';
import { consumerWeight, SITE_CONSUMERS, SITE_KINDS, siteName, type SiteKind } from './sites.js';

/** One weight-pruning configuration: the pattern and the weight criterion (no mitigation). */
export interface WeightRunSpec {
  operand: 'weight';
  pattern: Pattern;
  criterion: WeightCriterion;
}

/** "weight-2of4-magnitude" (the PyTorch exporter's id for the same run). */
export function weightRunId(s: WeightRunSpec): string {
  return `weight-${formatPattern(s.pattern).replace(':', 'of')}-${s.criterion}`;
}

/** The keep-mask a weight run applied to one consumer's weight W [outFeatures, inFeatures]. */
export interface WeightMask {
  layer: number;
  consumer: Consumer;
  site: SiteKind;
  outFeatures: number;
  inFeatures: number;
  /** 1 = kept, [outFeatures, inFeatures] */
  keep: Uint8Array;
}

/** The LayerWeights field of each consumer's weight. */
const WEIGHT_FIELD: Record<Consumer, keyof LayerWeights> = { q: 'wq', k: 'wk', v: 'wv', o: 'wo', gate: 'w1', up: 'w3', down: 'w2' };

export interface PrunedModel {
  model: ModelWeights;
  /** layer by layer, consumers in site order (q k v, o, gate up, down) */
  masks: WeightMask[];
}

/**
 * The model with every block's seven linear weights pruned (new arrays; the given model is not
 * changed and shares its embedding, norms and classifier). wanda reads `inputNorms` by site name.
 */
export function pruneModelWeights(model: ModelWeights, spec: WeightRunSpec, inputNorms?: ReadonlyMap<string, Float32Array>): PrunedModel {
  const masks: WeightMask[] = [];
  const needsNorms = WEIGHT_CRITERION_INFO[spec.criterion].needsInputNorms;
  const layers = model.layers.map((w, layer) => {
    const pruned: LayerWeights = { ...w };
    for (const site of SITE_KINDS) {
      const norms = needsNorms ? inputNorms?.get(siteName(layer, site)) : undefined;
      for (const consumer of SITE_CONSUMERS[site]) {
        const { weight, outFeatures, inFeatures } = consumerWeight(model.config, w, consumer);
        const r = pruneWeight(weight, outFeatures, inFeatures, spec.pattern, spec.criterion, { inputNorms: norms });
        pruned[WEIGHT_FIELD[consumer]] = r.pruned;
        masks.push({ layer, consumer, site, outFeatures, inFeatures, keep: r.keep });
      }
    }
    return pruned;
  });
  return { model: { ...model, layers }, masks };
}

/**
 * What a weight run's masks keep, checked from the packed masks (trace/mask.ts, the check
 * `nmsim inspect` runs) rather than trusted from the selection: every output row is one row of
 * groups along the input dimension.
 */
export interface WeightMaskStats {
  weights: number;
  elements: number;
  kept: number;
  /** kept / elements */
  keptFraction: number;
  /** what the pattern keeps with the tail rule, over the same elements */
  expectedKeptFraction: number;
  groups: number;
  /** groups keeping more than N (a tail group of r: more than min(N, r)) */
  violatingGroups: number;
  /** no group over its quota, no padding bit, and as many kept as the pattern keeps: every group at exactly its quota */
  satisfiesPattern: boolean;
}

export function weightMaskStats(masks: readonly WeightMask[], pattern: Pattern): WeightMaskStats {
  const check = emptyMaskCheck();
  let expected = 0;
  for (const m of masks) {
    checkMaskRows(packMask(m.keep, m.outFeatures, m.inFeatures), m.outFeatures, m.inFeatures, pattern, check);
    expected += m.outFeatures * keptPerToken(pattern, m.inFeatures);
  }
  const elements = check.elementCount;
  return {
    weights: masks.length,
    elements,
    kept: check.keptCount,
    keptFraction: elements > 0 ? check.keptCount / elements : 0,
    expectedKeptFraction: elements > 0 ? expected / elements : 0,
    groups: check.groupCount,
    violatingGroups: check.violatingGroups,
    satisfiesPattern: check.violatingGroups === 0 && check.paddingBitRows === 0 && check.keptCount === expected,
  };
}

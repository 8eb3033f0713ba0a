/**
 * Pruning at the input of every linear projection of the engine, built on the one sparsity
 * implementation (src/sparsity/prune.ts): criterion → N:M selection → mitigation, per consumer.
 * q, k, v (and gate, up) share an input but prune it independently; when the criterion does
 * not depend on the consumer's weight (magnitude, clact) their masks are identical, so the
 * pruned input is computed once and shared — amber computes one per consumer.
 *
 * clact takes its channel norms over the rows passed in one call: the evaluation window
 * (seq_len tokens, `clact_batch_tokens`) in the whole-sequence path — which lets a token's
 * selection see the channel norms of later tokens of its window, as a batch-level criterion
 * does — and the single token in the generation path, where it degenerates to magnitude.
 * affine prunes like none; its per-output-channel correction is applied to the consumer's output.
 */
import type { Consumer } from '../trace/manifest.js';
import { formatPattern } from '../sparsity/pattern.js';
import { pruneMatrix } from '../sparsity/prune.js';
import { CRITERION_INFO, MITIGATION_INFO, checkPruneContext } from '../sparsity/registry.js';
import type { PruneSpec } from '../sparsity/configurations.js';
import { amberFactors } from '../sparsity/criteria/amber.js';
import { applyAffine, type AffineCorrection } from '../sparsity/mitigation/affine.js';
import type { ModelWeights } from './checkpoint.js';
import type { LinearHooks } from './forward.js';
import { fastPruneApplies, fastPruneScratch, pruneNmFast } from './prune-fast.js';
import { consumerWeight, SITE_CONSUMERS, siteName, type SiteKind } from './sites.js';

/** One configuration of a run: dense, or pattern + criterion + mitigation. */
export type RunSpec = PruneSpec;

export function isDenseSpec(s: RunSpec): boolean {
  return s.pattern.kind === 'dense';
}

/** "dense", or "8:16-magnitude-none". */
export function runId(s: RunSpec): string {
  if (isDenseSpec(s)) return 'dense';
  return `${formatPattern(s.pattern).replace(':', 'of')}-${s.criterion}-${s.mitigation}`;
}

export function consumerKey(layer: number, consumer: Consumer): string {
  return `${layer}.${consumer}`;
}

/** What calibration gives a run: spts shifts per site name, affine corrections per consumer. */
export interface Calibration {
  staticShift?: Map<string, number>;
  affine?: Map<string, AffineCorrection>;
}

/** Amber factors f_j of every consumer (static: from the weights alone). */
export function modelAmberFactors(model: ModelWeights): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  model.layers.forEach((w, layer) => {
    for (const kind of Object.keys(SITE_CONSUMERS) as SiteKind[]) {
      for (const consumer of SITE_CONSUMERS[kind]) {
        const { weight, outFeatures, inFeatures } = consumerWeight(model.config, w, consumer);
        out.set(consumerKey(layer, consumer), amberFactors(weight, outFeatures, inFeatures));
      }
    }
  });
  return out;
}

/** Sees each site's pre-pruning input and the mask each consumer applied. */
export interface SiteObserver {
  (layer: number, kind: SiteKind, x: Float32Array, tokens: number, k: number, startPos: number, masks: Uint8Array[] | undefined): void;
}

export interface PruningHooksOptions {
  amber?: Map<string, Float32Array>;
  calibration?: Calibration;
  observe?: SiteObserver;
}

/**
 * Hooks that prune every linear input per `spec`. Dense specs only observe. Throws a usage
 * diagnostic (from pruneMatrix) when amber factors or spts shifts are missing.
 */
export function createPruningHooks(model: ModelWeights, spec: RunSpec, opts: PruningHooksOptions = {}): LinearHooks {
  const dense = isDenseSpec(spec);
  const pruneSpec: PruneSpec = { pattern: spec.pattern, criterion: spec.criterion, mitigation: spec.mitigation };
  const amber = CRITERION_INFO[spec.criterion].perConsumer && !dense ? (opts.amber ?? modelAmberFactors(model)) : undefined;
  const correctsOutput = MITIGATION_INFO[spec.mitigation].correctsOutput && !dense;
  const affine = correctsOutput ? opts.calibration?.affine : undefined;
  if (correctsOutput && !affine) {
    throw new Error('createPruningHooks: the affine mitigation needs calibrated corrections');
  }
  // N:M magnitude/amber without mitigation: the same bits as pruneMatrix, faster (prune-fast.ts)
  const fast = !dense && fastPruneApplies(spec.pattern, spec.criterion, spec.mitigation) && spec.pattern.kind === 'nm' ? spec.pattern : undefined;
  const scratch = fast ? fastPruneScratch(fast.m) : undefined;
  // the fast path's outputs and masks, reused from site to site (pruneNmFast writes every element;
  // a site's pruned inputs are read only by its own projections, the recorder copies the masks)
  const buffers = new Map<string, { out: Float32Array; keep: Uint8Array }>();
  const buffersFor = (consumer: number, size: number) => {
    const key = `${consumer}/${size}`;
    let b = buffers.get(key);
    if (!b) buffers.set(key, (b = { out: new Float32Array(size), keep: new Uint8Array(size) }));
    return b;
  };
  return {
    inputs(layer, kind, x, tokens, k, startPos) {
      const consumers = SITE_CONSUMERS[kind];
      if (dense) {
        opts.observe?.(layer, kind, x, tokens, k, startPos, undefined);
        return consumers.map(() => x);
      }
      const staticShift = opts.calibration?.staticShift?.get(siteName(layer, kind));
      const outs: Float32Array[] = [];
      const masks: Uint8Array[] = [];
      for (let i = 0; i < consumers.length; i++) {
        if (i > 0 && !amber) {
          outs.push(outs[0]);
          masks.push(masks[0]);
          continue;
        }
        const { out, keep } = fast ? buffersFor(i, tokens * k) : { out: new Float32Array(tokens * k), keep: new Uint8Array(tokens * k) };
        const ctx = { amberFactors: amber?.get(consumerKey(layer, consumers[i])), staticShift };
        if (fast) {
          checkPruneContext(spec.criterion, spec.mitigation, ctx, k);
          pruneNmFast(x, tokens, k, fast.n, fast.m, ctx.amberFactors, out, keep, scratch);
        } else pruneMatrix(x, tokens, k, pruneSpec, ctx, out, keep);
        outs.push(out);
        masks.push(keep);
      }
      opts.observe?.(layer, kind, x, tokens, k, startPos, masks);
      return outs;
    },
    output: affine
      ? (layer, consumer, y, tokens, outDim) => {
          const c = affine.get(consumerKey(layer, consumer));
          if (c) applyAffine(y, tokens, outDim, c);
        }
      : undefined,
  };
}

/**
 * Calibration for the static mitigations, on a token stream disjoint from the evaluated one
 * (default: stories 900–949), cut into windows like the perplexity protocol:
 * - spts: per site, η = mean over calibration tokens of the per-token lower median of the
 *   site's input (calibrateStaticShift), taken from the dense model's activations;
 * - affine: per consumer, the closed-form least-squares scale and shift (affine.ts) that map the
 *   output of the pruned input, W·P(x), onto the dense output W·x, for the dense model's
 *   activations x (each layer fitted on the same inputs, not on the pruned model's drifted ones);
 * - wanda (a weight criterion): per site, ‖X_j‖₂ of the dense model's input feature j over every
 *   row of every calibration window (a window's shared boundary token counts once per window,
 *   the rows spts averages over).
 */
import type { Consumer } from '../trace/manifest.js';
import { pruneMatrix } from '../sparsity/prune.js';
import { CRITERION_INFO } from '../sparsity/registry.js';
import { calibrateStaticShift } from '../sparsity/mitigation/shift.js';
import { accumulateInputNorms, createInputNormAccumulator, finishInputNorms, type InputNormAccumulator } from '../sparsity/criteria/wanda.js';
import { accumulateAffine, createAffineStats, finishAffine, type AffineCorrection, type AffineStats } from '../sparsity/mitigation/affine.js';
import type { ModelWeights } from './checkpoint.js';
import { forwardSequence, type LinearHooks } from './forward.js';
import { matmulXWt } from './matmul.js';
import { windowStarts } from './perplexity.js';
import { consumerKey, createPruningHooks, modelAmberFactors, type RunSpec } from './prune-hooks.js';
import { consumerWeight, SITE_CONSUMERS, siteName } from './sites.js';

function eachWindow(model: ModelWeights, stream: Int32Array, hooks: LinearHooks): void {
  const seqLen = model.config.seqLen;
  for (const start of windowStarts(stream.length, seqLen)) {
    forwardSequence(model, stream.subarray(start, Math.min(start + seqLen, stream.length)), hooks);
  }
}

/** spts: η per site name, the mean per-token lower median of the dense input. */
export function calibrateStaticShifts(model: ModelWeights, stream: Int32Array): Map<string, number> {
  const sums = new Map<string, { sum: number; tokens: number }>();
  const hooks = createPruningHooks(model, { pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' }, {
    observe(layer, kind, x, tokens, k) {
      const name = siteName(layer, kind);
      const acc = sums.get(name) ?? { sum: 0, tokens: 0 };
      acc.sum += calibrateStaticShift(x, tokens, k) * tokens;
      acc.tokens += tokens;
      sums.set(name, acc);
    },
  });
  eachWindow(model, stream, hooks);
  return new Map([...sums].map(([name, a]) => [name, a.tokens > 0 ? a.sum / a.tokens : 0]));
}

/** wanda: ‖X_j‖₂ per site name (float32 [K]), over every row of every window of the dense model. */
export function calibrateInputNorms(model: ModelWeights, stream: Int32Array): Map<string, Float32Array> {
  const acc = new Map<string, InputNormAccumulator>();
  const hooks = createPruningHooks(model, { pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' }, {
    observe(layer, kind, x, tokens, k) {
      const name = siteName(layer, kind);
      let a = acc.get(name);
      if (!a) acc.set(name, (a = createInputNormAccumulator(k)));
      accumulateInputNorms(a, x, tokens, k);
    },
  });
  eachWindow(model, stream, hooks);
  return new Map([...acc].map(([name, a]) => [name, finishInputNorms(a)]));
}

/** affine: scale and shift per consumer (key "layer.consumer") for this pattern and criterion. */
export function calibrateAffine(
  model: ModelWeights,
  stream: Int32Array,
  spec: RunSpec,
  amber?: Map<string, Float32Array>,
): Map<string, AffineCorrection> {
  const c = model.config;
  const factors = CRITERION_INFO[spec.criterion].perConsumer ? (amber ?? modelAmberFactors(model)) : undefined;
  const stats = new Map<string, AffineStats>();
  const hooks: LinearHooks = {
    inputs(layer, kind, x, tokens, k) {
      const consumers = SITE_CONSUMERS[kind];
      let shared: Float32Array | undefined;
      consumers.forEach((consumer: Consumer) => {
        const { weight, outFeatures } = consumerWeight(c, model.layers[layer], consumer);
        let pruned = shared;
        if (!pruned) {
          pruned = new Float32Array(tokens * k);
          const keep = new Uint8Array(tokens * k);
          pruneMatrix(
            x,
            tokens,
            k,
            { pattern: spec.pattern, criterion: spec.criterion, mitigation: 'none' },
            { amberFactors: factors?.get(consumerKey(layer, consumer)) },
            pruned,
            keep,
          );
          if (!factors) shared = pruned;
        }
        const yDense = new Float32Array(tokens * outFeatures);
        const yPruned = new Float32Array(tokens * outFeatures);
        matmulXWt(yDense, x, weight, tokens, k, outFeatures);
        matmulXWt(yPruned, pruned, weight, tokens, k, outFeatures);
        const key = consumerKey(layer, consumer);
        const s = stats.get(key) ?? createAffineStats(outFeatures);
        accumulateAffine(s, yDense, yPruned, tokens);
        stats.set(key, s);
      });
      return consumers.map(() => x);
    },
  };
  eachWindow(model, stream, hooks);
  return new Map([...stats].map(([key, s]) => [key, finishAffine(s)]));
}

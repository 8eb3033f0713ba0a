/**
 * Reads what one site's analysis needs from a bundle: the tensor source, per-consumer amber
 * factors (from amber_column_norms, pattern of amber.ts) and weights (for output error).
 */
import { inputError } from '../diagnostics.js';
import type { TraceBundle } from '../trace/bundle.js';
import type { Run, Site, TensorRef } from '../trace/manifest.js';
import { amberFactorsFromNorms } from '../sparsity/criteria/amber.js';
import { CRITERION_INFO } from '../sparsity/registry.js';
import { dtypeBits } from './compressed-size.js';
import type { ConsumerInput, SiteInput } from './site-analysis.js';
import type { AnalysisPlan } from './types.js';

/**
 * Weight statistics feed every score (amber) and every output error: a NaN there would make a
 * criterion silently fall back to magnitude or an error read 0, so they are refused.
 */
function checkWeightStat(data: Float32Array, ref: TensorRef, file: string, path: string, what: string, nonNegative: boolean): Float32Array {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v) && (!nonNegative || v >= 0)) continue;
    throw inputError({
      code: 'analysis/bad-weight-stats',
      file,
      path,
      message: `${what} "${ref.key ?? ref.file}" holds ${v} at index ${i}${nonNegative ? '; column norms are finite and ≥ 0' : '; weights must be finite'}.`,
      expected: nonNegative ? 'finite values ≥ 0' : 'finite values',
      found: String(v),
      hint: 'export the weight statistics again from a checkpoint without NaN/Inf weights',
    });
  }
  return data;
}

export async function loadSiteInput(bundle: TraceBundle, run: Run, runIndex: number, siteIndex: number, plan: AnalysisPlan): Promise<SiteInput> {
  const site: Site = run.sites[siteIndex];
  const where = `runs[${runIndex}].sites[${siteIndex}]`;
  const source = await bundle.tensor(site.tensor, `${where}.tensor`);
  const needAmber = plan.criteria.some((c) => CRITERION_INFO[c].perConsumer);
  const consumers: ConsumerInput[] = [];
  for (const consumer of site.consumers) {
    const input: ConsumerInput = { consumer };
    const wi = (site.weight_stats ?? []).findIndex((w) => w.consumer === consumer);
    if (wi >= 0) {
      const ws = site.weight_stats![wi];
      if (needAmber && ws.amber_column_norms) {
        const at = `${where}.weight_stats[${wi}].amber_column_norms`;
        input.amberFactors = amberFactorsFromNorms(checkWeightStat(await bundle.readFloat32(ws.amber_column_norms, at), ws.amber_column_norms, bundle.root, at, 'amber_column_norms', true));
      }
      if (ws.weight) {
        const at = `${where}.weight_stats[${wi}].weight`;
        const data = checkWeightStat(await bundle.readFloat32(ws.weight, at), ws.weight, bundle.root, at, 'weight', false);
        input.weight = { data, outFeatures: ws.out_features ?? ws.weight.shape[0] };
      }
    }
    consumers.push(input);
  }
  return {
    index: siteIndex,
    name: site.name,
    layer: site.layer ?? null,
    source,
    dtype: source.info.dtype,
    dtypeBits: dtypeBits(source.info.dtype),
    consumers,
    staticShift: site.static_shift,
    clactBatchTokens: plan.clactBatchTokens,
    tensorKey: site.tensor.key ?? site.tensor.file,
    where: { file: bundle.root, path: `${where}.tensor` },
  };
}

/**
 * Reads what one site's analysis needs from a bundle: the tensor source, per-consumer amber
 * factors (from amber_column_norms, pattern of amber.ts) and weights (for output error).
 */
import type { TraceBundle } from '../trace/bundle.js';
import type { Run, Site } from '../trace/manifest.js';
import { amberFactorsFromNorms } from '../sparsity/criteria/amber.js';
import { dtypeBits } from './compressed-size.js';
import type { ConsumerInput, SiteInput } from './site-analysis.js';
import type { AnalysisPlan } from './types.js';

export async function loadSiteInput(bundle: TraceBundle, run: Run, runIndex: number, siteIndex: number, plan: AnalysisPlan): Promise<SiteInput> {
  const site: Site = run.sites[siteIndex];
  const where = `runs[${runIndex}].sites[${siteIndex}]`;
  const source = await bundle.tensor(site.tensor, `${where}.tensor`);
  const needAmber = plan.criteria.includes('amber');
  const consumers: ConsumerInput[] = [];
  for (const consumer of site.consumers) {
    const input: ConsumerInput = { consumer };
    const wi = (site.weight_stats ?? []).findIndex((w) => w.consumer === consumer);
    if (wi >= 0) {
      const ws = site.weight_stats![wi];
      if (needAmber && ws.amber_column_norms) {
        input.amberFactors = amberFactorsFromNorms(await bundle.readFloat32(ws.amber_column_norms, `${where}.weight_stats[${wi}].amber_column_norms`));
      }
      if (ws.weight) {
        const data = await bundle.readFloat32(ws.weight, `${where}.weight_stats[${wi}].weight`);
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
  };
}

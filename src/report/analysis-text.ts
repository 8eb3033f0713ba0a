/**
 * `nmsim analyze` as text: per configuration the model-level accuracy and size, compatibility
 * between patterns, and the decode union density.
 */
import type { AnalysisResult, ConfigResult, RunAnalysis } from '../analysis/types.js';
import { PRECISION, textTable } from './format.js';
import { countNoun } from '../plural.js';

/** A statistic, or "—" where the analysis has none. */
const f = (v: number | null | undefined, digits: number = PRECISION.analysisText) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));

function table(header: string[], rows: string[][]): string {
  return textTable([header, ...rows]);
}

/** The run's non-finite values in one line (always printed: "none" says the trace was checked). */
export function nonfiniteLine(run: RunAnalysis): string {
  const n = run.nonfinite;
  if (n.values === 0) return 'non-finite: none';
  const what = `${n.values} values (${n.nan} NaN, ${n.posInf} +Inf, ${n.negInf} -Inf) in ${n.rows} of ${n.tokenRows} token rows`;
  return `non-finite: ${what}, excluded from every statistic (${n.sites.length} site${n.sites.length === 1 ? '' : 's'}; nonfinite.csv lists them)`;
}

function configLabel(c: ConfigResult, several: boolean): string {
  return several ? `${c.pattern} ${c.criterion}/${c.mitigation}` : c.pattern;
}

/** The readable report: accuracy and size, compatibility, decode union density. */
export function formatAnalysis(result: AnalysisResult): string {
  const out: string[] = [];
  const several = result.plan.criteria.length > 1 || result.plan.mitigations.length > 1;
  for (const run of result.runs) {
    out.push(
      `nmsim analyze — ${result.source.root}${result.source.anonymous ? ' (bare tensor file, anonymous run)' : ''}`,
      `run "${run.runId}" (${run.runPattern}: ${run.runPattern === 'dense' ? 'pre-pruning inputs' : 'inputs recorded in that pruned run'}), ${countNoun(run.sites, 'site')} × ${countNoun(run.tokens, 'token')}, ${result.source.traceDtype}`,
      nonfiniteLine(run),
      '',
    );
    const idx = (c: ConfigResult) => c.model.compressed.find((z) => z.encoding === 'index' && z.valueFormat === 'trace')?.ratio ?? null;
    const bm = (c: ConfigResult) => c.model.compressed.find((z) => z.encoding === 'bitmask' && z.valueFormat === 'trace')?.ratio ?? null;
    out.push(
      table(
        ['pattern', 'rel_err_l2', 'cosine', 'retained', 'kept', 'eff_density', 'nat_zeros', 'dense_ok', 'size_idx', 'size_bitmask', 'out_err'],
        run.configs
          .filter((c) => c.model.slots > 0)
          .map((c) => [configLabel(c, several), f(c.model.relErrL2), f(c.model.cosine), f(c.model.retainedEnergy), f(c.model.keptFraction), f(c.model.effectiveDensity), f(c.model.naturalZeroFraction), f(c.model.densityBoundAcceptance), f(idx(c)), f(bm(c)), f(c.model.outputRelErrL2)]),
      ),
      '  (model level, element-weighted; dense_ok: input groups a density-bound core takes unpruned; size_*: compressed/dense bits at the trace dtype)',
      '',
    );
    const compat = run.configs.filter((c) => c.model.compatibility.length > 0 && c.model.slots > 0);
    if (compat.length > 0) {
      const targets = [...new Set(compat.flatMap((c) => c.model.compatibility.map((z) => z.target)))];
      out.push(
        'Compatibility: data pruned at the row pattern on hardware for the column pattern (structural / density-bound)',
        table(
          ['from \\ to', ...targets],
          compat.map((c) => [configLabel(c, several), ...targets.map((t) => {
            const z = c.model.compatibility.find((r) => r.target === t);
            return z ? `${f(z.structuralFraction, PRECISION.analysisFractionText)}/${f(z.densityBoundFraction, PRECISION.analysisFractionText)}` : '—';
          })]),
        ),
        '',
      );
    }
    const sizes = result.plan.batchSizes;
    out.push(
      'Decode union density: fraction of weight rows a batch of B tokens still needs (consecutive / random / independence 1−(1−d)^B)',
      table(
        ['pattern', ...sizes.map((b) => `B=${b}`)],
        run.configs.filter((c) => c.model.slots > 0).map((c) => [configLabel(c, several), ...c.model.unionDensity.map((u) => `${f(u.consecutive, PRECISION.analysisFractionText)}/${f(u.random, PRECISION.analysisFractionText)}/${f(u.independent, PRECISION.analysisFractionText)}`)]),
      ),
      '',
    );
  }
  out.push('Conventions:', ...result.conventions.map((c) => `  - ${c}`));
  out.push(`  - random batches: ${result.plan.randomBatchesPerSize} per batch size and site, seed ${result.plan.randomSeed}`);
  return out.join('\n') + '\n';
}


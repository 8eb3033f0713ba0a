/**
 * The warnings (and the error of a site without finite rows) that say why a site's statistics
 * read as they do: excluded non-finite rows, a pattern that cannot prune (K ≤ N) or keeps
 * nothing (unstructured at K = 1), no finite row, an all-zero input.
 */
import type { Diagnostic } from '../diagnostics.js';
import { effectiveDensity, formatPattern, type Pattern } from '../sparsity/pattern.js';
import type { SiteInput } from './site-analysis.js';
import type { NonfiniteSite } from './types.js';

export function siteWarnings(site: SiteInput, patterns: readonly Pattern[], tokens: number, k: number, nonfinite: NonfiniteSite, zeroInput: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  const where = site.where ?? {};
  const key = nonfinite.tensorKey;
  if (nonfinite.rows > 0) {
    out.push({
      code: 'analysis/nonfinite-rows',
      severity: 'warning',
      ...where,
      message:
        `Tensor "${key}" (site ${site.name}) holds ${nonfinite.values} non-finite values (${nonfinite.nan} NaN, ${nonfinite.posInf} +Inf, ${nonfinite.negInf} -Inf) ` +
        `in ${nonfinite.rows} of its ${nonfinite.tokens} token rows, the first at [${nonfinite.firstRow}, ${nonfinite.firstColumn}]; those rows are excluded from every statistic of the site.`,
      hint: 'fix the export (F16 overflow? a diverged run?); --nonfinite error refuses such traces instead',
    });
  }
  // a pattern that cannot prune this row width (K ≤ N: one tail group keeps it all) or keeps
  // nothing (unstructured at K = 1) would read as lossless / total loss without saying why
  for (const pattern of patterns) {
    // dense and N = M (e.g. 4:4) keep everything by definition, at any K
    if (pattern.kind === 'dense' || (pattern.kind === 'nm' && pattern.n === pattern.m)) continue;
    const d = effectiveDensity(pattern, k);
    if (d !== 1 && d !== 0) continue;
    const name = formatPattern(pattern);
    out.push({
      code: d === 1 ? 'analysis/pattern-prunes-nothing' : 'analysis/pattern-keeps-nothing',
      severity: 'warning',
      ...where,
      message:
        d === 1
          ? `Site ${site.name} has rows of K = ${k}: under ${name} every group (a tail group of min(M, K) elements keeps min(N, r)) keeps all its elements, so ${name} prunes nothing there (effective density 1); its error 0 says nothing about ${name}.`
          : `Site ${site.name} has rows of K = ${k}: ${name} keeps ⌊K/2⌋ = 0 elements of each row (effective density 0).`,
      hint: 'is the tensor [tokens, K] with the feature dimension last?',
    });
  }
  if (tokens === 0) {
    out.push({
      code: 'analysis/no-finite-rows',
      severity: 'error',
      ...where,
      message:
        nonfinite.tokens === 0
          ? `Tensor "${key}" (site ${site.name}) has no token rows: its statistics are undefined (null).`
          : `Every one of the ${nonfinite.tokens} token rows of tensor "${key}" (site ${site.name}) holds a non-finite value: its statistics are undefined (null).`,
      expected: 'at least one token row of finite values',
      found: `${nonfinite.tokens} rows, ${nonfinite.rows} with NaN/Inf`,
      hint: 'record the site again; a site with no finite activation says nothing about pruning',
    });
  } else if (zeroInput) {
    out.push({
      code: 'analysis/zero-input',
      severity: 'warning',
      ...where,
      message: `Tensor "${key}" (site ${site.name}) is all zeros over its ${tokens} analysed rows: retained energy and cosine are undefined there (null), and so is the relative error of a mitigation that moves x̃ off 0.`,
      hint: 'a site of zeros is usually a recording bug (hook on the wrong module?)',
    });
  }
  return out;
}

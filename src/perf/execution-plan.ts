/**
 * How a profile runs a requested activation pattern: natively, through a compatible native
 * pattern (profile `sparsity.fallback: compatible`), or dense. Pure; warnings are data.
 *
 * Rules:
 * - the tensor core must take sparse activations (`sparsity.operand` activation or both) and
 *   the profile must prune online (`onlinePruning.kind` hardware or software), else dense;
 * - a pattern listed in `sparsity.patterns` runs natively;
 * - a finer pattern whose every mask is also a mask of a native one (2:4 on 8:16) runs there in
 *   one pass, whatever the fallback;
 * - otherwise `fallback: dense` runs dense; `fallback: compatible` runs the data on the native
 *   pattern n':m' that needs the fewest MAC cycles, where a fraction f of the data's M-groups
 *   fits n':m' (every m'-subgroup holds ≤ n' kept values) and the rest takes a second pass, i.e.
 *   runs at dense cost. f is measured on traces when given, else the probability under
 *   uniformly random masks (stated in the output); unstructured data has no such closed form
 *   (it depends on the row), so without a measured f it runs dense;
 * - `effect: gating` keeps every MAC cycle (energy only); skipping runs kept elements only.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { HardwareProfile } from '../profile/schema.js';
import { binomial, formatPattern, samePattern, type MetadataEncoding, type NmPattern, type Pattern } from '../sparsity/pattern.js';
import { isMeasuredFor, type MeasuredSparsity } from './measured-sparsity.js';

export const RUN_MODES = ['dense', 'native', 'compatible'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export interface ExecutionPlan {
  requested: Pattern;
  mode: RunMode;
  /** the native pattern the MAC array runs (native: the requested one) */
  runPattern?: Pattern;
  /** fraction of data groups that run on runPattern in one pass (1 when native) */
  compatibleFraction: number;
  compatibleSource?: string;
  /** MAC skipping applies (profile effect skipping and a sparse mode) */
  skipping: boolean;
  /** activations between layers are stored as values + metadata */
  compressed: boolean;
  metadataEncoding: MetadataEncoding;
  /** where pruning happens: a unit on the producer's write path, or a pass through memory */
  pruning: 'hardware' | 'software' | 'none';
  /** decode fetches only the weight rows some token of the batch keeps */
  rowSkipping: boolean;
  /**
   * which GEMM operand carries the pattern: the activation (pruned online, the default) or the
   * weight (pruned offline, stored compressed: values + metadata, as NVIDIA's 2:4)
   */
  sparseOperand?: 'activation' | 'weight';
  reason: string;
  warnings: Diagnostic[];
}

/**
 * Probability that a uniformly random N-of-M mask has ≤ n' kept values in every consecutive
 * m'-subgroup (m' divides M): Σ over subgroup counts c_i ≤ n', Σ c_i = N of Π C(m', c_i),
 * divided by C(M, N).
 */
export function randomMaskCompatibility(data: NmPattern, hw: NmPattern): number {
  if (data.m % hw.m === 0) {
    const subgroups = data.m / hw.m;
    let ways: bigint[] = [1n];
    for (let g = 0; g < subgroups; g++) {
      const next: bigint[] = new Array(ways.length + hw.n).fill(0n);
      for (let have = 0; have < ways.length; have++) {
        if (ways[have] === 0n) continue;
        for (let c = 0; c <= Math.min(hw.n, hw.m); c++) next[have + c] += ways[have] * binomial(hw.m, c);
      }
      ways = next;
    }
    const fit = ways[data.n] ?? 0n;
    const total = binomial(data.m, data.n);
    // scale to keep the ratio exact in doubles
    return Number((fit * 1_000_000_000_000n) / total) / 1e12;
  }
  if (hw.m % data.m === 0) return (hw.m / data.m) * data.n <= hw.n ? 1 : 0;
  return 0;
}

/** MAC cycles per dense K element of a plan (1 = dense speed). */
export function computeKFraction(plan: ExecutionPlan): number {
  if (!plan.skipping || !plan.runPattern || plan.runPattern.kind !== 'nm') {
    return plan.skipping && plan.runPattern?.kind === 'unstructured' ? 0.5 : 1;
  }
  const d = plan.runPattern.n / plan.runPattern.m;
  return plan.compatibleFraction * d + (1 - plan.compatibleFraction);
}

/**
 * The sparsest native pattern every mask of a finer one packs into, in one pass whatever the
 * fallback says (2:4 data on 8:16 hardware: four 2:4 groups hold exactly 8 of 16).
 */
function containingNative(natives: readonly NmPattern[], requested: NmPattern): NmPattern | undefined {
  return natives.filter((q) => q.m % requested.m === 0 && (q.m / requested.m) * requested.n <= q.n).sort((a, b) => a.n / a.m - b.n / b.m)[0];
}

/** Costs closer than this (MAC cycles per dense element) are a tie: the first native pattern listed wins. */
const COST_TIE = 1e-12;

/**
 * fallback compatible: the native pattern n':m' the data needs the fewest MAC cycles on,
 * f·n'/m' + (1 − f), with f measured on traces when given, else the random-mask probability.
 */
function cheapestCompatible(
  natives: readonly NmPattern[],
  requested: Pattern,
  measured: MeasuredSparsity | undefined,
): { p: NmPattern; f: number; source: string; cost: number } | undefined {
  let best: { p: NmPattern; f: number; source: string; cost: number } | undefined;
  for (const q of natives) {
    const key = formatPattern(q);
    let f: number | undefined;
    let source = '';
    const m = measured && isMeasuredFor(measured, requested) ? measured.compatibleFraction[key] : undefined;
    if (m !== undefined) {
      f = m;
      source = `measured (${measured!.unionSource})`;
    } else if (requested.kind === 'nm') {
      f = randomMaskCompatibility(requested, q);
      source = 'uniform-random-mask estimate';
    }
    if (f === undefined || f <= 0) continue;
    const cost = f * (q.n / q.m) + (1 - f);
    if (!best || cost < best.cost - COST_TIE) best = { p: q, f, source, cost };
  }
  return best;
}

export function planPattern(profile: HardwareProfile, requested: Pattern, measured?: MeasuredSparsity): ExecutionPlan {
  const s = profile.sparsity;
  const base = {
    requested,
    compatibleFraction: 1,
    metadataEncoding: s.metadataEncoding,
    warnings: [] as Diagnostic[],
  };
  const dense = (reason: string, warn: boolean): ExecutionPlan => ({
    ...base,
    mode: 'dense',
    skipping: false,
    compressed: false,
    pruning: 'none',
    rowSkipping: false,
    reason,
    warnings: warn
      ? [{ code: 'perf/pattern-runs-dense', severity: 'warning', message: `${formatPattern(requested)} runs dense on ${profile.name}: ${reason}` }]
      : [],
  });
  if (requested.kind === 'dense') return dense('dense baseline', false);
  if (s.operand === 'weight') return dense('the tensor core takes sparse weights only, not sparse activations', true);
  if (s.onlinePruning.kind === 'none') return dense('the profile has no online pruning (onlinePruning.kind: none)', true);
  const pruning = s.onlinePruning.kind;
  const sparse = (mode: RunMode, runPattern: Pattern, fraction: number, source: string | undefined, reason: string): ExecutionPlan => ({
    ...base,
    mode,
    runPattern,
    compatibleFraction: fraction,
    ...(source ? { compatibleSource: source } : {}),
    skipping: s.effect === 'skipping',
    compressed: true,
    pruning,
    // a software pass feeds a dense-weight sparse GEMM (cuSPARSELt): no weight-row gathering
    rowSkipping: pruning === 'hardware',
    reason,
  });
  if (s.patterns.some((p) => samePattern(p, requested))) {
    return sparse('native', requested, 1, undefined, 'supported natively');
  }
  const contained = requested.kind === 'nm' ? containingNative(s.patterns, requested) : undefined;
  if (contained) {
    return sparse(
      'compatible',
      contained,
      1,
      'implied by the pattern (every mask fits)',
      `runs on native ${formatPattern(contained)}: every ${formatPattern(requested)} mask is also a ${formatPattern(contained)} mask`,
    );
  }
  if (s.fallback === 'dense') return dense(`not supported natively and sparsity.fallback is dense`, true);
  const best = cheapestCompatible(s.patterns, requested, measured);
  if (!best || best.cost >= 1) {
    const unmeasured = requested.kind === 'unstructured' && !(measured && isMeasuredFor(measured, requested));
    return dense(unmeasured ? 'unstructured data fits a native pattern only as far as a trace shows, and no measured compatible fraction was given (--measured)' : 'no native pattern is compatible with it', true);
  }
  const plan = sparse(
    'compatible',
    best.p,
    best.f,
    best.source,
    `runs on native ${formatPattern(best.p)}: ${(best.f * 100).toFixed(1)}% of groups fit (${best.source}), the rest take a second pass`,
  );
  if (best.source.startsWith('uniform')) {
    plan.warnings.push({
      code: 'perf/compatibility-estimated',
      severity: 'warning',
      message: `${formatPattern(requested)} on ${formatPattern(best.p)} hardware uses an estimated compatible fraction ${best.f.toFixed(4)} (uniformly random masks); real masks differ.`,
      hint: 'pass measured statistics from a trace (analysis) to use the measured fraction.',
    });
  }
  return plan;
}

/**
 * How a profile runs weights pruned offline to `requested` (NVIDIA 2:4 style): natively when the
 * tensor core takes a sparse weight operand (`sparsity.operand` weight or both) and lists the
 * pattern, else dense. The weight matrix is stored compressed (values + metadata in the
 * profile's encoding); a skipping core runs kept MACs only; nothing is pruned at run time.
 */
export function planWeightPattern(profile: HardwareProfile, requested: Pattern): ExecutionPlan {
  const s = profile.sparsity;
  const base = { requested, compatibleFraction: 1, metadataEncoding: s.metadataEncoding, pruning: 'none' as const, rowSkipping: false, sparseOperand: 'weight' as const };
  const dense = (reason: string): ExecutionPlan => ({
    ...base,
    mode: 'dense',
    skipping: false,
    compressed: false,
    reason,
    warnings:
      requested.kind === 'dense' ? [] : [{ code: 'perf/pattern-runs-dense', severity: 'warning', message: `${formatPattern(requested)} weights run dense on ${profile.name}: ${reason}` }],
  });
  if (requested.kind === 'dense') return dense('dense baseline');
  if (s.operand === 'activation') return dense('the tensor core takes sparse activations only, not sparse weights');
  if (!s.patterns.some((p) => samePattern(p, requested))) return dense('the pattern is not native to the core (weights are pruned to a native pattern offline)');
  return { ...base, mode: 'native', runPattern: requested, skipping: s.effect === 'skipping', compressed: true, reason: 'weights pruned offline, supported natively', warnings: [] };
}

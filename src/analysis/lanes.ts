/**
 * Lanes of one site's analysis: criterion × mitigation (× consumer where the criterion reads the
 * consumer's weights, i.e. amber), each with one PatternAccumulator per pattern. magnitude +
 * none runs on the fast kernels (the sorting network for power-of-two M ≤ 32, the ranked
 * selector otherwise); every other lane runs scored-lane.ts on its network patterns (tested
 * equal to sparsity/prune.ts `pruneMatrix`) and pruneMatrix on the rest.
 */
import type { Diagnostic } from '../diagnostics.js';
import { formatPattern, type NmPattern } from '../sparsity/pattern.js';
import { CRITERION_INFO, MITIGATION_INFO, type Criterion, type Mitigation, type PruneContext } from '../sparsity/registry.js';
import { MagnitudeSelector } from './magnitude-kernel.js';
import { NetworkSelector, isNetworkPattern } from './network-kernel.js';
import { ScoredSelector } from './scored-lane.js';
import { PatternAccumulator } from './pattern-accumulator.js';
import { CompatibilityAccumulator } from './compatibility.js';
import { outputErrorSums, type OutputErrorSums } from './output-error.js';
import type { RandomBatchPlan } from './union-density.js';
import type { ConsumerInput, SiteInput } from './site-analysis.js';
import type { AnalysisPlan } from './types.js';

export interface Lane {
  criterion: Criterion;
  mitigation: Mitigation;
  consumers: ConsumerInput[];
  ctx: PruneContext;
  /** magnitude + none: power-of-two patterns ≤ 32 on the sorting network, the rest ranked */
  fast: boolean;
  network: NetworkSelector | null;
  networkPatterns: number[];
  ranked: MagnitudeSelector | null;
  rankedPatterns: number[];
  /** any other lane: its network patterns selected together (index q of scoredIndex[p] ≥ 0) */
  scored: ScoredSelector | null;
  /** per plan pattern, its index in `scored`, or −1 (pruneMatrix) */
  scoredIndex: number[];
  acc: PatternAccumulator[];
  compat: CompatibilityAccumulator[][];
  /** [pattern][consumer] */
  output: OutputErrorSums[][];
  keepRows: Uint8Array[];
}

/** The fast kernels compute exactly magnitude selection without shift, scale or output correction. */
export function hasFastKernel(criterion: Criterion, mitigation: Mitigation): boolean {
  return criterion === 'magnitude' && mitigation === 'none';
}

/** A lane whose configuration needs an input the site lacks is skipped with a warning. */
function missingInput(site: SiteInput, criterion: Criterion, mitigation: Mitigation, consumer: ConsumerInput): Diagnostic | null {
  if (CRITERION_INFO[criterion].perConsumer && !consumer.amberFactors) {
    return {
      code: 'analysis/missing-amber-norms',
      severity: 'warning',
      path: site.name,
      message: `site ${site.name} has no amber_column_norms for consumer ${consumer.consumer}; ${criterion} is skipped there.`,
      hint: 'record weight statistics with the trace (weight_stats[].amber_column_norms), or use --criteria magnitude',
    };
  }
  if (MITIGATION_INFO[mitigation].needsStaticShift && site.staticShift === undefined) {
    return {
      code: 'analysis/missing-static-shift',
      severity: 'warning',
      path: site.name,
      message: `site ${site.name} has no static_shift; ${mitigation} is skipped there.`,
      hint: 'calibrate η per site (static_shift in the manifest), or use --mitigations dpts',
    };
  }
  return null;
}

function createLane(site: SiteInput, plan: AnalysisPlan, k: number, randomPlan: RandomBatchPlan, criterion: Criterion, mitigation: Mitigation, consumers: ConsumerInput[], selectors: boolean): Lane {
  const patterns = plan.patterns;
  const fast = hasFastKernel(criterion, mitigation);
  const acc = patterns.map((p) => new PatternAccumulator(p, k, randomPlan));
  // every lane's keep rows come from a selection (kernels or selectKeep): min(N, r) per group
  for (const a of acc) a.exactlyN = true;
  const networkPatterns = fast ? patterns.flatMap((p, i) => (isNetworkPattern(p) ? [i] : [])) : [];
  const rankedPatterns = fast ? patterns.flatMap((p, i) => (isNetworkPattern(p) ? [] : [i])) : [];
  const scoredPatterns = fast ? [] : patterns.flatMap((p, i) => (isNetworkPattern(p) ? [i] : []));
  const ctx: PruneContext = { amberFactors: consumers[0].amberFactors, staticShift: site.staticShift };
  const compat = patterns.map((a) =>
    patterns.flatMap((b) => (b.kind === 'nm' && a.kind !== 'dense' && formatPattern(a) !== formatPattern(b) ? [new CompatibilityAccumulator(a, b, k)] : [])),
  );
  return {
    criterion,
    mitigation,
    consumers,
    ctx,
    fast,
    network:
      selectors && networkPatterns.length > 0 ? new NetworkSelector(k, networkPatterns.map((i) => patterns[i] as NmPattern), networkPatterns.map((i) => acc[i].words)) : null,
    networkPatterns,
    ranked: selectors && rankedPatterns.length > 0 ? new MagnitudeSelector(k, rankedPatterns.map((i) => patterns[i])) : null,
    rankedPatterns,
    scored: selectors && scoredPatterns.length > 0 ? new ScoredSelector(k, scoredPatterns.map((i) => patterns[i] as NmPattern), criterion, mitigation, ctx) : null,
    scoredIndex: patterns.map((_, i) => scoredPatterns.indexOf(i)),
    acc,
    compat,
    output: patterns.map(() => consumers.map((c) => outputErrorSums(c.weight?.outFeatures ?? 0, MITIGATION_INFO[mitigation].correctsOutput))),
    keepRows: fast && selectors ? patterns.map(() => new Uint8Array(k)) : [],
  };
}

/**
 * Every lane of the plan on this site, in plan order; skipped lanes add a warning.
 * `opts.selectors: false` builds the accumulators only (no sorting network, ranked or scored
 * selector, no WASM instance): the merge of token-range states (piece-state.ts mergeSlices)
 * only folds states into them and finishes them; such lanes cannot select.
 */
export function buildLanes(site: SiteInput, plan: AnalysisPlan, k: number, randomPlan: RandomBatchPlan, warnings: Diagnostic[], opts: { selectors?: boolean } = {}): Lane[] {
  const lanes: Lane[] = [];
  for (const criterion of plan.criteria) {
    for (const mitigation of plan.mitigations) {
      const groups: ConsumerInput[][] = CRITERION_INFO[criterion].perConsumer ? site.consumers.map((c) => [c]) : [site.consumers];
      for (const consumers of groups) {
        const missing = missingInput(site, criterion, mitigation, consumers[0]);
        if (missing) warnings.push(missing);
        else lanes.push(createLane(site, plan, k, randomPlan, criterion, mitigation, consumers, opts.selectors ?? true));
      }
    }
  }
  return lanes;
}

/**
 * Configurations: pattern × criterion × mitigation, the one product capture (its runs),
 * analysis (its lanes and tables) and the review sweep expand.
 */
import type { Pattern } from './pattern.js';
import type { Criterion, Mitigation } from './registry.js';

/** One configuration: how a site's input is pruned. */
export interface PruneSpec {
  pattern: Pattern;
  criterion: Criterion;
  mitigation: Mitigation;
}

export interface ConfigurationAxes {
  patterns: readonly Pattern[];
  criteria: readonly Criterion[];
  mitigations: readonly Mitigation[];
}

export interface ProductOrder {
  /**
   * 'outer': every configuration of the first pattern, then of the next (capture runs, review
   * sweeps); 'inner': criterion, then mitigation, then pattern fastest (analysis tables, every
   * pattern of one configuration side by side).
   */
  patterns: 'outer' | 'inner';
  /**
   * 'crossed': dense is one more pattern under every criterion × mitigation; 'once': one dense
   * configuration (magnitude + none: it prunes nothing) first, whenever `patterns` names dense
   * or `withDense` is set — capture's baseline run.
   */
  dense: 'crossed' | 'once';
  withDense?: boolean;
}

const DENSE_SPEC: PruneSpec = { pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' };

/** The product of the axes in the given order; each list keeps its own order. */
export function configurationProduct(axes: ConfigurationAxes, order: ProductOrder): PruneSpec[] {
  const out: PruneSpec[] = [];
  let patterns = axes.patterns;
  if (order.dense === 'once') {
    if (order.withDense || patterns.some((p) => p.kind === 'dense')) out.push({ ...DENSE_SPEC });
    patterns = patterns.filter((p) => p.kind !== 'dense');
  }
  const configs = axes.criteria.flatMap((criterion) => axes.mitigations.map((mitigation) => ({ criterion, mitigation })));
  if (order.patterns === 'outer') for (const pattern of patterns) for (const c of configs) out.push({ pattern, ...c });
  else for (const c of configs) for (const pattern of patterns) out.push({ pattern, ...c });
  return out;
}

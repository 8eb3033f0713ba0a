/**
 * From area reports to what the review needs: one cost per profile (its whole core vs the same
 * core without sparsity support) and the stacked breakdown per pattern. The breakdown uses,
 * for each pattern, the swept single-pattern core that runs it (the act-NofM profiles; cores with
 * a hardware pruning unit before software-pruned ones such as the GPU-like profiles), so its bars
 * agree with the design points; a pattern no single-pattern profile runs is taken from a
 * multi-pattern profile's single-pattern variant at the same dense throughput, and says so.
 */
import type { ProfileCost } from '../explore/sweep.js';
import type { AreaBreakdownRow } from './review-data.js';
import { distinctPatterns, patternKey } from '../explore/design-point.js';
import type { NmPattern, Pattern } from '../sparsity/pattern.js';

/** The part of area/report.ts's AreaReport the review reads. */
export interface CoreAreaLike {
  label: string;
  /** the core's patterns as area/report.ts labels them (patternKey form, e.g. "8:16") */
  patterns: string[];
  components: { name: string; areaUm2: number; source: string }[];
  totalUm2: number;
  /** overhead share of an SM / of the die (area/report.ts), when the profile gives its chip */
  overheadVsSm?: number;
  overheadVsDie?: number;
}

export interface AreaReportLike {
  profile: string;
  tech: string;
  dense: CoreAreaLike;
  core: CoreAreaLike;
  perPattern: CoreAreaLike[];
  pruning: { kind: string };
}

export function profileCost(r: AreaReportLike): ProfileCost {
  return {
    profile: r.profile,
    areaUm2: r.core.totalUm2,
    denseAreaUm2: r.dense.totalUm2,
    ...(r.core.overheadVsSm !== undefined ? { areaOverheadVsSmFraction: r.core.overheadVsSm } : {}),
    ...(r.core.overheadVsDie !== undefined ? { areaOverheadVsDieFraction: r.core.overheadVsDie } : {}),
  };
}

/** Cores with a hardware pruning unit first: the bars compare activation-sparse cores alike. */
function hardwareFirst(r: AreaReportLike): number {
  return r.pruning.kind === 'hardware' ? 0 : 1;
}

/** A core that runs exactly this one pattern. */
function runsOnly(core: CoreAreaLike, pattern: Pattern): boolean {
  return core.patterns.length === 1 && core.patterns[0] === patternKey(pattern);
}

export function areaBreakdownRows(reports: readonly AreaReportLike[], patterns: readonly Pattern[]): AreaBreakdownRow[] {
  const rows: AreaBreakdownRow[] = [];
  const nm = distinctPatterns(patterns).filter((p): p is NmPattern => p.kind === 'nm');
  const push = (pattern: Pattern, profile: string, core: AreaBreakdownRow['core'], area: CoreAreaLike, tech: string) => {
    for (const c of area.components.filter((x) => x.areaUm2 > 0)) rows.push({ pattern, profile, core, component: c.name, areaUm2: c.areaUm2, source: `${c.source} [${tech}]` });
  };
  let denseFrom: AreaReportLike | undefined;
  for (const pattern of nm) {
    const single = reports
      .filter((r) => runsOnly(r.core, pattern))
      .sort((a, b) => hardwareFirst(a) - hardwareFirst(b) || a.core.totalUm2 - b.core.totalUm2 || (a.profile < b.profile ? -1 : 1))[0];
    if (single) {
      denseFrom ??= single;
      push(pattern, single.profile, 'profile', single.core, single.tech);
      continue;
    }
    const multi = reports
      .filter((r) => r.perPattern.some((c) => runsOnly(c, pattern)))
      .sort((a, b) => b.core.patterns.length - a.core.patterns.length || (a.profile < b.profile ? -1 : 1))[0];
    if (multi) push(pattern, multi.profile, 'single-pattern-variant', multi.perPattern.find((c) => runsOnly(c, pattern))!, multi.tech);
  }
  if (denseFrom) {
    const from = denseFrom;
    const dense: AreaBreakdownRow[] = from.dense.components
      .filter((c) => c.areaUm2 > 0)
      .map((c) => ({ pattern: { kind: 'dense' }, profile: from.profile, core: 'without-sparsity', component: c.name, areaUm2: c.areaUm2, source: `${c.source} [${from.tech}]` }));
    rows.unshift(...dense);
  }
  return rows;
}

/**
 * From area reports to what the review needs: one cost per profile (its whole core vs the same
 * core without sparsity support) and the stacked breakdown per pattern. The breakdown uses,
 * for each pattern, the swept single-pattern core that runs it (the act-NofM profiles; cores with
 * a hardware pruning unit before software-pruned ones such as the GPU-like profiles), so its bars
 * agree with the design points; a pattern no single-pattern profile runs is taken from a
 * multi-pattern profile's single-pattern variant at the same dense throughput, and says so.
 */
import type { ProfileCost } from '../../explore/sweep.js';
import type { AreaBreakdownRow } from '../../report/review-data.js';
import { comparePatterns } from '../../explore/design-point.js';

/** The part of area/report.ts's AreaReport the review reads. */
export interface CoreAreaLike {
  label: string;
  patterns: string[];
  components: { name: string; areaUm2: number; source: string }[];
  totalUm2: number;
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
  return { profile: r.profile, areaUm2: r.core.totalUm2, denseAreaUm2: r.dense.totalUm2 };
}

/** Cores with a hardware pruning unit first: the bars compare activation-sparse cores alike. */
function hardwareFirst(r: AreaReportLike): number {
  return r.pruning.kind === 'hardware' ? 0 : 1;
}

export function areaBreakdownRows(reports: readonly AreaReportLike[], patterns: readonly string[]): AreaBreakdownRow[] {
  const rows: AreaBreakdownRow[] = [];
  const nm = [...new Set(patterns)].filter((p) => /^\d+:\d+$/.test(p)).sort(comparePatterns);
  const push = (pattern: string, profile: string, core: CoreAreaLike, tech: string) => {
    for (const c of core.components.filter((x) => x.areaUm2 > 0)) rows.push({ pattern, profile, component: c.name, areaUm2: c.areaUm2, source: `${c.source} [${tech}]` });
  };
  let denseFrom: AreaReportLike | undefined;
  for (const pattern of nm) {
    const single = reports
      .filter((r) => r.core.patterns.length === 1 && r.core.patterns[0] === pattern)
      .sort((a, b) => hardwareFirst(a) - hardwareFirst(b) || a.core.totalUm2 - b.core.totalUm2 || (a.profile < b.profile ? -1 : 1))[0];
    if (single) {
      denseFrom ??= single;
      push(pattern, single.profile, single.core, single.tech);
      continue;
    }
    const multi = reports
      .filter((r) => r.perPattern.some((c) => c.patterns.length === 1 && c.patterns[0] === pattern))
      .sort((a, b) => b.core.patterns.length - a.core.patterns.length || (a.profile < b.profile ? -1 : 1))[0];
    if (multi) {
      const core = multi.perPattern.find((c) => c.patterns[0] === pattern)!;
      push(pattern, `${multi.profile} (${pattern}-only variant)`, core, multi.tech);
    }
  }
  if (denseFrom) {
    const dense: AreaBreakdownRow[] = denseFrom.dense.components.filter((c) => c.areaUm2 > 0).map((c) => ({ pattern: 'dense', profile: `${denseFrom!.profile} without sparsity`, component: c.name, areaUm2: c.areaUm2, source: `${c.source} [${denseFrom!.tech}]` }));
    rows.unshift(...dense);
  }
  return rows;
}

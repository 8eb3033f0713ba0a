/**
 * The assumptions table of the report: every modelling constant the review's numbers rest on,
 * with its value (unit in the name or beside the value) and its source. Tech-file constants
 * come from the loaded tech files themselves; the performance-model constants are read from
 * src/perf/constants.ts (values) with the sources stated there.
 */
import * as perf from '../perf/constants.js';
import type { TechLibrary } from '../profile/tech.js';
import type { Assumption } from './review-data.js';

export function techAssumptions(techs: readonly TechLibrary[]): Assumption[] {
  const out: Assumption[] = [];
  for (const t of [...techs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const [name, cell] of Object.entries(t.cells).sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push({ name: `${t.name}.${name}AreaUm2`, value: cell.areaUm2, quantity: 'area_um2', cell: cell.cell, source: cell.source });
    }
    out.push({ name: `${t.name}.sramBitcellAreaUm2`, value: t.sram.bitcellAreaUm2, quantity: 'area_um2', source: t.sram.source });
    out.push({ name: `${t.name}.sramArrayEfficiency`, value: t.sram.arrayEfficiency, quantity: 'fraction', source: t.sram.source });
    // the SRAM calibration (area/sram.ts): macro efficiency by capacity, a whole cache's, ports
    const curve = t.sram.efficiencyByCapacity;
    if (curve) out.push({ name: `${t.name}.sramEfficiencyByCapacity`, value: curve.points.map((p) => `${p.kib} KiB ${p.value}`).join(', '), source: curve.source });
    if (t.sram.cacheEfficiency) out.push({ name: `${t.name}.sramCacheEfficiency`, value: t.sram.cacheEfficiency.value, quantity: 'fraction', source: t.sram.cacheEfficiency.source });
    out.push({ name: `${t.name}.sramPortAreaExponent`, value: t.sram.portAreaExponent.value, quantity: 'constant', source: t.sram.portAreaExponent.source });
    if (t.derivation) out.push({ name: `${t.name}.derivation`, value: '—', source: t.derivation });
  }
  return out;
}

/**
 * Every numeric constant exported by src/perf/constants.ts, by name (units are in the names);
 * each carries its source or "assumption" label in the comment beside it in that file.
 */
export function perfAssumptions(): Assumption[] {
  return Object.entries(perf)
    .filter(([, v]) => typeof v === 'number')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, v]) => ({ name, value: v as number, quantity: 'constant' as const, source: 'src/perf/constants.ts (source or assumption stated beside the constant)' }));
}

/** Conventions that are not constants but change the numbers; shown with the assumptions. */
export function reviewConventions(analysisConventions: readonly string[], workload: string): Assumption[] {
  return [
    { name: 'workload', value: workload, source: 'src/workload/catalog.ts (published model configs)' },
    { name: 'accuracy', value: 'measured perplexity where the bundle ran the configuration, else the analysis proxy', source: 'explore/accuracy.ts' },
    { name: 'design points', value: 'only where the core exploits the pattern (natively, or through a compatible pattern: a wider one its masks fit into, or a narrower one with second passes)', source: 'explore/sweep.ts' },
    ...analysisConventions.map((c, i) => ({ name: `analysis convention ${i + 1}`, value: '—', source: c })),
  ];
}

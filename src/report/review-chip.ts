/**
 * The review's chip-level table: every activation core × pattern with its tensor cores' mm² on the
 * chip, the sparse additions in mm² and % of die, prefill performance per mm² against the dense
 * core, and the iso-area alternative (explore/iso-area.ts): the same extra mm² as more dense
 * cores, and whether the sparse core beats it in each phase.
 */
import { activationPoints, patternKey, sortDesignPoints } from '../explore/design-point.js';
import { chipCoresMm2, isoAreaOf, perfPerAreaVsDense, type IsoAreaPhase } from '../explore/iso-area.js';
import type { ReviewData } from '../review/review-data.js';
import { fixed, groupedNumber, patternText, percent, PRECISION, speedup } from './format.js';

const mm2 = (v: number) => groupedNumber(v, PRECISION.chipMm2Text);

function phaseCell(x: IsoAreaPhase): string {
  return `${speedup(x.sparseSpeedup)} vs ${speedup(x.isoAreaSpeedup)}${x.bound ? ` (dense ${x.denseBottleneck}-bound)` : ''} ${x.sparseWins ? 'wins' : 'loses'}`;
}

/** The table (undefined when no point has a chip), one row per core × pattern in design-point order. */
export function chipTable(data: ReviewData): { headers: string[]; numeric: boolean[]; rows: string[][] } | undefined {
  const seen = new Set<string>();
  const rows: string[][] = [];
  for (const p of sortDesignPoints(activationPoints(data.points))) {
    const key = `${p.profile}|${patternKey(p.pattern)}`;
    const iso = isoAreaOf(p);
    if (seen.has(key) || !iso || !p.chip) continue;
    seen.add(key);
    rows.push([
      patternText(p.pattern),
      p.profile,
      String(p.chip.tensorCores),
      mm2(chipCoresMm2(p)!),
      `+${mm2(iso.extraMm2)}`,
      p.areaOverheadVsDieFraction === undefined ? '—' : percent(p.areaOverheadVsDieFraction, 2),
      fixed(perfPerAreaVsDense(p.prefillSpeedup, p), PRECISION.speedupText),
      fixed(iso.extraDenseCores, 1),
      phaseCell(iso.prefill),
      ...data.decodeBatches.map((b) => {
        const d = iso.decode.find((x) => x.batchTokens === b);
        return d ? phaseCell(d) : '—';
      }),
    ]);
  }
  if (rows.length === 0) return undefined;
  return {
    headers: ['pattern', 'core', 'tensor cores', 'cores mm²', 'sparse additions mm²', '% of die', 'prefill perf/mm² vs dense', 'iso-area: extra dense cores', 'prefill: sparse vs iso-area', ...data.decodeBatches.map((b) => `decode B = ${b}: sparse vs iso-area`)],
    numeric: [false, false, true, true, true, true, true, true, true, ...data.decodeBatches.map(() => true)],
    rows,
  };
}

/** The paragraph above the table: how the alternative is priced. */
export const CHIP_TABLE_TEXT =
  'Each core × pattern on its chip: the tensor cores\' mm² (core area × the profile\'s tensor cores), the sparse additions over the dense core in mm² and as a share of the die (profile chip block), prefill speed-up per mm² of tensor-core silicon against the dense core, and the iso-area alternative: the same extra mm² spent on more dense tensor cores (extra mm² ÷ dense core mm²). The dense chip\'s throughput scales by (cores + extra) ÷ cores where its step is compute-side, and not at all where the perf model finds the dense step DRAM- or launch-bound (more cores add no bandwidth). A sparse core is worth its area in a phase only where it beats that.';

/**
 * Timing, not only area: the operand selector's mux tree and the pruning unit's comparator
 * network as logic depths in FO4 delays, the pipeline stages each needs at the profile's clock,
 * and the registers (area) and cycles (latency) those stages cost.
 *
 *   budget per stage = clock period − flip-flop clock-to-Q − setup          (tech file `timing`)
 *   stages           = ⌈path delay / budget⌉                                 (at least 1)
 *   selector         = ⌈log₂ inputs⌉ MUX2 levels of its widest mux
 *   compare-and-swap = keyBits ripple carries (the area model's subtractor) + one MUX2 (swap)
 *   pruning network  = depth × compare-and-swap (or one radix-select stage per key bit)
 *
 * Gate delays in FO4 are logical-effort estimates (Sutherland, Sproull & Harris, "Logical
 * Effort", 1999), labelled as such: MUX2 (AO22 + select inverter) 2 FO4, a full adder's carry
 * (majority gate) 2 FO4. Wire delay is ignored, so the stage counts are lower bounds.
 */
import type { HardwareProfile } from '../profile/schema.js';
import type { TechLibrary } from '../profile/tech.js';
import type { NmPattern } from '../sparsity/pattern.js';
import { keyBits, unitComparators } from '../sparsity/sorting-networks.js';
import { ceilLog2 } from './gates.js';
import { muxInputsPerSlot } from './selector.js';

/** Assumption (logical effort): a 2:1 mux (AO22 + shared select inverter) is 2 FO4 deep. */
export const MUX2_DELAY_FO4 = 2;
/** Assumption (logical effort): a ripple carry through one full adder (majority gate) is 2 FO4. */
export const CARRY_DELAY_FO4 = 2;

export interface PathTiming {
  name: 'selector' | 'pruning_unit';
  /** what the path is, in words */
  path: string;
  logicDepthFo4: number;
  delayPs: number;
  /** pipeline stages the path needs at the clock (≥ 1) */
  stages: number;
  /** cycles the stages add beyond the one a path gets anyway (selector), or the unit's latency */
  latencyCycles: number;
  /** what the profile assumes (pruning unit: latencyCycles), when it says */
  profileLatencyCycles?: number;
  /** register bits of the extra pipeline ranks, per tensor core */
  registerBits: number;
  registerAreaUm2: number;
}

export interface PipelineTiming {
  clockMHz: number;
  cyclePs: number;
  budgetPs: number;
  fo4Ps: number;
  paths: PathTiming[];
  source: string;
}

function path(name: PathTiming['name'], text: string, fo4: number, t: NonNullable<TechLibrary['timing']>, budgetPs: number): Omit<PathTiming, 'latencyCycles' | 'registerBits' | 'registerAreaUm2'> {
  const delayPs = fo4 * t.fo4DelayPs;
  return { name, path: text, logicDepthFo4: fo4, delayPs, stages: Math.max(1, Math.ceil(delayPs / budgetPs)) };
}

/** The selector and pruning-unit paths of a core supporting `patterns` (undefined when the tech file has no timing). */
export function pipelineTiming(profile: HardwareProfile, patterns: readonly NmPattern[], tech: TechLibrary): PipelineTiming | undefined {
  const t = tech.timing;
  if (!t || patterns.length === 0) return undefined;
  const clockMHz = profile.clockHz / 1e6;
  const cyclePs = 1e12 / profile.clockHz;
  const budgetPs = cyclePs - t.dffClockToQPs - t.dffSetupPs;
  const tc = profile.tensorCore;
  const sp = profile.sparsity;
  const dff = tech.cells.dff.areaUm2;
  const paths: PathTiming[] = [];
  if (sp.effect === 'skipping') {
    const inputs = Math.max(...muxInputsPerSlot(patterns, tc.denseKPerCycle, sp.selectorStyle !== 'mux'));
    const levels = ceilLog2(inputs);
    const p = path('selector', `${inputs}:1 operand mux, ${levels} MUX2 levels`, levels * MUX2_DELAY_FO4, t, budgetPs);
    // extra ranks hold every multiplier's selected operand
    const bits = (p.stages - 1) * tc.lanes * tc.denseKPerCycle * tc.operandBits;
    paths.push({ ...p, latencyCycles: p.stages - 1, registerBits: bits, registerAreaUm2: bits * dff });
  }
  const unit = sp.onlinePruning;
  if (unit.kind === 'hardware') {
    const mMax = Math.max(...patterns.map((q) => q.m));
    const kb = keyBits(tc.operandBits, mMax);
    const payload = tc.operandBits + ceilLog2(mMax);
    const units = Math.ceil(unit.elementsPerCyclePerCore / mMax);
    let p: ReturnType<typeof path>;
    if (unit.network === 'threshold') {
      const stageFo4 = (ceilLog2(mMax) + ceilLog2(mMax + 1)) * CARRY_DELAY_FO4 + MUX2_DELAY_FO4;
      p = path('pruning_unit', `${kb} radix-select stages (popcount of ${mMax}, count compare)`, kb * stageFo4, t, budgetPs);
    } else {
      const { depth } = unitComparators(unit.network, patterns);
      const casFo4 = kb * CARRY_DELAY_FO4 + MUX2_DELAY_FO4;
      p = path('pruning_unit', `${depth} compare-and-swap ranks (${kb}-bit ripple compare + swap)`, depth * casFo4, t, budgetPs);
    }
    // the profile's latency is its register ranks (area/pruning-unit.ts costs them); ranks beyond it are extra
    const extraRanks = Math.max(0, p.stages - unit.latencyCycles);
    const bits = extraRanks * units * mMax * payload;
    paths.push({ ...p, latencyCycles: p.stages, profileLatencyCycles: unit.latencyCycles, registerBits: bits, registerAreaUm2: bits * dff });
  }
  return { clockMHz, cyclePs, budgetPs, fo4Ps: t.fo4DelayPs, paths, source: `${t.source}; MUX2 ${MUX2_DELAY_FO4} FO4 and carry ${CARRY_DELAY_FO4} FO4 (logical-effort assumption)` };
}

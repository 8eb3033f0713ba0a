/**
 * Energy of one event of each kind on one profile, from its tech file's energy table: what
 * the energy model multiplies activity counts by (model.ts). Composed the way the area model
 * composes area: the N:M parts (selector, metadata decode, pruning unit) from the same cell
 * counts (area/), each cell costing its Liberty internal energy plus its output load, times
 * the switching activity.
 *
 *   tech energy table (pJ per op, per 64-bit SRAM read, per cell transition, per DRAM bit)
 *     + profile (datatype, buffer sizes, pattern run, selector style, encoding, power)
 *     ─▶ pJ per MAC, per gated MAC, per byte at each level, per selector operation,
 *        per metadata bit, per compare-and-swap; static W
 *
 * Every figure carries a one-line source so a report can say which estimator produced it.
 */
import { FLOAT_ACCUMULATORS, MAC_FORMATS } from '../area/datatypes.js';
import type { CellCounts } from '../area/component.js';
import { groupDecoderCells } from '../area/metadata.js';
import { compareAndSwapCells } from '../area/pruning-unit.js';
import { muxTree } from '../area/gates.js';
import { sramAreaUm2 } from '../area/sram.js';
import type { HardwareProfile } from '../profile/schema.js';
import type { TechLibrary, CellName } from '../profile/tech.js';
import type { EnergyOp, TechEnergy } from '../profile/tech-energy.js';
import { metadataBitsPerGroup, type NmPattern } from '../sparsity/pattern.js';
import {
  BITS_PER_BYTE,
  FP16_MANTISSA_BITS,
  SHARED_LEVEL_BANK_BYTES,
  SHARED_LEVEL_WIRE_FRACTION_OF_SIDE,
  SRAM_REFERENCE_ACCESS_BYTES,
  SRAM_REFERENCE_CAPACITY_BYTES,
} from './constants.js';

/** The components energy is reported by (issue 15's list). */
export const ENERGY_COMPONENTS = ['mac', 'registerFile', 'sram', 'l2', 'dram', 'selector', 'metadata', 'pruningUnit', 'static'] as const;
export type EnergyComponent = (typeof ENERGY_COMPONENTS)[number];

export interface LevelEnergy {
  name: string;
  /** innermost level: register file / operand buffer; shared: L2; others: SRAM buffers */
  component: 'registerFile' | 'sram' | 'l2';
  readPjPerByte: number;
  writePjPerByte: number;
}

export interface EventEnergies {
  macPj: number;
  gatedMacPj: number;
  levels: LevelEnergy[];
  dramPjPerByte: number;
  selectorPjPerOperation: number;
  metadataPjPerBit: number;
  pruningPjPerComparison: number;
  /** board power drawn at operating clocks whatever the work (the profile's power.staticW; 0 when it gives none) */
  staticW: number;
  /** per component: how its energies were obtained */
  sources: Record<EnergyComponent, string>;
}

/** The energy table of a tech library, or an explanation why there is none. */
export function techEnergy(tech: TechLibrary): TechEnergy {
  if (!tech.energy) throw new Error(`tech ${tech.name} has no energy table`); // loaders guarantee it for shipped tech
  return tech.energy;
}

/** Energy of one evaluation of `cells`: each output toggles with the switching activity; a DFF is clocked every time. */
export function switchedEnergyPj(cells: CellCounts, e: TechEnergy): number {
  const a = e.switchingActivity.value;
  const load = e.cellLoadPj.value;
  let pj = 0;
  for (const [cell, count] of Object.entries(cells) as Array<[CellName, number]>) {
    if (cell === 'dff') {
      const clock = e.cellsPj.dffClock.value;
      pj += count * (clock + a * (e.cellsPj.dffCapture.value - clock + load));
    } else {
      pj += count * a * (e.cellsPj[cell].value + load);
    }
  }
  return pj;
}

/** pJ per MAC of the profile's datatype: a multiply plus an accumulate at the accumulator's width. */
export function macEnergyPj(profile: HardwareProfile, e: TechEnergy): { pj: number; source: string } {
  const tc = profile.tensorCore;
  const f = MAC_FORMATS[tc.macDatatype];
  const ops = e.opsPj;
  let multOp: EnergyOp;
  let mult: number;
  let multWhat: string;
  if (f.kind === 'int') {
    multOp = tc.operandBits <= 8 ? 'int8Mult' : 'int32Mult';
    mult = ops[multOp].value;
    multWhat = multOp;
  } else if (tc.macDatatype === 'fp32') {
    multOp = 'fp32Mult';
    mult = ops.fp32Mult.value;
    multWhat = multOp;
  } else {
    multOp = 'fp16Mult';
    mult = ops.fp16Mult.value * (f.mantissaBits / FP16_MANTISSA_BITS) ** 2;
    multWhat = f.mantissaBits === FP16_MANTISSA_BITS ? 'fp16Mult' : `fp16Mult × (${f.mantissaBits}/${FP16_MANTISSA_BITS})² (assumption: ∝ mantissa²)`;
  }
  const floatAcc = f.kind === 'float' && FLOAT_ACCUMULATORS[tc.accumulatorBits] !== undefined;
  const addOp: EnergyOp = floatAcc ? (tc.accumulatorBits <= 16 ? 'fp16Add' : 'fp32Add') : 'int32Add';
  const m = ops[multOp];
  const a = ops[addOp];
  return {
    pj: mult + a.value,
    source: `${multWhat} ${m.value} pJ + ${addOp} ${a.value} pJ (${m.derivation ?? 'this node'}; ${m.source}; ${a.source})`,
  };
}

/** pJ per byte read from an SRAM array of `bytes` (square-root capacity rule from the 8 KiB 64-bit read). */
export function sramPjPerByte(bytes: number, e: TechEnergy): number {
  const per64 = e.sram.read64bit8KiBPj.value * (bytes / SRAM_REFERENCE_CAPACITY_BYTES) ** e.sram.capacityExponent.value;
  return per64 / SRAM_REFERENCE_ACCESS_BYTES;
}

function levelEnergies(profile: HardwareProfile, tech: TechLibrary, e: TechEnergy): LevelEnergy[] {
  return profile.memory.buffers.map((b, i) => {
    if (b.shared) {
      const bank = sramPjPerByte(Math.min(b.bytes, SHARED_LEVEL_BANK_BYTES), e);
      // the array's side from the area module's calibrated SRAM area (area/sram.ts: a whole cache), the mm² `nmsim area` reports
      const areaMm2 = sramAreaUm2(b.bytes * BITS_PER_BYTE, tech, { cache: true, ports: b.ports ?? 1 }) / 1e6;
      const wireMm = Math.sqrt(areaMm2) * SHARED_LEVEL_WIRE_FRACTION_OF_SIDE;
      const wire = BITS_PER_BYTE * e.wirePjPerBitMm.value * wireMm;
      return { name: b.name, component: 'l2', readPjPerByte: bank + wire, writePjPerByte: bank + wire };
    }
    const pj = sramPjPerByte(b.bytes, e);
    // assumption: a write costs what a read does (Horowitz gives reads only)
    return { name: b.name, component: i === 0 ? 'registerFile' : 'sram', readPjPerByte: pj, writePjPerByte: pj };
  });
}

/** Modelled silicon, for leakage when a profile gives no static power (area/report.ts chip totals). */
export interface LeakageAreaMm2 {
  /** tensor cores with their per-core buffers */
  logic: number;
  /** shared SRAM (L2) */
  sram: number;
}

/**
 * Static power: the profile's `power.staticW` when it gives one; else the tech file's leakage
 * per mm² over the modelled silicon (tensor cores and shared SRAM only — no clock tree, control
 * or I/O, so a floor), when its area is given; else none.
 */
function staticPower(profile: HardwareProfile, e: TechEnergy, area?: LeakageAreaMm2): { w: number; source: string } {
  if (profile.power) return { w: profile.power.staticW, source: `${profile.power.staticW} W at operating clocks (idle ${profile.power.idleW} W; ${profile.power.source})` };
  if (!area) return { w: 0, source: 'none: the profile gives no power figures' };
  const mw = area.logic * e.leakageMwPerMm2.logic.value + area.sram * e.leakageMwPerMm2.sram.value;
  return {
    w: mw / 1e3,
    source: `leakage of the modelled silicon only (${area.logic.toFixed(1)} mm² of cores at ${e.leakageMwPerMm2.logic.value} mW/mm², ${area.sram.toFixed(1)} mm² of shared SRAM at ${e.leakageMwPerMm2.sram.value} mW/mm²): a floor; the profile gives no power figures`,
  };
}

/**
 * Per-event energies of `profile` running `pattern` (the N:M pattern the array runs; undefined
 * when dense: the N:M parts then see no events). `leakageArea` prices static power for a
 * profile without a `power` section.
 */
export function eventEnergies(profile: HardwareProfile, tech: TechLibrary, pattern?: NmPattern, leakageArea?: LeakageAreaMm2): EventEnergies {
  const e = techEnergy(tech);
  const tc = profile.tensorCore;
  const mac = macEnergyPj(profile, e);
  const style = profile.sparsity.selectorStyle;
  const encoding = profile.sparsity.metadataEncoding;
  let selector = 0;
  let metadata = 0;
  let pruning = 0;
  if (pattern) {
    // one kept lane picks its weight from M (mux) or M − N + 1 (sorted indices) candidates, per operand bit
    const inputs = style === 'mux' ? pattern.m : pattern.m - pattern.n + 1;
    selector = switchedEnergyPj(muxTree(inputs, tc.operandBits), e);
    const bits = metadataBitsPerGroup(pattern, encoding);
    // each metadata bit is latched once, and the group's decoder evaluates once per group
    metadata = switchedEnergyPj({ dff: 1 }, e) + (bits > 0 ? switchedEnergyPj(groupDecoderCells(pattern, encoding, style), e) / bits : 0);
    pruning = switchedEnergyPj(compareAndSwapCells(tc.operandBits, pattern.m), e);
  }
  const scaled = e.scaling ? ` — ${e.scaling}` : '';
  const stat = staticPower(profile, e, leakageArea);
  return {
    macPj: mac.pj,
    gatedMacPj: mac.pj * e.gatedMacFraction.value,
    levels: levelEnergies(profile, tech, e),
    dramPjPerByte: BITS_PER_BYTE * e.dramPjPerBit.value,
    selectorPjPerOperation: selector,
    metadataPjPerBit: metadata,
    pruningPjPerComparison: pruning,
    staticW: stat.w,
    sources: {
      mac: `${tc.macDatatype} MAC = ${mac.source}; gated: × ${e.gatedMacFraction.value} (${e.gatedMacFraction.source})${scaled}`,
      registerFile: `innermost buffer read as an SRAM of its size: ${e.sram.read64bit8KiBPj.source}; × (capacity/8 KiB)^${e.sram.capacityExponent.value}`,
      sram: 'buffer levels as SRAM arrays of their size (same rule as the register file)',
      l2: `shared level: a ${SHARED_LEVEL_BANK_BYTES / 1024 / 1024} MiB bank read plus wire (${e.wirePjPerBitMm.value} pJ/bit/mm; ${e.wirePjPerBitMm.source.slice(0, 60)}…)`,
      dram: `${e.dramPjPerBit.value} pJ/bit: ${e.dramPjPerBit.source.slice(0, 80)}…`,
      selector: `${style} operand select: (inputs − 1) MUX2 per operand bit per kept lane, cell energies from ${tech.name}`,
      metadata: `one DFF per metadata bit plus the ${encoding} group decoder's cells, from ${tech.name}`,
      pruningUnit: `one compare-and-swap (key subtractor + swap muxes) per comparison, from ${tech.name}`,
      static: stat.source,
    },
  };
}

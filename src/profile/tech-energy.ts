/**
 * The `energy` section of a tech file: per-operation and per-access energies of one node, each
 * `{ value, unit, source }` (the Accelergy habit: every number names its estimator), resolved at
 * load into plain numbers the energy model reads (src/energy/).
 *
 *   tech file `energy:` ─▶ zod (TechEnergySchema) ─▶ units converted (pJ, pJ/bit, pJ/bit/mm, mW/mm²)
 *     ─▶ a node that gives only some entries takes the rest from `scaledFrom.tech`:
 *        node-dependent entries × the cited `scaledFrom.factor`, node-independent ones
 *        (off-chip DRAM per bit, wire per bit·mm, activity factors) as they are
 *     ─▶ `TechEnergy`, every entry with its value, its source and how it was derived
 *
 * Groups:
 * - `ops`: arithmetic per operation (Horowitz, ISSCC 2014, 45 nm 0.9 V, at the reference node);
 * - `sram`: a 64-bit read of an 8 KiB array, and the exponent with which a read grows with capacity;
 * - `cells`: standard-cell internal energy per output transition (Liberty `internal_power`),
 *   for composing the N:M parts cell by cell like the area model; a cell without a Liberty
 *   figure may be `areaScaledFrom` another (energy ∝ area, i.e. ∝ switched capacitance);
 * - `cellLoad`, `switchingActivity`, `gatedMacFraction`: what turns cell energies into event energies;
 * - `dram` (pJ per bit moved), `wire` (pJ per bit per mm), `leakage` (mW per mm² of logic, of SRAM);
 * - `references`: cross-check figures the model never uses.
 *
 * Pure: no files (tech.ts loads the base node and calls `resolveTechEnergy`).
 */
import { z } from 'zod';
import { inputError, NmsimError, type Diagnostic } from '../diagnostics.js';
import { excerpt } from '../user-text.js';
import { roundConverted } from './quantities.js';

/** Arithmetic operations of the reference table (Horowitz, ISSCC 2014). */
export const ENERGY_OPS = ['int8Add', 'int32Add', 'int8Mult', 'int32Mult', 'fp16Add', 'fp16Mult', 'fp32Add', 'fp32Mult'] as const;
export type EnergyOp = (typeof ENERGY_OPS)[number];

/**
 * Cell events: one output transition of each standard cell of the area model, and for the
 * flip-flop its clock cycle without a data change and a capture that toggles Q.
 */
export const ENERGY_CELLS = ['mux2', 'nand2', 'inv', 'xor2', 'fullAdder', 'halfAdder', 'dffClock', 'dffCapture'] as const;
export type EnergyCell = (typeof ENERGY_CELLS)[number];

/** The area-model cell whose area an energy cell stands for (for `areaScaledFrom`). */
export const ENERGY_CELL_AREA: Record<EnergyCell, 'mux2' | 'nand2' | 'inv' | 'xor2' | 'fullAdder' | 'halfAdder' | 'dff'> = {
  mux2: 'mux2',
  nand2: 'nand2',
  inv: 'inv',
  xor2: 'xor2',
  fullAdder: 'fullAdder',
  halfAdder: 'halfAdder',
  dffClock: 'dff',
  dffCapture: 'dff',
};

/** Units each kind of entry may be written in, as factors to the unit the model reads. */
export const ENERGY_UNITS = {
  pJ: { fJ: 1e-3, pJ: 1, nJ: 1e3 },
  'pJ/bit': { 'fJ/bit': 1e-3, 'pJ/bit': 1, 'nJ/bit': 1e3 },
  'pJ/bit/mm': { 'fJ/bit/mm': 1e-3, 'pJ/bit/mm': 1 },
  'mW/mm^2': { 'uW/mm^2': 1e-3, 'mW/mm^2': 1, 'W/mm^2': 1e3 },
  fraction: { fraction: 1 },
  ratio: { ratio: 1, fraction: 1 },
} as const;
export type EnergyUnit = keyof typeof ENERGY_UNITS;

/** Entries lie within these, in the unit the model reads: a value outside is a unit mistake. */
export const ENERGY_BOUNDS: Record<EnergyUnit, { min: number; max: number }> = {
  pJ: { min: 1e-6, max: 1e6 },
  'pJ/bit': { min: 1e-3, max: 1e4 },
  'pJ/bit/mm': { min: 1e-5, max: 10 },
  'mW/mm^2': { min: 1e-6, max: 1e4 },
  fraction: { min: 1e-9, max: 1 },
  ratio: { min: 1e-6, max: 1e6 },
};

const EntrySchema = z
  .object({
    value: z.number().positive().max(1e12),
    unit: z.string().min(1),
    source: z.string().min(1),
    cell: z.string().min(1).optional().describe('library cell (and arc) the figure was read from'),
  })
  .strict();

const CellEntrySchema = z
  .object({
    value: z.number().positive().max(1e12).optional(),
    unit: z.string().min(1).optional(),
    cell: z.string().min(1).optional(),
    areaScaledFrom: z.enum(ENERGY_CELLS).optional().describe('energy = that cell’s × this cell’s area ÷ its area (switched capacitance ∝ area)'),
    source: z.string().min(1),
  })
  .strict();

export const TechEnergySchema = z
  .object({
    scaledFrom: z
      .object({ tech: z.string().min(1), factor: EntrySchema })
      .strict()
      .optional()
      .describe('entries not given here: the base node’s, node-dependent ones × factor'),
    ops: z.partialRecord(z.enum(ENERGY_OPS), EntrySchema).default({}),
    sram: z.object({ read64bit8KiB: EntrySchema.optional(), capacityExponent: EntrySchema.optional() }).strict().default({}),
    cells: z.partialRecord(z.enum(ENERGY_CELLS), CellEntrySchema).default({}),
    cellLoad: EntrySchema.optional().describe('energy of driving a typical output load, per transition'),
    switchingActivity: EntrySchema.optional().describe('output transitions per cell per evaluation'),
    gatedMacFraction: EntrySchema.optional().describe('energy of a gated MAC as a fraction of a MAC on random data'),
    dram: EntrySchema.optional().describe('off-chip DRAM, per bit read or written'),
    wire: EntrySchema.optional().describe('on-chip wire, per bit per mm'),
    leakage: z.object({ logic: EntrySchema.optional(), sram: EntrySchema.optional() }).strict().default({}),
    references: z.record(z.string(), EntrySchema).default({}).describe('cross-check figures, never used by the model'),
  })
  .strict();
export type TechEnergySpec = z.infer<typeof TechEnergySchema>;

/** One resolved entry: its value in the unit the key says, and where it came from. */
export interface EnergyEntry {
  value: number;
  source: string;
  /** how this node's value was obtained when it is not the file's own (scaled from a base node) */
  derivation?: string;
}

/** The energy table of one node, every entry resolved (values in the units of the key names). */
export interface TechEnergy {
  /** "asap7: nangate45 × 0.0943 (source)" when entries were scaled from a base node */
  scaling?: string;
  opsPj: Record<EnergyOp, EnergyEntry>;
  sram: { read64bit8KiBPj: EnergyEntry; capacityExponent: EnergyEntry };
  cellsPj: Record<EnergyCell, EnergyEntry>;
  cellLoadPj: EnergyEntry;
  switchingActivity: EnergyEntry;
  gatedMacFraction: EnergyEntry;
  dramPjPerBit: EnergyEntry;
  wirePjPerBitMm: EnergyEntry;
  leakageMwPerMm2: { logic: EnergyEntry; sram: EnergyEntry };
  references: Record<string, { value: number; unit: string; source: string }>;
}

/** Which unit each scalar entry is read in, and whether it scales with the node. */
const SCALARS = {
  cellLoad: { unit: 'pJ', scales: true },
  switchingActivity: { unit: 'fraction', scales: false },
  gatedMacFraction: { unit: 'fraction', scales: false },
  dram: { unit: 'pJ/bit', scales: false },
  wire: { unit: 'pJ/bit/mm', scales: false },
} as const satisfies Record<string, { unit: EnergyUnit; scales: boolean }>;

const SCALAR_TARGET = {
  cellLoad: 'cellLoadPj',
  switchingActivity: 'switchingActivity',
  gatedMacFraction: 'gatedMacFraction',
  dram: 'dramPjPerBit',
  wire: 'wirePjPerBitMm',
} as const;

/** Converts `value unit` to `target`; a problem (unknown unit, out of bounds) as a diagnostic. */
export function energyValue(entry: { value: number; unit?: string }, target: EnergyUnit, file: string, where: string): number | Diagnostic {
  const units = ENERGY_UNITS[target] as Record<string, number>;
  const unit = entry.unit ?? target;
  const factor = units[unit];
  if (factor === undefined) {
    return {
      code: 'tech/bad-unit',
      severity: 'error',
      file,
      path: `${where}.unit`,
      message: `${where}: ${excerpt(unit)} is not a unit this entry takes.`,
      expected: Object.keys(units).join(', '),
      found: excerpt(unit),
      hint: `write the value in ${target}${Object.keys(units).length > 1 ? ` (or ${Object.keys(units).filter((u) => u !== target).join(', ')})` : ''}.`,
    };
  }
  const v = roundConverted(entry.value * factor);
  const b = ENERGY_BOUNDS[target];
  if (v < b.min || v > b.max) {
    return {
      code: 'tech/out-of-range',
      severity: 'error',
      file,
      path: `${where}.value`,
      message: `${where} is ${v} ${target}; an entry here must be from ${b.min} to ${b.max.toLocaleString('en-US')} ${target}.`,
      expected: `from ${b.min} to ${b.max.toLocaleString('en-US')} ${target}`,
      found: `${v} ${target}`,
      hint: 'a 45 nm FP16 multiply is 1.1 pJ and an HBM2 access 3.9 pJ/bit; check the value and its unit.',
    };
  }
  return v;
}

function isDiagnostic(x: unknown): x is Diagnostic {
  return typeof x === 'object' && x !== null && 'code' in x;
}

export interface EnergyBase {
  /** the base node's resolved table */
  table: TechEnergy;
  /** the base node's name */
  name: string;
  /** node-dependent entries of the base × this */
  factor: number;
  factorSource: string;
}

/**
 * Resolves a tech file's `energy` section. `base` is the resolved table of `scaledFrom.tech`
 * (the loader reads it). Throws NmsimError with every problem at once: a unit it does not
 * take, a value out of bounds, an entry that neither this file nor a base node gives.
 *
 * @param cellAreaUm2 this node's resolved cell areas (for `areaScaledFrom`)
 */
export function resolveTechEnergy(
  spec: TechEnergySpec,
  file: string,
  nodeName: string,
  cellAreaUm2: Record<(typeof ENERGY_CELL_AREA)[EnergyCell], number>,
  base?: EnergyBase,
): TechEnergy {
  const problems: Diagnostic[] = [];
  const scaled = (b: EnergyEntry | undefined, scales: boolean): EnergyEntry | undefined => {
    if (!b || !base) return undefined;
    if (!scales) return { value: b.value, source: b.source, derivation: `${base.name}'s, node-independent` };
    return { value: roundConverted(b.value * base.factor), source: b.source, derivation: `${base.name} × ${base.factor} (${base.factorSource})` };
  };
  const own = (e: { value: number; unit: string; source: string } | undefined, unit: EnergyUnit, where: string): EnergyEntry | undefined => {
    if (!e) return undefined;
    const v = energyValue(e, unit, file, where);
    if (isDiagnostic(v)) {
      problems.push(v);
      return { value: Number.NaN, source: e.source }; // reported once, not again as missing
    }
    return { value: v, source: e.source };
  };
  const missing = (where: string, what: string): EnergyEntry => {
    problems.push({
      code: 'tech/missing-energy',
      severity: 'error',
      file,
      path: where,
      message: `energy entry ${where} (${what}) is not given${base ? '' : ', and the file names no node to scale from'}.`,
      hint: base ? `give ${where} with value, unit and source.` : `give ${where} with value, unit and source, or energy.scaledFrom { tech, factor } to take it from another node.`,
    });
    return { value: Number.NaN, source: '' };
  };
  const pick = (given: EnergyEntry | undefined, inherited: EnergyEntry | undefined, where: string, what: string): EnergyEntry => given ?? inherited ?? missing(where, what);

  const opsPj = {} as Record<EnergyOp, EnergyEntry>;
  for (const op of ENERGY_OPS) {
    opsPj[op] = pick(own(spec.ops[op], 'pJ', `energy.ops.${op}`), scaled(base?.table.opsPj[op], true), `energy.ops.${op}`, 'pJ per operation');
  }
  const sram = {
    read64bit8KiBPj: pick(own(spec.sram.read64bit8KiB, 'pJ', 'energy.sram.read64bit8KiB'), scaled(base?.table.sram.read64bit8KiBPj, true), 'energy.sram.read64bit8KiB', 'pJ per 64-bit read of an 8 KiB array'),
    capacityExponent: pick(own(spec.sram.capacityExponent, 'fraction', 'energy.sram.capacityExponent'), scaled(base?.table.sram.capacityExponent, false), 'energy.sram.capacityExponent', 'growth of a read with capacity'),
  };

  const cellsPj = {} as Record<EnergyCell, EnergyEntry>;
  const resolving = new Set<EnergyCell>();
  const resolveCell = (c: EnergyCell): EnergyEntry => {
    if (cellsPj[c]) return cellsPj[c];
    const where = `energy.cells.${c}`;
    const s = spec.cells[c];
    if (!s) return (cellsPj[c] = pick(undefined, scaled(base?.table.cellsPj[c], true), where, 'pJ per output transition'));
    if ((s.value === undefined) === (s.areaScaledFrom === undefined)) {
      problems.push({ code: 'tech/invalid-cell', severity: 'error', file, path: where, message: `${where} needs exactly one of value (+ unit) or areaScaledFrom.`, hint: 'e.g. { value: 2.86, unit: fJ, cell: MUX2_X1, source: … } or { areaScaledFrom: mux2, source: … }' });
      return (cellsPj[c] = { value: Number.NaN, source: s.source });
    }
    if (s.value !== undefined) {
      return (cellsPj[c] = own({ value: s.value, unit: s.unit ?? 'pJ', source: s.source }, 'pJ', where) ?? { value: Number.NaN, source: s.source });
    }
    const from = s.areaScaledFrom!;
    if (resolving.has(c) || from === c) {
      problems.push({ code: 'tech/composition-cycle', severity: 'error', file, path: `${where}.areaScaledFrom`, message: `${where} is scaled from itself.`, hint: 'scale from a cell that has a value.' });
      return (cellsPj[c] = { value: Number.NaN, source: s.source });
    }
    resolving.add(c);
    const ref = resolveCell(from);
    resolving.delete(c);
    const ratio = cellAreaUm2[ENERGY_CELL_AREA[c]] / cellAreaUm2[ENERGY_CELL_AREA[from]];
    return (cellsPj[c] = { value: roundConverted(ref.value * ratio), source: s.source, derivation: `${from} × area ratio ${roundConverted(ratio)}` });
  };
  for (const c of ENERGY_CELLS) resolveCell(c);

  const scalars = {} as Record<(typeof SCALAR_TARGET)[keyof typeof SCALARS], EnergyEntry>;
  for (const [key, how] of Object.entries(SCALARS) as Array<[keyof typeof SCALARS, (typeof SCALARS)[keyof typeof SCALARS]]>) {
    const target = SCALAR_TARGET[key];
    scalars[target] = pick(own(spec[key], how.unit, `energy.${key}`), scaled(base?.table[target], how.scales), `energy.${key}`, how.unit);
  }
  // leakage per mm² is not a per-operation energy: a node gives its own (no scaling rule here)
  const leakage = {
    logic: pick(own(spec.leakage.logic, 'mW/mm^2', 'energy.leakage.logic'), undefined, 'energy.leakage.logic', 'mW/mm² of standard-cell logic'),
    sram: pick(own(spec.leakage.sram, 'mW/mm^2', 'energy.leakage.sram'), undefined, 'energy.leakage.sram', 'mW/mm² of SRAM'),
  };
  const references: TechEnergy['references'] = {};
  for (const [k, r] of Object.entries(spec.references)) references[k] = { value: r.value, unit: r.unit, source: r.source };
  if (problems.length > 0) throw new NmsimError(problems);
  return {
    ...(base ? { scaling: `${nodeName}: ${base.name} × ${base.factor} (${base.factorSource})` } : {}),
    opsPj,
    sram,
    cellsPj,
    cellLoadPj: scalars.cellLoadPj,
    switchingActivity: scalars.switchingActivity,
    gatedMacFraction: scalars.gatedMacFraction,
    dramPjPerBit: scalars.dramPjPerBit,
    wirePjPerBitMm: scalars.wirePjPerBitMm,
    leakageMwPerMm2: leakage,
    references,
  };
}

/** The `scaledFrom.factor` as a number (a fraction), or a diagnostic. */
export function scalingFactor(spec: TechEnergySpec, file: string): number {
  const f = spec.scaledFrom!.factor;
  const v = energyValue(f, 'ratio', file, 'energy.scaledFrom.factor');
  if (isDiagnostic(v)) throw new NmsimError([v]);
  return v;
}

/** A tech file that names itself (or a cycle) as its energy base. */
export function energyCycle(file: string, chain: readonly string[]): NmsimError {
  return inputError({
    code: 'tech/derivation-cycle',
    file,
    path: 'energy.scaledFrom.tech',
    message: `tech files scale their energies from each other in a cycle: ${chain.join(' → ')}.`,
    hint: 'scale from a node that gives its own energies.',
  });
}

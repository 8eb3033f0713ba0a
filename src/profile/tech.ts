/**
 * Tech files (hardware-profiles/tech/*.yaml): standard-cell and SRAM bit-cell areas, each a
 * value + unit + source. A cell may instead be composed of other cells (`composedOf`), and a
 * whole node may be derived from another by a cited logic-area scale factor (`derivedFrom`):
 * that is the documented path from ASAP7 to a 5 nm-class node. The loader resolves all of this
 * into a `TechLibrary` whose areas are plain µm² numbers; the area model never reads files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { inputError, type Diagnostic, NmsimError } from '../diagnostics.js';
import { didYouMean, excerpt } from '../user-text.js';
import { SHIPPED_TECH_DIR, SPEC_EXTENSIONS } from './paths.js';
import { readSpecFile } from './read-spec.js';
import { convertQuantity, roundConverted } from './quantities.js';
import { zodIssuesToDiagnostics } from './zod-issues.js';
import { energyCycle, resolveTechEnergy, scalingFactor, TechEnergySchema, type TechEnergy } from './tech-energy.js';

/** The standard cells the area model is built from. */
export const CELL_NAMES = ['mux2', 'nand2', 'inv', 'dff', 'fullAdder', 'halfAdder', 'xor2'] as const;
export type CellName = (typeof CELL_NAMES)[number];

/** Node names `nmsim area --node` accepts (tech files shipped under those names). */
export const TECH_NODES = ['nangate45', 'asap7', '5nm'] as const;
export type TechNode = (typeof TECH_NODES)[number];

/** Cell and bit-cell areas lie within these (µm²): a 1 nm² cell or a 1 mm² one is a unit mistake. */
export const MIN_AREA_UM2 = 1e-6;
export const MAX_AREA_UM2 = 1e6;

/**
 * A p-port cell costs p² single-port cells: each port adds a word line (cell height) and a bit
 * line pair (cell width), so both dimensions grow with p. The wire-track argument of S. Rixner et
 * al., "Register organization for media processing", HPCA 2000 (area ∝ p² for many ports); used as
 * an ASSUMPTION here (the paper was not re-read; no published per-port macro figure was found).
 */
export const DEFAULT_PORT_AREA_EXPONENT = 2;
export const DEFAULT_PORT_AREA_SOURCE =
  'assumption: area ∝ ports² (each port adds a word line and a bit line pair per cell; wire-track argument of Rixner et al., HPCA 2000, not re-read)';

const ConstantSchema = z
  .object({
    value: z.number().positive().max(1e12),
    unit: z.string().min(1).describe('mathjs unit text: "um^2", "nm^2"; "fraction" for a pure ratio'),
    source: z.string().min(1),
  })
  .strict();

const CellSchema = z
  .object({
    value: z.number().positive().max(1e12).optional(),
    unit: z.string().min(1).optional(),
    cell: z.string().min(1).optional().describe('library cell name, e.g. MUX2_X1'),
    composedOf: z.partialRecord(z.enum(CELL_NAMES), z.number().int().min(1).max(1024)).optional().describe('whole cells of other kinds, at most 1,024 of each'),
    source: z.string().min(1),
  })
  .strict();

export const TechFileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().min(1),
    nodeNm: z.number().min(1).max(10_000).describe('nominal feature size, 1 to 10,000 nm'),
    derivedFrom: z
      .object({ tech: z.string().min(1), logicAreaScale: ConstantSchema })
      .strict()
      .optional()
      .describe('cells = the base node cells × logicAreaScale (cells listed here override)'),
    cells: z.partialRecord(z.enum(CELL_NAMES), CellSchema).default({}),
    sram: z
      .object({
        bitcell: ConstantSchema,
        arrayEfficiency: ConstantSchema,
        efficiencyByCapacity: z
          .object({
            points: z
              .array(z.object({ kib: z.number().positive().max(1e9), value: z.number().positive().max(1) }).strict())
              .min(2)
              .max(64)
              .describe('macro capacity (KiB) → share of the macro that is bit cells; log-interpolated, clamped at the ends'),
            source: z.string().min(1),
          })
          .strict()
          .optional()
          .describe('array efficiency by macro capacity (area/sram.ts). Default: arrayEfficiency at every capacity'),
        cacheEfficiency: ConstantSchema.optional().describe('bit cells ÷ area of a whole shared cache (tags, control, routing included). Default: arrayEfficiency'),
        portAreaExponent: z
          .object({ value: z.number().min(1).max(4), source: z.string().min(1) })
          .strict()
          .optional()
          .describe('a cell with p ports costs p^exponent single-port cells. Default: 2'),
      })
      .strict(),
    references: z.record(z.string(), ConstantSchema).default({}).describe('cross-check figures, never used by the model'),
    energy: TechEnergySchema.optional().describe('per-operation and per-access energies (src/profile/tech-energy.ts)'),
    timing: z
      .object({ fo4Delay: ConstantSchema, dffClockToQ: ConstantSchema, dffSetup: ConstantSchema })
      .strict()
      .optional()
      .describe('gate and flip-flop delays in ps (unit: ps) for pipeline timing (area/timing.ts); absent: no timing analysis'),
  })
  .strict();

export interface ResolvedCell {
  areaUm2: number;
  /** library cell name, or the composition ("4 × nand2") */
  cell: string;
  source: string;
}

export interface TechLibrary {
  name: string;
  description: string;
  nodeNm: number;
  cells: Record<CellName, ResolvedCell>;
  sram: {
    bitcellAreaUm2: number;
    arrayEfficiency: number;
    source: string;
    /** capacity (KiB, ascending) → array efficiency; absent: arrayEfficiency everywhere */
    efficiencyByCapacity?: { points: { kib: number; value: number }[]; source: string };
    /** whole shared cache: bit cells ÷ its area; absent: arrayEfficiency */
    cacheEfficiency?: { value: number; source: string };
    /** p ports cost p^exponent single-port cells */
    portAreaExponent: { value: number; source: string };
  };
  /** how the node was derived (scale factor and its source), when it was */
  derivation?: string;
  references: Record<string, { value: number; unit: string; source: string }>;
  /** the node's energy table (absent when the tech file has no `energy` section) */
  energy?: TechEnergy;
  /** delays for pipeline timing (area/timing.ts), when the file gives them */
  timing?: { fo4DelayPs: number; dffClockToQPs: number; dffSetupPs: number; source: string };
}

async function constantTo(c: z.infer<typeof ConstantSchema>, unit: string, file: string, where: string): Promise<number> {
  if (c.unit === 'fraction') {
    if (unit !== 'fraction') throw inputError({ code: 'tech/bad-unit', file, path: where, message: `${where} needs an area unit, not "fraction".`, hint: 'write unit: um^2' });
    if (c.value > 1) throw inputError({ code: 'tech/bad-value', file, path: `${where}.value`, message: `${where} is a fraction and must be at most 1.`, found: String(c.value), hint: 'write 0.7 for 70%.' });
    return c.value;
  }
  const v = await convertQuantity(`${c.value} ${c.unit}`, unit);
  if (typeof v === 'string') {
    throw inputError({ code: 'tech/bad-unit', file, path: `${where}.unit`, message: `${where}: ${v}.`, expected: unit, found: excerpt(c.unit), hint: 'areas take unit: um^2 (or nm^2); ratios take unit: fraction.' });
  }
  if (unit === 'um^2' && (v < MIN_AREA_UM2 || v > MAX_AREA_UM2)) {
    throw inputError({
      code: 'tech/out-of-range',
      file,
      path: `${where}.value`,
      message: `${where} is ${v} µm²; an area here must be from ${MIN_AREA_UM2} to ${MAX_AREA_UM2.toLocaleString('en-US')} µm².`,
      expected: `from ${MIN_AREA_UM2} to ${MAX_AREA_UM2.toLocaleString('en-US')} µm² (a standard cell or a bit cell)`,
      found: `${v} µm²`,
      hint: 'a Nangate 45 nm DFF is 4.522 µm² and an N5 bit cell 0.021 µm²; check the value and its unit (um^2 or nm^2).',
    });
  }
  return v;
}

/**
 * A tech file is named, never given as a path: a spec's `tech:` (or `derivedFrom.tech`) must
 * not be a way to read any file on the machine. Letters, digits, `-` and `_`, at most 64.
 */
export const TECH_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Where a profile's tech file is looked for, in order: the `tech/` folder next to the profile,
 * the profile's own folder, then the shipped hardware-profiles/tech/.
 */
export function techSearchDirs(profileFile: string): string[] {
  const own = path.dirname(path.resolve(profileFile));
  return [...new Set([path.join(own, 'tech'), own, SHIPPED_TECH_DIR])];
}

function specNamesIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isFile() && SPEC_EXTENSIONS.some((e) => d.name.endsWith(e)))
      .map((d) => d.name.replace(/\.(ya?ml|json)$/, ''))
      .filter((n) => TECH_NAME.test(n))
      .sort();
  } catch {
    return [];
  }
}

/** The hint that lists the names a `tech:` may take (the shipped ones, then those of a tech/ folder). */
export function validTechNames(dirs: readonly string[] = [SHIPPED_TECH_DIR]): string {
  const local = dirs.filter((d) => path.basename(d) === 'tech' && path.resolve(d) !== path.resolve(SHIPPED_TECH_DIR)).flatMap(specNamesIn);
  const shipped = listShippedTech();
  return `shipped tech files: ${shipped.join(', ')}${local.length > 0 ? `; next to the profile: ${[...new Set(local)].join(', ')}` : ''} (or a tech file in the profile's own folder, by name).`;
}

/** Refuses a tech "name" that is a path, has an extension, or is not a plain name. */
export function checkTechName(name: unknown, dirs: readonly string[] = [SHIPPED_TECH_DIR], where: { file?: string; path?: string } = {}): string {
  if (typeof name === 'string' && TECH_NAME.test(name)) return name;
  const text = typeof name === 'string' ? name : String(name);
  const stem = path.basename(text.replace(/\\/g, '/')).replace(/\.(ya?ml|json)$/i, '');
  const pathLike = /[\\/]/.test(text) || text.includes('..');
  throw inputError({
    code: 'tech/invalid-name',
    ...where,
    message: pathLike
      ? `${excerpt(text)} is a path; a tech file is named, not located (it is looked for next to the profile and among the shipped ones).`
      : `${excerpt(text)} is not a tech file name: letters, digits, "-" and "_" only, without an extension.`,
    expected: 'a tech file name, e.g. nangate45',
    found: excerpt(text),
    hint: `${TECH_NAME.test(stem) && !pathLike ? `write ${stem}; ` : ''}${validTechNames(dirs)}`,
  });
}

/** Finds `<name>.yaml|.yml|.json` in the given folders, in order. */
export function findTechFile(name: string, dirs: readonly string[] = [SHIPPED_TECH_DIR], where: { file?: string; path?: string } = {}): string {
  checkTechName(name, dirs, where);
  for (const dir of dirs) {
    for (const ext of SPEC_EXTENSIONS) {
      const f = path.join(dir, `${name}${ext}`);
      if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
    }
  }
  const known = [...new Set(dirs.flatMap(specNamesIn))];
  throw inputError({
    code: 'tech/unknown',
    ...where,
    message: `no tech file named ${excerpt(name)}.${didYouMean(name, known)}`,
    found: excerpt(name),
    hint: validTechNames(dirs),
  });
}

export function listShippedTech(): string[] {
  if (!fs.existsSync(SHIPPED_TECH_DIR)) return [];
  return fs
    .readdirSync(SHIPPED_TECH_DIR)
    .filter((f) => SPEC_EXTENSIONS.some((e) => f.endsWith(e)))
    .map((f) => f.replace(/\.(ya?ml|json)$/, ''))
    .sort();
}

/** Loads and resolves a tech file by name, searching `dirs` in order (techSearchDirs). */
export async function loadTech(name: string, dirs: readonly string[] = [SHIPPED_TECH_DIR], seen: string[] = []): Promise<TechLibrary> {
  return loadTechFile(findTechFile(name, dirs), dirs, seen);
}

/** A spec that is a hardware profile, not a tech file (it has the profile's keys). */
function looksLikeProfile(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const keys = Object.keys(raw);
  return !keys.includes('cells') && !keys.includes('sram') && (keys.includes('tensorCore') || keys.includes('sparsity'));
}

/**
 * Loads and resolves the tech file at an explicit path (the caller chose it). A node it
 * derives from is looked up by name, next to it first, then in `dirs`.
 */
export async function loadTechFile(file: string, dirs: readonly string[] = [SHIPPED_TECH_DIR], seen: string[] = []): Promise<TechLibrary> {
  if (seen.includes(path.resolve(file))) {
    throw inputError({ code: 'tech/derivation-cycle', file, path: 'derivedFrom.tech', message: `tech files derive from each other in a cycle: ${[...seen, path.resolve(file)].join(' → ')}.`, hint: 'derive from a node that lists its own cells.' });
  }
  const raw = readSpecFile(file, 'tech');
  if (looksLikeProfile(raw)) {
    throw inputError({
      code: 'tech/is-profile',
      file,
      message: `${file} is a hardware profile, not a tech file (it has tensorCore/sparsity, not cells and sram).`,
      hint: `a profile's tech: names a tech file; ${validTechNames(dirs)}`,
    });
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (keys.length > 0 && !keys.some((k) => k in TechFileSchema.shape)) {
      throw inputError({
        code: 'tech/not-a-tech-file',
        file,
        message: `${file} is not a tech file: none of its ${keys.length} top-level keys is a tech-file key.`,
        expected: `the keys of a tech file: ${Object.keys(TechFileSchema.shape).join(', ')}`,
        hint: validTechNames(dirs),
      });
    }
  }
  const parsed = TechFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new NmsimError(zodIssuesToDiagnostics(parsed.error.issues, { prefix: 'tech', file, schema: TechFileSchema, raw, documentKind: 'a tech file' }));
  }
  const t = parsed.data;
  let base: TechLibrary | undefined;
  let scale = 1;
  let derivation: string | undefined;
  if (t.derivedFrom) {
    const baseDirs = [...new Set([path.dirname(file), ...dirs])];
    base = await loadTechFile(findTechFile(t.derivedFrom.tech, baseDirs, { file, path: 'derivedFrom.tech' }), baseDirs, [...seen, path.resolve(file)]);
    scale = await constantTo(t.derivedFrom.logicAreaScale, 'fraction', file, 'derivedFrom.logicAreaScale');
    derivation = `${base.name} cells × ${scale} (${t.derivedFrom.logicAreaScale.source})`;
  }

  const cells = {} as Record<CellName, ResolvedCell>;
  const resolving = new Set<CellName>();
  const problems: Diagnostic[] = [];
  const resolveCell = async (name: CellName): Promise<ResolvedCell | undefined> => {
    if (cells[name]) return cells[name];
    const spec = t.cells[name];
    const where = `cells.${name}`;
    if (!spec) {
      if (base) {
        const b = base.cells[name];
        cells[name] = { areaUm2: roundConverted(b.areaUm2 * scale), cell: b.cell, source: `${b.source}; scaled × ${scale} to ${t.name}` };
        return cells[name];
      }
      problems.push({ code: 'tech/missing-cell', severity: 'error', file, path: where, message: `cell "${name}" is not given.`, hint: `give value + unit + source, or composedOf other cells (${CELL_NAMES.join(', ')}).` });
      return undefined;
    }
    if ((spec.value === undefined) === (spec.composedOf === undefined)) {
      problems.push({ code: 'tech/invalid-cell', severity: 'error', file, path: where, message: `cell "${name}" needs exactly one of value (+ unit) or composedOf.`, hint: 'e.g. { value: 1.862, unit: um^2, cell: MUX2_X1, source: ... } or { composedOf: { nand2: 4 }, source: ... }' });
      return undefined;
    }
    if (spec.value !== undefined) {
      const areaUm2 = await constantTo({ value: spec.value, unit: spec.unit ?? 'um^2', source: spec.source }, 'um^2', file, where);
      cells[name] = { areaUm2, cell: spec.cell ?? name, source: spec.source };
      return cells[name];
    }
    if (resolving.has(name)) {
      problems.push({ code: 'tech/composition-cycle', severity: 'error', file, path: `${where}.composedOf`, message: `cell "${name}" is composed of itself.`, hint: 'compose from cells that have a value.' });
      return undefined;
    }
    resolving.add(name);
    let areaUm2 = 0;
    const parts: string[] = [];
    for (const [part, count] of Object.entries(spec.composedOf!) as Array<[CellName, number]>) {
      const c = await resolveCell(part);
      if (!c) return undefined;
      areaUm2 += count * c.areaUm2;
      parts.push(`${count} × ${c.cell}`);
    }
    resolving.delete(name);
    cells[name] = { areaUm2: roundConverted(areaUm2), cell: parts.join(' + '), source: spec.source };
    return cells[name];
  };
  for (const name of CELL_NAMES) await resolveCell(name);
  if (problems.length > 0) throw new NmsimError(problems);

  const references: TechLibrary['references'] = {};
  for (const [k, c] of Object.entries(t.references)) references[k] = { ...c };
  const energy = t.energy === undefined ? undefined : await loadEnergy(t.energy, t.name, file, dirs, seen, cells);
  return {
    name: t.name,
    description: t.description,
    nodeNm: t.nodeNm,
    cells,
    sram: {
      bitcellAreaUm2: await constantTo(t.sram.bitcell, 'um^2', file, 'sram.bitcell'),
      arrayEfficiency: await constantTo(t.sram.arrayEfficiency, 'fraction', file, 'sram.arrayEfficiency'),
      source: `bit cell: ${t.sram.bitcell.source}; array efficiency: ${t.sram.arrayEfficiency.source}`,
      ...(t.sram.efficiencyByCapacity
        ? { efficiencyByCapacity: { points: [...t.sram.efficiencyByCapacity.points].sort((a, b) => a.kib - b.kib), source: t.sram.efficiencyByCapacity.source } }
        : {}),
      ...(t.sram.cacheEfficiency
        ? { cacheEfficiency: { value: await constantTo(t.sram.cacheEfficiency, 'fraction', file, 'sram.cacheEfficiency'), source: t.sram.cacheEfficiency.source } }
        : {}),
      portAreaExponent: t.sram.portAreaExponent ?? { value: DEFAULT_PORT_AREA_EXPONENT, source: DEFAULT_PORT_AREA_SOURCE },
    },
    derivation,
    references,
    ...(energy ? { energy } : {}),
    ...(t.timing ? { timing: timingOf(t.timing, file) } : {}),
  };
}

/** Delays in ps: the only unit a timing constant takes. */
function timingOf(t: NonNullable<z.infer<typeof TechFileSchema>['timing']>, file: string): NonNullable<TechLibrary['timing']> {
  const ps = (c: z.infer<typeof ConstantSchema>, where: string): number => {
    if (c.unit !== 'ps') throw inputError({ code: 'tech/bad-unit', file, path: `timing.${where}.unit`, message: `timing.${where} is a delay in ps.`, expected: 'ps', found: excerpt(c.unit), hint: 'write unit: ps' });
    return c.value;
  };
  return {
    fo4DelayPs: ps(t.fo4Delay, 'fo4Delay'),
    dffClockToQPs: ps(t.dffClockToQ, 'dffClockToQ'),
    dffSetupPs: ps(t.dffSetup, 'dffSetup'),
    source: `FO4: ${t.fo4Delay.source}; flip-flop: ${t.dffClockToQ.source}; setup: ${t.dffSetup.source}`,
  };
}

/** Resolves a tech file's energy section, reading the node it scales from (by name, next to it first). */
async function loadEnergy(
  spec: NonNullable<z.infer<typeof TechFileSchema>['energy']>,
  name: string,
  file: string,
  dirs: readonly string[],
  seen: readonly string[],
  cells: Record<CellName, ResolvedCell>,
): Promise<TechEnergy> {
  const areas = Object.fromEntries(CELL_NAMES.map((c) => [c, cells[c].areaUm2])) as Record<CellName, number>;
  if (!spec.scaledFrom) return resolveTechEnergy(spec, file, name, areas);
  const baseDirs = [...new Set([path.dirname(file), ...dirs])];
  const baseFile = findTechFile(spec.scaledFrom.tech, baseDirs, { file, path: 'energy.scaledFrom.tech' });
  const chain = [...seen, path.resolve(file)];
  if (chain.includes(path.resolve(baseFile))) throw energyCycle(file, [...chain, path.resolve(baseFile)]);
  const base = await loadTechFile(baseFile, baseDirs, chain);
  if (!base.energy) {
    throw inputError({
      code: 'tech/missing-energy',
      file,
      path: 'energy.scaledFrom.tech',
      message: `${spec.scaledFrom.tech} has no energy table to scale from.`,
      hint: 'scale from a tech file with an energy section (nangate45 ships one).',
    });
  }
  const factor = scalingFactor(spec, file);
  return resolveTechEnergy(spec, file, name, areas, { table: base.energy, name: base.name, factor, factorSource: spec.scaledFrom.factor.source });
}

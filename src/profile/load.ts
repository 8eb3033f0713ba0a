/**
 * Hardware-profile loader: YAML or JSON → `HardwareProfile` (schema.ts) plus warnings as data.
 *
 *   read file ─▶ resolve quantities written with units (quantities.ts, mathjs) ─▶ zod
 *     ─▶ patterns parse with sparsity/pattern.ts ─▶ tech file exists ─▶ consistency warnings
 *
 * Errors throw an NmsimError whose diagnostics name the file, the key path and the fix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NmsimError, isNmsimError, type Diagnostic } from '../diagnostics.js';
import { parsePattern, formatPattern, type NmPattern } from '../sparsity/pattern.js';
import { ProfileSchema, type HardwareProfile } from './schema.js';
import { PROFILE_QUANTITIES, resolveQuantities, bareKeysAt, type ConvertedQuantity } from './quantities.js';
import { zodIssuesToDiagnostics } from './zod-issues.js';
import { readSpecFile } from './read-spec.js';
import { SHIPPED_PROFILE_DIR, SPEC_EXTENSIONS } from './paths.js';
import { checkTechName, findTechFile, listShippedTech, techSearchDirs, TECH_NAME, validTechNames } from './tech.js';
import { listLimitAt, numberLimitAt } from './limits.js';
import { didYouMean, excerpt } from '../user-text.js';

export interface LoadedProfile {
  profile: HardwareProfile;
  /** the file it came from */
  file: string;
  /** folders searched for its tech file, in order: its tech/ folder, its own folder, the shipped tech/ */
  techDirs: string[];
  warnings: Diagnostic[];
}

/** The N:M patterns a profile lists, parsed (they are validated at load, so this never throws). */
export function profilePatterns(profile: HardwareProfile): NmPattern[] {
  return profile.sparsity.patterns.map((p) => parsePattern(p) as NmPattern);
}

function checkPatterns(profile: HardwareProfile, file: string): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const seen = new Set<string>();
  profile.sparsity.patterns.forEach((text, i) => {
    const where = `sparsity.patterns[${i}]`;
    try {
      const p = parsePattern(text, { file, path: where });
      if (p.kind !== 'nm') {
        errors.push({
          code: 'profile/invalid-pattern',
          severity: 'error',
          file,
          path: where,
          message: `"${text}" is not an N:M pattern a core can run natively.`,
          hint: 'list N:M patterns such as "2:4" or "8:16"; dense is always supported (see sparsity.fallback).',
        });
        return;
      }
      const key = formatPattern(p);
      if (seen.has(key)) {
        warnings.push({ code: 'profile/duplicate-pattern', severity: 'warning', file, path: where, message: `${key} is listed twice.`, hint: 'list each pattern once.' });
      }
      seen.add(key);
    } catch (e) {
      if (!isNmsimError(e)) throw e;
      // the pattern text is the user's: quoted as a short escaped excerpt only
      for (const d of e.diagnostics) {
        errors.push({ ...d, code: 'profile/invalid-pattern', file, path: where, message: d.message.split(`"${text}"`).join(excerpt(text)), found: excerpt(text) });
      }
    }
  });
  return { errors, warnings };
}

function checkConsistency(profile: HardwareProfile, file: string): Diagnostic[] {
  const w: Diagnostic[] = [];
  const warn = (pathStr: string, message: string, hint: string) =>
    w.push({ code: 'profile/inconsistent', severity: 'warning', file, path: pathStr, message, hint });
  const op = profile.sparsity.onlinePruning;
  if (op.kind === 'hardware') {
    if (op.network === undefined) warn('sparsity.onlinePruning.network', 'a hardware pruning unit without a network; the area model assumes "batcher".', 'name the network: batcher, bitonic, selection or threshold.');
    if (op.groupsPerCycle === undefined) warn('sparsity.onlinePruning.groupsPerCycle', 'a hardware pruning unit without a rate; one group per cycle is assumed.', 'give groupsPerCycle (groups of the largest M pruned per cycle per core).');
    if (op.latencyCycles === undefined) warn('sparsity.onlinePruning.latencyCycles', 'a hardware pruning unit without a pipeline latency; one register rank per network stage is assumed.', 'give latencyCycles.');
    if (profile.sparsity.operand === 'weight') warn('sparsity.onlinePruning.kind', 'weights are pruned offline; a hardware online pruning unit is unusual for a weight-sparse core.', 'use kind: none or software for weight sparsity.');
  } else if (op.network !== undefined || op.groupsPerCycle !== undefined || op.latencyCycles !== undefined) {
    warn('sparsity.onlinePruning', `network, groupsPerCycle and latencyCycles describe a hardware unit and are ignored for kind "${op.kind}".`, 'remove them, or set kind: hardware.');
  }
  const tc = profile.tensorCore;
  if (tc.activationRowsPerCycle !== undefined && tc.lanes % tc.activationRowsPerCycle !== 0) {
    warn('tensorCore.activationRowsPerCycle', `lanes (${tc.lanes}) is not a multiple of activationRowsPerCycle (${tc.activationRowsPerCycle}).`, 'lanes are rows × output columns; make lanes a multiple of the row count.');
  }
  if (profile.sparsity.selectorStyle === 'hierarchical') {
    profile.sparsity.patterns.forEach((t, i) => {
      const p = parsePattern(t);
      if (p.kind === 'nm' && (p.m % 2 !== 0 || p.n % 2 !== 0 || tc.denseKPerCycle % 2 !== 0)) {
        warn(`sparsity.patterns[${i}]`, `the hierarchical selector picks blocks of 2 elements; ${t} (or denseKPerCycle) does not split into them, so the selector is costed as sorted-mux.`, 'use even N, M and denseKPerCycle, or selectorStyle: sorted-mux.');
      }
    });
  }
  if (profile.sparsity.patterns.length === 0 && profile.sparsity.onlinePruning.kind === 'hardware') {
    warn('sparsity.patterns', 'a pruning unit on a core that lists no sparse pattern.', 'list the patterns the core runs, or set onlinePruning.kind: none.');
  }
  return w;
}

/**
 * Loads one profile. Throws NmsimError (exit 1) with every problem found; returns warnings
 * as data.
 */
export async function loadProfile(file: string): Promise<LoadedProfile> {
  const raw = readSpecFile(file, 'profile');
  refuseTechFile(raw, file);
  const quantities = await resolveQuantities(raw, PROFILE_QUANTITIES, file, 'profile');
  const parsed = ProfileSchema.safeParse(raw);
  const errors: Diagnostic[] = [...quantities.diagnostics];
  if (!parsed.success) {
    const schemaErrors = zodIssuesToDiagnostics(parsed.error.issues, {
      prefix: 'profile',
      file,
      schema: ProfileSchema,
      raw,
      extraKeys: (p) => bareKeysAt(PROFILE_QUANTITIES, p),
      numberLimit: numberLimitAt,
      listLimit: listLimitAt,
      documentKind: 'a hardware profile',
    });
    errors.push(...schemaErrors.filter((d) => !quantities.failedPaths.has(d.path ?? '')).map((d) => asWritten(d, quantities.converted)));
  }
  if (!parsed.success || errors.length > 0) throw new NmsimError(errors);
  const profile = parsed.data;
  const patterns = checkPatterns(profile, file);
  errors.push(...patterns.errors);
  const techDirs = techSearchDirs(file);
  try {
    checkTechName(profile.tech, techDirs);
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    throw new NmsimError([...errors, ...e.diagnostics.map((d) => ({ ...d, code: 'profile/invalid-tech', file, path: 'tech' }))]);
  }
  try {
    findTechFile(profile.tech, techDirs);
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    errors.push({
      code: 'profile/unknown-tech',
      severity: 'error',
      file,
      path: 'tech',
      message: `no tech file named ${excerpt(profile.tech)} next to the profile (its tech/ folder or its own folder) or shipped.${didYouMean(profile.tech, listShippedTech())}`,
      found: excerpt(profile.tech),
      hint: validTechNames(techDirs),
    });
  }
  if (errors.length > 0) throw new NmsimError(errors);
  return { profile, file, techDirs, warnings: [...patterns.warnings, ...checkConsistency(profile, file)] };
}

/**
 * A diagnostic about a quantity the user wrote with units names the key they wrote
 * (`clock`, not `clockMHz`) and shows their text beside the converted number.
 */
function asWritten(d: Diagnostic, converted: ReadonlyMap<string, ConvertedQuantity>): Diagnostic {
  const q = d.path === undefined ? undefined : converted.get(d.path);
  if (!q) return d;
  return { ...d, path: q.barePath, found: `${excerpt(q.text)} = ${d.found} ${q.unit}` };
}

/**
 * A tech file given where a profile belongs: say so, instead of listing every missing key. A
 * mapping with no profile key at all is some other file: say that, without listing its keys
 * (they are the file's contents).
 */
function refuseTechFile(raw: unknown, file: string): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  const keys = Object.keys(raw);
  const profileKeys = [...Object.keys(ProfileSchema.shape), ...PROFILE_QUANTITIES.filter((q) => q.at === '').map((q) => q.bare)];
  if (keys.length > 0 && !keys.some((k) => profileKeys.includes(k)) && !keys.includes('cells') && !keys.includes('sram')) {
    throw new NmsimError({
      code: 'profile/not-a-profile',
      severity: 'error',
      file,
      message: `${file} is not a hardware profile: none of its ${keys.length} top-level keys is a profile key.`,
      expected: `the keys of a profile: ${Object.keys(ProfileSchema.shape).join(', ')}`,
      hint: 'check the path; hardware-profiles/README.md shows a profile, with an example.',
    });
  }
  if (keys.includes('tensorCore') || !(keys.includes('cells') || keys.includes('sram'))) return;
  const name = path.basename(file).replace(/\.(ya?ml|json)$/i, '');
  throw new NmsimError({
    code: 'profile/is-tech-file',
    severity: 'error',
    file,
    message: `${file} is a tech file (cells and SRAM areas), not a hardware profile.`,
    hint: `a profile names it in its tech key (tech: ${TECH_NAME.test(name) ? name : 'NAME'}), and \`nmsim area --node\` picks a shipped one; hardware-profiles/README.md describes profiles.`,
  });
}

function specFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && SPEC_EXTENSIONS.some((e) => d.name.toLowerCase().endsWith(e)))
    .map((d) => path.join(dir, d.name))
    .sort();
}

/** Loads every profile in a folder (not its tech/ subfolder), in file-name order. */
export async function loadProfiles(dir: string): Promise<LoadedProfile[]> {
  const out: LoadedProfile[] = [];
  const errors: Diagnostic[] = [];
  for (const f of specFilesIn(dir)) {
    try {
      out.push(await loadProfile(f));
    } catch (e) {
      if (!isNmsimError(e)) throw e;
      errors.push(...e.diagnostics);
    }
  }
  if (errors.length > 0) throw new NmsimError(errors);
  return out;
}

/** Names of the shipped profiles (`a100-like`, `act-8of16`, …). */
export function listShippedProfiles(): string[] {
  if (!fs.existsSync(SHIPPED_PROFILE_DIR)) return [];
  return specFilesIn(SHIPPED_PROFILE_DIR).map((f) => path.basename(f).replace(/\.(ya?ml|json)$/i, ''));
}

/** A path, or the name of a shipped profile, → the file to load. */
export function resolveProfileRef(ref: string): string {
  if (fs.existsSync(ref) && fs.statSync(ref).isFile()) return ref;
  // a shipped profile is looked up by its plain name only
  if (TECH_NAME.test(ref)) {
    for (const ext of SPEC_EXTENSIONS) {
      const f = path.join(SHIPPED_PROFILE_DIR, `${ref}${ext}`);
      if (fs.existsSync(f)) return f;
    }
  }
  const shipped = listShippedProfiles();
  throw new NmsimError(
    {
      code: 'profile/not-found',
      severity: 'error',
      message: `${excerpt(ref)} is neither a profile file nor a shipped profile name.${didYouMean(ref, shipped)}`,
      found: excerpt(ref),
      hint: `shipped profiles: ${shipped.join(', ')}; or give a path to a .yaml/.json profile.`,
    },
    // a profile is an input file (a shipped name is short for hardware-profiles/NAME.yaml): one
    // that is not there is bad input, exit 1, like a missing trace bundle
    'input',
  );
}

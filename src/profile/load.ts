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
import { PROFILE_QUANTITIES, resolveQuantities, bareKeysAt } from './quantities.js';
import { zodIssuesToDiagnostics } from './zod-issues.js';
import { readSpecFile } from './read-spec.js';
import { SHIPPED_PROFILE_DIR, SHIPPED_TECH_DIR, SPEC_EXTENSIONS } from './paths.js';
import { findTechFile, listShippedTech } from './tech.js';

export interface LoadedProfile {
  profile: HardwareProfile;
  /** the file it came from */
  file: string;
  /** folders searched for its tech file (its own tech/ first, then the shipped one) */
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
      for (const d of e.diagnostics) errors.push({ ...d, code: 'profile/invalid-pattern', file, path: where });
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
    });
    errors.push(...schemaErrors.filter((d) => !quantities.failedPaths.has(d.path ?? '')));
  }
  if (!parsed.success || errors.length > 0) throw new NmsimError(errors);
  const profile = parsed.data;
  const patterns = checkPatterns(profile, file);
  errors.push(...patterns.errors);
  const techDirs = [path.join(path.dirname(file), 'tech'), SHIPPED_TECH_DIR];
  try {
    findTechFile(profile.tech, techDirs);
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    errors.push({
      code: 'profile/unknown-tech',
      severity: 'error',
      file,
      path: 'tech',
      message: `no tech file named "${profile.tech}" next to the profile (tech/) or shipped.`,
      found: profile.tech,
      hint: `shipped tech files: ${listShippedTech().join(', ')}.`,
    });
  }
  if (errors.length > 0) throw new NmsimError(errors);
  return { profile, file, techDirs, warnings: [...patterns.warnings, ...checkConsistency(profile, file)] };
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
  for (const ext of SPEC_EXTENSIONS) {
    const f = path.join(SHIPPED_PROFILE_DIR, `${ref}${ext}`);
    if (fs.existsSync(f)) return f;
  }
  throw new NmsimError(
    {
      code: 'profile/not-found',
      severity: 'error',
      message: `"${ref}" is neither a profile file nor a shipped profile name.`,
      found: ref,
      hint: `shipped profiles: ${listShippedProfiles().join(', ')}; or give a path to a .yaml/.json profile.`,
    },
    'usage',
  );
}

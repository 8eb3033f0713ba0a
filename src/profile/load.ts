/**
 * Hardware-profile loader: YAML or JSON → `HardwareProfile` (schema.ts) plus warnings as data.
 *
 *   read file ─▶ resolve quantities written with units (quantities.ts, mathjs) ─▶ zod (ProfileSpec)
 *     ─▶ normalize (normalize.ts: patterns parsed, defaults and units resolved, warnings)
 *     ─▶ tech file exists
 *
 * Errors throw an NmsimError whose diagnostics name the file, the key path and the fix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NmsimError, isNmsimError, type Diagnostic } from '../diagnostics.js';
import { ProfileSchema, type HardwareProfile, type ProfileSpec } from './schema.js';
import { normalizeProfile, type NormalizedProfile } from './normalize.js';
import { PROFILE_QUANTITIES, resolveQuantities, bareKeysAt, type ConvertedQuantity } from './quantities.js';
import { zodIssuesToDiagnostics } from './zod-issues.js';
import { readSpecFile } from './read-spec.js';
import { SHIPPED_PROFILE_DIR, SPEC_EXTENSIONS } from './paths.js';
import { checkTechName, findTechFile, listShippedTech, techSearchDirs, TECH_NAME, validTechNames } from './tech.js';
import { listLimitAt, numberLimitAt } from './limits.js';
import { didYouMean, excerpt } from '../user-text.js';

export interface LoadedProfile {
  /** normalized: what the models read */
  profile: HardwareProfile;
  /** what the file says, validated, with quantities written with units converted into the unit keys */
  spec: ProfileSpec;
  /** the file it came from */
  file: string;
  /** folders searched for its tech file, in order: its tech/ folder, its own folder, the shipped tech/ */
  techDirs: string[];
  warnings: Diagnostic[];
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
  const spec = parsed.data;
  let normalized: NormalizedProfile | undefined;
  try {
    normalized = normalizeProfile(spec, file);
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    errors.push(...e.diagnostics);
  }
  const techDirs = techSearchDirs(file);
  try {
    checkTechName(spec.tech, techDirs);
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    throw new NmsimError([...errors, ...e.diagnostics.map((d) => ({ ...d, code: 'profile/invalid-tech', file, path: 'tech' }))]);
  }
  try {
    findTechFile(spec.tech, techDirs);
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    errors.push({
      code: 'profile/unknown-tech',
      severity: 'error',
      file,
      path: 'tech',
      message: `no tech file named ${excerpt(spec.tech)} next to the profile (its tech/ folder or its own folder) or shipped.${didYouMean(spec.tech, listShippedTech())}`,
      found: excerpt(spec.tech),
      hint: validTechNames(techDirs),
    });
  }
  if (errors.length > 0 || normalized === undefined) throw new NmsimError(errors);
  return { profile: normalized.profile, spec, file, techDirs, warnings: normalized.warnings };
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

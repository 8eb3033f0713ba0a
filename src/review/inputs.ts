/**
 * Review inputs: finding the default bundles and profiles, loading them, hashing their files.
 * (cli/ may touch the file system; the models it feeds never do.)
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NmsimError, inputError, isNmsimError, type Diagnostic } from '../diagnostics.js';
import { loadProfile, listShippedProfiles, resolveProfileRef, type LoadedProfile } from '../profile/load.js';
import { SHIPPED_PROFILE_DIR, SPEC_EXTENSIONS } from '../profile/paths.js';
import { openBundle, MANIFEST_FILE, type TraceBundle } from '../trace/bundle.js';
import { parseManifest } from '../trace/manifest-check.js';
import type { Manifest } from '../trace/manifest.js';
import { TOOL_VERSION } from '../version.js';
import { CACHE_FORMAT, cached, codeFingerprint, type CacheEntryKind } from './cache.js';

/** The package root: src/review (or dist/review) → ../.. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHIPPED_TRACES_DIR = path.join(PACKAGE_ROOT, 'traces');

/**
 * How a path is shown in reports: relative to the working folder when inside it, else relative
 * to the package root when inside it, else absolute — never a machine-specific prefix for the
 * shipped inputs, so reports of the shipped defaults read the same on every clone.
 */
export function displayPath(p: string): string {
  const abs = path.resolve(p);
  for (const base of [process.cwd(), PACKAGE_ROOT]) {
    const rel = path.relative(base, abs);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return abs;
}

/**
 * Every folder directly under traces/ (or a link to one) that holds a manifest.json, sorted by
 * name. Dot-folders never count: they are hidden, and an interrupted `capture --out traces/x`
 * leaves its unfinished bundle in `.x.nmsim-tmp-…` (removed by the next capture to traces/x).
 */
export function defaultBundlePaths(dir = SHIPPED_TRACES_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .map((name) => path.join(dir, name))
    .filter((p) => existsSync(path.join(p, MANIFEST_FILE)) && statSync(p).isDirectory())
    .sort();
}

/**
 * --profiles entries → files: a file, a folder (every profile in it, not its tech/), or the
 * name of a shipped profile. Default: every shipped profile.
 */
export function profileFiles(refs: readonly string[]): string[] {
  if (refs.length === 0) return listShippedProfiles().map((n) => resolveProfileRef(n));
  const out: string[] = [];
  for (const ref of refs) {
    if (existsSync(ref) && statSync(ref).isDirectory()) {
      const files = readdirSync(ref, { withFileTypes: true })
        .filter((d) => d.isFile() && SPEC_EXTENSIONS.some((e) => d.name.toLowerCase().endsWith(e)))
        .map((d) => path.join(ref, d.name))
        .sort();
      if (files.length === 0) {
        throw inputError({ code: 'review/no-profiles', file: ref, message: `the folder ${ref} holds no profile (.yaml, .yml or .json).`, hint: `shipped profiles are in ${displayPath(SHIPPED_PROFILE_DIR)}.` });
      }
      out.push(...files);
    } else {
      out.push(resolveProfileRef(ref));
    }
  }
  return [...new Set(out)];
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

export interface HashedProfile {
  loaded: LoadedProfile;
  path: string;
  sha256: string;
}

/** Loads every profile, collecting all errors before failing (one run shows every problem). */
export async function loadProfilesHashed(files: readonly string[]): Promise<{ profiles: HashedProfile[]; warnings: Diagnostic[] }> {
  const profiles: HashedProfile[] = [];
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const f of files) {
    try {
      const loaded = await loadProfile(f);
      warnings.push(...loaded.warnings);
      profiles.push({ loaded, path: displayPath(f), sha256: await sha256File(f) });
    } catch (e) {
      if (!isNmsimError(e)) throw e;
      errors.push(...e.diagnostics);
    }
  }
  if (errors.length > 0) throw new NmsimError(errors);
  const names = new Map<string, string>();
  for (const p of profiles) {
    const other = names.get(p.loaded.profile.name);
    if (other) {
      throw inputError({ code: 'review/duplicate-profile', file: p.path, path: 'name', message: `profile name "${p.loaded.profile.name}" is also used by ${other}.`, hint: 'give every profile in a review its own name.' });
    }
    names.set(p.loaded.profile.name, p.path);
  }
  return { profiles: profiles.sort((a, b) => (a.loaded.profile.name < b.loaded.profile.name ? -1 : 1)), warnings };
}

export interface OpenedBundle {
  bundle: TraceBundle;
  path: string;
  /** the folder's name, used as a short label */
  label: string;
  files: { path: string; sha256: string }[];
}

export const MANIFEST_ENTRY: CacheEntryKind = { prefix: 'manifest', what: "the manifest's check" };

/**
 * parseManifest through the cache `dir` (issue 16): a manifest.json whose text was checked before
 * (same text, same nmsim code) is read back as checked instead of through zod and the manifest's
 * checks again (~0.2 s CPU on the shipped bundle). The key is the text's content; a text that
 * fails the check throws as parseManifest does and stores nothing. The entry's warnings (an
 * unusable or unwritable entry) are dropped: the analysis entry in the same folder reports them.
 */
export function cachedManifestCheck(dir: string): (text: string, file: string) => Promise<Manifest> {
  return async (text, file) => {
    const key = async () =>
      createHash('sha256')
        .update(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: MANIFEST_ENTRY.prefix }))
        .update('\0')
        .update(text)
        .digest('hex');
    return (await cached(dir, key, async () => parseManifest(text, file), MANIFEST_ENTRY)).value;
  };
}

/** `cacheDir`: where checked manifests are remembered (cachedManifestCheck); absent = every manifest checked. */
export async function openBundlesHashed(paths: readonly string[], cacheDir?: string): Promise<OpenedBundle[]> {
  const out: OpenedBundle[] = [];
  const errors: Diagnostic[] = [];
  for (const p of paths) {
    try {
      const bundle = await openBundle(p, cacheDir === undefined ? {} : { parseManifest: cachedManifestCheck(cacheDir) });
      const hashes = await bundle.sha256();
      out.push({
        bundle,
        path: displayPath(p),
        label: path.basename(path.resolve(p)),
        files: Object.keys(hashes)
          .sort()
          .map((f) => ({ path: f, sha256: hashes[f] })),
      });
    } catch (e) {
      if (!isNmsimError(e)) throw e;
      errors.push(...e.diagnostics);
    }
  }
  if (errors.length > 0) {
    await Promise.all(out.map((b) => b.bundle.close()));
    throw new NmsimError(errors);
  }
  return out;
}

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
import { openBundle, sha256Of, MANIFEST_FILE, type TraceBundle } from '../trace/bundle.js';
import { parseManifest } from '../trace/manifest-check.js';
import type { Manifest } from '../trace/manifest.js';
import { TOOL_VERSION } from '../version.js';
import { CACHE_FORMAT, cached, codeFingerprint, encodeValue, type CacheEntryKind } from './cache.js';
import { MAX_SPEC_FILE_BYTES } from '../profile/read-spec.js';
import { findTechFile, techSearchDirs } from '../profile/tech.js';

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

export const PROFILE_ENTRY: CacheEntryKind = { prefix: 'profile', what: 'the profile' };

/** Carries a loaded profile that encodeValue cannot store out of `cached` (which then stores nothing). */
class Unstorable {
  constructor(readonly loaded: LoadedProfile) {}
}

/**
 * The file's bytes when it is a regular file loadProfile would read (≤ MAX_SPEC_FILE_BYTES), else
 * undefined: a FIFO, a folder, a missing or oversized file goes to loadProfile, whose error is the one to give.
 */
async function specBytes(file: string): Promise<Buffer | undefined> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() && stat.size <= MAX_SPEC_FILE_BYTES ? await fs.readFile(file) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * loadProfile(file) through the cache `dir` (issue 16: a rerun with one profile changed parsed
 * every YAML file and ran zod on every profile again, ~0.1–0.2 s). Key: sha256 of CACHE_FORMAT,
 * TOOL_VERSION, the code fingerprint, the path as given and resolved (LoadedProfile.file, the
 * warnings' file and the tech search folders come from it) and the tech search folders, then
 * the file's bytes. loadProfile reads nothing else but whether the tech file it names exists
 * (techSearchDirs order): a hit checks that again (findTechFile) and loads afresh when it fails,
 * so the error is loadProfile's. A profile that fails to load throws as loadProfile does and
 * stores nothing; one encodeValue cannot carry exactly is returned unstored. The entry's warnings
 * are dropped, as cachedManifestCheck's: the analysis entry in the same folder reports them.
 */
async function loadProfileCached(file: string, dir: string | undefined): Promise<{ loaded: LoadedProfile; sha256: string }> {
  const bytes = dir === undefined ? undefined : await specBytes(file);
  if (dir === undefined || bytes === undefined) {
    const loaded = await loadProfile(file);
    return { loaded, sha256: await sha256File(file) };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const key = async () =>
    createHash('sha256')
      .update(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: PROFILE_ENTRY.prefix, file, resolved: path.resolve(file), techDirs: techSearchDirs(file) }))
      .update('\0')
      .update(sha256)
      .digest('hex');
  try {
    const r = await cached(
      dir,
      key,
      async () => {
        const loaded = await loadProfile(file);
        try {
          encodeValue(loaded);
        } catch {
          throw new Unstorable(loaded);
        }
        return loaded;
      },
      PROFILE_ENTRY,
    );
    if (r.status === 'hit') {
      try {
        findTechFile(r.value.spec.tech, r.value.techDirs);
      } catch {
        return { loaded: await loadProfile(file), sha256 };
      }
    }
    return { loaded: r.value, sha256 };
  } catch (e) {
    if (e instanceof Unstorable) return { loaded: e.loaded, sha256 };
    throw e;
  }
}

/**
 * Loads every profile, collecting all errors before failing (one run shows every problem).
 * `cacheDir`: where loaded profiles are remembered by their file's bytes (loadProfileCached); absent = every file loaded.
 */
export async function loadProfilesHashed(files: readonly string[], cacheDir?: string): Promise<{ profiles: HashedProfile[]; warnings: Diagnostic[] }> {
  const profiles: HashedProfile[] = [];
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const f of files) {
    try {
      const { loaded, sha256 } = await loadProfileCached(f, cacheDir);
      warnings.push(...loaded.warnings);
      profiles.push({ loaded, path: displayPath(f), sha256 });
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

export const FILE_HASH_ENTRY: CacheEntryKind = { prefix: 'filehash', what: "the file's sha256" };

/**
 * trace/bundle.ts sha256Of through the cache `dir` (issue 16: every rerun read and hashed the
 * whole bundle again, 7.9 MB for the shipped one, ~25 ms, for hashes that change only with a
 * file). Key: CACHE_FORMAT, TOOL_VERSION, the code fingerprint, the absolute path and the file's
 * identity as stat gives it in nanoseconds: device, inode, size, mtime and ctime. Any write to
 * the file moves its ctime (which no tool can set back, unlike mtime: `touch -r` restores an mtime,
 * never a ctime), and a file replaced by a rename has another inode, so changed bytes are never
 * read as the old hash. What is not a regular file is hashed by sha256Of (whose error is the one
 * to give). The entries' warnings are dropped, as cachedManifestCheck's.
 */
export function cachedFileHash(dir: string): (abs: string) => Promise<string> {
  return async (abs) => {
    let stat;
    try {
      stat = await fs.stat(abs, { bigint: true });
    } catch {
      return sha256Of(abs);
    }
    if (!stat.isFile()) return sha256Of(abs);
    const identity = { file: abs, dev: String(stat.dev), ino: String(stat.ino), size: String(stat.size), mtimeNs: String(stat.mtimeNs), ctimeNs: String(stat.ctimeNs) };
    const key = async () => createHash('sha256').update(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: FILE_HASH_ENTRY.prefix, ...identity })).digest('hex');
    return (await cached(dir, key, () => sha256Of(abs), FILE_HASH_ENTRY)).value;
  };
}

/** `cacheDir`: where checked manifests and file hashes are remembered (cachedManifestCheck, cachedFileHash); absent = every manifest checked and every file hashed. */
export async function openBundlesHashed(paths: readonly string[], cacheDir?: string): Promise<OpenedBundle[]> {
  const out: OpenedBundle[] = [];
  const errors: Diagnostic[] = [];
  for (const p of paths) {
    try {
      const bundle = await openBundle(p, cacheDir === undefined ? {} : { parseManifest: cachedManifestCheck(cacheDir) });
      const hashes = await bundle.sha256(cacheDir === undefined ? undefined : cachedFileHash(cacheDir));
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

/**
 * What loadTech(name, dirs) can read (the key of profile-cache.ts cachedTech): every file findTechFile could find in `dirs` (a tech file
 * and the nodes it derives or scales from are looked up by name in those folders, a base next to
 * its file first — one of them too), as name → sha256 of its bytes, per folder; a file that is one
 * of the review's loaded profiles is listed as 'profile' instead of its bytes: loadTech refuses a
 * profile (tech/is-profile), so a load that succeeded read none, and editing a profile (a rerun's
 * usual change) leaves its tech key alone. undefined when a folder cannot be listed or a file read.
 */
export async function techFilesPart(dirs: readonly string[], profiles: readonly HashedProfile[]): Promise<string | undefined> {
  const loaded = new Set(profiles.map((h) => path.resolve(h.loaded.file)));
  const out: { dir: string; files: [string, string][] }[] = [];
  try {
    for (const dir of dirs) {
      const names = await fs.readdir(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [] as string[];
        throw e;
      });
      const files: [string, string][] = [];
      for (const name of names.filter((n) => SPEC_EXTENSIONS.some((e) => n.endsWith(e))).sort()) {
        const file = path.join(dir, name);
        // findTechFile takes a regular file (a link to one too) and skips anything else
        const stat = await fs.stat(file).catch(() => undefined);
        if (!stat?.isFile()) continue;
        files.push([name, loaded.has(path.resolve(file)) ? 'profile' : createHash('sha256').update(await fs.readFile(file)).digest('hex')]);
      }
      out.push({ dir, files });
    }
  } catch {
    return undefined;
  }
  return JSON.stringify(out);
}

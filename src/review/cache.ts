/**
 * The review's analysis cache: what the review reads of the analysis of the primary bundle (both
 * passes summarised by review/measure.ts summariseAnalysis, with the notes and warnings; a few
 * KB, not the 7.4 MB of both AnalysisResults) stored on disk, so a rerun that changes only
 * profiles or performance options skips the analysis (about two thirds of a review of the
 * shipped defaults). pruneCache (below) keeps the folder from growing without bound.
 *
 *   key = sha256(canonical JSON of { CACHE_FORMAT, TOOL_VERSION, code: codeFingerprint(),
 *                                    bundle: display path, absolute root, sha256 of every file
 *                                            (manifest + tensors, streamed by trace/bundle.ts),
 *                                    plan: everything the analysis is a function of })
 *   entry = <dir>/analysis-<key>.json = { format, key, value }
 *
 * `cached()` stores other kinds of entries the same way under their own prefix (profile-cache.ts:
 * points-<key>.json and serving-<key>.json per profile; inputs.ts: manifest-<key>.json per checked
 * manifest text; report/png-cache.ts keeps chart PNGs beside them).
 *
 * The key is content, never size or mtime: a bundle file whose bytes change under the same size
 * and mtime gets a new key. The code fingerprint (every .js/.ts file of nmsim's own src/ or dist/)
 * makes a changed nmsim a new key, so a development checkout never reads an entry its old code
 * wrote, without anyone remembering to bump CACHE_FORMAT. The bundle's path is in the key because the analysis's notes and
 * warnings quote it. Entries are written to a temp file and renamed into place (a reader never
 * sees half an entry); an entry that does not parse, or whose format or key is not the expected
 * one, is ignored with a warning and rewritten. A cache that cannot be read or written costs a
 * warning, never the review: the cache only ever saves time.
 *
 * Values are JSON with non-finite numbers and −0 tagged ({"$num": "NaN"}), so what comes back is
 * the value that went in; anything JSON cannot carry exactly (a Map, a typed array, undefined in
 * an array) is a bug and throws before anything is written.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../diagnostics.js';

/** Bumped whenever what an entry holds, or how the analysis is computed, changes shape. */
export const CACHE_FORMAT = 'nmsim-review-analysis-cache/2';
export const CACHE_DIR_ENV = 'NMSIM_CACHE_DIR';
/** The default cache folder's name, beside the report's --out folder. */
export const CACHE_FOLDER = '.nmsim-cache';

/** $NMSIM_CACHE_DIR when set, else `.nmsim-cache/` beside the report folder `outDir`. */
export function defaultCacheDir(outDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[CACHE_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return path.join(path.dirname(path.resolve(outDir)), CACHE_FOLDER);
}

/** The folder holding nmsim's code as it runs: src/ (tests) or dist/ (the CLI, the package). */
const CODE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function codeFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) out.push(...codeFiles(dir, r));
    else if (d.isFile() && /\.(js|ts)$/.test(d.name) && !d.name.endsWith('.d.ts')) out.push(r);
  }
  return out;
}

let fingerprint: Promise<string> | undefined;

/**
 * sha256 over the path and bytes of every code file of nmsim (about 2 MB; computed once per
 * process). Read synchronously: ~400 small files, each an awaited read, were ~400 round trips to
 * libuv's pool (~0.15 s of a review's start with the main thread idle); read in a row they take
 * ~20 ms.
 */
export function codeFingerprint(dir = CODE_DIR): Promise<string> {
  const compute = async () => {
    const hash = createHash('sha256');
    for (const f of codeFiles(dir).sort()) hash.update(`${f}\0`).update(readFileSync(path.join(dir, f))).update('\0');
    return hash.digest('hex');
  };
  if (dir !== CODE_DIR) return compute();
  fingerprint ??= compute();
  return fingerprint;
}

export interface CacheKeyInput {
  toolVersion: string;
  /** codeFingerprint() */
  code: string;
  bundle: { path: string; root: string; files: readonly { path: string; sha256: string }[] };
  /** the analysis plan: every option the analysed value depends on (plain data) */
  plan: unknown;
}

/** JSON with object keys sorted at every level: the same data always gives the same text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function analysisCacheKey(input: CacheKeyInput): string {
  const text = canonicalJson({ format: CACHE_FORMAT, toolVersion: input.toolVersion, code: input.code, bundle: input.bundle, plan: input.plan });
  return createHash('sha256').update(text).digest('hex');
}

/** What a cache entry holds: its file name's prefix and the noun its warnings use. */
export interface CacheEntryKind {
  /** file name prefix: `<prefix>-<key>.json` */
  prefix: string;
  /** e.g. "the analysis" (warnings: "… runs again") */
  what: string;
}

export const ANALYSIS_ENTRY: CacheEntryKind = { prefix: 'analysis', what: 'the analysis' };

export function cacheEntryFile(dir: string, key: string, kind: CacheEntryKind = ANALYSIS_ENTRY): string {
  return path.join(dir, `${kind.prefix}-${key}.json`);
}

const NUM_TAG = '$num';

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Thrown by `tagged` on what JSON cannot carry; encodeValue then names the place (`described`). */
const UNCARRIABLE = new Error('uncarriable');

function numberTag(v: number): { [NUM_TAG]: string } {
  return { [NUM_TAG]: Object.is(v, -0) ? '-0' : String(v) };
}

/**
 * `v` itself when JSON.stringify carries it exactly, else a copy with non-finite numbers and −0
 * tagged — copying only the arrays and objects on the way to a tag, so an MB-sized value with no
 * tag (a points entry) costs one walk and no allocation. Throws UNCARRIABLE on what JSON cannot carry.
 */
function tagged(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : numberTag(v);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === undefined) throw UNCARRIABLE;
      const t = tagged(x);
      if (out === undefined && t !== x) out = v.slice(0, i);
      if (out !== undefined) out.push(t);
    }
    return out ?? v;
  }
  if (typeof v === 'object' && isPlainObject(v)) {
    if (NUM_TAG in v) throw UNCARRIABLE;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const x = o[keys[i]];
      // JSON.stringify leaves an undefined property out, as the copy does
      const t = x === undefined ? x : tagged(x);
      if (out === undefined && t !== x) {
        out = {};
        for (let j = 0; j < i; j++) if (o[keys[j]] !== undefined) out[keys[j]] = o[keys[j]];
      }
      if (out !== undefined && t !== undefined) out[keys[i]] = t;
    }
    return out ?? v;
  }
  throw UNCARRIABLE;
}

/** The tagged copy of `v` built node by node with its place named in every error (the slow path of encodeValue's errors). */
function described(v: unknown, where: string): unknown {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : numberTag(v);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    return v.map((x, i) => {
      if (x === undefined) throw new Error(`analysis cache: undefined at ${where}[${i}] cannot be stored`);
      return described(x, `${where}[${i}]`);
    });
  }
  if (typeof v === 'object' && isPlainObject(v)) {
    if (NUM_TAG in v) throw new Error(`analysis cache: the key "${NUM_TAG}" at ${where} is reserved`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = described(x, `${where}.${k}`);
    return out;
  }
  throw new Error(`analysis cache: ${where} is a ${typeof v === 'object' ? (Object.getPrototypeOf(v)?.constructor?.name ?? 'object') : typeof v}, which JSON cannot carry exactly`);
}

/** The value as JSON text that decodes to exactly this value; throws on what JSON cannot carry. */
export function encodeValue(value: unknown): string {
  let plain: unknown;
  try {
    plain = tagged(value);
  } catch (e) {
    if (e !== UNCARRIABLE) throw e;
    // the error names the place (or, for a case `tagged` refuses that the old walk took, e.g. an array hole, its text)
    plain = described(value, 'value');
  }
  return JSON.stringify(plain);
}

/** The number a tag object stands for; `undefined` when `v` is no tag. */
function untag(v: unknown): number | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (!(NUM_TAG in o)) return undefined;
  const keys = Object.keys(o);
  if (keys.length !== 1 || keys[0] !== NUM_TAG) return undefined;
  const s = o[NUM_TAG];
  if (s === 'NaN') return NaN;
  if (s === 'Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  if (s === '-0') return -0;
  throw new SyntaxError(`unknown number tag ${JSON.stringify(s)}`);
}

/** Replaces the tags in a freshly parsed value in place (children first, as a reviver would). */
function untagInPlace(v: unknown): void {
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null || typeof x !== 'object') continue;
      untagInPlace(x);
      const n = untag(x);
      if (n !== undefined) v[i] = n;
    }
    return;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === null || typeof x !== 'object') continue;
    untagInPlace(x);
    const n = untag(x);
    if (n !== undefined) o[k] = n;
  }
}

export function decodeValue(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // a reviver costs ~3× the parse: the tags are replaced in place, and only when one can be there
  if (!text.includes(`"${NUM_TAG}"`)) return value;
  untagInPlace(value);
  const n = untag(value);
  return n !== undefined ? n : value;
}

export type CacheStatus = 'hit' | 'miss' | 'off';

/** An entry file's text, or why it could not be read. */
export type EntryRead = { text: string } | { error: unknown };

/** Reads an entry file; never rejects (a read started ahead and never awaited cannot be an unhandled rejection). */
export function readEntry(file: string): Promise<EntryRead> {
  return fs.readFile(file, 'utf8').then(
    (text) => ({ text }),
    (error: unknown) => ({ error }),
  );
}

/**
 * The value of the entry `key` of `kind` in `dir`, or undefined where there is none or it is not a
 * valid entry for that key (no warning: for a lookup that has a computation to fall back on, whose
 * own entry cached() then writes). A value read is marked used (touch).
 */
export async function readValue(dir: string, key: string, kind: CacheEntryKind): Promise<unknown> {
  const file = cacheEntryFile(dir, key, kind);
  const read = await readEntry(file);
  if (!('text' in read)) return undefined;
  try {
    const value = entryValue(read.text, key);
    touch(file);
    return value;
  } catch {
    return undefined;
  }
}

/** The value an entry's text holds for `key`; a SyntaxError where the text is not a valid entry of CACHE_FORMAT for that key. */
function entryValue(text: string, key: string): unknown {
  const entry = decodeValue(text) as { format?: unknown; key?: unknown; value?: unknown };
  if (entry === null || typeof entry !== 'object' || entry.format !== CACHE_FORMAT || entry.key !== key || !('value' in entry)) {
    throw new SyntaxError(`not a ${CACHE_FORMAT} entry for key ${key.slice(0, 12)}…`);
  }
  return entry.value;
}

export interface Cached<T> {
  value: T;
  status: CacheStatus;
  /** cache problems (an unreadable or corrupt entry, a folder that cannot be written): never fatal */
  warnings: Diagnostic[];
  /** the entry file, when a cache folder was given */
  file?: string;
}

/**
 * Cache entries a review computed and has not written yet (cached() `store.defer`): a miss's
 * encoding and writing (~20–50 ms for a points entry) moved off the review's path to where its main
 * thread waits for the charts' rasterising threads (`nmsim review`: cli/commands/review.ts
 * reviewAndWrite flushes them then, and again in any case before it returns). Whoever defers must
 * flush; a value handed out stays unchanged until then (plain data the report only reads — the
 * rerun tests compare a review from these entries with one computed afresh).
 */
export class DeferredStores {
  private readonly pending: (() => Promise<Diagnostic[]>)[] = [];

  add(store: () => Promise<Diagnostic[]>): void {
    this.pending.push(store);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Writes every pending entry, in the order deferred; their warnings (a folder that cannot be written). */
  async flush(): Promise<Diagnostic[]> {
    const warnings: Diagnostic[] = [];
    for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift()) warnings.push(...(await next()));
    return warnings;
  }
}

/** How cached() stores a computed value. */
export interface StoreOptions<T> {
  /** what the entry holds (default: the value): a hit hands this back, so the caller undoes it (profile-cache.ts packPoints); it must not change `value` */
  stored?: (value: T) => unknown;
  /** write the entry when `defer` is flushed instead of before returning (status 'miss' either way; a failed write's warning comes from flush) */
  defer?: DeferredStores;
  /** true for a computed value not to store (profile-cache.ts: records another entry holds already) */
  skip?: (value: T) => boolean;
}

/**
 * The cached value for `key` in `dir`, else `compute()` stored there. `dir` undefined: no cache
 * (compute, store nothing, and the key — a function — is not even computed). A corrupt entry is reported and replaced; an error thrown by
 * `compute` propagates and nothing is stored. A hit returns what the entry holds (`store.stored`'s
 * form); a miss returns the computed value itself.
 */
export async function cached<T>(
  dir: string | undefined,
  keyOf: string | (() => Promise<string>),
  compute: () => Promise<T>,
  kind: CacheEntryKind = ANALYSIS_ENTRY,
  /** readEntry(cacheEntryFile(dir, key, kind)) started earlier (profile-cache.ts reads the next entries while one is decoded or computed) */
  prefetched?: Promise<EntryRead>,
  store: StoreOptions<T> = {},
): Promise<Cached<T>> {
  if (dir === undefined) return { value: await compute(), status: 'off', warnings: [] };
  const key = typeof keyOf === 'string' ? keyOf : await keyOf();
  const file = cacheEntryFile(dir, key, kind);
  const what = kind.what;
  const warnings: Diagnostic[] = [];
  let text: string | undefined;
  const read = await (prefetched ?? readEntry(file));
  if ('text' in read) text = read.text;
  else if (!['ENOENT', 'ENOTDIR'].includes((read.error as NodeJS.ErrnoException).code ?? '')) {
    // no entry (or no folder, or a file where the folder should be: the write reports that) is no warning
    warnings.push({ code: 'review/cache-unreadable', severity: 'warning', file, message: `the ${kind.prefix} cache entry could not be read (${(read.error as Error).message}); ${what} runs again.`, hint: `remove ${file}, or pass --no-cache.` });
  }
  if (text !== undefined) {
    try {
      const value = entryValue(text, key) as T;
      touch(file);
      return { value, status: 'hit', warnings, file };
    } catch (e) {
      warnings.push({
        code: 'review/cache-corrupt',
        severity: 'warning',
        file,
        message: `the ${kind.prefix} cache entry is unusable (${(e as Error).message}); it is ignored, ${what} runs again and the entry is rewritten.`,
        expected: `a ${CACHE_FORMAT} entry`,
        hint: 'an interrupted copy or an edited file can do this; nothing is needed, or remove the cache folder.',
      });
    }
  }
  const value = await compute();
  if (store.skip?.(value)) return { value, status: 'miss', warnings, file };
  const write = () => writeEntry(dir, key, kind, store.stored ? store.stored(value) : value);
  if (store.defer) store.defer.add(write);
  else warnings.push(...(await write()));
  return { value, status: 'miss', warnings, file };
}

/** Stores `value` as the entry `key` of `kind` in `dir` (a temporary file renamed into place); a failure is a warning, never fatal. */
export async function writeEntry(dir: string, key: string, kind: CacheEntryKind, value: unknown): Promise<Diagnostic[]> {
  const file = cacheEntryFile(dir, key, kind);
  const body = encodeValue({ format: CACHE_FORMAT, key, value });
  const tmp = path.join(dir, `.${kind.prefix}-${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, file);
    return [];
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    return [{ code: 'review/cache-unwritable', severity: 'warning', file, message: `${kind.what} could not be stored in the cache (${(e as Error).message}); the next review ${kind === ANALYSIS_ENTRY ? 'analyses' : 'computes it'} again.`, hint: `set ${CACHE_DIR_ENV} to a writable folder, or pass --no-cache.` }];
  }
}

/**
 * Marks an entry as just used (its mtime, which pruneCache orders by): an entry every review
 * reads but none rewrites stays the newest. A folder that cannot be written only loses the mark.
 */
export function touch(file: string): void {
  const now = new Date();
  fs.utimes(file, now, now).catch(() => undefined);
}

/**
 * How many entries of each kind pruneCache keeps (newest first). A review of the shipped inputs
 * uses 1 analysis entry, 1 manifest entry per bundle, 1 filehash entry per bundle file (23 for the
 * shipped bundle), 1 accuracy entry, 9 profile, 2 tech, 7 points (one per reviewed core, its
 * variants and provisioning twin included) with as many aliases, 7 serving entries, 44 serving
 * rows per perf view and 9 chart PNGs (a clock change adds 5); the points entries are the big ones
 * (40 KB–1.2 MB each, ~4.5 MB per review of the shipped profiles), a perf view's rows 0.3–18 KB.
 */
export const CACHE_KEEP: Readonly<Record<string, number>> = { analysis: 4, manifest: 8, masks: 8, accuracy: 8, filehash: 64, profile: 32, tech: 16, points: 32, pointsalias: 32, serving: 32, servingview: 128, png: 48 };

/** An entry's name: `<kind>-<64 hex digits>.json|png` (cached() and report/png-cache.ts). */
const ENTRY_NAME = /^([a-z]+)-[0-9a-f]{64}\.(json|png)$/;
/** A temp file of an interrupted write: `.<entry name>.<pid>.<random>.tmp` */
const TEMP_NAME = /^\.[a-z]+-[0-9a-f]{64}(\.json|\.png)?\.\d+\.[0-9a-f]+\.tmp$/;
/** A temp file older than this is an interrupted write, never one in progress. */
export const STALE_TEMP_MS = 3_600_000;

/**
 * Keeps the cache folder from growing without bound: per kind (CACHE_KEEP), every entry but the
 * `keep` most recently used (mtime: written or read, `touch`) is removed, and so is a temp file
 * of an interrupted write older than STALE_TEMP_MS. An entry used at or after `usedSinceMs`
 * (epoch ms: the current review's) is never removed, whatever the count. Only nmsim's own entry
 * names are touched; anything else in the folder stays. Failures are ignored (a file another
 * review removed first, a read-only folder): pruning only ever saves space. Returns the names removed.
 */
export async function pruneCache(dir: string, usedSinceMs: number, keep: Readonly<Record<string, number>> = CACHE_KEEP, nowMs = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const byKind = new Map<string, { name: string; mtimeMs: number }[]>();
  const doomed: string[] = [];
  for (const name of names) {
    const kind = ENTRY_NAME.exec(name)?.[1];
    const temp = TEMP_NAME.test(name);
    if (kind === undefined && !temp) continue;
    if (kind !== undefined && keep[kind] === undefined) continue;
    let mtimeMs: number;
    try {
      mtimeMs = (await fs.stat(path.join(dir, name))).mtimeMs;
    } catch {
      continue;
    }
    if (temp) {
      if (nowMs - mtimeMs > STALE_TEMP_MS) doomed.push(name);
      continue;
    }
    const list = byKind.get(kind!) ?? [];
    list.push({ name, mtimeMs });
    byKind.set(kind!, list);
  }
  for (const [kind, list] of byKind) {
    // newest first; equal times by name, so the same folder always prunes the same way
    list.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? -1 : 1));
    list.forEach((e, i) => {
      if (i >= keep[kind] && e.mtimeMs < usedSinceMs) doomed.push(e.name);
    });
  }
  const removed: string[] = [];
  for (const name of doomed.sort()) {
    try {
      await fs.rm(path.join(dir, name));
      removed.push(name);
    } catch {
      // removed by another review meanwhile, or not ours to remove: nothing to do
    }
  }
  return removed;
}

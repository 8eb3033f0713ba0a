/**
 * The review's per-profile caches (issue 16: a rerun with one profile changed recomputes that
 * profile only). Two things are computed per profile after the analysis, and each is stored per
 * profile beside the analysis entry (cache.ts `cached`, same atomic entries and warnings):
 *
 *   points-<key>.json   evaluatePoints (points.ts) over that profile's points alone: its design
 *                       points, area report, tech rows and energy rows (indices re-based on load)
 *   serving-<key>.json  servingFor (serving.ts) of that profile alone: its serving rows
 *
 *   key = sha256(encodeValue({ CACHE_FORMAT, TOOL_VERSION, code fingerprint, kind,
 *                              shared: everything the computation reads that no profile changes,
 *                              profile: its path, file sha256, the loaded profile and tech dirs,
 *                              tech: the tech library loadTech returns for it (points only) }))
 *
 * The key holds the values the computation reads, not the files they came from: the loaded
 * profile (so a tech/ include or a unit spelling is seen as what it means), the loaded tech
 * library (a `scaledFrom` base file included), and for the points the result of every lookup
 * function of PointInputs (accuracy and proxy of every configuration, accuracy of every weight
 * run) — the functions themselves are pure lookups over the analysis and the manifest, so their
 * results are what they contribute. Anything encodeValue cannot carry exactly (a Map, a typed
 * array) makes that layer uncached rather than keyed on a lossy text. The code fingerprint
 * makes any change to nmsim a new key, as for the analysis.
 *
 * Evaluating one loaded profile's points alone (with its design-axis variants, review/axes.ts,
 * which are consecutive in the list and share perf estimates) gives what evaluatePoints over every
 * point gives for them: evaluatePoints works profile by profile (its tech and estimate memos
 * aside), so the records of the sub-list starting at profile f are the full list's records with
 * point index k → f·perProfile + k, profile and energy index i → f + i
 * (test/review/profile-cache.test.ts checks the union against one evaluatePoints).
 */
import { createHash } from 'node:crypto';
import { loadTech, type TechLibrary } from '../profile/tech.js';
import { TOOL_VERSION } from '../version.js';
import { CACHE_FORMAT, cached, cacheEntryFile, codeFingerprint, encodeValue, readEntry, readValue, writeEntry, type CacheEntryKind, type CacheStatus, type DeferredStores, type EntryRead, type StoreOptions } from './cache.js';
import type { Diagnostic } from '../diagnostics.js';
import { techFilesPart, type HashedProfile } from './inputs.js';
import { evaluatePoints, weightPatternsOn, type EnergyRecord, type PointInputs, type PointRecord, type PointRecords, type ProfileRecord } from './points.js';
import type { Accuracy, CoreVariant, DesignPoint } from '../explore/design-point.js';
import { accuracyFor, weightAccuracy, type MeasuredRun, type MeasuredWeightRun, type ProxyAccuracy, type SweepConfig } from '../explore/accuracy.js';
import { servingFor, servingForProfile, servingPatternsOf, servingWeightBytes, SERVING_BATCHES, type PrefillSims, type ServingChoiceRow, type ServingMix, type ServingResult } from './serving.js';
import { patternKey } from '../explore/design-point.js';
import type { ModelShape } from '../workload/model-shape.js';
import type { MeasuredSparsity } from '../perf/measured-sparsity.js';
import { perfViewKey } from '../perf/hardware-view.js';
import type { Pattern } from '../sparsity/pattern.js';
import type { HardwareProfile } from '../profile/schema.js';

export const POINTS_ENTRY: CacheEntryKind = { prefix: 'points', what: "the profile's design points" };
export const SERVING_ENTRY: CacheEntryKind = { prefix: 'serving', what: "the profile's serving metrics" };
/** One perf view's serving rows (servingForCached: read when its profile's serving entry misses, so a core reviewed under another name keeps them). */
export const SERVING_VIEW_ENTRY: CacheEntryKind = { prefix: 'servingview', what: "one perf view's serving metrics" };

/** Per loaded profile (in profile order; for the points, one entry holds all its design-axis variants): whether its entry was read ('hit'), computed and stored ('miss'), or no cache ('off'). */
export type ProfileCacheStatus = CacheStatus[];

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** encodeValue's text, or undefined when the value holds something it cannot carry exactly. */
function exactText(value: unknown): string | undefined {
  try {
    return encodeValue(value);
  } catch {
    return undefined;
  }
}

function profilePart(h: HashedProfile): string | undefined {
  return exactText({ path: h.path, sha256: h.sha256, profile: h.loaded.profile, techDirs: h.loaded.techDirs });
}

async function entryKey(kind: CacheEntryKind, shared: string, profile: string, tech: string | null): Promise<string> {
  return sha256(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: kind.prefix, shared, profile, tech }));
}

export const TECH_ENTRY: CacheEntryKind = { prefix: 'tech', what: "the tech library's digest" };

/**
 * sha256 of encodeValue(loadTech(name, dirs)) — what the points key holds of the tech library —
 * and the library itself, through the cache `dir` (issue 16: loading the shipped 5nm library,
 * derived from asap7 and scaled from it and nangate45, parsed ~5 YAML files with energy tables on
 * every rerun, ~0.1 s). Key: CACHE_FORMAT, TOOL_VERSION, the code fingerprint, the name, the
 * folders and techFilesPart (every file loadTech could read, by content). The entry holds the
 * library's exact text decoded (the value encodeValue carries exactly: what the key hashed), so the
 * changed profile's points (evaluatePoints, `techs`) take it too. digest undefined (that layer
 * uncached) when the library holds what encodeValue cannot carry exactly; a folder that cannot be
 * read leaves the tech uncached but still gives the digest.
 */
export async function cachedTech(dir: string, name: string, dirs: readonly string[], profiles: readonly HashedProfile[]): Promise<{ digest?: string; library?: TechLibrary }> {
  const compute = async (): Promise<{ digest: string; library: TechLibrary } | null> => {
    const library = await loadTech(name, dirs);
    const text = exactText(library);
    return text === undefined ? null : { digest: sha256(text), library };
  };
  const files = await techFilesPart(dirs, profiles);
  const key = async () => sha256(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: TECH_ENTRY.prefix, name, dirs, files }));
  const r = files === undefined ? await compute() : (await cached(dir, key, compute, TECH_ENTRY)).value;
  return r ?? {};
}

export const ACCURACY_ENTRY: CacheEntryKind = { prefix: 'accuracy', what: 'the accuracy of the swept configurations' };

/** What the review's accuracy lookups read (run-review.ts prepareReview). */
export interface AccuracySources {
  configs: readonly SweepConfig[];
  /** the screened measured runs of the primary bundle */
  measured: readonly MeasuredRun[];
  proxies: readonly ProxyAccuracy[];
  weightRuns: readonly MeasuredWeightRun[];
  /** the primary bundle's display path (the accuracies' sources quote it) */
  bundleLabel: string;
}

/**
 * explore/accuracy.ts accuracyFor of every configuration and weightAccuracy of every weight run,
 * through the cache `dir` (issue 16: a measured run's accuracy carries a seeded bootstrap interval
 * over its stories, ~35 ms of every rerun for values that only change with the manifest). Key:
 * CACHE_FORMAT, TOOL_VERSION, the code fingerprint and the exact text of everything the two
 * functions read (the configurations, the measured runs with their per-story NLL, the proxies,
 * the weight runs, the bundle's label); a value encodeValue cannot carry leaves it uncached.
 * Returns the lookups PointInputs takes: one object per configuration and weight run (the same
 * one each call), and for anything outside the lists the functions themselves.
 */
export async function accuracyLookupsCached(
  dir: string | undefined,
  src: AccuracySources,
): Promise<{ accuracy: (c: SweepConfig) => Accuracy | undefined; weightAccuracy: (r: MeasuredWeightRun) => Accuracy; status: CacheStatus; warnings: Diagnostic[] }> {
  const compute = async () => ({
    configs: src.configs.map((c) => accuracyFor(c, src.measured, src.proxies, src.bundleLabel) ?? null),
    weightRuns: src.weightRuns.map((r) => weightAccuracy(r, src.bundleLabel)),
  });
  const text = dir === undefined ? undefined : exactText(src);
  const r = await cached(
    text === undefined ? undefined : dir,
    async () => sha256(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: ACCURACY_ENTRY.prefix, sources: sha256(text!) })),
    compute,
    ACCURACY_ENTRY,
  );
  const byConfig = new Map<SweepConfig, Accuracy | undefined>(src.configs.map((c, i) => [c, r.value.configs[i] ?? undefined]));
  const byRun = new Map<MeasuredWeightRun, Accuracy>(src.weightRuns.map((w, i) => [w, r.value.weightRuns[i]]));
  return {
    accuracy: (c) => (byConfig.has(c) ? byConfig.get(c) : accuracyFor(c, src.measured, src.proxies, src.bundleLabel)),
    weightAccuracy: (w) => byRun.get(w) ?? weightAccuracy(w, src.bundleLabel),
    status: r.status,
    warnings: r.warnings,
  };
}

/** The parts of a group's entry key that no profile of it changes: the shared inputs' digest and its tech libraries' (null: not keyed on tech). */
interface GroupKeyParts {
  shared: string;
  techs: string | null;
}

/**
 * For each group of profiles (`groups`: runs of indices into `profiles`): `compute(g)` through the
 * cache `dir` under a key of `shared` and the group's parts (each profile's, plus its tech library
 * when `withTech`, plus `extra(g)`). `shared` undefined (not exactly encodable) or `dir` undefined:
 * computed, nothing stored.
 */
async function perGroup<T>(
  dir: string | undefined,
  kind: CacheEntryKind,
  shared: string | undefined,
  profiles: readonly HashedProfile[],
  groups: readonly (readonly number[])[],
  withTech: boolean,
  extra: (g: number) => unknown,
  /** `parts`: what the group's key was made of (undefined where the group is not cached) */
  compute: (g: number, parts?: GroupKeyParts) => Promise<T>,
  /** where the tech libraries read for the keys are left for `compute` (by `${tech}|${techDirs}`, evaluatePoints' own key) */
  libraries?: Map<string, TechLibrary>,
  /** how a computed value is stored (cache.ts cached) */
  store: StoreOptions<T> = {},
): Promise<{ values: T[]; status: ProfileCacheStatus; warnings: Diagnostic[]; keys: (string | undefined)[]; parts: (GroupKeyParts | undefined)[] }> {
  const values: T[] = [];
  const status: ProfileCacheStatus = [];
  const warnings: Diagnostic[] = [];
  const sharedDigest = shared === undefined ? undefined : sha256(shared);
  // per tech name and folders: the sha256 of the loaded library's exact text (cachedTech's digest)
  const techText = new Map<string, string | undefined>();
  // first every group's key, and its entry's read started (the reads overlap decoding and computing the earlier groups)
  const keys: (string | undefined)[] = [];
  const keyParts: (GroupKeyParts | undefined)[] = [];
  const reads: (Promise<EntryRead> | undefined)[] = [];
  for (let g = 0; g < groups.length; g++) {
    const parts: string[] = [];
    const techs: string[] = [];
    let cacheable = dir !== undefined && shared !== undefined;
    for (const pi of groups[g]) {
      if (!cacheable) break;
      const h = profiles[pi];
      const part = profilePart(h);
      if (part === undefined) cacheable = false;
      else parts.push(sha256(part));
      if (cacheable && withTech) {
        const techKey = `${h.loaded.profile.tech}|${h.loaded.techDirs.join('|')}`;
        if (!techText.has(techKey)) {
          const t = await cachedTech(dir!, h.loaded.profile.tech, h.loaded.techDirs, profiles);
          techText.set(techKey, t.digest);
          if (t.library) libraries?.set(techKey, t.library);
        }
        const t = techText.get(techKey);
        if (t === undefined) cacheable = false;
        else techs.push(t);
      }
    }
    const extraText = cacheable ? exactText(extra(g)) : undefined;
    if (extraText === undefined) cacheable = false;
    const key = cacheable ? await entryKey(kind, sharedDigest!, sha256(JSON.stringify({ parts, extra: extraText })), withTech ? sha256(JSON.stringify(techs)) : null) : undefined;
    keys.push(key);
    keyParts.push(key === undefined ? undefined : { shared: sharedDigest!, techs: withTech ? sha256(JSON.stringify(techs)) : null });
    reads.push(key === undefined ? undefined : readEntry(cacheEntryFile(dir!, key, kind)));
  }
  for (let g = 0; g < groups.length; g++) {
    const key = keys[g];
    const r = await cached(key === undefined ? undefined : dir, key ?? '', () => compute(g, keyParts[g]), kind, reads[g], store);
    values.push(r.value);
    status.push(r.status);
    warnings.push(...r.warnings);
  }
  return { values, status, warnings, keys, parts: keyParts };
}

/**
 * A points entry as stored, so that a hit parses about a third of what evaluatePoints returns:
 *   - every design point's `accuracy` and `proxy` — the lookups of its configuration (or weight
 *     run), inputs.accuracy/proxy/weightAccuracy, whose results the entry's key holds — is null
 *     (in place, so the point's keys keep their order): a measured accuracy carries its per-story
 *     NLL sums and token counts (~2.5 KB), repeated on every variant × configuration;
 *   - a point with the same profile, pattern and keys as an earlier full point of the entry is
 *     `{ $like: <that record's position>, <only the fields that differ> }`: a variant's
 *     configurations of one pattern share its hardware figures (decode rows, speed-ups, areas,
 *     chip, variant), so what remains is the id, criterion and mitigation.
 * `unpackPoints` undoes both on load; an expanded point shares its base's unchanged field values
 * (plain data no one mutates, as the sweep already shares patterns and accuracies between points).
 * A point whose accuracy or proxy is not its lookup's value (none today) is stored as it is.
 * `records` is not changed.
 */
export function packPoints(records: PointRecords, inputs: Pick<PointInputs, 'configs' | 'weightRuns' | 'accuracy' | 'proxy' | 'weightAccuracy'>): PointRecords {
  const lookups = pointLookups(inputs);
  const same = (a: unknown, b: unknown) => a === b || (b !== undefined && sameJson(a, b));
  // per profile, pattern and key list: the position of the first full point, the base of the next ones
  const bases = new Map<string, { at: number; point: Record<string, unknown> }>();
  return {
    ...records,
    // a variant's area report, tech rows and dense energy repeat its first variant's but where the design differs
    profiles: records.profiles.map((p, at) => {
      if (at === 0) return p;
      const d = deltaOf(records.profiles[0], p);
      return d === undefined || d === null ? p : ({ [LIKE]: 0, [DELTA]: d } as unknown as ProfileRecord);
    }),
    points: records.points.map((r, at) => {
      if (!r.point) return r;
      const want = lookups(r.index);
      const point: Record<string, unknown> = { ...r.point };
      if (same(r.point.accuracy, want.accuracy)) point.accuracy = null;
      if (r.point.proxy !== undefined && same(r.point.proxy, want.proxy)) point.proxy = null;
      const keys = Object.keys(point);
      const baseKey = `${r.point.profile}\0${patternKey(r.point.pattern)}\0${keys.join('\0')}`;
      const base = bases.get(baseKey);
      if (!base) {
        bases.set(baseKey, { at, point });
        return { ...r, point: point as unknown as DesignPoint };
      }
      const like: Record<string, unknown> = { [LIKE]: base.at };
      let full = false;
      for (const k of keys) {
        if (sameJson(point[k], base.point[k])) continue;
        // an undefined field JSON would leave out, so the base's value would come back: stored full
        if (point[k] === undefined) full = true;
        like[k] = point[k];
      }
      return { ...r, point: (full ? point : like) as unknown as DesignPoint };
    }),
  };
}

/** The key of a packed point that names its base (no DesignPoint field starts with $). */
const LIKE = '$like';

/** The key of a packed profile record that holds its difference from the entry's first (deltaOf). */
const DELTA = '$delta';

/**
 * `v` as a difference from `base` (both plain JSON data): `{ $o: { key: difference } }` for an
 * object with the base's keys in the base's order, `{ $a: { index: difference } }` for an array
 * of the base's length — listing only what differs —, else `{ $v: v }`; `null` where equal.
 * undefined (JSON leaves it out, so the base's value would come back) where a differing value
 * holds an undefined: the caller stores `v` whole.
 */
function deltaOf(base: unknown, v: unknown): unknown {
  if (sameJson(base, v)) return null;
  if (base !== null && v !== null && typeof base === 'object' && typeof v === 'object' && Array.isArray(base) === Array.isArray(v)) {
    if (Array.isArray(base)) {
      const arr = v as unknown[];
      if (arr.length !== base.length) return hasUndefined(v) ? undefined : { $v: v };
      const changed: Record<number, unknown> = {};
      for (let i = 0; i < arr.length; i++) {
        const d = deltaOf(base[i], arr[i]);
        if (d === undefined) return undefined;
        if (d !== null) changed[i] = d;
      }
      return { $a: changed };
    }
    const b = base as Record<string, unknown>;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const baseKeys = Object.keys(b);
    if (keys.length === baseKeys.length && keys.every((k, i) => k === baseKeys[i])) {
      const changed: Record<string, unknown> = {};
      for (const k of keys) {
        const d = deltaOf(b[k], o[k]);
        if (d === undefined) return undefined;
        if (d !== null) changed[k] = d;
      }
      return { $o: changed };
    }
  }
  return hasUndefined(v) ? undefined : { $v: v };
}

function hasUndefined(v: unknown): boolean {
  if (v === undefined) return true;
  if (v === null || typeof v !== 'object') return false;
  return Array.isArray(v) ? v.some(hasUndefined) : Object.values(v).some(hasUndefined);
}

/** deltaOf undone: a new value sharing the base's unchanged parts. */
function applyDelta(base: unknown, d: unknown): unknown {
  if (d === null) return base;
  const node = d as { $v?: unknown; $o?: Record<string, unknown>; $a?: Record<string, unknown> };
  if ('$v' in node) return node.$v;
  if (node.$o !== undefined) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const k in node.$o) out[k] = applyDelta(out[k], node.$o[k]);
    return out;
  }
  if (node.$a !== undefined) {
    const out = [...(base as unknown[])];
    for (const i in node.$a) out[Number(i)] = applyDelta(out[Number(i)], node.$a[i]);
    return out;
  }
  throw new SyntaxError('points entry: a profile record difference is neither $v, $o nor $a');
}

/** packPoints undone in place on `records` (freshly decoded, or packPoints' own copy). */
export function unpackPoints(records: PointRecords, inputs: Pick<PointInputs, 'configs' | 'weightRuns' | 'accuracy' | 'proxy' | 'weightAccuracy'>): PointRecords {
  const lookups = pointLookups(inputs);
  const profiles = records.profiles;
  for (let i = 1; i < profiles.length; i++) {
    const packed = profiles[i] as unknown as Record<string, unknown>;
    if (packed[LIKE] === 0 && DELTA in packed) profiles[i] = applyDelta(profiles[0], packed[DELTA]) as ProfileRecord;
  }
  const points = records.points;
  for (const r of points) {
    const packed = r.point as unknown as Record<string, unknown> | undefined;
    if (!packed) continue;
    const at = packed[LIKE];
    if (typeof at === 'number') {
      // the base is an earlier, full point; its keys in its order, each the packed value or the base's
      const base = points[at]?.point as unknown as Record<string, unknown> | undefined;
      if (!base || typeof base[LIKE] === 'number') throw new SyntaxError(`points entry: ${LIKE} ${at} names no full point`);
      // a spread copies the base's keys in order (V8's fast clone); assigning a key it has keeps its place
      const point: Record<string, unknown> = { ...base };
      for (const k in packed) if (k !== LIKE) point[k] = packed[k];
      (r as { point?: unknown }).point = point;
    }
  }
  for (const r of points) {
    const point = r.point as (Omit<DesignPoint, 'accuracy' | 'proxy'> & { accuracy: DesignPoint['accuracy'] | null; proxy?: DesignPoint['proxy'] | null }) | undefined;
    if (!point || (point.accuracy !== null && point.proxy !== null)) continue;
    const want = lookups(r.index);
    if (point.accuracy === null) point.accuracy = want.accuracy!;
    if (point.proxy === null) point.proxy = want.proxy!;
  }
  return records;
}

/** Whether two JSON values (plain data) are equal: same keys in the same order, same numbers (−0 and NaN as encodeValue tells them). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || Object.is(a, b);
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !sameJson((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]])) return false;
  }
  return true;
}

/** Per point index of one profile's run (index mod the points per profile: a configuration, then the weight runs) the lookups' values, each computed once. */
function pointLookups(inputs: Pick<PointInputs, 'configs' | 'weightRuns' | 'accuracy' | 'proxy' | 'weightAccuracy'>): (index: number) => { accuracy?: Accuracy; proxy?: Accuracy } {
  const perProfile = inputs.configs.length + inputs.weightRuns.length;
  const memo = new Map<number, { accuracy?: Accuracy; proxy?: Accuracy }>();
  return (index) => {
    const k = index % perProfile;
    let v = memo.get(k);
    if (!v) {
      if (k < inputs.configs.length) {
        const c = inputs.configs[k];
        v = { accuracy: inputs.accuracy(c), proxy: inputs.proxy(c) };
      } else {
        v = { accuracy: inputs.weightAccuracy(inputs.weightRuns[k - inputs.configs.length]) };
      }
      memo.set(k, v);
    }
    return v;
  };
}

/** The records of a run of profiles starting at `first` moved to their place in the full list. */
function rebase(r: PointRecords, first: number, perProfile: number): PointRecords {
  return {
    points: r.points.map((p) => ({ ...p, index: first * perProfile + p.index })),
    profiles: r.profiles.map((p) => ({ ...p, index: first + p.index })),
    energy: r.energy.map((e) => ({ ...e, profile: first + e.profile })),
  };
}

/**
 * The runs of consecutive profiles that are variants of one loaded profile (inputs.baseIndex;
 * review/axes.ts lists a core's variants together), else one profile per run.
 */
function variantGroups(inputs: Pick<PointInputs, 'profiles' | 'baseIndex'>): number[][] {
  const groups: number[][] = [];
  inputs.profiles.forEach((_, pi) => {
    const base = inputs.baseIndex?.[pi];
    const last = groups[groups.length - 1];
    if (last && base !== undefined && inputs.baseIndex?.[last[0]] === base) last.push(pi);
    else groups.push([pi]);
  });
  return groups;
}

/**
 * Where a core's design points are kept under another name: `pointsalias-<key>.json` (issue 16: a
 * provisioning twin — act-8of16-sb, the same core as act-8of16 but its provisioning — is reviewed as
 * the other's variant until one of the two files changes; then it is a core of its own, whose
 * variants are the very designs the other's entry holds, listed in another order and named after
 * it). key = sha256({ CACHE_FORMAT, TOOL_VERSION, code fingerprint, kind, the points key's shared
 * and tech parts, the sorted digests of the group's variants' contents (variantContent) }); value:
 * the points entry's key and, in that entry's order, each variant's content digest, name and base.
 * Written beside every points entry a review computes and stores; read when a group's own entry is
 * missing. The records a group takes this way are not stored again under its own key (the alias
 * keeps finding them, and a use marks the entry used, so pruning keeps it): no entry holds them twice.
 */
export const POINTS_ALIAS_ENTRY: CacheEntryKind = { prefix: 'pointsalias', what: "where a core's design points are kept under another name" };

interface PointsAlias {
  entry: string;
  variants: string[];
  names: string[];
  bases: (string | null)[];
}

/**
 * A variant's design as its points records read it, without what names or describes it: the loaded
 * profile but its name, description, sources, `illustrative` flag and list of defaulted keys (no
 * model reads them: the records of a profile renamed and re-described are the same but for the
 * names, test/review/profile-cache.test.ts), its tech folders and its choice on each design axis.
 * undefined where encodeValue cannot carry it exactly.
 */
function variantContent(h: HashedProfile, design: CoreVariant | undefined): string | undefined {
  const { name: _n, description: _d, sources: _s, illustrative: _i, defaulted: _f, ...profile } = h.loaded.profile;
  const choices = design ? { selectorStyle: design.selectorStyle, metadataEncoding: design.metadataEncoding, provisioning: design.provisioning } : null;
  return exactText({ profile, techDirs: h.loaded.techDirs, choices });
}

/** A group's variants as an alias names them: content digests, names and bases, in the group's order; undefined when not exactly encodable or two are alike. */
function groupVariants(inputs: Pick<PointInputs, 'profiles' | 'designs'>, group: readonly number[]): Omit<PointsAlias, 'entry'> | undefined {
  const variants: string[] = [];
  for (const pi of group) {
    const text = variantContent(inputs.profiles[pi], inputs.designs?.[pi]);
    if (text === undefined) return undefined;
    variants.push(sha256(text));
  }
  if (new Set(variants).size !== variants.length) return undefined;
  return { variants, names: group.map((pi) => inputs.profiles[pi].loaded.profile.name), bases: group.map((pi) => inputs.designs?.[pi]?.base ?? null) };
}

async function aliasKey(parts: { shared: string; techs: string | null }, variants: readonly string[]): Promise<string> {
  return sha256(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: POINTS_ALIAS_ENTRY.prefix, shared: parts.shared, techs: parts.techs, variants: [...variants].sort() }));
}

function isAlias(v: unknown, want: Omit<PointsAlias, 'entry'>): v is PointsAlias {
  const a = v as Partial<PointsAlias> | null;
  const strings = (x: unknown) => Array.isArray(x) && x.length === want.variants.length && x.every((y) => typeof y === 'string');
  return (
    a !== null && typeof a === 'object' && typeof a.entry === 'string' && strings(a.variants) && strings(a.names) &&
    Array.isArray(a.bases) && a.bases.length === want.variants.length && a.bases.every((b) => b === null || typeof b === 'string') &&
    new Set(a.variants).size === want.variants.length && a.variants!.every((d) => want.variants.includes(d))
  );
}

/**
 * The records of one group's profiles (group-local indices) `from` names, moved to the group `to`
 * names: each variant to the place of the variant with its content, every name it carries — the
 * point's profile and id, the variant's base, a skipped point's profile, the area report's and the
 * energy rows' profile — changed to that variant's. undefined where a record does not carry the
 * names where this expects them (then the group is computed).
 */
function renamedRecords(r: PointRecords, from: PointsAlias, to: Omit<PointsAlias, 'entry'>, perProfile: number): PointRecords | undefined {
  const place = new Map(to.variants.map((d, j) => [d, j]));
  const moved = from.variants.map((d) => place.get(d)!);
  const n = from.variants.length;
  if (r.profiles.length !== n || r.points.length !== n * perProfile) return undefined;
  const points: PointRecord[] = [];
  for (const rec of r.points) {
    const i = Math.floor(rec.index / perProfile);
    const j = moved[i];
    const [was, now] = [from.names[i], to.names[j]];
    const out: PointRecord = { ...rec, index: j * perProfile + (rec.index % perProfile) };
    if (rec.point) {
      const p = rec.point;
      if (p.profile !== was || !p.id.startsWith(`${was}|`) || (p.variant?.base ?? null) !== from.bases[i]) return undefined;
      out.point = { ...p, id: now + p.id.slice(was.length), profile: now, ...(p.variant ? { variant: { ...p.variant, base: to.bases[j]! } } : {}) };
    }
    if (rec.skipped) {
      if (rec.skipped.profile !== was) return undefined;
      out.skipped = { ...rec.skipped, profile: now };
    }
    points.push(out);
  }
  const profiles: ProfileRecord[] = [];
  for (const p of r.profiles) {
    const j = moved[p.index];
    if (p.report.profile !== from.names[p.index] || (p.denseEnergy !== undefined && p.denseEnergy.profile !== from.names[p.index])) return undefined;
    profiles.push({ ...p, index: j, report: { ...p.report, profile: to.names[j] }, ...(p.denseEnergy ? { denseEnergy: { ...p.denseEnergy, profile: to.names[j] } } : {}) });
  }
  const energy: EnergyRecord[] = [];
  for (const e of r.energy) {
    const j = moved[e.profile];
    if (e.row.profile !== from.names[e.profile]) return undefined;
    energy.push({ ...e, profile: j, row: { ...e.row, profile: to.names[j] } });
  }
  // in evaluatePoints' order: points by index, profiles by index, energy rows by profile (each profile's in its order)
  return { points: points.sort((a, b) => a.index - b.index), profiles: profiles.sort((a, b) => a.index - b.index), energy: energy.map((e, k) => ({ e, k })).sort((a, b) => a.e.profile - b.e.profile || a.k - b.k).map((x) => x.e) };
}

/**
 * evaluatePoints over every point, one loaded profile (with all its design-axis variants, which
 * share perf estimates) at a time through the cache `dir` (undefined: no cache, the same
 * records). Returns one PointRecords per loaded profile (assembleReview takes the list). `defer`:
 * a missed entry is packed and written when it is flushed (cache.ts DeferredStores), not before
 * this returns. A group whose own entry is missing but whose variants an earlier review stored
 * under other names (POINTS_ALIAS_ENTRY) takes those records renamed (`renamed`), not computed and
 * not stored again.
 */
export async function evaluatePointsCached(
  inputs: PointInputs,
  dir: string | undefined,
  stage?: (profile: string, fraction: number) => void,
  defer?: DeferredStores,
): Promise<{ records: PointRecords[]; status: ProfileCacheStatus; warnings: Diagnostic[]; renamed: boolean[] }> {
  const perProfileCount = inputs.configs.length + inputs.weightRuns.length;
  const shared =
    dir === undefined
      ? undefined
      : exactText({
          configs: inputs.configs,
          patterns: inputs.patterns,
          workload: inputs.workload,
          workloadPoint: inputs.workloadPoint,
          measured: inputs.measured,
          weightRuns: inputs.weightRuns,
          weightPatterns: inputs.weightPatterns,
          // the lookups' results: all they contribute (null where a configuration has none)
          accuracy: inputs.configs.map((c) => inputs.accuracy(c) ?? null),
          proxy: inputs.configs.map((c) => inputs.proxy(c) ?? null),
          weightAccuracy: inputs.weightRuns.map((r) => inputs.weightAccuracy(r)),
        });
  const groups = variantGroups(inputs);
  const designsOf = (g: number) => (inputs.designs ? groups[g].map((pi) => inputs.designs![pi]) : null);
  const techs = new Map<string, TechLibrary>();
  const renamed = groups.map(() => false);
  // records taken from another group's entry: not stored again under this group's key (the alias finds them)
  const taken = new WeakSet<PointRecords>();
  const variantsOf = new Map<number, Omit<PointsAlias, 'entry'> | undefined>();
  const variants = (g: number) => {
    if (!variantsOf.has(g)) variantsOf.set(g, groupVariants(inputs, groups[g]));
    return variantsOf.get(g);
  };
  const { values, status, warnings, keys, parts: keyParts } = await perGroup(dir, POINTS_ENTRY, shared, inputs.profiles, groups, true, designsOf, async (g, parts) => {
    const first = groups[g][0];
    stage?.(inputs.designs?.[first]?.base ?? inputs.profiles[first].loaded.profile.name, first / inputs.profiles.length);
    // the same variants stored under other names (a provisioning twin un-twinned): renamed
    const mine = parts && dir !== undefined ? variants(g) : undefined;
    const alias = mine ? await readValue(dir!, await aliasKey(parts!, mine.variants), POINTS_ALIAS_ENTRY) : undefined;
    if (mine && isAlias(alias, mine)) {
      const stored = await readValue(dir!, alias.entry, POINTS_ENTRY);
      const records = stored === undefined ? undefined : renamedRecords(unpackPoints(stored as PointRecords, inputs), alias, mine, perProfileCount);
      if (records) {
        renamed[g] = true;
        taken.add(records);
        return records;
      }
    }
    const designs = designsOf(g);
    return evaluatePoints({
      ...inputs,
      profiles: groups[g].map((pi) => inputs.profiles[pi]),
      ...(designs ? { designs, baseIndex: designs.map(() => 0) } : {}),
      techs,
    });
    // stored without the accuracies the key holds (packPoints), put back on a hit (unpackPoints)
  }, techs, { stored: (records) => packPoints(records, inputs), skip: (records) => taken.has(records), ...(defer ? { defer } : {}) });
  // beside every entry stored, where another group with the same variants finds it
  if (dir !== undefined) {
    for (let g = 0; g < groups.length; g++) {
      const [key, parts] = [keys[g], keyParts[g]];
      const mine = status[g] === 'miss' && !renamed[g] && key !== undefined && parts !== undefined ? variants(g) : undefined;
      if (!mine) continue;
      const write = async () => writeEntry(dir, await aliasKey(parts!, mine.variants), POINTS_ALIAS_ENTRY, { entry: key!, ...mine });
      if (defer) defer.add(write);
      else warnings.push(...(await write()));
    }
  }
  return { records: values.map((r, g) => rebase(status[g] === 'hit' ? unpackPoints(r, inputs) : r, groups[g][0], perProfileCount)), status, warnings, renamed };
}

/**
 * servingFor over every profile, one loaded profile (with all its design-axis variants: `designs`
 * and `baseIndex` as in PointInputs) at a time through the cache `dir` (undefined: no cache, the
 * same result). The key holds each variant's applied profile and its design. Variants with one perf
 * view (perf/hardware-view.ts perfViewKey: all but the name and the selector style, which perf never
 * reads) share one computation, renamed — evaluatePoints shares their estimates on the same ground.
 */
export async function servingForCached(
  dir: string | undefined,
  variants: Pick<PointInputs, 'profiles' | 'designs' | 'baseIndex'>,
  patterns: readonly Pattern[],
  shape: ModelShape,
  measured: readonly MeasuredSparsity[],
  mix: ServingMix,
  tpotTargetMs: number,
  /** the measured weight runs' patterns: rows on the cores that take them on weights (weightPatternsOn), the decode chart's baseline */
  weightPatterns: readonly Pattern[] = [],
  /**
   * the variant choice (explore/variants.ts rows): only the rows servingOfChosen keeps are computed
   * (serving.ts servingPatternsOf; a swept variant chosen for no pattern gets none). Absent: every
   * variant's rows (a point shard, which runs before any choice)
   */
  chosen?: readonly ServingChoiceRow[],
  /** prefill steps the design points simulated (serving.ts PrefillSims): reused; changes no row, so not in the key */
  prefillSims?: PrefillSims,
  /** missed entries (the profiles' and the perf views') written when this is flushed (cache.ts DeferredStores) */
  defer?: DeferredStores,
): Promise<{ serving: ServingResult; status: ProfileCacheStatus; warnings: Diagnostic[] }> {
  const profiles = variants.profiles;
  if (profiles.length === 0) return { serving: servingFor([], patterns, shape, measured, mix, tpotTargetMs), status: [], warnings: [] };
  const groups = variantGroups(variants);
  const designsOf = (g: number) => (variants.designs ? groups[g].map((pi) => variants.designs![pi]) : null);
  const patternsOf = (pi: number) => (chosen ? servingPatternsOf(profiles[pi].loaded.profile.name, patterns, chosen) : [...patterns]);
  const shared = dir === undefined ? undefined : exactText({ patterns, shape, measured, mix, tpotTargetMs, batches: SERVING_BATCHES, weightPatterns });
  const sharedDigest = shared === undefined ? undefined : sha256(shared);
  // the warnings of the per-view entries (read or written inside a group's computation)
  const viewWarnings: Diagnostic[] = [];
  /** One variant's result: its rows under the name '' (servingOfView), from the per-view entry through the cache `dir`. */
  const ofView = async (pi: number, speedKey: string): Promise<ServingResult> => {
    const compute = async () => servingOfView(profiles[pi].loaded.profile, patternsOf(pi), patterns, shape, measured, mix, tpotTargetMs, weightPatterns, prefillSims);
    if (dir === undefined || sharedDigest === undefined) return compute();
    const key = async () => sha256(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: SERVING_VIEW_ENTRY.prefix, shared: sharedDigest, view: speedKey }));
    const r = await cached(dir, key, compute, SERVING_VIEW_ENTRY, undefined, defer ? { defer } : {});
    viewWarnings.push(...r.warnings);
    return r.value;
  };
  // one result per perf view and chosen patterns in this call (a selector-only variant, or a profile
  // whose copy under another name is reviewed too, shares it; a deferred entry is not on disk yet)
  const bySpeedKey = new Map<string, ServingResult>();
  const one = async (g: number): Promise<ServingResult> => {
    const results: ServingResult[] = [];
    for (const pi of groups[g]) {
      const profile = profiles[pi].loaded.profile;
      const mine = patternsOf(pi);
      const speedKey = `${perfViewKey(profile)}|${mine === null ? '-' : mine.map(patternKey).join(',')}`;
      let r = bySpeedKey.get(speedKey);
      if (!r) bySpeedKey.set(speedKey, (r = await ofView(pi, speedKey)));
      results.push(named(r, profile.name));
    }
    return { ...results[0], rows: results.flatMap((r) => r.rows), weightRows: results.flatMap((r) => r.weightRows ?? []) };
  };
  // the chosen patterns of each variant are part of the entry's key (null: every pattern)
  const extraOf = (g: number) => ({ designs: designsOf(g), patterns: chosen ? groups[g].map((pi) => patternsOf(pi)?.map(patternKey) ?? null) : null });
  const { values, status, warnings } = await perGroup(dir, SERVING_ENTRY, shared, profiles, groups, false, extraOf, one, undefined, defer ? { defer } : {});
  warnings.push(...viewWarnings);
  // servingFor's rows are its profiles' rows in order; every other field depends on no profile
  const { weightRows: _w, ...first } = values[0];
  const weightRows = values.flatMap((v) => v.weightRows ?? []);
  return { serving: { ...first, rows: values.flatMap((v) => v.rows), ...(weightRows.length > 0 ? { weightRows } : {}) }, status, warnings };
}

/**
 * One variant's serving result as the per-view entry holds it: servingFor of the variant alone on its
 * chosen patterns (`mine`; null: none kept, so no simulation), its weight rows (weightPatternsOn), and
 * every row's profile '' — a function of the perf view (perfViewKey: neither the name, the prose nor
 * the power, which serving never reads) and of the shared inputs, whichever profile computed it.
 */
function servingOfView(
  profile: HardwareProfile,
  mine: Pattern[] | null,
  patterns: readonly Pattern[],
  shape: ModelShape,
  measured: readonly MeasuredSparsity[],
  mix: ServingMix,
  tpotTargetMs: number,
  weightPatterns: readonly Pattern[],
  prefillSims: PrefillSims | undefined,
): ServingResult {
  const onWeights = weightPatternsOn(profile, weightPatterns);
  // weight masks are fixed offline: no measured activation structure applies (as the weight points)
  const weightRows = onWeights.length > 0 ? servingForProfile(profile, onWeights, shape, [], mix, tpotTargetMs, SERVING_BATCHES, 'weight') : [];
  // no rows kept: the result's fields but no simulation (weightBytes is still this profile's: servingFor reads the first profile's operand width)
  const r =
    mine === null
      ? { ...servingFor([], patterns, shape, measured, mix, tpotTargetMs), weightBytes: servingWeightBytes(shape, profile.tensorCore.operandBits / 8), weightRows }
      : { ...servingFor([profile], mine, shape, measured, mix, tpotTargetMs, SERVING_BATCHES, prefillSims), weightRows };
  return named(r, '');
}

/** `r` with every row's profile `name` (rows and weight rows; the only fields that name a profile). */
function named(r: ServingResult, name: string): ServingResult {
  return { ...r, rows: r.rows.map((x) => ({ ...x, profile: name })), ...(r.weightRows ? { weightRows: r.weightRows.map((x) => ({ ...x, profile: name })) } : {}) };
}

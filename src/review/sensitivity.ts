/**
 * Sensitivity: how much each profile assumption moves the review's comparison of its two
 * candidate patterns (8:16 vs 16:32 by default), and which assumptions flip it.
 *
 *   --set key.path=v1,v2,… ─ parseSetArgs ─▶ SetOverride[] (usage errors: malformed)
 *   ─ sensitivityVariants(profiles, overrides): per (key, value) every profile that has the key,
 *     re-validated through the profile schema (ProfileSchema) and re-normalized, exactly as a
 *     YAML file with that value would be (units as the YAML accepts them: `clock=1.5 GHz`)
 *   ─ evaluateSensitivity(prepared, base, variants): each variant's design points re-evaluated
 *     (evaluatePoints; the analysis does not depend on profiles and is reused) and assembled
 *     (assembleReview) ─▶ the pair's figures ─▶ movement of each delta vs the base review
 *
 * A value `x0.5` (or `×0.5`) multiplies the profile's own number at that key. The default sweep
 * (defaultOverrides): each memory level's bandwidth ×0.5/×2, DRAM bandwidth ×0.5/×2, clock
 * ×0.8/×1.2, every selector style, every shipped tech file (node).
 */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { inputError, isNmsimError, NmsimError, usageError, type Diagnostic } from '../diagnostics.js';
import { normalizeProfile } from '../profile/normalize.js';
import { PROFILE_QUANTITIES, resolveQuantities, bareKeysAt } from '../profile/quantities.js';
import { ProfileSchema, SELECTOR_STYLES, type ProfileSpec } from '../profile/schema.js';
import { findTechFile, listShippedTech } from '../profile/tech.js';
import { zodIssuesToDiagnostics } from '../profile/zod-issues.js';
import { numberLimitAt, listLimitAt } from '../profile/limits.js';
import { samePattern, type Pattern } from '../sparsity/pattern.js';
import { closestName, excerpt } from '../user-text.js';
import { designVariants, type DesignAxes } from './axes.js';
import type { HashedProfile } from './inputs.js';
import { assembleReview, evaluatePoints, type PointInputs, type PointRecords } from './points.js';
import type { ReviewData } from './review-data.js';
import type { PreparedReview } from './run-review.js';
import { servingFor, type ServingPick, type ServingRow } from './serving.js';

/** One `--set key=v1,v2,…`. */
export interface SetOverride {
  key: string;
  values: string[];
}

/** Keys that would change what the analysis measures or how points are named: not swept. */
const FIXED_KEYS = new Set(['name', 'description', 'illustrative', 'sources', 'sparsity.patterns']);

/** `key.path=v1,v2` → SetOverride; usage errors name the argument. */
export function parseSetArgs(args: readonly string[]): SetOverride[] {
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? '' : arg.slice(0, eq).trim();
    const values = eq < 0 ? [] : arg.slice(eq + 1).split(',').map((v) => v.trim());
    if (key === '' || values.length === 0 || values.some((v) => v === '')) {
      throw usageError({
        code: 'review/bad-set',
        path: '--set',
        message: `--set ${excerpt(arg)} is not key.path=value[,value…].`,
        found: excerpt(arg),
        hint: 'e.g. --set memory.dramBandwidthGBps=1000,4000 --set sparsity.selectorStyle=mux,hierarchical (x0.5 multiplies the profile\'s own value)',
      });
    }
    return { key, values };
  });
}

// ─── the schema's key paths ───────────────────────────────────────────────────────────────────

type AnySchema = z.ZodType;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const defOf = (s: AnySchema): any => (s as any)._zod.def;

function unwrap(s: AnySchema): { schema: AnySchema; optional: boolean } {
  let optional = false;
  let cur = s;
  for (;;) {
    const def = defOf(cur);
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') {
      optional = true;
      cur = def.innerType;
    } else if (def.type === 'pipe') cur = def.in;
    else return { schema: cur, optional };
  }
}

/** Every leaf key path of the profile schema (array elements as `[]`), and the quantity keys written with units. */
export function profileKeyPaths(): string[] {
  const out: string[] = [];
  const walk = (s: AnySchema, prefix: string) => {
    const { schema } = unwrap(s);
    const def = defOf(schema);
    if (def.type === 'object') {
      for (const [k, v] of Object.entries(def.shape as Record<string, AnySchema>)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
    } else if (def.type === 'array' && defOf(unwrap(def.element).schema).type === 'object') walk(def.element, `${prefix}[]`);
    else out.push(prefix);
  };
  walk(ProfileSchema, '');
  for (const q of PROFILE_QUANTITIES) out.push(q.at === '' ? q.bare : `${q.at}.${q.bare}`);
  return out;
}

/** The schema object at an object path (`memory.buffers[]`), for "may it be created empty?". */
function objectSchemaAt(path: string): AnySchema | undefined {
  let cur: AnySchema = ProfileSchema;
  if (path === '') return cur;
  for (const part of path.split('.')) {
    const name = part.replace(/\[\]$/, '');
    const def = defOf(unwrap(cur).schema);
    if (def.type !== 'object' || !(name in def.shape)) return undefined;
    cur = def.shape[name];
    if (part.endsWith('[]')) cur = defOf(unwrap(cur).schema).element;
  }
  return cur;
}

interface Step {
  name: string;
  index?: number;
}

/** `memory.buffers[1].bandwidthBytesPerCycle` (or `memory.buffers.1.…`) → steps. */
function parseKey(key: string): Step[] {
  const steps: Step[] = [];
  for (const part of key.split('.')) {
    const m = /^([A-Za-z][A-Za-z0-9]*)(?:\[(\d+)\])?$/.exec(part);
    if (m) steps.push({ name: m[1], ...(m[2] !== undefined ? { index: Number(m[2]) } : {}) });
    else if (/^\d+$/.test(part) && steps.length > 0 && steps[steps.length - 1].index === undefined) steps[steps.length - 1].index = Number(part);
    else steps.push({ name: part });
  }
  return steps;
}

const schemaForm = (steps: readonly Step[]) => steps.map((s) => (s.index !== undefined ? `${s.name}[]` : s.name)).join('.');
export const keyText = (steps: readonly Step[]) => steps.map((s) => (s.index !== undefined ? `${s.name}[${s.index}]` : s.name)).join('.');

/** Checks a --set key against the schema: unknown keys (with near matches) and fixed ones are usage errors. */
function checkKey(key: string): Step[] {
  const steps = parseKey(key);
  const known = profileKeyPaths();
  const form = schemaForm(steps);
  if (!known.includes(form)) {
    const near = closestName(form, known);
    const prefix = form.split('.')[0];
    const related = known.filter((k) => k.split('.')[0] === prefix).slice(0, 12);
    throw usageError({
      code: 'review/unknown-set-key',
      path: '--set',
      message: `--set ${excerpt(key)}: no profile parameter has that key path.${near ? ` Did you mean "${near.replace('[]', '[0]')}"?` : ''}`,
      found: excerpt(key),
      expected: 'a key path of the hardware profile schema',
      hint: `${related.length > 0 ? `keys under ${prefix}: ${related.join(', ')}` : `e.g. clockMHz, memory.dramBandwidthGBps, memory.buffers[0].bandwidthBytesPerCycle, sparsity.selectorStyle, tech`} (hardware-profiles/README.md lists every key).`,
    });
  }
  if (FIXED_KEYS.has(form)) {
    throw usageError({ code: 'review/fixed-set-key', path: '--set', message: `--set ${key}: ${key} is not a modelling assumption the review can sweep (it names the profile or what the analysis measures).`, found: key, hint: 'sweep it with separate profiles (--profiles) instead.' });
  }
  return steps;
}

// ─── applying one value ──────────────────────────────────────────────────────────────────────

/** The container holding the leaf in `root` (created when every key of its schema is optional), or undefined when the profile lacks it. */
function containerOf(root: Record<string, unknown>, steps: readonly Step[]): Record<string, unknown> | undefined {
  let cur: Record<string, unknown> = root;
  for (let i = 0; i < steps.length - 1; i++) {
    const s = steps[i];
    let next = cur[s.name];
    if (next === undefined && s.index === undefined) {
      const schema = objectSchemaAt(schemaForm(steps.slice(0, i + 1)));
      const def = schema ? defOf(unwrap(schema).schema) : undefined;
      if (def?.type !== 'object' || !Object.values(def.shape as Record<string, AnySchema>).every((v) => unwrap(v).optional)) return undefined;
      next = {};
      cur[s.name] = next;
    }
    if (s.index !== undefined) {
      if (!Array.isArray(next) || s.index >= next.length) return undefined;
      next = next[s.index];
    }
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return undefined;
    cur = next as Record<string, unknown>;
  }
  return cur;
}

/** `x0.5`, `×2`: a factor on the profile's own number. */
function multiplier(value: string): number | undefined {
  const m = /^[x×*]\s*([0-9]*\.?[0-9]+(?:e[-+]?\d+)?)$/i.exec(value);
  return m ? Number(m[1]) : undefined;
}

/**
 * One profile with `key` set to `value`, validated and normalized as a file with that value
 * would be. Undefined when the profile does not have the key (or, for a factor, no number there).
 */
export async function applyOverride(profile: HashedProfile, key: string, value: string): Promise<HashedProfile | undefined> {
  const steps = checkKey(key);
  const raw = structuredClone(profile.loaded.spec) as Record<string, unknown>;
  const leaf = steps[steps.length - 1].name;
  const container = containerOf(raw, steps);
  if (!container) return undefined;
  const quantity = PROFILE_QUANTITIES.find((q) => q.bare === leaf && q.at === schemaForm(steps.slice(0, -1)));
  const factor = multiplier(value);
  const file = profile.path;
  const bad = (d: Partial<Diagnostic> & { message: string }): NmsimError =>
    inputError({ code: 'review/bad-set-value', file, path: `--set ${key}`, found: excerpt(value), ...d, message: `--set ${key}=${value.length > 40 ? excerpt(value) : value} on profile ${profile.loaded.profile.name}: ${d.message}` });
  if (factor !== undefined) {
    const at = quantity ? quantity.resolved : leaf;
    const current = container[at];
    if (typeof current !== 'number') return undefined;
    container[at] = Number((current * factor).toPrecision(12));
  } else if (quantity) {
    delete container[quantity.resolved];
    container[leaf] = value;
  } else {
    container[leaf] = parseYaml(value);
  }
  const quantities = await resolveQuantities(raw, PROFILE_QUANTITIES, file, 'profile');
  if (quantities.diagnostics.length > 0) {
    const d = quantities.diagnostics[0];
    throw bad({ message: d.message, ...(d.expected ? { expected: d.expected } : {}), ...(d.hint ? { hint: d.hint } : {}) });
  }
  const parsed = ProfileSchema.safeParse(raw);
  if (!parsed.success) {
    const diags = zodIssuesToDiagnostics(parsed.error.issues, { prefix: 'profile', file, schema: ProfileSchema, raw, extraKeys: (p) => bareKeysAt(PROFILE_QUANTITIES, p), numberLimit: numberLimitAt, listLimit: listLimitAt, documentKind: 'a hardware profile' });
    const d = diags[0];
    throw bad({ message: d?.message ?? 'the profile schema refuses it.', ...(d?.expected ? { expected: d.expected } : {}), ...(d?.hint ? { hint: d.hint } : {}) });
  }
  const spec: ProfileSpec = parsed.data;
  let normalized;
  try {
    normalized = normalizeProfile(spec, file);
    if (leaf === 'tech') findTechFile(spec.tech, profile.loaded.techDirs);
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    const d = e.diagnostics[0];
    throw bad({ message: d.message, ...(d.expected ? { expected: d.expected } : {}), ...(d.hint ? { hint: d.hint } : {}) });
  }
  return { ...profile, loaded: { ...profile.loaded, spec, profile: normalized.profile, warnings: normalized.warnings } };
}

// ─── variants ────────────────────────────────────────────────────────────────────────────────

/** One (key, value) of the sweep: every profile, those with the key overridden. */
export interface SensitivityVariant {
  key: string;
  value: string;
  profiles: HashedProfile[];
  /** names of the profiles the value was applied to */
  applied: string[];
}

/** The default sweep: memory bandwidths ×0.5/×2, clock ×0.8/×1.2, selector style, node. */
export function defaultOverrides(profiles: readonly HashedProfile[], axes?: DesignAxes): SetOverride[] {
  const levels = Math.max(0, ...profiles.map((p) => p.loaded.spec.memory.buffers.length));
  return [
    ...Array.from({ length: levels }, (_, i) => ({ key: `memory.buffers[${i}].bandwidthBytesPerCycle`, values: ['x0.5', 'x2'] })),
    { key: 'memory.dramBandwidthGBps', values: ['x0.5', 'x2'] },
    { key: 'clockMHz', values: ['x0.8', 'x1.2'] },
    // a selector axis (axes.ts) replaces the style per variant: not an assumption then (as --set on it is refused)
    ...(axes?.selector !== undefined ? [] : [{ key: 'sparsity.selectorStyle', values: [...SELECTOR_STYLES] }]),
    { key: 'tech', values: listShippedTech() },
  ];
}

/**
 * Every (key, value) variant; every problem of every value is reported at once. A key no
 * profile has is an input error naming it.
 */
export async function sensitivityVariants(profiles: readonly HashedProfile[], overrides: readonly SetOverride[]): Promise<SensitivityVariant[]> {
  const out: SensitivityVariant[] = [];
  const errors: Diagnostic[] = [];
  for (const o of overrides) {
    checkKey(o.key);
    let anyHas = false;
    for (const value of o.values) {
      const applied: string[] = [];
      const variant: HashedProfile[] = [];
      for (const p of profiles) {
        try {
          const changed = await applyOverride(p, o.key, value);
          // a value the profile already has changes nothing: not applied, its points are the review's
          const differs = changed !== undefined && JSON.stringify(changed.loaded.profile) !== JSON.stringify(p.loaded.profile);
          if (differs) applied.push(p.loaded.profile.name);
          anyHas ||= changed !== undefined;
          variant.push(differs ? changed : p);
        } catch (e) {
          if (!isNmsimError(e)) throw e;
          errors.push(...e.diagnostics);
          variant.push(p);
        }
      }
      out.push({ key: keyText(parseKey(o.key)), value, profiles: variant, applied });
    }
    if (!anyHas && errors.length === 0) {
      throw inputError({
        code: 'review/set-key-absent',
        path: '--set',
        message: `--set ${o.key}: none of the ${profiles.length} profiles has that key${o.values.some((v) => multiplier(v) !== undefined) ? ' with a number to multiply' : ''}.`,
        found: o.key,
        hint: `profiles reviewed: ${profiles.map((p) => p.loaded.profile.name).join(', ')}; give a key they set (or drop --set ${o.key}).`,
      });
    }
  }
  if (errors.length > 0) throw new NmsimError(collapseProfiles(errors));
  return out;
}

const ON_PROFILE = / on profile ([^:]+):/;

/** One diagnostic per problem: the same refusal on several profiles names them all once ("on profiles a, b:"). */
function collapseProfiles(errors: readonly Diagnostic[]): Diagnostic[] {
  const groups = new Map<string, { d: Diagnostic; profiles: string[] }>();
  for (const d of errors) {
    const name = ON_PROFILE.exec(d.message)?.[1];
    const key = JSON.stringify([d.code, d.path, d.found, d.expected, d.hint, d.message.replace(ON_PROFILE, ' on profile:')]);
    const g = groups.get(key);
    if (g && name !== undefined) g.profiles.push(name);
    else groups.set(key, { d, profiles: name !== undefined ? [name] : [] });
  }
  return [...groups.values()].map(({ d, profiles }) => (profiles.length > 1 ? { ...d, file: undefined, message: d.message.replace(ON_PROFILE, ` on profiles ${profiles.join(', ')}:`) } : d));
}

// ─── the pair's figures and their movement ───────────────────────────────────────────────────

/** The compared pair's figures in one review: each wide − narrow. */
export interface PairDeltas {
  /** area overhead of the wide core − the narrow one's, percentage points */
  areaOverheadPp: number | null;
  prefillSpeedup: number | null;
  /** one per decode batch, ascending */
  decodeSpeedup: { batchTokens: number; delta: number }[];
  /** energy per token (prefill) of the wide core − the narrow one's, joules; null without an energy table */
  prefillJoulesPerToken: number | null;
  /** which of the pair is on the headline front, e.g. "both", "8:16", "none" */
  onFront: string;
  /** the pair's serving figures (review/serving.ts) on the cores the summary names; absent when the review has no serving rows */
  serving?: PairServing;
  /** the pattern with the higher decode speed-up at the largest batch ("tie" within SPEEDUP_TIE) */
  fasterDecode: string;
}

/** The compared pair's serving figures: tokens/s at the TPOT target and the largest batch that fits in device memory. */
export interface PairServing {
  /** each pattern's pick on its core (serving.ts pickAtTarget over the batches that fit); null: no batch meets the target, or no row */
  narrow: ServingPick | null;
  wide: ServingPick | null;
  /** wide − narrow tokens/s per chip at the target; null where either has no pick */
  tokensPerSPerChipDelta: number | null;
  /** the largest serving batch whose weights + KV cache fit in the narrow pattern's core's DRAM (every batch when the profile gives no capacity); null: none fits, or no row */
  largestFittingBatch: number | null;
}

export interface SensitivityRow {
  key: string;
  value: string;
  applied: string[];
  deltas: PairDeltas;
  /** each delta − the base review's (null where either is missing) */
  move: { areaOverheadPp: number | null; prefillSpeedup: number | null; decodeSpeedup: number | null; prefillJoulesPerToken: number | null; servingTokensPerSPerChip?: number | null; largestFittingBatch?: number | null };
  /** the front membership of the pair, or which is faster in decode, differs from the base review */
  flips: boolean;
}

export interface SensitivityKey {
  key: string;
  /** max − min of each delta over the key's values, base included */
  swing: { areaOverheadPp: number; prefillSpeedup: number; decodeSpeedup: number; prefillJoulesPerToken: number };
  /** max − min over the key's values (base included) of the pair's serving figures; absent without serving rows. Not part of the influence (the four deltas above rank the assumptions) */
  servingSwing?: { tokensPerSPerChipDelta: number; largestFittingBatch: number };
  /** Σ over the four figures of swing / the largest swing of that figure among the keys (0 … 4); a figure whose largest swing is under SWING_FLOOR counts 0 */
  influence: number;
  flips: boolean;
}

export interface SensitivityResult {
  narrow: Pattern;
  wide: Pattern;
  /** the largest decode batch: the one decodeSpeedup moves are taken at */
  decodeBatchTokens: number;
  /** how many profiles the review has (a row applied to every one says "all") */
  profileCount: number;
  base: PairDeltas;
  rows: SensitivityRow[];
  /** by influence, most influential first (ties: key order) */
  keys: SensitivityKey[];
}

/**
 * Decode speed-ups closer than this are a tie, not a preference: the reports print speed-ups to
 * two decimals (report/format.ts), so a smaller difference is not one a reader can see.
 */
export const SPEEDUP_TIE = 0.005;

/**
 * The smallest swing of each figure that counts as influence: the precision the reports print
 * it at (area 0.01 pp, speed-ups SPEEDUP_TIE, energy 0.001 mJ per token).
 */
export const SWING_FLOOR = { areaOverheadPp: 0.01, prefillSpeedup: SPEEDUP_TIE, decodeSpeedup: SPEEDUP_TIE, prefillJoulesPerToken: 1e-6 } as const;

const patternName = (p: Pattern) => (p.kind === 'nm' ? `${p.n}:${p.m}` : p.kind);

/** The pair's figures from a review's summary rows and energy table. */
export function pairDeltas(data: ReviewData, narrow: Pattern, wide: Pattern): PairDeltas {
  const row = (p: Pattern) => data.summary.find((r) => samePattern(r.pattern, p));
  const a = row(narrow);
  const b = row(wide);
  const diff = (x: number | null | undefined, y: number | null | undefined) => (x === null || x === undefined || y === null || y === undefined ? null : y - x);
  const decode = (a?.decode ?? []).flatMap((d) => {
    const w = b?.decode.find((e) => e.batchTokens === d.batchTokens);
    return w ? [{ batchTokens: d.batchTokens, delta: w.speedup - d.speedup }] : [];
  });
  const energyOf = (r: typeof a, p: Pattern) => {
    const core = r?.nativeProfile ?? r?.compatibleProfile;
    return data.energy?.find((e) => e.profile === core && e.operand === undefined && samePattern(e.pattern, p))?.prefill.joulesPerToken;
  };
  const front = [a?.onFront ? patternName(narrow) : '', b?.onFront ? patternName(wide) : ''].filter((s) => s !== '');
  const last = decode[decode.length - 1];
  const servingRow = (r: typeof a, p: Pattern) => {
    const core = r?.nativeProfile ?? r?.compatibleProfile;
    return data.serving?.rows.find((x) => x.profile === core && samePattern(x.pattern, p));
  };
  const sn = servingRow(a, narrow);
  const sw = servingRow(b, wide);
  const fitting = (row: ServingRow | undefined) => {
    const batches = (row?.steps ?? []).filter((x) => x.fits !== false).map((x) => x.batch);
    return batches.length === 0 ? null : Math.max(...batches);
  };
  return {
    ...(data.serving
      ? {
          serving: {
            narrow: sn?.atTarget ?? null,
            wide: sw?.atTarget ?? null,
            tokensPerSPerChipDelta: sn?.atTarget && sw?.atTarget ? sw.atTarget.tokensPerSPerChip - sn.atTarget.tokensPerSPerChip : null,
            largestFittingBatch: fitting(sn ?? sw),
          },
        }
      : {}),
    areaOverheadPp: a?.areaOverheadFraction != null && b?.areaOverheadFraction != null ? (b.areaOverheadFraction - a.areaOverheadFraction) * 100 : null,
    prefillSpeedup: diff(a?.prefillSpeedup, b?.prefillSpeedup),
    decodeSpeedup: decode,
    prefillJoulesPerToken: diff(energyOf(a, narrow), energyOf(b, wide)),
    onFront: front.length === 2 ? 'both' : front.length === 1 ? front[0] : 'none',
    fasterDecode: last === undefined ? 'none' : last.delta >= SPEEDUP_TIE ? patternName(wide) : last.delta <= -SPEEDUP_TIE ? patternName(narrow) : 'tie',
  };
}

const lastDecode = (d: PairDeltas) => (d.decodeSpeedup.length > 0 ? d.decodeSpeedup[d.decodeSpeedup.length - 1].delta : null);
const minus = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);

/** Rows and key ranking from the base review's deltas and each variant's (pure). */
export function rankSensitivity(base: PairDeltas, variants: readonly { key: string; value: string; applied: string[]; deltas: PairDeltas }[]): { rows: SensitivityRow[]; keys: SensitivityKey[] } {
  const rows: SensitivityRow[] = variants.map((v) => ({
    ...v,
    move: {
      areaOverheadPp: minus(v.deltas.areaOverheadPp, base.areaOverheadPp),
      prefillSpeedup: minus(v.deltas.prefillSpeedup, base.prefillSpeedup),
      decodeSpeedup: minus(lastDecode(v.deltas), lastDecode(base)),
      prefillJoulesPerToken: minus(v.deltas.prefillJoulesPerToken, base.prefillJoulesPerToken),
      ...(base.serving && v.deltas.serving
        ? {
            servingTokensPerSPerChip: minus(v.deltas.serving.tokensPerSPerChipDelta, base.serving.tokensPerSPerChipDelta),
            largestFittingBatch: minus(v.deltas.serving.largestFittingBatch, base.serving.largestFittingBatch),
          }
        : {}),
    },
    flips: v.deltas.onFront !== base.onFront || v.deltas.fasterDecode !== base.fasterDecode,
  }));
  const figures = ['areaOverheadPp', 'prefillSpeedup', 'decodeSpeedup', 'prefillJoulesPerToken'] as const;
  const keyNames = [...new Set(rows.map((r) => r.key))];
  const swings = keyNames.map((key) => {
    const of = rows.filter((r) => r.key === key);
    const swing = Object.fromEntries(
      figures.map((f) => {
        const moves = [0, ...of.map((r) => r.move[f]).filter((m): m is number => m !== null)];
        return [f, Math.max(...moves) - Math.min(...moves)];
      }),
    ) as SensitivityKey['swing'];
    const servingRange = (f: 'servingTokensPerSPerChip' | 'largestFittingBatch') => {
      const moves = [0, ...of.map((r) => r.move[f]).filter((m): m is number => m !== null && m !== undefined)];
      return Math.max(...moves) - Math.min(...moves);
    };
    const hasServing = base.serving !== undefined && of.some((r) => r.deltas.serving !== undefined);
    return { key, swing, ...(hasServing ? { servingSwing: { tokensPerSPerChipDelta: servingRange('servingTokensPerSPerChip'), largestFittingBatch: servingRange('largestFittingBatch') } } : {}), flips: of.some((r) => r.flips) };
  });
  // a figure no assumption moves by more than its floor does not count (its largest swing would
  // turn numerical noise into influence)
  const largest = Object.fromEntries(figures.map((f) => [f, Math.max(0, ...swings.map((s) => s.swing[f]))]));
  for (const f of figures) if (largest[f] < SWING_FLOOR[f]) largest[f] = 0;
  const keys = swings
    .map((s) => ({ ...s, influence: figures.reduce((sum, f) => sum + (largest[f] > 0 ? s.swing[f] / largest[f] : 0), 0) }))
    .map((s, i) => ({ s, i }))
    .sort((x, y) => Number(y.s.flips) - Number(x.s.flips) || y.s.influence - x.s.influence || x.i - y.i)
    .map(({ s }) => s);
  return { rows, keys };
}

/**
 * Re-evaluates the design points per variant (the analysis of `prepared` reused; `baseRecords`,
 * the review's own evaluatePoints records, kept for the profiles a value leaves unchanged) and ranks the
 * assumptions by how much they move the pair's deltas.
 */
export async function evaluateSensitivity(prepared: PreparedReview, base: ReviewData, baseRecords: PointRecords, variants: readonly SensitivityVariant[], pair: readonly [Pattern, Pattern]): Promise<SensitivityResult> {
  const [narrow, wide] = pair;
  const baseDeltas = pairDeltas(base, narrow, wide);
  const perProfile = prepared.inputs.configs.length + prepared.inputs.weightRuns.length;
  const baseOf = prepared.inputs.baseIndex ?? prepared.inputs.profiles.map((_, i) => i);
  const evaluated = [];
  for (const v of variants) {
    // the changed profiles expanded over the design axes again (axes.ts), as prepareReview did
    const expanded = designVariants(v.profiles, prepared.axes);
    const inputs: PointInputs = { ...prepared.inputs, profiles: expanded.profiles, designs: expanded.designs, baseIndex: expanded.baseIndex };
    const changedBases = new Set(v.profiles.flatMap((p, i) => (p !== prepared.loadedProfiles[i] ? [i] : [])));
    // only the variants of the profiles the value changed are evaluated again; the others keep the
    // review's records (all are, should the value change how many variants a profile has)
    const sameList = expanded.baseIndex.length === baseOf.length && expanded.baseIndex.every((b, i) => b === baseOf[i]);
    const changed = new Set(expanded.baseIndex.flatMap((b, i) => (!sameList || changedBases.has(b) ? [i] : [])));
    const kept: PointRecords = {
      points: baseRecords.points.filter((r) => !changed.has(Math.floor(r.index / perProfile))),
      profiles: baseRecords.profiles.filter((r) => !changed.has(r.index)),
      energy: baseRecords.energy.filter((r) => !changed.has(r.profile)),
    };
    const fresh: PointRecords[] = [];
    for (const i of changed) fresh.push(await evaluatePoints(inputs, { start: i * perProfile, end: (i + 1) * perProfile }));
    const assembled = changed.size === 0 ? base : assembleReview(prepared.common, [kept, ...fresh]);
    const data = changed.size === 0 ? base : withPairServing(assembled, prepared, expanded.profiles, changed, pair);
    evaluated.push({ key: v.key, value: v.value, applied: v.applied, deltas: pairDeltas(data, narrow, wide) });
  }
  const { rows, keys } = rankSensitivity(baseDeltas, evaluated);
  return { narrow, wide, decodeBatchTokens: base.decodeBatches[base.decodeBatches.length - 1] ?? 1, profileCount: base.profiles.length, base: baseDeltas, rows, keys };
}

/**
 * The review of one sensitivity value with the serving rows the pair's figures read (pairDeltas):
 * each pattern's row on its summary core, computed again (servingFor, the review's mix, target
 * and measured sparsity) where the value changed that core's profile, else the review's own row
 * (prepared.common.serving holds every variant's). A --set that only the serving rows see
 * (memory.dramCapacity) moves the serving figures and nothing else.
 */
function withPairServing(data: ReviewData, prepared: PreparedReview, profiles: readonly HashedProfile[], changed: ReadonlySet<number>, pair: readonly [Pattern, Pattern]): ReviewData {
  const base = prepared.common.serving;
  if (!base) return data;
  const rows: ServingRow[] = [];
  for (const p of pair) {
    const r = data.summary.find((x) => samePattern(x.pattern, p));
    const core = r?.nativeProfile ?? r?.compatibleProfile;
    if (core === undefined) continue;
    const i = profiles.findIndex((h) => h.loaded.profile.name === core);
    const fresh =
      i >= 0 && changed.has(i)
        ? servingFor([profiles[i].loaded.profile], [p], prepared.inputs.workload.shape, prepared.inputs.measured, base, base.tpotTargetMs, base.batches).rows
        : base.rows.filter((x) => x.profile === core);
    const row = fresh.find((x) => samePattern(x.pattern, p));
    if (row) rows.push(row);
  }
  return { ...data, serving: { ...base, rows } };
}

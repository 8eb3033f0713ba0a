/**
 * Design axes (issue 16): the selector style, the metadata encoding and the operand provisioning
 * of every activation core are swept by the review instead of read from one file each.
 *
 *   loaded profiles ─ designVariants(profiles, axes) ─▶ one HashedProfile per variant
 *     activation core (sparsity.operand activation, ≥ 1 pattern) × selector × encoding × provisioning,
 *     the profile's own choice first on each axis; other cores (a100-like, h100-like: weights on
 *     today's silicon) once, as their datasheet says
 *     dedupe: a variant whose effective design equals an earlier one's is dropped (hierarchical on
 *     patterns that do not split into blocks of 2 is costed as sorted-mux, normalize.ts's rule)
 *     twins: with provisioning swept, a profile that differs from another only in provisioning
 *     (act-8of16-sb = act-8of16 sparse-balanced) is dropped, its variants being the other's
 *
 * A variant is `withDesignChoices(profile, choice)`, the function `nmsim area --selector/--encoding`
 * applies, named `<profile> · <the choices that differ from the file>` (e.g. `act-8of16 · sorted-mux`).
 * The review chooses among them per pattern (chooseVariants) and reports every variant.
 */
import { hierarchicalApplies } from '../area/selector.js';
import { usageError } from '../diagnostics.js';
import { withDesignChoices } from '../profile/normalize.js';
import { PROVISIONINGS, SELECTOR_STYLES, type HardwareProfile, type SelectorStyle } from '../profile/schema.js';
import { METADATA_ENCODINGS, type MetadataEncoding } from '../sparsity/pattern.js';
import type { HashedProfile } from './inputs.js';

export type Provisioning = (typeof PROVISIONINGS)[number];

/** The swept values of each axis, in the order given; an axis left out keeps every core's own choice (`{}`: each core as its file says). */
export interface DesignAxes {
  selector?: SelectorStyle[];
  encoding?: MetadataEncoding[];
  provisioning?: Provisioning[];
}

export const AXIS_VALUES = { selector: SELECTOR_STYLES, encoding: METADATA_ENCODINGS, provisioning: PROVISIONINGS } as const;
export type AxisName = keyof typeof AXIS_VALUES;
export const AXIS_NAMES = Object.keys(AXIS_VALUES) as AxisName[];

/** Every value of every axis: the review's default. */
export function defaultAxes(): Required<DesignAxes> {
  return { selector: [...SELECTOR_STYLES], encoding: [...METADATA_ENCODINGS], provisioning: [...PROVISIONINGS] };
}

/**
 * `--axes name=v1,v2` (repeatable) → the axes; an axis not given sweeps every value. A bad name or
 * value is a usage error naming the axis and the values allowed.
 */
export function parseAxes(specs: readonly string[]): Required<DesignAxes> {
  const axes = defaultAxes() as Record<AxisName, string[]>;
  const seen = new Set<string>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
    if (!(AXIS_NAMES as string[]).includes(name)) {
      throw usageError({ code: 'review/unknown-axis', path: '--axes', message: `"${name}" is not a design axis.`, expected: AXIS_NAMES.join(', '), found: spec, hint: 'e.g. --axes selector=mux,sorted-mux --axes encoding=bitmask --axes provisioning=dense-balanced' });
    }
    const axis = name as AxisName;
    if (seen.has(axis)) throw usageError({ code: 'review/repeated-axis', path: '--axes', message: `the ${axis} axis is given twice.`, found: spec, hint: `give every value of one axis in one --axes ${axis}=v1,v2.` });
    seen.add(axis);
    const allowed: readonly string[] = AXIS_VALUES[axis];
    const values = eq < 0 ? [] : spec.slice(eq + 1).split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) throw usageError({ code: 'review/empty-axis', path: '--axes', message: `the ${axis} axis has no value.`, expected: `${axis}=one or more of ${allowed.join(', ')}`, found: spec, hint: `e.g. --axes ${axis}=${allowed.slice(0, 2).join(',')}` });
    const bad = values.filter((v) => !allowed.includes(v));
    if (bad.length > 0) {
      throw usageError({ code: 'review/bad-axis-value', path: `--axes ${axis}`, message: `${bad.map((v) => `"${v}"`).join(', ')} ${bad.length === 1 ? 'is not a value' : 'are not values'} of the ${axis} axis.`, expected: allowed.join(', '), found: spec, hint: `e.g. --axes ${axis}=${allowed.join(',')}` });
    }
    axes[axis] = [...new Set(values)];
  }
  return axes as Required<DesignAxes>;
}

/** The profile key each axis sweeps (`--set` on it would be replaced by every variant's value). */
export const AXIS_KEYS: Record<AxisName, string> = { selector: 'sparsity.selectorStyle', encoding: 'sparsity.metadataEncoding', provisioning: 'sparsity.provisioning' };

/**
 * A `--set` key the review sweeps as a design axis is a usage error: the variants replace the
 * value, so its sensitivity would be nil (axes `{}`, the files as written, allows it).
 */
export function refuseSweptSetKeys(keys: readonly string[], axes: DesignAxes): void {
  for (const key of keys) {
    const axis = AXIS_NAMES.find((a) => AXIS_KEYS[a] === key.trim());
    if (axis === undefined || axes[axis] === undefined) continue;
    throw usageError({
      code: 'review/set-swept-axis',
      path: '--set',
      message: `--set ${key.trim()}: the review sweeps the ${axis} axis itself (--axes ${axis}=${axes[axis]!.join(',')}), so every variant would replace the value.`,
      found: key.trim(),
      hint: `drop --set ${key.trim()}; --axes ${axis}=… chooses the ${axis} values the review sweeps and design-variants.csv shows what each one changes.`,
    });
  }
}

/** A variant's design: the core it is a variant of and its choice on each axis. */
export interface DesignVariant {
  /** the profile (file) the variant is derived from */
  base: string;
  selectorStyle: SelectorStyle;
  metadataEncoding: MetadataEncoding;
  provisioning: Provisioning;
}

/** The variants to review: profiles (one per variant, the choice applied) beside their designs. */
export interface DesignVariants {
  profiles: HashedProfile[];
  designs: DesignVariant[];
  /** per variant, the index of its profile in the loaded list */
  baseIndex: number[];
  /** the loaded profiles left out as twins of another (their names) */
  twins: string[];
  notes: string[];
}

/** Whether the review sweeps the axes on this core: an activation core (today's weight cores stay as their datasheet says). */
export function sweepsAxes(profile: HardwareProfile): boolean {
  return profile.sparsity.operand === 'activation' && profile.sparsity.patterns.length > 0;
}

/** The selector the area and energy models cost: hierarchical falls back to sorted-mux where its blocks do not divide the patterns. */
export function effectiveSelector(profile: HardwareProfile): SelectorStyle {
  const sp = profile.sparsity;
  return sp.selectorStyle === 'hierarchical' && !hierarchicalApplies(sp.patterns, profile.tensorCore.denseKPerCycle) ? 'sorted-mux' : sp.selectorStyle;
}

/** Own choice first, then the axis's order. */
function ownFirst<T>(own: T, values: readonly T[]): T[] {
  return values.includes(own) ? [own, ...values.filter((v) => v !== own)] : [...values];
}

/** The spec without what provisioning and the prose change: two profiles equal here are provisioning twins. */
function twinKey(h: HashedProfile): string {
  const { name: _n, description: _d, sources: _s, power: _p, illustrative: _i, ...rest } = h.loaded.spec as typeof h.loaded.spec & { power?: unknown };
  return JSON.stringify({ ...rest, sparsity: { ...rest.sparsity, provisioning: undefined } });
}

export function variantLabel(base: string, own: HardwareProfile['sparsity'], d: DesignVariant): string {
  const parts = [d.selectorStyle !== own.selectorStyle ? d.selectorStyle : '', d.metadataEncoding !== own.metadataEncoding ? d.metadataEncoding : '', d.provisioning !== own.provisioning ? d.provisioning : ''].filter((x) => x !== '');
  return [base, ...parts].join(' · ');
}

/** Every variant of every loaded profile (order: profile, then provisioning, encoding, selector, each with the file's own choice first). */
export function designVariants(profiles: readonly HashedProfile[], axes: DesignAxes): DesignVariants {
  const out: DesignVariants = { profiles: [], designs: [], baseIndex: [], twins: [], notes: [] };
  const provisioningSwept = (axes.provisioning?.length ?? 0) > 1;
  const firstByTwinKey = new Map<string, string>();
  const twinNotes: string[] = [];
  // a profile whose own provisioning is the default comes first among twins, so act-8of16 stays and act-8of16-sb goes
  const order = profiles.map((_, i) => i).sort((a, b) => Number(profiles[a].loaded.spec.sparsity.provisioning === 'sparse-balanced') - Number(profiles[b].loaded.spec.sparsity.provisioning === 'sparse-balanced') || a - b);
  const dropped = new Set<number>();
  if (provisioningSwept) {
    for (const i of order) {
      if (!sweepsAxes(profiles[i].loaded.profile)) continue;
      const key = twinKey(profiles[i]);
      const first = firstByTwinKey.get(key);
      if (first === undefined) firstByTwinKey.set(key, profiles[i].loaded.profile.name);
      else {
        dropped.add(i);
        out.twins.push(profiles[i].loaded.profile.name);
        twinNotes.push(`${profiles[i].loaded.profile.name} is ${first} with ${profiles[i].loaded.profile.sparsity.provisioning} provisioning`);
      }
    }
  }
  if (twinNotes.length > 0) out.notes.push(`Not reviewed as cores of their own (the provisioning axis sweeps them as variants): ${twinNotes.join('; ')}.`);
  const collapsed: string[] = [];
  profiles.forEach((h, i) => {
    if (dropped.has(i)) return;
    const profile = h.loaded.profile;
    const own = profile.sparsity;
    if (!sweepsAxes(profile)) {
      out.profiles.push(h);
      out.designs.push({ base: profile.name, selectorStyle: own.selectorStyle, metadataEncoding: own.metadataEncoding, provisioning: own.provisioning });
      out.baseIndex.push(i);
      return;
    }
    const seen = new Set<string>();
    for (const provisioning of ownFirst(own.provisioning, axes.provisioning ?? [own.provisioning])) {
      for (const metadataEncoding of ownFirst(own.metadataEncoding, axes.encoding ?? [own.metadataEncoding])) {
        for (const selectorStyle of ownFirst(own.selectorStyle, axes.selector ?? [own.selectorStyle])) {
          const design: DesignVariant = { base: profile.name, selectorStyle, metadataEncoding, provisioning };
          const applied = withDesignChoices(profile, { selectorStyle, metadataEncoding, provisioning });
          const key = `${effectiveSelector(applied)}|${metadataEncoding}|${provisioning}`;
          const name = variantLabel(profile.name, own, design);
          if (seen.has(key)) {
            collapsed.push(name);
            continue;
          }
          seen.add(key);
          out.profiles.push({ ...h, loaded: { ...h.loaded, profile: { ...applied, name } } });
          out.designs.push(design);
          out.baseIndex.push(i);
        }
      }
    }
  });
  if (collapsed.length > 0) {
    out.notes.push(`Variants not reviewed because they are another variant (the hierarchical selector picks blocks of 2; where N, M or denseKPerCycle do not split into them it is costed as sorted-mux): ${collapsed.join(', ')}.`);
  }
  return out;
}

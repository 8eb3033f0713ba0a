/**
 * Quantities written with units. A profile may give a quantity either with its unit in the key
 * (`clockMHz: 1410`) or under the bare key as text with a unit (`clock: 1.41 GHz`). This module
 * converts the second form to the first, once, at load (mathjs, imported lazily), so models only
 * ever see numbers whose unit is in their key name.
 */
import type { Diagnostic } from '../diagnostics.js';
import { excerpt } from '../user-text.js';

export interface QuantityKey {
  /** object path holding the key; `[]` marks "every element of the array" */
  at: string;
  bare: string;
  resolved: string;
  unit: string;
  example: string;
}

/** Every quantity that may be written with units in a hardware profile. */
export const PROFILE_QUANTITIES: readonly QuantityKey[] = [
  { at: '', bare: 'clock', resolved: 'clockMHz', unit: 'MHz', example: '1.41 GHz' },
  { at: 'memory', bare: 'dramBandwidth', resolved: 'dramBandwidthGBps', unit: 'GB/s', example: '2.04 TB/s' },
  { at: 'memory', bare: 'dramLatency', resolved: 'dramLatencyNs', unit: 'ns', example: '600 ns' },
  { at: 'memory', bare: 'dramCapacity', resolved: 'dramCapacityGB', unit: 'GB', example: '80 GB' },
  { at: 'memory.buffers[]', bare: 'size', resolved: 'sizeKiB', unit: 'KiB', example: '192 KiB' },
] as const;

type MathJs = typeof import('mathjs');
let mathPromise: Promise<MathJs> | undefined;
function loadMath(): Promise<MathJs> {
  mathPromise ??= import('mathjs');
  return mathPromise;
}

/** Drops float noise from unit conversion (1.862 µm² must not become 1.8619999999999999). */
export function roundConverted(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * Converts "1.41 GHz" to `unit` ("MHz"). Returns the number or a reason string.
 */
export async function convertQuantity(text: unknown, unit: string): Promise<number | string> {
  if (typeof text === 'number') return `a bare number has no unit`;
  if (typeof text !== 'string') return `expected text with a unit, found ${Array.isArray(text) ? 'a list' : text === null ? 'nothing' : typeof text}`;
  if (text.length > MAX_QUANTITY_CHARS) return `${excerpt(text)} is too long to be a quantity`;
  const fast = convertCommonUnit(text, unit);
  if (fast !== undefined) return fast;
  const math = await loadMath();
  let u;
  try {
    u = math.unit(text.trim());
  } catch (e) {
    const unknown = /Unit "(.*)" not found/.exec((e as Error).message);
    return `${excerpt(text)} is not a quantity mathjs can read (${unknown ? `unknown unit ${excerpt(unknown[1])}` : 'write a number and a unit'})`;
  }
  if (u.value === null) return `${excerpt(text)} has a unit but no number`;
  if (!u.equalBase(math.unit(unit))) return `${excerpt(text)} cannot be converted to ${unit}`;
  const value = roundConverted(u.toNumber(unit));
  if (!Number.isFinite(value)) return `${excerpt(text)} is not a finite quantity`;
  return value;
}

/** A quantity is a number and a unit; longer text is not parsed. */
const MAX_QUANTITY_CHARS = 64;

/** Bytes in a KiB (IEC 80000-13 binary prefix). */
export const KIB_BYTES = 1024;
/**
 * The units profiles and tech files are written in, as factors to the unit a key resolves to,
 * so that the common case needs no mathjs (importing it takes about a second, on every
 * command that reads a profile). Anything else goes to mathjs; a test checks every factor
 * here against mathjs. Decimal prefixes are powers of 1000 (kB = 1000 B), binary ones of 1024.
 */
export const COMMON_UNITS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  MHz: { Hz: 1e-6, kHz: 1e-3, MHz: 1, GHz: 1e3, THz: 1e6 },
  'GB/s': { 'B/s': 1e-9, 'kB/s': 1e-6, 'MB/s': 1e-3, 'GB/s': 1, 'TB/s': 1e3, 'PB/s': 1e6, 'KiB/s': KIB_BYTES / 1e9, 'MiB/s': KIB_BYTES ** 2 / 1e9, 'GiB/s': KIB_BYTES ** 3 / 1e9, 'TiB/s': KIB_BYTES ** 4 / 1e9 },
  ns: { ps: 1e-3, ns: 1, us: 1e3, ms: 1e6, s: 1e9 },
  GB: { B: 1e-9, kB: 1e-6, MB: 1e-3, GB: 1, TB: 1e3, KiB: KIB_BYTES / 1e9, MiB: KIB_BYTES ** 2 / 1e9, GiB: KIB_BYTES ** 3 / 1e9, TiB: KIB_BYTES ** 4 / 1e9 },
  KiB: { B: 1 / KIB_BYTES, kB: 1e3 / KIB_BYTES, MB: 1e6 / KIB_BYTES, GB: 1e9 / KIB_BYTES, TB: 1e12 / KIB_BYTES, KiB: 1, MiB: KIB_BYTES, GiB: KIB_BYTES ** 2, TiB: KIB_BYTES ** 3 },
  'um^2': { 'nm^2': 1e-6, 'um^2': 1, 'mm^2': 1e6 },
};

/** "1.41 GHz" → 1410 (MHz) without mathjs, or undefined when the text is not that simple. */
export function convertCommonUnit(text: string, unit: string): number | undefined {
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z/^0-9]+)\s*$/.exec(text);
  const factor = m ? COMMON_UNITS[unit]?.[m[2]] : undefined;
  if (!m || factor === undefined) return undefined;
  const value = roundConverted(Number(m[1]) * factor);
  return Number.isFinite(value) ? value : undefined;
}

/** Objects at a dotted path, `[]` expanding arrays; returns [object, its path] pairs. */
function objectsAt(root: unknown, at: string): Array<[Record<string, unknown>, string]> {
  let level: Array<[unknown, string]> = [[root, '']];
  if (at !== '') {
    for (const part of at.split('.')) {
      const isArray = part.endsWith('[]');
      const key = isArray ? part.slice(0, -2) : part;
      const next: Array<[unknown, string]> = [];
      for (const [v, p] of level) {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
        const child = (v as Record<string, unknown>)[key];
        const childPath = p === '' ? key : `${p}.${key}`;
        if (isArray) {
          if (Array.isArray(child)) child.forEach((c, i) => next.push([c, `${childPath}[${i}]`]));
        } else next.push([child, childPath]);
      }
      level = next;
    }
  }
  return level.filter(([v]) => v !== null && typeof v === 'object' && !Array.isArray(v)) as Array<
    [Record<string, unknown>, string]
  >;
}

/**
 * Rewrites bare quantity keys in place into their unit-suffixed form. Returns diagnostics for
 * unreadable units, wrong dimensions, and a quantity given both ways, and the key paths they
 * concern (so schema errors about the same keys are not reported twice).
 */
export async function resolveQuantities(
  raw: unknown,
  keys: readonly QuantityKey[],
  file: string,
  prefix: string,
): Promise<{ diagnostics: Diagnostic[]; failedPaths: Set<string>; converted: Map<string, ConvertedQuantity> }> {
  const out: Diagnostic[] = [];
  const failedPaths = new Set<string>();
  const converted = new Map<string, ConvertedQuantity>();
  for (const q of keys) {
    for (const [obj, objPath] of objectsAt(raw, q.at)) {
      if (!(q.bare in obj)) continue;
      const path = objPath === '' ? q.bare : `${objPath}.${q.bare}`;
      const fail = () => {
        failedPaths.add(path);
        failedPaths.add(objPath === '' ? q.resolved : `${objPath}.${q.resolved}`);
      };
      if (q.resolved in obj) {
        fail();
        out.push({
          code: `${prefix}/duplicate-quantity`,
          severity: 'error',
          file,
          path,
          message: `${q.bare} and ${q.resolved} are the same quantity; give it once.`,
          hint: `keep either "${q.bare}: ${q.example}" or "${q.resolved}: <number>".`,
        });
        continue;
      }
      const value = await convertQuantity(obj[q.bare], q.unit);
      if (typeof value === 'string') {
        fail();
        out.push({
          code: `${prefix}/bad-unit`,
          severity: 'error',
          file,
          path,
          message: `${path}: ${value}.`,
          expected: `a quantity convertible to ${q.unit}, e.g. "${q.example}"`,
          found: typeof obj[q.bare] === 'string' || typeof obj[q.bare] === 'number' ? excerpt(obj[q.bare]) : Array.isArray(obj[q.bare]) ? 'a list' : 'a mapping',
          hint: `write "${q.bare}: ${q.example}", or give the number in ${q.unit} as "${q.resolved}".`,
        });
        continue;
      }
      converted.set(objPath === '' ? q.resolved : `${objPath}.${q.resolved}`, { barePath: path, text: String(obj[q.bare]), unit: q.unit });
      delete obj[q.bare];
      obj[q.resolved] = value;
    }
  }
  return { diagnostics: out, failedPaths, converted };
}

/** A quantity written with units, converted at load: where the user wrote it, and how. */
export interface ConvertedQuantity {
  /** the user's key path (`memory.buffers[0].size`) */
  barePath: string;
  /** what the user wrote (`192 KiB`) */
  text: string;
  /** the unit it was converted to */
  unit: string;
}

/** Bare keys accepted at an object path (for the unknown-key hint). */
export function bareKeysAt(keys: readonly QuantityKey[], path: string): string[] {
  const normalized = path.replace(/\[\d+\]/g, '[]');
  return keys.filter((q) => q.at === normalized).map((q) => `${q.bare} (with units)`);
}

/**
 * Shared pieces of the parser fuzz suite: the seed and case counts, in-memory files, byte and
 * JSON mutations, and the one outcome every parser must have on any input — a result, or an
 * NmsimError of kind 'input' (exit 1) whose diagnostics name the file; never another exception
 * (exit 3), never a hang, never unbounded memory.
 *
 * Reproducible: every property runs with FUZZ_SEED (override with NMSIM_FUZZ_SEED=…); a failure
 * prints the seed and the counterexample path fast-check needs to replay it. NMSIM_FUZZ_SCALE=10
 * runs ten times the cases (for a long local session).
 */
import fc from 'fast-check';
import type { FileHandle } from 'node:fs/promises';
import { NmsimError, OMITTED_DIAGNOSTICS_CODE } from '../../src/diagnostics.js';

export const FUZZ_SEED = Number(process.env.NMSIM_FUZZ_SEED ?? 0x4e4d11);
const SCALE = Number(process.env.NMSIM_FUZZ_SCALE ?? 1);

/** fast-check parameters: seeded, `runs` cases (× NMSIM_FUZZ_SCALE), each case limited to `caseMs`. */
export function fuzzParams(runs: number, caseMs = 5000): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: Math.round(runs * SCALE), plugins: [fc.timeout(caseMs)], endOnFailure: true };
}

/** Tallies what the cases ended in, so a test can check the fuzz reached both outcomes. */
export interface Outcomes {
  ok: number;
  input: number;
  codes: Map<string, number>;
}

export function newOutcomes(): Outcomes {
  return { ok: 0, input: 0, codes: new Map() };
}

const CODE = /^[a-z]+\/[a-z0-9-]+$/;

/**
 * Runs one parse: it must return or throw an NmsimError of kind 'input' whose every diagnostic
 * has a stable code, a message and (except the omitted-count line) the file; anything else is
 * rethrown with the input's description, failing the property.
 */
export async function expectResultOrInputError(outcomes: Outcomes, file: string, run: () => unknown): Promise<void> {
  try {
    await run();
    outcomes.ok++;
  } catch (e) {
    if (!(e instanceof NmsimError)) throw new Error(`not an NmsimError (would exit 3): ${(e as Error)?.stack ?? String(e)}`);
    if (e.kind !== 'input') throw new Error(`an NmsimError of kind ${e.kind} (exit 2) for bad input: ${e.message}`);
    for (const d of e.diagnostics) {
      if (!CODE.test(d.code) || d.message === '') throw new Error(`a diagnostic without a stable code or message: ${JSON.stringify(d)}`);
      if (d.code !== OMITTED_DIAGNOSTICS_CODE && d.file === undefined) throw new Error(`a diagnostic that names no file: ${JSON.stringify(d)}`);
      if (d.file !== undefined && !d.file.includes(file)) throw new Error(`a diagnostic naming another file (${d.file}, expected ${file})`);
    }
    if (e.diagnostics.length > 21) throw new Error(`${e.diagnostics.length} diagnostics: the cap is 20 plus a count`);
    outcomes.input++;
    const code = e.diagnostics[0].code;
    outcomes.codes.set(code, (outcomes.codes.get(code) ?? 0) + 1);
  }
}

/** A read-only in-memory FileHandle over parts laid end to end (no copy of the parts). */
export function memoryFile(parts: Uint8Array[]): { fh: FileHandle; bytes: number } {
  const bytes = parts.reduce((s, p) => s + p.length, 0);
  const fh = {
    async read(buf: Uint8Array, offset: number, length: number, position: number) {
      let done = 0;
      let base = 0;
      for (const p of parts) {
        if (done >= length) break;
        const from = position + done - base;
        if (from < p.length && from >= 0) {
          const n = Math.min(p.length - from, length - done);
          buf.set(p.subarray(from, from + n), offset + done);
          done += n;
        }
        base += p.length;
      }
      return { bytesRead: done, buffer: buf };
    },
    async stat() {
      return { size: bytes };
    },
    async close() {},
  } as unknown as FileHandle;
  return { fh, bytes };
}

/** One edit of a byte string; positions are taken modulo the length at the time. */
export type ByteEdit =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'repeat'; at: number; length: number };

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 0x20, 0x22, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x30, 0x39, 0x2d, 0xff, 0xc0, 0x80) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
);

export function applyByteEdits(src: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let b = src;
  for (const e of edits) {
    const n = b.length;
    const at = n === 0 ? 0 : e.at % n;
    switch (e.op) {
      case 'flip':
        if (n > 0) (b = Uint8Array.from(b))[at] ^= 1 << e.bit;
        break;
      case 'set':
        if (n > 0) (b = Uint8Array.from(b))[at] = e.value;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = concat(b.subarray(0, at), e.bytes, b.subarray(at));
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(Math.min(n, at + e.length)));
        break;
      case 'repeat':
        b = concat(b.subarray(0, at + Math.min(e.length, n - at)), b.subarray(at));
        break;
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Numbers that break naive code: huge, negative, fractional, beyond 2^53, exponent forms. */
export const nastyNumberText = fc.constantFrom(
  '0', '-1', '-0', '1.5', '1e9', '1e308', '1e999', '-1e999', '4294967296', '2147483648', '9007199254740992', '9007199254740993',
  '18446744073709551616', '1e-320', '0.1', '123456789012345678901234567890', '3e1', '1E2',
);

/** Strings that break naive code: empty, control characters, lone surrogates, RTL, very long. */
export const nastyString = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', '\u202e', '\ud800', '\udfff', '𝓷𝓶', 'é', '\ufeff', '..', '../x', '/etc/passwd', 'a'.repeat(5000), '\\', '"'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** A JSON value nested `depth` deep (built iteratively), as text. */
export function deepJsonText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + '0' + ']'.repeat(depth) : '{"k":'.repeat(depth) + '0' + '}'.repeat(depth);
}

/** Every [path, value] of a parsed JSON value (iterative), for picking a place to mutate. */
export function jsonPaths(root: unknown, limit = 100_000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [unknown, (string | number)[]][] = [[root, []]];
  while (stack.length > 0 && out.length < limit) {
    const [v, p] = stack.pop()!;
    out.push(p);
    if (Array.isArray(v)) v.forEach((c, i) => stack.push([c, [...p, i]]));
    else if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) stack.push([c, [...p, k]]);
  }
  return out;
}

/**
 * One structural edit of JSON text: at a chosen key path, replace the value (with a nasty number,
 * string, deep nesting, another type, null), delete the key, rename it (unicode, very long), or
 * repeat it (a duplicate key). Splices text so numbers like 1e999 and 2^53+1 survive as written.
 */
export type JsonEdit = { pick: number; what: number; num: string; str: string; depth: number };

/** Edits nesting up to the given depths when they nest (the YAML cases stay shallower: its parser is slower per level). */
export function jsonEditNesting(...depths: number[]): fc.Arbitrary<JsonEdit> {
  return fc.record({ pick: fc.nat(), what: fc.integer({ min: 0, max: 9 }), num: nastyNumberText, str: nastyString, depth: fc.constantFrom(...depths) });
}

export const jsonEdit: fc.Arbitrary<JsonEdit> = jsonEditNesting(2, 50, 1000, 20_000);

export function applyJsonEdits(root: unknown, edits: readonly JsonEdit[]): string {
  // work on a copy; nasty numbers are spliced in through placeholders
  let value = structuredClone(root);
  const splices = new Map<string, string>();
  for (const [i, e] of edits.entries()) {
    const paths = jsonPaths(value, 5000).filter((p) => p.length > 0);
    if (paths.length === 0) break;
    const p = paths[e.pick % paths.length];
    const parent = p.slice(0, -1).reduce<any>((v, k) => v[k], value);
    const key = p[p.length - 1];
    const mark = `\u0001splice${i}\u0001`;
    switch (e.what) {
      case 0:
        splices.set(JSON.stringify(mark), e.num);
        parent[key] = mark;
        break;
      case 1:
        parent[key] = e.str;
        break;
      case 2:
        splices.set(JSON.stringify(mark), deepJsonText(e.depth, e.pick % 2 === 0 ? 'array' : 'object'));
        parent[key] = mark;
        break;
      case 3:
        parent[key] = Array.isArray(parent[key]) ? {} : typeof parent[key] === 'object' && parent[key] !== null ? [] : null;
        break;
      case 4:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 5:
        if (!Array.isArray(parent)) {
          parent[e.str === '' ? '\u0000' : e.str] = parent[key];
          delete parent[key];
        }
        break;
      case 6:
        // a duplicate key: the same key again with another value (spliced as raw text)
        if (!Array.isArray(parent)) {
          splices.set(JSON.stringify(mark), `${JSON.stringify(parent[key])},${JSON.stringify(key)}:${e.num}`);
          parent[key] = mark;
        }
        break;
      case 7:
        parent[key] = typeof parent[key] === 'number' ? String(parent[key]) : typeof parent[key] === 'string' ? parent[key].length : true;
        break;
      case 8:
        if (Array.isArray(parent[key])) parent[key] = [...parent[key], ...parent[key]];
        else parent[key] = [parent[key]];
        break;
      default:
        splices.set(JSON.stringify(mark), `-${e.num.replace(/^-/, '')}`);
        parent[key] = mark;
    }
  }
  let text = JSON.stringify(value);
  for (const [m, raw] of splices) text = text.split(m).join(raw);
  return text;
}

/** Resident set size in MiB (the peak would hide growth that was already there). */
export function rssMiB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

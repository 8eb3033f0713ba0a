/**
 * Issue 16 (rerun round 2): encodeValue writes MB-sized points entries without a replacer's copy of
 * every node, and decodeValue untags in place instead of through a reviver. The text must stay the
 * one the node-by-node walk wrote (entries stay readable: CACHE_FORMAT unchanged), and decoding must
 * give back exactly what went in. The reference below is the walk as it was (int6's cache.ts).
 */
import { decodeValue, encodeValue } from '../../src/review/cache.js';

/** int6's encodeValue: every node copied, non-finite numbers and −0 tagged, undefined properties left out. */
function referenceEncode(value: unknown): string {
  const tag = (v: unknown): unknown => {
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $num: Object.is(v, -0) ? '-0' : String(v) };
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map((x) => tag(x));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as object)) if (x !== undefined) out[k] = tag(x);
    return out;
  };
  return JSON.stringify(tag(value));
}

/** int6's decodeValue: JSON.parse with a reviver. */
function referenceDecode(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && '$num' in v) {
      const s = (v as { $num: string }).$num;
      return s === 'NaN' ? NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : -0;
    }
    return v;
  });
}

/** A deterministic value of nested records and arrays with tags sprinkled at every depth (a 32-bit LCG). */
function corpus(seed: number, depth: number): unknown {
  let x = seed >>> 0;
  const next = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const leaf = (): unknown => {
    const r = next();
    if (r < 0.05) return NaN;
    if (r < 0.1) return -0;
    if (r < 0.13) return Infinity;
    if (r < 0.16) return -Infinity;
    if (r < 0.3) return `s${Math.floor(next() * 100)}`;
    if (r < 0.35) return null;
    if (r < 0.4) return next() < 0.5;
    return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
  };
  const node = (d: number): unknown => {
    if (d === 0 || next() < 0.2) return leaf();
    if (next() < 0.5) return Array.from({ length: Math.floor(next() * 6) }, () => node(d - 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 6); i > 0; i--) o[next() < 0.1 ? String(i) : `k${i}`] = next() < 0.1 ? undefined : node(d - 1);
    return o;
  };
  return node(depth);
}

describe('the cache entries’ encoding', () => {
  it('writes the text the node-by-node walk wrote, and reads back what went in, over 300 generated values with NaN, ±Infinity, −0 and undefined properties at every depth', () => {
    let tags = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const value = corpus(seed, 5);
      const before = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0!' : String(v)) : v));
      const text = encodeValue(value);
      expect(text).toBe(referenceEncode(value));
      // the input is never changed (encodeValue copies only the nodes on the way to a tag)
      expect(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0!' : String(v)) : v))).toBe(before);
      // decoding in place gives what the reviver gave: NaN, ±Infinity and −0 included (Jest's toEqual tells −0 from 0)
      expect(decodeValue(text)).toEqual(referenceDecode(text));
      expect(encodeValue(decodeValue(text))).toBe(text);
      if (text.includes('"$num"')) tags++;
    }
    // the corpus does exercise the tags (most values hold one) and the tag-free path
    expect(tags).toBeGreaterThan(150);
    expect(tags).toBeLessThan(300);
  });

  it('tags at the top level and inside tag-free siblings, and leaves a tag-free value’s text as JSON.stringify’s', () => {
    expect(encodeValue(NaN)).toBe('{"$num":"NaN"}');
    expect(Object.is(decodeValue(encodeValue(-0)), -0)).toBe(true);
    const v = { a: { b: [1, 2, { c: 3 }] }, d: [4, -Infinity], e: undefined, f: 'x' };
    expect(encodeValue(v)).toBe('{"a":{"b":[1,2,{"c":3}]},"d":[4,{"$num":"-Infinity"}],"f":"x"}');
    const plain = { a: [1, 2.5, 'x', null, true, { b: 1e-300 }], c: undefined };
    expect(encodeValue(plain)).toBe(JSON.stringify(plain));
  });

  it('still names the place of what JSON cannot carry, and refuses a value that holds the tag key', () => {
    expect(() => encodeValue({ a: [{ b: 1 }, { m: new Map() }] })).toThrow(/value\.a\[1\]\.m is a Map/);
    expect(() => encodeValue({ a: [NaN, undefined] })).toThrow(/undefined at value\.a\[1\]/);
    expect(() => encodeValue({ a: { $num: 'NaN' } })).toThrow(/"\$num" at value\.a is reserved/);
    expect(() => decodeValue('{"a":{"$num":"two"}}')).toThrow(/unknown number tag "two"/);
  });
});

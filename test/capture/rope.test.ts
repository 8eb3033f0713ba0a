/**
 * RoPE from the per-model table (src/capture/forward.ts: ropeTable + rope) gives bit for bit the
 * rotation of the formula it replaced, kept here verbatim as the reference (a pow, a cos and a
 * sin per pair of every token): head sizes of the shipped models (8: stories260K, 48: stories15M)
 * and others, q-wide and kv-wide rows, every position of a seq_len, random float32 values.
 */
import { rope, ropeTable, ROPE_THETA } from '../../src/capture/forward.js';

function ropeReference(v: Float32Array, tokens: number, width: number, hs: number, startPos: number): void {
  for (let t = 0; t < tokens; t++) {
    const pos = startPos + t;
    const r = t * width;
    for (let i = 0; i < width; i += 2) {
      const freq = Math.fround(1 / Math.pow(ROPE_THETA, (i % hs) / hs));
      const val = Math.fround(pos * freq);
      const fcr = Math.cos(val);
      const fci = Math.sin(val);
      const v0 = v[r + i];
      const v1 = v[r + i + 1];
      v[r + i] = v0 * fcr - v1 * fci;
      v[r + i + 1] = v0 * fci + v1 * fcr;
    }
  }
}

/** xorshift32 floats in ±2^±8 (a spread of exponents), deterministic */
function randomRow(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  const next = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) out[i] = (next() - 0.5) * 2 ** Math.floor(next() * 16 - 8);
  return out;
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('RoPE from the position table', () => {
  test.each([
    [8, 64, 512],
    [8, 32, 512],
    [48, 288, 256],
    [2, 6, 40],
    [6, 18, 33],
  ])('equals the per-token formula bit for bit (head size %i, width %i, every position of seq_len %i)', (hs, width, seqLen) => {
    const table = ropeTable(seqLen, hs);
    const tokens = seqLen;
    const original = randomRow(tokens * width, hs * 1000 + width);
    const expected = original.slice();
    ropeReference(expected, tokens, width, hs, 0);
    const got = original.slice();
    rope(got, tokens, width, table, 0);
    expect(bits(got)).toEqual(bits(expected));
    // a chunk starting mid-sequence (generation steps, a window's tail)
    const start = Math.floor(seqLen / 3);
    const tail = original.slice(0, 5 * width);
    const tailExpected = tail.slice();
    ropeReference(tailExpected, 5, width, hs, start);
    rope(tail, 5, width, table, start);
    expect(bits(tail)).toEqual(bits(tailExpected));
    // the rotation did something: not the identity except at position 0
    expect(bits(got.subarray(width))).not.toEqual(bits(original.subarray(width)));
  });

  test('the table holds cos and sin of the float32 angle pos · fround(θ^(−i/hs))', () => {
    const t = ropeTable(512, 8);
    // position 3, pair i = 2: freq = fround(10000^(−0.25)) = fround(0.1), angle fround(0.3)
    const angle = Math.fround(3 * Math.fround(0.1));
    expect(t.cos[3 * 8 + 2]).toBe(Math.cos(angle));
    expect(t.sin[3 * 8 + 2]).toBe(Math.sin(angle));
    expect(t.cos[0]).toBe(1);
    expect(t.sin[511 * 8]).toBe(Math.sin(511));
  });
});

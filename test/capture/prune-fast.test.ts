/**
 * The capture's fast N:M pruning (src/capture/prune-fast.ts) equals pruneMatrix — the one
 * reference — bit for bit in its outputs and keep masks, for magnitude and amber without
 * mitigation: every N:M with M ≤ 32, widths that leave tail groups, values drawn from a small
 * set (many ties), signed zeros, NaN and ±Infinity.
 */
import fc from 'fast-check';
import { pruneNmFast, setWasmPrune } from '../../src/capture/prune-fast.js';
import { wasmPruneApplies } from '../../src/capture/prune-wasm.js';
import { pruneMatrix } from '../../src/sparsity/prune.js';
import { nm } from '../../src/sparsity/pattern.js';

const f32bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const VALUES = [0, -0, 1, -1, 0.5, -0.5, 2, 3.25, -3.25, 1e-40, Number.NaN, Infinity, -Infinity];

describe('fast N:M pruning for capture', () => {
  test('equals pruneMatrix bit for bit (outputs and masks), magnitude and amber, with ties, ±0, NaN and ±Infinity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }).chain((m) => fc.tuple(fc.constant(m), fc.integer({ min: 1, max: m }))),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        ([m, n], k, tokens, amber, seed) => {
          let s = seed;
          const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
          const x = Float32Array.from({ length: tokens * k }, () => (rnd() < 0.5 ? VALUES[Math.floor(rnd() * VALUES.length)] : rnd() * 4 - 2));
          const factors = amber ? Float32Array.from({ length: k }, () => (rnd() < 0.3 ? 1 : rnd() * 3)) : undefined;
          const spec = { pattern: nm(n, 2 * m > 32 ? m : 2 * m), criterion: amber ? 'amber' : 'magnitude', mitigation: 'none' } as const;
          const mm = spec.pattern.kind === 'nm' ? spec.pattern.m : 0;
          const want = new Float32Array(tokens * k);
          const wantKeep = new Uint8Array(tokens * k);
          const wantKept = pruneMatrix(x, tokens, k, spec, { amberFactors: factors }, want, wantKeep);
          const got = new Float32Array(tokens * k).fill(7);
          const gotKeep = new Uint8Array(tokens * k).fill(9);
          const gotKept = pruneNmFast(x, tokens, k, n, mm, factors, got, gotKeep);
          expect(Array.from(gotKeep)).toEqual(Array.from(wantKeep));
          expect(f32bits(got)).toEqual(f32bits(want));
          expect(gotKept).toBe(wantKept);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('8:16 on one hand-checked row: the 8 largest |x| of each group, the lower index first on a tie, a tail of 3 keeps all', () => {
    // group 0: |x| = 0 … 15 reversed; group 1 (16 … 18): a tail of 3 < 8 keeps all three
    const x = Float32Array.from([...Array.from({ length: 16 }, (_, i) => 15 - i), -0, 1, 1]);
    const keep = new Uint8Array(19);
    const out = new Float32Array(19);
    expect(pruneNmFast(x, 1, 19, 8, 16, undefined, out, keep)).toBe(11);
    expect(Array.from(keep)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    // a kept −0 is written as +0 (x + η with η = 0), as pruneMatrix does
    expect(Object.is(out[16], 0)).toBe(true);
    // ties: four equal values, 2:4 keeps the first two
    const tieKeep = new Uint8Array(4);
    pruneNmFast(Float32Array.from([1, -1, 1, 1]), 1, 4, 2, 4, undefined, new Float32Array(4), tieKeep);
    expect(Array.from(tieKeep)).toEqual([1, 1, 0, 0]);
  });

  (wasmPruneApplies(8, 16) ? test : test.skip)('magnitude\'s full groups in WebAssembly equal pruneMatrix and the JavaScript path: 2:4, 4:8, 8:16, 16:32 at widths 64 and 172 (a tail of 12), 200 tokens, ties, ±0, NaN, ±∞', () => {
    let s = 12345;
    const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (const [n, m] of [[2, 4], [4, 8], [8, 16], [16, 32], [1, 4], [3, 8]]) {
      for (const k of [64, 172, m]) {
        const tokens = k === m ? 3 : 200;
        const x = Float32Array.from({ length: tokens * k }, () => (rnd() < 0.3 ? VALUES[Math.floor(rnd() * VALUES.length)] : Math.fround(rnd() * 4 - 2)));
        const want = new Float32Array(tokens * k);
        const wantKeep = new Uint8Array(tokens * k);
        const wantKept = pruneMatrix(x, tokens, k, { pattern: nm(n, m), criterion: 'magnitude', mitigation: 'none' }, {}, want, wantKeep);
        const got = new Float32Array(tokens * k).fill(7);
        const gotKeep = new Uint8Array(tokens * k).fill(9);
        expect(pruneNmFast(x, tokens, k, n, m, undefined, got, gotKeep)).toBe(wantKept);
        expect(Buffer.from(gotKeep).equals(Buffer.from(wantKeep))).toBe(true);
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
        setWasmPrune(false);
        const js = new Float32Array(tokens * k);
        pruneNmFast(x, tokens, k, n, m, undefined, js, new Uint8Array(tokens * k));
        setWasmPrune(true);
        expect(Buffer.from(js.buffer).equals(Buffer.from(got.buffer))).toBe(true);
      }
    }
  });
});

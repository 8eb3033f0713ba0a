/**
 * WasmRowNll (src/capture/nll-wasm.ts) gives tokenNll's float64 loss bit for bit for every row of
 * a window's logits: random rows of several vocabulary sizes (odd ones included) and spreads
 * (near-uniform to one logit far above the rest), and the rows the kernel hands back to tokenNll
 * (a NaN or ±∞ logit, a spread of 707 nats or more) — with the handed-back rows counted, so both
 * paths are exercised.
 */
import fc from 'fast-check';
import { tokenNll } from '../../src/capture/perplexity.js';
import { WasmRowNll, WASM_NLL_AVAILABLE } from '../../src/capture/nll-wasm.js';

const same = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

(WASM_NLL_AVAILABLE ? describe : describe.skip)('token NLL of a window\'s rows in WebAssembly', () => {
  test('equals tokenNll bit for bit on random rows (vocabularies 1 … 512, odd and even; spreads 1e-3 … 300 nats)', () => {
    const kernels = new Map<number, WasmRowNll>();
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 7, 64, 511, 512),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 1e-3, max: 300, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (vocab, rows, spread, seed) => {
          let s = seed;
          const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
          const logits = Float32Array.from({ length: rows * vocab }, () => (rnd() * 2 - 1) * spread);
          const targets = Array.from({ length: rows }, () => Math.floor(rnd() * vocab));
          if (!kernels.has(vocab)) kernels.set(vocab, new WasmRowNll(40, vocab));
          const got = new Float64Array(rows);
          let fallbacks = 0;
          kernels.get(vocab)!.losses(logits, rows, targets, got, (...a) => (fallbacks++, tokenNll(...a)));
          const want = Float64Array.from(targets, (tg, t) => tokenNll(logits, t * vocab, vocab, tg));
          expect(same(got, want)).toBe(true);
          expect(fallbacks).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('rows with a NaN, +∞ or −∞ logit, or a spread of ≥ 707 nats, go to tokenNll; ±0 and equal logits stay in the kernel; the same bits either way', () => {
    const vocab = 5;
    const rows: number[][] = [
      [0, 1, 2, 3, 4],
      [0, -0, 0, -0, 0], // all equal, signed zeros
      [-0, -0, -0, -0, -0],
      [1, Number.NaN, 2, 3, 4],
      [1, 2, 3, 4, Number.NaN], // the odd last logit
      [1, Number.POSITIVE_INFINITY, 2, 3, 4],
      [1, Number.NEGATIVE_INFINITY, 2, 3, 4],
      [0, -800, 0, 0, 0],
      [0, 0, 0, 0, -706.9], // just inside
      [0, 0, 0, 0, -707], // at the limit
      [3e38, -3e38, 0, 1, 2],
      [Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN],
    ];
    const logits = Float32Array.from(rows.flat());
    const targets = rows.map((_, t) => t % vocab);
    const got = new Float64Array(rows.length);
    const handedBack: number[] = [];
    new WasmRowNll(rows.length, vocab).losses(logits, rows.length, targets, got, (l, offset, v, target) => (handedBack.push(offset / v), tokenNll(l, offset, v, target)));
    const want = Float64Array.from(targets, (tg, t) => tokenNll(logits, t * vocab, vocab, tg));
    expect(same(got, want)).toBe(true);
    expect(handedBack).toEqual([3, 4, 5, 6, 7, 9, 10, 11]);
  });
});

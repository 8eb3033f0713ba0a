import fc from 'fast-check';
import { selectKeep } from '../../src/sparsity/select.js';
import { nm, parsePatternList, type NmPattern, type Pattern } from '../../src/sparsity/pattern.js';
import { NetworkSelector, isNetworkPattern } from '../../src/analysis/network-kernel.js';
import { MagnitudeSelector } from '../../src/analysis/magnitude-kernel.js';

/** Reference keep rows: selectKeep on |x| scores (the magnitude criterion). */
function referenceKeep(x: Float32Array, off: number, k: number, p: Pattern): Uint8Array {
  const scores = new Float32Array(k);
  for (let j = 0; j < k; j++) scores[j] = Math.abs(x[off + j]);
  const keep = new Uint8Array(k);
  selectKeep(scores, k, p, keep);
  return keep;
}

function unpack(words: Uint32Array, k: number): Uint8Array {
  const out = new Uint8Array(k);
  for (let j = 0; j < k; j++) out[j] = (words[j >>> 5] >>> (j & 31)) & 1;
  return out;
}

/** Values with many ties (a few magnitudes, both signs), exact zeros and occasional NaN. */
function tieHeavyRow(rand: () => number, k: number, withNaN: boolean, f16Like: boolean): Float32Array {
  const x = new Float32Array(k);
  const levels = [0, 0.5, 1, 1.5, 2, 3, -1, -2, 1e-3, 7.25];
  for (let j = 0; j < k; j++) {
    const r = rand();
    if (withNaN && r < 0.03) x[j] = NaN;
    else if (r < 0.5) x[j] = levels[Math.floor(rand() * levels.length)];
    else x[j] = f16Like ? Math.fround(Math.round((rand() - 0.5) * 2048) / 256) : (rand() - 0.5) * Math.exp(rand() * 10);
  }
  return x;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('NetworkSelector (sorting-network magnitude kernel)', () => {
  const patterns = parsePatternList('2:4,4:8,8:16,16:32,1:2,3:4,5:8,1:32') as NmPattern[];

  test.each([
    ['F16-like values (int32 path)', true],
    ['arbitrary float32 values (float64 path)', false],
  ])('equals the reference selectKeep on %s, ties, zeros, NaN and tail groups included', (_, f16Like) => {
    const rand = lcg(f16Like ? 7 : 11);
    for (const k of [32, 64, 96, 100, 37, 5, 1, 130]) {
      const sel = new NetworkSelector(k, patterns);
      for (let t = 0; t < 12; t++) {
        const x = tieHeavyRow(rand, k, t % 3 === 0, f16Like);
        const x2 = Float64Array.from(x, (v) => v * v);
        sel.select(new Int32Array(x.buffer), 0, x2);
        patterns.forEach((p, i) => {
          const ref = referenceKeep(x, 0, k, p);
          expect(Array.from(unpack(sel.words[i], k))).toEqual(Array.from(ref));
          let dropped = 0;
          for (let j = 0; j < k; j++) if (!ref[j]) dropped += x2[j];
          if (Number.isNaN(dropped)) expect(Number.isNaN(sel.dropped[i])).toBe(true);
          else expect(Math.abs(sel.dropped[i] - dropped)).toBeLessThanOrEqual(1e-12 * Math.max(1, dropped));
        });
      }
    }
  });

  test('reads the row at an offset inside a larger chunk', () => {
    const rand = lcg(3);
    const k = 64;
    const chunk = tieHeavyRow(rand, 3 * k, false, true);
    const sel = new NetworkSelector(k, [nm(8, 16)]);
    const x2 = new Float64Array(k);
    for (let j = 0; j < k; j++) x2[j] = chunk[k + j] ** 2;
    sel.select(new Int32Array(chunk.buffer), k, x2);
    expect(Array.from(unpack(sel.words[0], k))).toEqual(Array.from(referenceKeep(chunk, k, k, nm(8, 16))));
  });

  test('accepts exactly the power-of-two group sizes 2 … 32', () => {
    expect([nm(2, 4), nm(16, 32), nm(1, 2)].every(isNetworkPattern)).toBe(true);
    expect([nm(3, 6), nm(32, 64), { kind: 'unstructured' as const }].some(isNetworkPattern)).toBe(false);
  });

  test('property: equals selectKeep on random float32 rows of any length', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noDefaultInfinity: false }), { minLength: 1, maxLength: 80 }),
        fc.constantFrom(...patterns),
        (values, p) => {
          const x = Float32Array.from(values);
          const sel = new NetworkSelector(x.length, [p]);
          sel.select(new Int32Array(x.buffer), 0, Float64Array.from(x, (v) => v * v));
          expect(Array.from(unpack(sel.words[0], x.length))).toEqual(Array.from(referenceKeep(x, 0, x.length, p)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('MagnitudeSelector (rank kernel for any pattern)', () => {
  test('equals the reference selectKeep for 3:6, 5:12, 32:64, 2:4, unstructured and dense, ties and tails included', () => {
    const patterns = parsePatternList('3:6,5:12,32:64,2:4,4:8,unstructured,dense');
    const rand = lcg(5);
    for (const k of [1, 2, 7, 12, 64, 100, 129]) {
      const sel = new MagnitudeSelector(k, patterns);
      const rows = patterns.map(() => new Uint8Array(k));
      for (let t = 0; t < 10; t++) {
        const x = tieHeavyRow(rand, k, t % 4 === 0, t % 2 === 0);
        sel.select(new Int32Array(x.buffer), 0, rows);
        patterns.forEach((p, i) => expect(Array.from(rows[i])).toEqual(Array.from(referenceKeep(x, 0, k, p))));
      }
    }
  });
});

/**
 * Hand-checkable cases for every pattern, criterion and mitigation of sparsity/prune.ts, on a
 * 4×64 matrix whose values are known in closed form, plus fast-check invariants.
 */
import fc from 'fast-check';
import { pruneMatrix } from '../../src/sparsity/prune.js';
import type { PruneSpec } from '../../src/sparsity/configurations.js';
import { nm, parsePattern, type Pattern } from '../../src/sparsity/pattern.js';
import { amberFactors } from '../../src/sparsity/criteria/amber.js';
import { varScale } from '../../src/sparsity/mitigation/var.js';
import { calibrateStaticShift, lowerMedian } from '../../src/sparsity/mitigation/shift.js';
import { NmsimError } from '../../src/diagnostics.js';

const T = 4;
const K = 64;
/** x[t][j]: |x| = 1..64 once per row ((37j + 11t) mod 64 is a permutation), every third negative */
function matrix(): Float32Array {
  const x = new Float32Array(T * K);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < K; j++) x[t * K + j] = ((((37 * j + 11 * t) % 64) + 1) / 8) * (j % 3 === 0 ? -1 : 1);
  }
  return x;
}

function prune(x: Float32Array, tokens: number, k: number, spec: Partial<PruneSpec> & { pattern: Pattern }, ctx = {}) {
  const out = new Float32Array(tokens * k);
  const keep = new Uint8Array(tokens * k);
  const kept = pruneMatrix(x, tokens, k, { criterion: 'magnitude', mitigation: 'none', ...spec }, ctx, out, keep);
  return { out, keep, kept };
}

/** Independent top-n: indices of a group sorted by score descending, lower index first on ties. */
function topN(scores: number[], n: number): Set<number> {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return new Set(idx.slice(0, n));
}

describe('pruneMatrix on a 4×64 matrix', () => {
  const x = matrix();

  test.each([
    [2, 4],
    [4, 8],
    [8, 16],
    [16, 32],
  ])('%i:%i magnitude keeps exactly the N largest |x| of every group and zeroes the rest', (n, m) => {
    const { out, keep, kept } = prune(x, T, K, { pattern: nm(n, m) });
    expect(kept).toBe((T * K * n) / m);
    for (let t = 0; t < T; t++) {
      for (let g = 0; g < K; g += m) {
        const group = Array.from(x.subarray(t * K + g, t * K + g + m), Math.abs);
        const want = topN(group, n);
        for (let i = 0; i < m; i++) {
          const j = t * K + g + i;
          expect(keep[j]).toBe(want.has(i) ? 1 : 0);
          expect(out[j]).toBe(want.has(i) ? x[j] : 0);
        }
      }
    }
  });

  test('2:4 on the first group of row 0 keeps 4.75 and −6', () => {
    // row 0: j=0 → -(1/8), j=1 → 38/8, j=2 → 11/8 (37·2 mod 64 = 10), j=3 → -(48/8) (111 mod 64 = 47)
    expect(Array.from(x.subarray(0, 4))).toEqual([-0.125, 4.75, 1.375, -6]);
    const { out } = prune(x, T, K, { pattern: nm(2, 4) });
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 4.75, 0, -6]);
  });

  test('unstructured keeps the top floor(K/2) magnitudes of the whole row', () => {
    const { keep, kept } = prune(x, T, K, { pattern: { kind: 'unstructured' } });
    expect(kept).toBe(T * 32);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < K; j++) expect(keep[t * K + j]).toBe(Math.abs(x[t * K + j]) > 4 ? 1 : 0); // |x| = 33/8 … 64/8
    }
  });

  test('M:M patterns and dense are the identity for none, var and affine', () => {
    for (const p of [nm(4, 4), nm(32, 32), nm(64, 64), parsePattern('dense')]) {
      for (const mitigation of ['none', 'var', 'affine'] as const) {
        const { out, kept } = prune(x, T, K, { pattern: p, mitigation });
        expect(kept).toBe(T * K);
        expect(Array.from(out)).toEqual(Array.from(x));
      }
    }
  });

  test('the tail group of r < M elements keeps min(N, r)', () => {
    // K = 7 with 2:4: groups [0..3] and a tail [4..6] of 3 → keeps 2 of the tail
    const row = Float32Array.from([1, 2, 3, 4, 5, 7, 6]);
    const a = prune(row, 1, 7, { pattern: nm(2, 4) });
    expect(Array.from(a.keep)).toEqual([0, 0, 1, 1, 0, 1, 1]);
    expect(a.kept).toBe(4);
    // K = 66 with 16:32: tail of 2 ≤ 16 keeps both
    const wide = new Float32Array(66).map((_, j) => j + 1);
    const b = prune(wide, 1, 66, { pattern: nm(16, 32) });
    expect(b.kept).toBe(16 + 16 + 2);
    expect(Array.from(b.keep.subarray(64))).toEqual([1, 1]);
  });

  test('on equal scores the lower index wins', () => {
    const flat = new Float32Array(16).fill(3);
    const { keep } = prune(flat, 1, 16, { pattern: nm(2, 4) });
    expect(Array.from(keep)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    const mixed = Float32Array.from([-2, 2, 1, 2]); // |−2| = |2| = |2|: indices 0 and 1 win
    expect(Array.from(prune(mixed, 1, 4, { pattern: nm(2, 4) }).keep)).toEqual([1, 1, 0, 0]);
  });

  test('var scales each kept row by sqrt(var(x) / var(P(x))), computed by hand', () => {
    const row = Float32Array.from([4, -1, 0.5, 0, 0, 0, 0, 2]);
    // 2:8 (n=2, m=8) keeps 4 and 2: P = [4,0,0,0,0,0,0,2]
    // mean(x) = 5.5/8 = 0.6875; Σ(x−mean)² = Σx² − 8·mean² = 21.25 − 3.78125 = 17.46875; var = 17.46875/7
    // mean(P) = 0.75; ΣP² − 8·0.75² = 20 − 4.5 = 15.5; var = 15.5/7 → v = sqrt(17.46875/15.5)
    const v = Math.sqrt(17.46875 / 15.5);
    const { out } = prune(row, 1, 8, { pattern: nm(2, 8), mitigation: 'var' });
    const want = [4 * v, 0, 0, 0, 0, 0, 0, 2 * v];
    out.forEach((o, j) => expect(o).toBeCloseTo(want[j], 6));
    expect(varScale(row, Float32Array.from([4, 0, 0, 0, 0, 0, 0, 2]), 8)).toBeCloseTo(v, 12);
  });

  test('dpts shifts by the lower median, selects on x − η and restores η in pruned places', () => {
    // sorted [-1,0,1,2,3,4,5,7] → lower median (index 3) = 2; u = x − 2 = [3,-3,0,1,-2,5,-1,2]
    // group 1 |u| = 3,3,0,1 → keep 0,1 (tie → lower index); group 2 |u| = 2,5,1,2 → keep 5 and 4 (tie 4 vs 7)
    const row = Float32Array.from([5, -1, 2, 3, 0, 7, 1, 4]);
    expect(lowerMedian(row, 8)).toBe(2);
    const { out, keep } = prune(row, 1, 8, { pattern: nm(2, 4), mitigation: 'dpts' });
    expect(Array.from(keep)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    expect(Array.from(out)).toEqual([5, -1, 2, 2, 0, 7, 2, 2]);
  });

  test('spts uses the calibrated η of the site, the mean of per-token lower medians', () => {
    const calib = Float32Array.from([1, 2, 3, 4, /**/ 10, 20, 30, 40]); // lower medians 2 and 20
    const eta = calibrateStaticShift(calib, 2, 4);
    expect(eta).toBe(11);
    const row = Float32Array.from([11, 12, 0, 30]); // u = [0, 1, -11, 19] → keep 2 and 3
    const { out } = prune(row, 1, 4, { pattern: nm(2, 4), mitigation: 'spts' }, { staticShift: eta });
    expect(Array.from(out)).toEqual([11, 11, 0, 30]);
    expect(() => prune(row, 1, 4, { pattern: nm(2, 4), mitigation: 'spts' })).toThrow(NmsimError);
  });

  test('amber weighs |x_j| by f_j = ‖Ŵ[:,j]‖ / min‖Ŵ[:,k]‖ and can flip a choice', () => {
    // W [2, 4]: column 3 carries most weight; the standardised norms make f_3 the largest
    const w = Float32Array.from([0.1, -0.1, 0.1, 3, -0.1, 0.1, -0.1, -3]);
    const f = amberFactors(w, 2, 4);
    expect(Math.min(...f)).toBeCloseTo(1, 6);
    expect(f[3]).toBeGreaterThan(f[0]);
    const row = Float32Array.from([1, 0.9, 0.8, 0.5]); // magnitude keeps 0,1; amber keeps 3 and 0
    expect(Array.from(prune(row, 1, 4, { pattern: nm(2, 4) }).keep)).toEqual([1, 1, 0, 0]);
    const amber = prune(row, 1, 4, { pattern: nm(2, 4), criterion: 'amber' }, { amberFactors: f });
    const scores = Array.from(row, (v, j) => Math.abs(v) * f[j]);
    const want = topN(scores, 2);
    expect(Array.from(amber.keep)).toEqual([0, 1, 2, 3].map((j) => (want.has(j) ? 1 : 0)));
    expect(amber.keep[3]).toBe(1);
  });

  test('clact weighs |x_tj| by the channel norm over the batch, and with one token ranks like magnitude', () => {
    // two tokens; channel norms: c0 = sqrt(1+100)=10.05, c1 = sqrt(4+1)=2.24, c2 = sqrt(9+0)=3, c3 = sqrt(0.25+0)=0.5
    const batch = Float32Array.from([1, 2, 3, 0.5, /**/ 10, 1, 0, 0]);
    const { keep } = prune(batch, 2, 4, { pattern: nm(2, 4), criterion: 'clact' });
    // token 0 scores: 1·10.05=10.05, 2·2.24=4.47, 3·3=9, 0.25 → keep 0 and 2 (magnitude would keep 1 and 2)
    expect(Array.from(keep.subarray(0, 4))).toEqual([1, 0, 1, 0]);
    const single = prune(batch.subarray(0, 4), 1, 4, { pattern: nm(2, 4), criterion: 'clact' });
    expect(Array.from(single.keep)).toEqual(Array.from(prune(batch.subarray(0, 4), 1, 4, { pattern: nm(2, 4) }).keep));
  });

  test('amber without K factors of this consumer and spts without η are refused, even with no row to prune', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as NmsimError).diagnostics[0].code;
      }
      return null;
    };
    const row = Float32Array.from([1, 2, 3, 4]);
    expect(code(() => prune(row, 1, 4, { pattern: nm(2, 4), criterion: 'amber' }))).toBe('sparsity/missing-amber-factors');
    expect(code(() => prune(row, 1, 4, { pattern: nm(2, 4), criterion: 'amber' }, { amberFactors: new Float32Array(3) }))).toBe('sparsity/missing-amber-factors');
    expect(code(() => prune(new Float32Array(0), 0, 4, { pattern: nm(2, 4), mitigation: 'spts' }))).toBe('sparsity/missing-static-shift');
    expect(code(() => prune(row, 1, 4, { pattern: nm(2, 4), criterion: 'amber', mitigation: 'spts' }, { staticShift: 0 }))).toBe('sparsity/missing-amber-factors');
  });

  test('clact with dpts takes its channel norms over the shifted values z = x − η that it prunes', () => {
    // lower medians: token 0 sorted [10,10,11,12] → 10, token 1 sorted [20,20,20,25] → 20
    // z = [[0,2,1,0],[0,0,5,0]] → ‖Z[:,j]‖ = [0, 2, 5, 0]; token 0 scores |z|·‖Z‖ = [0, 4, 5, 0] → 1:4 keeps j = 2.
    // (Norms over x would be [22.4, 23.3, 27.3, 22.4] → scores [0, 46.6, 27.3, 0] → j = 1.)
    const batch = Float32Array.from([10, 12, 11, 10, /**/ 20, 20, 25, 20]);
    const { keep, out } = prune(batch, 2, 4, { pattern: nm(1, 4), criterion: 'clact', mitigation: 'dpts' });
    expect(Array.from(keep)).toEqual([0, 0, 1, 0, /**/ 0, 0, 1, 0]);
    expect(Array.from(out)).toEqual([10, 10, 11, 10, /**/ 20, 20, 25, 20]);
  });

  test('clact with spts takes its channel norms over x − η with the static η of the site', () => {
    // η = 10: z = [[0,2,1,0],[0,0,5,0]] → the same norms and choice as above; token 1 keeps j = 2 too
    const batch = Float32Array.from([10, 12, 11, 10, /**/ 10, 10, 15, 10]);
    const { keep, out } = prune(batch, 2, 4, { pattern: nm(1, 4), criterion: 'clact', mitigation: 'spts' }, { staticShift: 10 });
    expect(Array.from(keep)).toEqual([0, 0, 1, 0, /**/ 0, 0, 1, 0]);
    expect(Array.from(out)).toEqual([10, 10, 11, 10, /**/ 10, 10, 15, 10]);
  });
});

describe('pruneMatrix invariants', () => {
  const patternArb = fc.integer({ min: 1, max: 64 }).chain((m) => fc.integer({ min: 1, max: m }).map((n) => nm(n, m)));
  const rowArb = fc.integer({ min: 1, max: 80 }).chain((k) =>
    fc.tuple(fc.constant(k), fc.float32Array({ minLength: k, maxLength: k, noNaN: true, noDefaultInfinity: true })),
  );

  test('exactly min(N, r) values survive in every group of r ≤ M elements', () => {
    fc.assert(
      fc.property(patternArb, rowArb, (p, [k, row]) => {
        const { keep, kept } = prune(row, 1, k, { pattern: p });
        let total = 0;
        for (let g = 0; g < k; g += p.m) {
          const r = Math.min(p.m, k - g);
          let c = 0;
          for (let i = 0; i < r; i++) c += keep[g + i];
          if (c !== Math.min(p.n, r)) return false;
          total += c;
        }
        return total === kept;
      }),
    );
  });

  test('M:M keeps every element unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), rowArb, (m, [k, row]) => {
        const { out } = prune(row, 1, k, { pattern: nm(m, m) });
        return out.every((v, j) => Object.is(v, row[j]) || (v === 0 && row[j] === 0));
      }),
    );
  });
});

describe('clact on a single token', () => {
  test('keeps what magnitude keeps under the same shift: its norms |z_j| are over the values pruned', () => {
    // norms over x would score |z_j|·|x_j| and differ; values are multiples of 1/8 so no two squares collide in float32
    const valueArb = fc.integer({ min: -64, max: 64 }).map((v) => v / 8);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((k) => fc.array(valueArb, { minLength: k, maxLength: k })),
        fc.constantFrom(nm(2, 4), nm(4, 8), nm(3, 7), { kind: 'unstructured' } as const),
        fc.constantFrom('none', 'dpts', 'spts') as fc.Arbitrary<'none' | 'dpts' | 'spts'>,
        (vals, pattern, mitigation) => {
          const row = Float32Array.from(vals);
          const ctx = { staticShift: 0.625 };
          const clact = prune(row, 1, row.length, { pattern, criterion: 'clact', mitigation }, ctx);
          const magnitude = prune(row, 1, row.length, { pattern, mitigation }, ctx);
          return Array.from(clact.keep).join() === Array.from(magnitude.keep).join();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('unstructured selection', () => {
  test('keeps the same set as a stable descending sort, ties and NaN included', () => {
    const valueArb = fc.oneof(fc.constantFrom(0, 1, -1, 2, Number.NaN, -0), fc.float({ noDefaultInfinity: true }));
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 1, maxLength: 90 }), (vals) => {
        const k = vals.length;
        const row = Float32Array.from(vals);
        const { keep, kept } = prune(row, 1, k, { pattern: { kind: 'unstructured' } });
        const key = (j: number) => (Number.isNaN(row[j]) ? -Infinity : Math.abs(row[j]));
        const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => key(b) - key(a) || a - b);
        const want = new Set(order.slice(0, Math.floor(k / 2)));
        return kept === Math.floor(k / 2) && Array.from(keep).every((v, j) => v === (want.has(j) ? 1 : 0));
      }),
    );
  });
});

/**
 * Weight N:M pruning (issue 14) on hand-made weights: the rule — groups of M consecutive input
 * columns of every output row keep the N highest scores, a tail group of r < M keeps min(N, r),
 * equal scores keep the lower column, unstructured keeps ⌊in/2⌋ per row — checked against
 * hand-derived answers and a brute-force selection written here (a column is kept iff fewer
 * than its quota of the group's columns beat it), never against select.ts itself.
 */
import { pruneWeight } from '../../src/sparsity/weight-prune.js';
import { criteriaByOperand, parseOperands, parseRunCriteria } from '../../src/sparsity/weight-registry.js';
import { accumulateInputNorms, createInputNormAccumulator, finishInputNorms } from '../../src/sparsity/criteria/wanda.js';
import { isNmsimError } from '../../src/diagnostics.js';
import type { Pattern } from '../../src/sparsity/pattern.js';
import { bruteForceKeep } from './weight-brute-force.js';

const nm = (n: number, m: number): Pattern => ({ kind: 'nm', n, m });
const UNSTRUCTURED: Pattern = { kind: 'unstructured' };

/** mulberry32: a seeded generator, so the random weights are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Weights drawn from a few levels of both signs, so rows are full of ties in |w|. */
function tiedWeight(out: number, inF: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: out * inF }, () => (r() < 0.5 ? -1 : 1) * Math.floor(r() * 4) * 0.25);
}

describe('pruneWeight along the input dimension', () => {
  test('2:4 keeps the two largest |w| of every group of 4 columns in every output row', () => {
    // row 0: |w| = 1 4 2 3 | 8 5 7 6 → keeps columns 1, 3 | 4, 6; row 1: −9 0 0 1 | 0 0 0 0 → 0, 3 | 4, 5 (ties: lower index)
    const w = Float32Array.from([1, -4, 2, 3, 8, 5, -7, 6, -9, 0, 0, 1, 0, 0, 0, 0]);
    const r = pruneWeight(w, 2, 8, nm(2, 4), 'magnitude');
    expect(Array.from(r.keep)).toEqual([0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0]);
    expect(Array.from(r.pruned)).toEqual([0, -4, 0, 3, 8, 0, -7, 0, -9, 0, 0, 1, 0, 0, 0, 0]);
    expect(r.kept).toBe(8);
    expect(Array.from(w.slice(0, 4))).toEqual([1, -4, 2, 3]); // the given weight is not changed
  });

  test('a tail group of r < M columns keeps min(N, r): 4:8 over 11 columns keeps 4 + 3 per row', () => {
    const w = Float32Array.from({ length: 2 * 11 }, (_, i) => ((i * 7) % 11) + 1);
    const r = pruneWeight(w, 2, 11, nm(4, 8), 'magnitude');
    expect(r.kept).toBe(2 * (4 + 3));
    for (let o = 0; o < 2; o++) {
      expect(r.keep.slice(o * 11 + 8, o * 11 + 11).reduce((a, b) => a + b, 0)).toBe(3); // the whole tail is kept
    }
  });

  test('unstructured keeps ⌊in/2⌋ of each row: 3 of 7, ties to the lower column', () => {
    const w = Float32Array.from([5, 1, 5, 1, 5, 1, 5]);
    const r = pruneWeight(w, 1, 7, UNSTRUCTURED, 'magnitude');
    expect(Array.from(r.keep)).toEqual([1, 0, 1, 0, 1, 0, 0]);
  });

  test('wanda scores |w|·‖X_j‖₂: a strong input feature keeps its small weight where magnitude drops it', () => {
    // |w| 1 2 3 4 with norms 10 1 1 1 → scores 10 2 3 4: 2:4 keeps columns 0 and 3; magnitude keeps 2 and 3
    const w = Float32Array.from([1, -2, 3, -4]);
    const norms = Float32Array.from([10, 1, 1, 1]);
    expect(Array.from(pruneWeight(w, 1, 4, nm(2, 4), 'wanda', { inputNorms: norms }).keep)).toEqual([1, 0, 0, 1]);
    expect(Array.from(pruneWeight(w, 1, 4, nm(2, 4), 'magnitude').keep)).toEqual([0, 0, 1, 1]);
  });

  test('wanda products that are equal in float32 tie, and the lower column wins', () => {
    // 1 · (1 + 2^-23) and (1 + 2^-23) · 1 are the same float32; 0.75 · 1.25 < both
    const e = 2 ** -23;
    const w = Float32Array.from([0.75, 1, 1 + e, 0.5]);
    const norms = Float32Array.from([1.25, 1 + e, 1, 1]);
    expect(Array.from(pruneWeight(w, 1, 4, nm(1, 4), 'wanda', { inputNorms: norms }).keep)).toEqual([0, 1, 0, 0]);
  });

  test('magnitude masks equal the brute-force selection on 2,800 tied rows of every pattern and odd widths', () => {
    let rows = 0;
    for (const [inF, seed] of [[4, 1], [13, 2], [43, 3], [64, 4], [70, 5]] as const) {
      const out = 80;
      const w = tiedWeight(out, inF, seed);
      const scores = w.map(Math.abs);
      for (const pattern of [nm(2, 4), nm(4, 8), nm(8, 16), nm(16, 32), nm(3, 7), nm(1, 1), UNSTRUCTURED]) {
        const r = pruneWeight(w, out, inF, pattern, 'magnitude');
        expect(Array.from(r.keep)).toEqual(Array.from(bruteForceKeep(scores, out, inF, pattern)));
        rows += out;
      }
    }
    expect(rows).toBe(5 * 7 * 80);
  });

  test('wanda masks equal the brute-force selection on float32 products |w|·norm', () => {
    const out = 40;
    const inF = 37;
    const w = tiedWeight(out, inF, 9);
    const r = rng(10);
    const norms = Float32Array.from({ length: inF }, () => [0.5, 1, 2, 3][Math.floor(r() * 4)]);
    const scores = new Float32Array(out * inF);
    for (let o = 0; o < out; o++) for (let j = 0; j < inF; j++) scores[o * inF + j] = Math.fround(Math.abs(w[o * inF + j]) * norms[j]);
    for (const pattern of [nm(2, 4), nm(8, 16), nm(16, 32), UNSTRUCTURED]) {
      expect(Array.from(pruneWeight(w, out, inF, pattern, 'wanda', { inputNorms: norms }).keep)).toEqual(Array.from(bruteForceKeep(scores, out, inF, pattern)));
    }
  });

  test('wanda without input norms, or with norms of the wrong width, is a usage error naming the fix', () => {
    const w = new Float32Array(8);
    for (const ctx of [{}, { inputNorms: new Float32Array(3) }]) {
      let caught: unknown;
      try {
        pruneWeight(w, 2, 4, nm(2, 4), 'wanda', ctx);
      } catch (e) {
        caught = e;
      }
      expect(isNmsimError(caught)).toBe(true);
      if (isNmsimError(caught)) {
        expect(caught.diagnostics[0].code).toBe('sparsity/missing-input-norms');
        expect(caught.diagnostics[0].hint).toMatch(/magnitude/);
      }
    }
  });
});

describe('wanda input norms', () => {
  test('‖X_j‖₂ over every row of every batch: rows (3, 4) and (0, 0), (4, 3) give norms 5 and 5', () => {
    const acc = createInputNormAccumulator(2);
    accumulateInputNorms(acc, Float32Array.from([3, 4]), 1, 2);
    accumulateInputNorms(acc, Float32Array.from([0, 0, 4, 3]), 2, 2);
    expect(acc.rows).toBe(3);
    expect(Array.from(finishInputNorms(acc))).toEqual([5, 5]);
  });
});

describe('operands and weight criteria', () => {
  test('wanda is a weight criterion only and magnitude serves both operands', () => {
    expect(criteriaByOperand(parseRunCriteria('magnitude,wanda'), parseOperands('weight'))).toEqual({ activation: [], weight: ['magnitude', 'wanda'] });
    expect(criteriaByOperand(parseRunCriteria('magnitude,amber,wanda'), parseOperands('activation,weight'))).toEqual({ activation: ['magnitude', 'amber'], weight: ['magnitude', 'wanda'] });
  });

  test('wanda on activations, amber on weights, and "both" are usage errors with a hint', () => {
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isNmsimError(e) ? e.diagnostics[0].code : 'not an NmsimError';
      }
      return undefined;
    };
    expect(codeOf(() => criteriaByOperand(['wanda'], ['activation']))).toBe('sparsity/criterion-operand');
    expect(codeOf(() => criteriaByOperand(['amber'], ['weight']))).toBe('sparsity/criterion-operand');
    expect(codeOf(() => parseOperands('both'))).toBe('sparsity/unknown-operand');
    expect(codeOf(() => parseRunCriteria('wandaa'))).toBe('sparsity/unknown-criterion');
  });
});

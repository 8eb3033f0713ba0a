import fc from 'fast-check';
import { lowerMedian } from '../../src/sparsity/mitigation/shift.js';

/** The definition: element ⌊(K−1)/2⌋ of the row sorted as float32 (−0 before +0, NaN last). */
function sortedLowerMedian(x: number[]): number {
  return Float32Array.from(x).sort()[Math.floor((x.length - 1) / 2)];
}

describe('lowerMedian (dpts η) by quickselect', () => {
  test('equals element ⌊(K−1)/2⌋ of the sorted row, sign of zero included, on rows full of repeats, zeros and NaN', () => {
    const value = fc.oneof(
      fc.constantFrom(0, -0, 1, -1, 2.5, -2.5, 1e-3, NaN),
      fc.float({ noNaN: true, noDefaultInfinity: true }),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 5 }), (row, pad) => {
        const x = new Float32Array(pad + row.length);
        x.set(row, pad);
        expect(Object.is(lowerMedian(x, row.length, pad), sortedLowerMedian(row))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('finds 2 in [5, −1, 2, 2, 9, 0, 3, 2] (K = 8: sorted −1 0 2 2 2 3 5 9, element 3) and −0 in [−0, 0, −0]', () => {
    expect(lowerMedian(Float32Array.from([5, -1, 2, 2, 9, 0, 3, 2]), 8)).toBe(2);
    expect(Object.is(lowerMedian(Float32Array.from([-0, 0, -0]), 3), -0)).toBe(true);
    expect(Object.is(lowerMedian(Float32Array.from([0, -0, 0]), 3), 0)).toBe(true);
  });

  test('finds the median of a sorted 4096-element row and of an all-equal one (median-of-three pivots)', () => {
    const ramp = Float32Array.from({ length: 4096 }, (_, i) => i - 100);
    expect(lowerMedian(ramp, 4096)).toBe(2047 - 100);
    expect(lowerMedian(new Float32Array(4096).fill(3), 4096)).toBe(3);
  });
});

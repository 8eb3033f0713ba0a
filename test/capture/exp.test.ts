import fc from 'fast-check';
import { expNonPositive } from '../../src/capture/exp.js';

describe('expNonPositive', () => {
  test('agrees with Math.exp to 1e-13 relative for every x ≤ 0 above underflow', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 0, noNaN: true }), (x) => {
        const want = Math.exp(x);
        return Math.abs(expNonPositive(x) - want) <= 1e-13 * want;
      }),
      { numRuns: 5000 },
    );
  });

  test('is exactly 1 at 0, 0 below float64 underflow, and NaN for NaN', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    expect(expNonPositive(-800)).toBe(0);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(Number.NaN)).toBeNaN();
    expect(expNonPositive(-1)).toBeCloseTo(Math.exp(-1), 15);
  });
});

import fc from 'fast-check';
import { accumulateStats, emptyStats, finishStats } from '../../src/trace/tensor-stats.js';

describe('streaming tensor statistics', () => {
  test('a hand-worked vector: mean, RMS, absmax, zero fraction, NaN and Inf counts', () => {
    const s = finishStats(accumulateStats(emptyStats(), new Float32Array([3, -4, 0, NaN, Infinity, 0, -0, 1])));
    // finite non-NaN values: 3, −4, 0, 0, −0, 1 → mean 0/6, RMS sqrt(26/6); zeros 3 of 8
    expect(s.mean).toBe(0);
    expect(s.rms).toBeCloseTo(Math.sqrt(26 / 6), 12);
    expect(s.absMax).toBe(4);
    expect([s.min, s.max]).toEqual([-4, 3]);
    expect(s.zeroFraction).toBe(3 / 8);
    expect([s.nanCount, s.infCount, s.count]).toEqual([1, 1, 8]);
  });

  test('statistics do not depend on how the tensor is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, min: -1e4, max: 1e4 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (values, chunk) => {
        const all = Float32Array.from(values);
        const whole = finishStats(accumulateStats(emptyStats(), all));
        const acc = emptyStats();
        for (let i = 0; i < all.length; i += chunk) accumulateStats(acc, all.subarray(i, i + chunk));
        const parts = finishStats(acc);
        expect(parts.absMax).toBe(whole.absMax);
        expect(parts.zeroFraction).toBe(whole.zeroFraction);
        expect(parts.mean).toBeCloseTo(whole.mean, 6);
        expect(parts.rms).toBeCloseTo(whole.rms, 6);
        // and against a direct computation
        const direct = values.map(Math.fround);
        expect(whole.absMax).toBe(Math.max(...direct.map(Math.abs)));
        expect(whole.mean).toBeCloseTo(direct.reduce((a, b) => a + b, 0) / direct.length, 6);
      }),
    );
  });
});

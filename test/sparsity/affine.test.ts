import fc from 'fast-check';
import { accumulateAffine, applyAffine, createAffineStats, finishAffine, fitAffine } from '../../src/sparsity/mitigation/affine.js';

describe('affine mitigation', () => {
  test('fitAffine recovers y = 2·ỹ + 1 exactly and a constant channel gets scale 1 and the mean gap', () => {
    // two output channels, three tokens: channel 0 y = 2ỹ + 1; channel 1 ỹ constant 5, y = 4, 6, 8
    const yPruned = Float32Array.from([1, 5, 2, 5, 3, 5]);
    const yDense = Float32Array.from([3, 4, 5, 6, 7, 8]);
    const c = fitAffine(yDense, yPruned, 3, 2);
    expect(Array.from(c.scale)).toEqual([2, 1]);
    expect(Array.from(c.shift)).toEqual([1, 1]); // mean(y) − 1·5 = 6 − 5
    const y = Float32Array.from(yPruned);
    applyAffine(y, 3, 2, c);
    expect(Array.from(y)).toEqual([3, 6, 5, 6, 7, 6]);
  });

  test('the streaming fit over chunks equals fitAffine on the concatenated tokens', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        (outDim, chunks, seed) => {
          let s = seed + 1;
          const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 4 - 2;
          const total = chunks.reduce((a, b) => a + b, 0);
          const yd = Float32Array.from({ length: total * outDim }, rnd);
          const yp = Float32Array.from({ length: total * outDim }, rnd);
          const stats = createAffineStats(outDim);
          let t0 = 0;
          for (const n of chunks) {
            accumulateAffine(stats, yd.subarray(t0 * outDim, (t0 + n) * outDim), yp.subarray(t0 * outDim, (t0 + n) * outDim), n);
            t0 += n;
          }
          const a = finishAffine(stats);
          const b = fitAffine(yd, yp, total, outDim);
          for (let o = 0; o < outDim; o++) {
            if (Math.abs(a.scale[o] - b.scale[o]) > 1e-4 * Math.max(1, Math.abs(b.scale[o]))) return false;
            if (Math.abs(a.shift[o] - b.shift[o]) > 1e-4 * Math.max(1, Math.abs(b.shift[o]))) return false;
          }
          return true;
        },
      ),
    );
  });
});

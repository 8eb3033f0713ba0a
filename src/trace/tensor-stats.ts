/**
 * Streaming summary statistics of a tensor, accumulated chunk by chunk (pure; the caller
 * reads the chunks). Mean and RMS are over the finite values; NaN and ±Inf are counted.
 */
export interface StatsAccumulator {
  count: number;
  finiteCount: number;
  sum: number;
  sumSquares: number;
  absMax: number;
  min: number;
  max: number;
  zeroCount: number;
  nanCount: number;
  infCount: number;
}

export interface TensorStats {
  count: number;
  mean: number;
  rms: number;
  absMax: number;
  min: number;
  max: number;
  /** exact zeros (±0) over all elements */
  zeroFraction: number;
  nanCount: number;
  infCount: number;
}

export function emptyStats(): StatsAccumulator {
  return { count: 0, finiteCount: 0, sum: 0, sumSquares: 0, absMax: 0, min: Infinity, max: -Infinity, zeroCount: 0, nanCount: 0, infCount: 0 };
}

/** Adds the first `n` values of `chunk` into `acc` (float64 accumulation). */
export function accumulateStats(acc: StatsAccumulator, chunk: Float32Array, n = chunk.length): StatsAccumulator {
  let sum = 0;
  let sumSquares = 0;
  let absMax = acc.absMax;
  let min = acc.min;
  let max = acc.max;
  let zeros = 0;
  let nans = 0;
  let infs = 0;
  for (let i = 0; i < n; i++) {
    const x = chunk[i];
    if (x === 0) {
      zeros++;
      continue;
    }
    if (x !== x) {
      nans++;
      continue;
    }
    if (x === Infinity || x === -Infinity) {
      infs++;
      continue;
    }
    sum += x;
    sumSquares += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
    const a = x < 0 ? -x : x;
    if (a > absMax) absMax = a;
  }
  acc.count += n;
  acc.finiteCount += n - nans - infs;
  acc.sum += sum;
  acc.sumSquares += sumSquares;
  acc.absMax = absMax;
  acc.zeroCount += zeros;
  if (zeros > 0) {
    if (min > 0) min = 0;
    if (max < 0) max = 0;
  }
  acc.min = min;
  acc.max = max;
  acc.nanCount += nans;
  acc.infCount += infs;
  return acc;
}

export function finishStats(acc: StatsAccumulator): TensorStats {
  const f = acc.finiteCount;
  return {
    count: acc.count,
    mean: f > 0 ? acc.sum / f : 0,
    rms: f > 0 ? Math.sqrt(acc.sumSquares / f) : 0,
    absMax: acc.absMax,
    min: f > 0 ? acc.min : 0,
    max: f > 0 ? acc.max : 0,
    zeroFraction: acc.count > 0 ? acc.zeroCount / acc.count : 0,
    nanCount: acc.nanCount,
    infCount: acc.infCount,
  };
}

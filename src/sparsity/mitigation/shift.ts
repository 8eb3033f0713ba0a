/**
 * Shift mitigations: x̃ = P(x − η) + η, selection on the shifted values.
 * - dpts (dynamic per-token shift): η_t = lower median of x_t (element ⌊(K−1)/2⌋ of the sorted
 *   vector). On hardware: sparse GEMM plus η_t · rowsum(W) added in the epilogue.
 * - spts (static shift): one η per site, the mean per-token lower median over calibration
 *   tokens disjoint from the evaluation set.
 */
export function lowerMedian(x: ArrayLike<number>, k: number, offset = 0, scratch?: Float32Array): number {
  const buf = scratch && scratch.length >= k ? scratch.subarray(0, k) : new Float32Array(k);
  let nan = false;
  for (let j = 0; j < k; j++) {
    const v = x[offset + j];
    buf[j] = v;
    if (v !== v) nan = true;
  }
  const at = Math.floor((k - 1) / 2);
  const v = nan ? NaN : nthSmallest(buf, at);
  if (v === v && v !== 0) return v;
  // NaN in the row, or a zero (whose sign the sorted order decides: −0 before +0)
  for (let j = 0; j < k; j++) buf[j] = x[offset + j];
  if (nan) return buf.sort()[at];
  let below = 0;
  for (let j = 0; j < k; j++) below += buf[j] < 0 || Object.is(buf[j], -0) ? 1 : 0;
  return at < below ? -0 : 0;
}

/**
 * The element at sorted position n of a (no NaN), by quickselect — O(K) where sorting is
 * O(K log K) — reordering a. Equal values (−0 and +0 too) are not told apart.
 */
function nthSmallest(a: Float32Array, n: number): number {
  let lo = 0;
  let hi = a.length - 1;
  for (let round = 0; hi > lo; round++) {
    if (round > 64) return a.subarray(lo, hi + 1).sort()[n - lo]; // pathological pivots
    const x = a[lo];
    const y = a[(lo + hi) >>> 1];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (n <= j) hi = j;
    else if (n >= i) lo = i;
    else return a[n];
  }
  return a[n];
}

/** spts calibration: mean over tokens of each token's lower median. */
export function calibrateStaticShift(x: Float32Array, tokens: number, k: number): number {
  if (tokens === 0) return 0;
  const scratch = new Float32Array(k);
  let sum = 0;
  for (let t = 0; t < tokens; t++) sum += lowerMedian(x, k, t * k, scratch);
  return sum / tokens;
}

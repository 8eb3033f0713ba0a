/**
 * The one summation order of a row's energies, shared by the WebAssembly SIMD kernel
 * (network-simd.ts) and the JavaScript kernels, so that every path gives the same float64 bits
 * (F16 codes, BF16 codes and float32 rows; SIMD or not; in-process or on a worker):
 *
 *   row energy   E = (P0 + P2) + (P1 + P3),  P_r = Σ x_j² over j ≡ r (mod 4), j ascending
 *   dropped      D = (Q0 + Q2) + (Q1 + Q3),  Q_r = Σ x_j² over dropped j with ⌊j/32⌋ ≡ r (mod 4),
 *                                            j ascending
 *
 * (two f64x2 accumulators in the SIMD kernel: lanes 0,1 and 2,3 of four consecutive elements for
 * E, four 32-element groups side by side for D). Any fixed order would do; this one is the SIMD
 * kernel's natural one.
 */

/** E of x2[0 … k) in the canonical order. */
export function rowEnergy(x2: Float64Array, k: number): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    p0 += x2[j];
    p1 += x2[j + 1];
    p2 += x2[j + 2];
    p3 += x2[j + 3];
  }
  if (j < k) p0 += x2[j++];
  if (j < k) p1 += x2[j++];
  if (j < k) p2 += x2[j++];
  return p0 + p2 + (p1 + p3);
}

/** D: Σ x2[j] over the elements whose keep bit (words, LSB first) is clear, in the canonical order. */
export function droppedEnergy(words: Uint32Array, x2: Float64Array, k: number): number {
  const q = [0, 0, 0, 0];
  for (let g = 0; g * 32 < k; g++) {
    const w = words[g];
    const end = Math.min(k, g * 32 + 32);
    let s = q[g & 3];
    for (let j = g * 32; j < end; j++) if (((w >>> (j & 31)) & 1) === 0) s += x2[j];
    q[g & 3] = s;
  }
  return q[0] + q[2] + (q[1] + q[3]);
}

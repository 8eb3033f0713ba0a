/** magnitude criterion: score_tj = |x_tj| (DESIGN.md §1). */
export function magnitudeScores(x: ArrayLike<number>, k: number, out: Float32Array, xOffset = 0): void {
  for (let j = 0; j < k; j++) out[j] = Math.abs(x[xOffset + j]);
}

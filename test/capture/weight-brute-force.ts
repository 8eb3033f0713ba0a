/**
 * The weight-pruning rule of issue 14 by counting, for tests: column j of a span (an N:M group,
 * tail included, or the whole row for unstructured) is kept iff fewer than the span's quota of
 * its columns beat it (a higher score, or an equal score at a lower column). Independent of
 * sparsity/select.ts: no sorting, no partial selection, O(M²) per group.
 */
import type { Pattern } from '../../src/sparsity/pattern.js';

/** The rule by counting: column j of a span is kept iff fewer than `quota` columns of the span beat it. */
export function bruteForceKeep(scores: Float32Array, outFeatures: number, inFeatures: number, pattern: Pattern): Uint8Array {
  const keep = new Uint8Array(outFeatures * inFeatures);
  const spans: [number, number, number][] = [];
  if (pattern.kind === 'unstructured') spans.push([0, inFeatures, Math.floor(inFeatures / 2)]);
  else if (pattern.kind === 'nm') for (let g = 0; g < inFeatures; g += pattern.m) spans.push([g, Math.min(g + pattern.m, inFeatures), Math.min(pattern.n, Math.min(g + pattern.m, inFeatures) - g)]);
  for (let o = 0; o < outFeatures; o++) {
    const row = o * inFeatures;
    for (const [lo, hi, quota] of spans) {
      for (let j = lo; j < hi; j++) {
        let beaten = 0;
        for (let i = lo; i < hi; i++) if (scores[row + i] > scores[row + j] || (scores[row + i] === scores[row + j] && i < j)) beaten++;
        keep[row + j] = beaten < quota ? 1 : 0;
      }
    }
  }
  return keep;
}


/**
 * Reference keep selection: which elements of one token's vector survive a pattern, given a
 * score per element (higher is kept). Tail and tie rules are the ones in pattern.ts:
 * a tail group of r < M elements keeps min(N, r); on equal scores the lower index wins.
 * A NaN score ranks below every number (it is never preferred over a real value).
 *
 * This is the readable definition the fast kernels in analysis/ are tested against.
 */
import type { Pattern } from './pattern.js';

function rankKey(s: number): number {
  return s !== s ? -Infinity : s;
}

/**
 * Sets keep[keepOffset + j] = 1 for kept elements and 0 for pruned ones, j < k, reading
 * scores[scoreOffset + j]. Returns the number kept.
 */
export function selectKeep(
  scores: ArrayLike<number>,
  k: number,
  p: Pattern,
  keep: Uint8Array,
  scoreOffset = 0,
  keepOffset = 0,
): number {
  if (p.kind === 'dense') {
    keep.fill(1, keepOffset, keepOffset + k);
    return k;
  }
  if (p.kind === 'unstructured') return selectTopHalf(scores, k, keep, scoreOffset, keepOffset);
  const { n, m } = p;
  let kept = 0;
  for (let g = 0; g < k; g += m) {
    const r = Math.min(m, k - g);
    const quota = Math.min(n, r);
    if (quota === r) {
      keep.fill(1, keepOffset + g, keepOffset + g + r);
      kept += r;
      continue;
    }
    for (let i = 0; i < r; i++) {
      const si = rankKey(scores[scoreOffset + g + i]);
      let rank = 0;
      for (let j = 0; j < r; j++) {
        const sj = rankKey(scores[scoreOffset + g + j]);
        if (sj > si || (sj === si && j < i)) rank++;
      }
      const on = rank < quota ? 1 : 0;
      keep[keepOffset + g + i] = on;
      kept += on;
    }
  }
  return kept;
}

/**
 * "unstructured": the top floor(K/2) of the whole vector, lower index first on ties.
 * Finds the quota-th largest score t with a native numeric sort, keeps every score above t,
 * then scores equal to t in index order until the quota is met — the same set as a stable
 * sort by descending score, without a comparator callback per pair.
 */
function selectTopHalf(
  scores: ArrayLike<number>,
  k: number,
  keep: Uint8Array,
  scoreOffset: number,
  keepOffset: number,
): number {
  const quota = Math.floor(k / 2);
  keep.fill(0, keepOffset, keepOffset + k);
  if (quota === 0) return 0;
  const ranked = new Float64Array(k);
  for (let j = 0; j < k; j++) ranked[j] = rankKey(scores[scoreOffset + j]);
  const threshold = Float64Array.from(ranked).sort()[k - quota];
  let ties = quota;
  for (let j = 0; j < k; j++) if (ranked[j] > threshold) ties--;
  for (let j = 0; j < k; j++) {
    if (ranked[j] > threshold || (ranked[j] === threshold && ties-- > 0)) keep[keepOffset + j] = 1;
  }
  return quota;
}

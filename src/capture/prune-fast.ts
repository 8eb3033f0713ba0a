/**
 * pruneMatrix (sparsity/prune.ts) for the common capture case — N:M pattern, magnitude or amber,
 * no mitigation — without its general machinery (a shift pass, a score vector per row and the
 * O(M²) pairwise ranking of selectKeep). Per group of M (a tail group of r keeps min(N, r)):
 * the N-th largest score t by an insertion sort of the group's scores, then keep every score
 * above t and the first (in index order) of those equal to t until N are kept — the same set as
 * selectKeep's rank rule (rank = #greater + #equal with a lower index, kept when rank < N; a NaN
 * score ranks as −∞). Scores are those of pruneMatrix: |x| (magnitude) or float32(|x|·f_j)
 * (amber); outputs are float32((keep ? x : 0) + 0), as pruneMatrix writes them with η = 0 (so a
 * kept −0 becomes +0). Tested bit-equal to pruneMatrix in test/capture/prune-fast.test.ts.
 */
import type { Pattern } from '../sparsity/pattern.js';
import { WasmNmPrune, wasmPruneApplies } from './prune-wasm.js';

export interface FastPruneScratch {
  scores: Float64Array;
  sorted: Float64Array;
}

export function fastPruneScratch(m: number): FastPruneScratch {
  return { scores: new Float64Array(m), sorted: new Float64Array(m) };
}

/** Whether pruneNmFast hands the full groups to WebAssembly (setWasmPrune(false): never; for tests). */
let wasmPruneEnabled = true;
export function setWasmPrune(enabled: boolean): void {
  wasmPruneEnabled = enabled;
}

/** one kernel per N:M, shared by every scratch (its memory grows by replacement) */
const kernels = new Map<string, WasmNmPrune>();
function kernelFor(n: number, m: number, elements: number): WasmNmPrune {
  const key = `${n}:${m}`;
  let k = kernels.get(key);
  if (!k || k.capacity < elements) kernels.set(key, (k = new WasmNmPrune(n, m, Math.max(elements, 2 * (k?.capacity ?? 0)))));
  return k;
}

/** Whether pruneNmFast computes this configuration (else use pruneMatrix). */
export function fastPruneApplies(pattern: Pattern, criterion: string, mitigation: string): boolean {
  return pattern.kind === 'nm' && (criterion === 'magnitude' || criterion === 'amber') && mitigation === 'none';
}

/**
 * x [tokens, k] → out (not aliasing x) and keep (1/0); factors: amber's f_j, or undefined for
 * magnitude. Returns the number kept.
 */
export function pruneNmFast(
  x: Float32Array,
  tokens: number,
  k: number,
  n: number,
  m: number,
  factors: Float32Array | undefined,
  out: Float32Array,
  keep: Uint8Array,
  scratch: FastPruneScratch = fastPruneScratch(m),
): number {
  const { scores, sorted } = scratch;
  let kept = 0;
  // magnitude in WebAssembly: the same keep set and outputs (prune-wasm.ts)
  if (wasmPruneEnabled && !factors && wasmPruneApplies(n, m)) {
    kernelFor(n, m, tokens * k).prune(x, tokens, k, out, keep);
    const tail = k % m;
    return tokens * (Math.floor(k / m) * n + Math.min(n, tail));
  }
  for (let t = 0; t < tokens; t++) {
    const row = t * k;
    for (let g = 0; g < k; g += m) {
      const base = row + g;
      const r = Math.min(m, k - g);
      const quota = Math.min(n, r);
      if (quota === r) {
        for (let i = 0; i < r; i++) {
          keep[base + i] = 1;
          out[base + i] = x[base + i] + 0;
        }
        kept += r;
        continue;
      }
      // scores (NaN ranks as −∞) and a descending insertion sort of a copy
      for (let i = 0; i < r; i++) {
        const a = Math.abs(x[base + i]);
        let s = factors ? Math.fround(a * factors[g + i]) : a;
        if (s !== s) s = -Infinity;
        scores[i] = s;
        let j = i;
        while (j > 0 && sorted[j - 1] < s) {
          sorted[j] = sorted[j - 1];
          j--;
        }
        sorted[j] = s;
      }
      const threshold = sorted[quota - 1];
      let ties = quota;
      for (let i = 0; i < r; i++) if (scores[i] > threshold) ties--;
      for (let i = 0; i < r; i++) {
        const s = scores[i];
        const on = s > threshold || (s === threshold && ties-- > 0);
        keep[base + i] = on ? 1 : 0;
        out[base + i] = (on ? x[base + i] : 0) + 0;
      }
      kept += quota;
    }
  }
  return kept;
}

/**
 * Comparator networks for top-N-of-M selection, as explicit comparator lists so that counts
 * are derived by construction and checkable by simulation (0-1 principle).
 *
 * - batcher: Batcher's odd-even merge sort (K. E. Batcher, "Sorting networks and their
 *   applications", AFIPS SJCC 1968): 5/19/63/191 comparators for M = 4/8/16/32, depth
 *   p(p+1)/2 for M = 2^p.
 * - bitonic: Batcher's bitonic sort, (p(p+1)/2)·2^(p−1) comparators.
 * - selection: Batcher's network with every comparator removed that cannot change *which*
 *   values end in the top N (only the kept set matters, not its order).
 * A comparator [lo, hi] puts the smaller key on wire lo and the larger on wire hi, so an
 * ascending sort leaves the top N on the highest wires. M that is not a power of two is
 * padded with −∞ wires; a comparator that meets a −∞ wire is fixed wiring, not hardware.
 */
export type Comparator = readonly [number, number];

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

export function batcherOddEvenMergeSort(n: number): Comparator[] {
  const out: Comparator[] = [];
  const merge = (lo: number, len: number, r: number): void => {
    const step = r * 2;
    if (step < len) {
      merge(lo, len, step);
      merge(lo + r, len, step);
      for (let i = lo + r; i + r < lo + len; i += step) out.push([i, i + r]);
    } else out.push([lo, lo + r]);
  };
  const sort = (lo: number, len: number): void => {
    if (len > 1) {
      const half = len / 2;
      sort(lo, half);
      sort(lo + half, half);
      merge(lo, len, 1);
    }
  };
  sort(0, n);
  return out;
}

export function bitonicSort(n: number): Comparator[] {
  const out: Comparator[] = [];
  for (let k = 2; k <= n; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) {
      for (let i = 0; i < n; i++) {
        const l = i ^ j;
        if (l > i) out.push((i & k) === 0 ? [i, l] : [l, i]);
      }
    }
  }
  return out;
}

/**
 * Marks the comparators that meet a padding (−∞) wire as free wiring: the real inputs sit on
 * the highest M wires, −∞ on the rest, and −∞ is tracked as comparators move it.
 */
function markPadding(wires: number, m: number, comps: Comparator[]): boolean[] {
  const isPad = Array.from({ length: wires }, (_, i) => i < wires - m);
  return comps.map(([lo, hi]) => {
    if (!isPad[lo] && !isPad[hi]) return false;
    if (isPad[hi] && !isPad[lo]) {
      isPad[lo] = true;
      isPad[hi] = false;
    }
    return true;
  });
}

/**
 * Removes comparators that cannot change which values reach the top-N output wires: walking
 * backwards, a comparator whose two wires both lead, untouched by any later kept comparator,
 * to outputs of the same class (both top-N or both not) is dropped. Free (padding) comparators
 * stay and count as touching their wires.
 */
function pruneForSelection(wires: number, n: number, comps: Comparator[], free: boolean[]): boolean[] {
  type State = 'top' | 'bottom' | 'mixed';
  const state: State[] = Array.from({ length: wires }, (_, i) => (i >= wires - n ? 'top' : 'bottom'));
  const keep: boolean[] = new Array(comps.length).fill(false);
  for (let c = comps.length - 1; c >= 0; c--) {
    const [lo, hi] = comps[c];
    if (!free[c] && state[lo] !== 'mixed' && state[lo] === state[hi]) continue;
    keep[c] = true;
    state[lo] = 'mixed';
    state[hi] = 'mixed';
  }
  return keep;
}

export const NETWORK_KINDS = ['batcher', 'bitonic', 'selection'] as const;
export type NetworkKind = (typeof NETWORK_KINDS)[number];

export interface ComparatorNetwork {
  /** wires: M rounded up to a power of two; the M inputs sit on the highest M wires */
  wires: number;
  inputs: number;
  /** every comparator in order, free ones included (they route −∞ padding) */
  comparators: Comparator[];
  /** true where a comparator meets padding and costs no hardware */
  free: boolean[];
}

/** A top-N-of-M network; the top N end on the highest N wires. */
export function selectionNetwork(kind: NetworkKind, n: number, m: number): ComparatorNetwork {
  const p = nextPow2(m);
  let comps = kind === 'bitonic' ? bitonicSort(p) : batcherOddEvenMergeSort(p);
  let free = markPadding(p, m, comps);
  if (kind === 'selection') {
    const keep = pruneForSelection(p, n, comps, free);
    comps = comps.filter((_, i) => keep[i]);
    free = free.filter((_, i) => keep[i]);
  }
  return { wires: p, inputs: m, comparators: comps, free };
}

/** Comparators that cost hardware. */
export function comparatorCount(net: ComparatorNetwork): number {
  return net.free.filter((f) => !f).length;
}

/** Depth: the longest chain of comparators sharing a wire (pipeline stages if one rank per stage). */
export function networkDepth(net: ComparatorNetwork): number {
  const level = new Array(net.wires).fill(0);
  let depth = 0;
  net.comparators.forEach(([lo, hi], i) => {
    if (net.free[i]) return;
    const d = Math.max(level[lo], level[hi]) + 1;
    level[lo] = d;
    level[hi] = d;
    depth = Math.max(depth, d);
  });
  return depth;
}

/** Applies a network to M keys (for tests and the 0-1 check); returns the P output wires. */
export function applyNetwork(net: ComparatorNetwork, keys: readonly number[]): number[] {
  const v: number[] = [...new Array(net.wires - keys.length).fill(-Infinity), ...keys];
  for (const [lo, hi] of net.comparators) {
    if (v[lo] > v[hi]) [v[lo], v[hi]] = [v[hi], v[lo]];
  }
  return v;
}

/**
 * Pipeline stages of the top-N-of-M network of one kind: its depth, one comparator rank per
 * stage (free padding comparators cost no stage). Batcher and bitonic for M = 2^p: p(p+1)/2.
 */
export function networkDepthStages(kind: NetworkKind, m: number, n: number): number {
  return networkDepth(selectionNetwork(kind, n, m));
}

/**
 * The one generator of top-N-of-M selection networks in nmsim: explicit comparator lists, so
 * counts and depths are derived by construction and checkable by simulation (0-1 principle).
 * The analysis kernel (analysis/network-kernel.ts) runs `batcherMergeStages`; the area model
 * (area/pruning-unit.ts) counts `selectionNetwork`'s comparators; perf takes the pruning
 * unit's latency from `networkDepthStages`.
 *
 * - batcher: Batcher's odd-even merge sort (K. E. Batcher, "Sorting networks and their
 *   applications", AFIPS SJCC 1968), in the merge-exchange form of Knuth (TAOCP vol. 3,
 *   §5.3.4): 5/19/63/191 comparators for M = 4/8/16/32, depth p(p+1)/2 for M = 2^p. Emitted
 *   stage by stage: after the stage of merge size p, every aligned block of 2p wires is sorted,
 *   so the thresholds of every narrower power-of-two pattern come out on the way.
 * - bitonic: Batcher's bitonic sort, (p(p+1)/2)·2^(p−1) comparators.
 * - selection: Batcher's network with every comparator removed that cannot change *which*
 *   values end in the top N (only the kept set matters, not its order).
 * - threshold (pruning units only): an exact radix select, no comparators; one pipeline stage
 *   per key bit, MSB first.
 * A comparator [lo, hi] puts the smaller key on wire lo and the larger on wire hi, so an
 * ascending sort leaves the top N on the highest wires (the kernel runs the same pairs with the
 * larger key on lo, a descending sort). M that is not a power of two is padded with −∞ wires;
 * a comparator that meets a −∞ wire is fixed wiring, not hardware.
 */
import type { NmPattern } from './pattern.js';
export type Comparator = readonly [number, number];

/** The comparator networks. */
export const NETWORK_KINDS = ['batcher', 'bitonic', 'selection'] as const;
export type NetworkKind = (typeof NETWORK_KINDS)[number];

/** What a profile's online pruning unit may be (`sparsity.onlinePruning.network`). */
export const PRUNING_NETWORK_KINDS = [...NETWORK_KINDS, 'threshold'] as const;
export type PruningNetworkKind = (typeof PRUNING_NETWORK_KINDS)[number];

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** The comparators of one merge stage of Batcher's network. */
export interface MergeStage {
  comparators: Comparator[];
  /** every aligned block of this many wires is sorted after the stage */
  sortedBlock: number;
}

/**
 * Batcher's odd-even merge sort of n = 2^j wires, by merge stage p = 1, 2, 4, … (Knuth
 * §5.3.4 Algorithm M): within stage p, rounds k = p, p/2, … 1 compare i + j with i + j + k
 * where both lie in the same block of 2p.
 */
export function batcherMergeStages(n: number): MergeStage[] {
  const stages: MergeStage[] = [];
  for (let p = 1; p < n; p <<= 1) {
    const comparators: Comparator[] = [];
    for (let k = p; k >= 1; k >>= 1) {
      for (let j = k % p; j <= n - 1 - k; j += 2 * k) {
        for (let i = 0; i <= Math.min(k - 1, n - j - k - 1); i++) {
          if (Math.floor((i + j) / (2 * p)) === Math.floor((i + j + k) / (2 * p))) comparators.push([i + j, i + j + k]);
        }
      }
    }
    stages.push({ comparators, sortedBlock: 2 * p });
  }
  return stages;
}

export function batcherOddEvenMergeSort(n: number): Comparator[] {
  return batcherMergeStages(n).flatMap((s) => s.comparators);
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

/** What a network kind needs beyond M: N for `selection`, the comparator key width for `threshold`. */
export interface NetworkShapeOptions {
  /** values kept per group (the selection network depends on it) */
  n?: number;
  /** key bits compared: (operand bits − 1) magnitude bits + ⌈log₂M⌉ index bits (keyBits below) */
  keyBits?: number;
}

const shapeCache = new Map<string, { comparators: number; depthStages: number }>();

/** Comparator count and depth of a comparator network kind (memoised: a 32-wide sort is built once). */
function networkShape(kind: NetworkKind, m: number, opts: NetworkShapeOptions): { comparators: number; depthStages: number } {
  // N only shapes the selection network; a full sort is the same for every N
  const n = kind === 'selection' ? opts.n : m;
  if (n === undefined) throw new Error('internal: the selection network needs n');
  const key = `${kind}:${n}:${m}`;
  let shape = shapeCache.get(key);
  if (!shape) {
    const net = selectionNetwork(kind, n, m);
    shapeCache.set(key, (shape = { comparators: comparatorCount(net), depthStages: networkDepth(net) }));
  }
  return shape;
}

/**
 * Pipeline stages of a pruning unit for groups of M with one comparator rank per stage: the
 * depth of the comparator network (Batcher 3/6/10/15 for M = 4/8/16/32), or for `threshold`
 * one stage per key bit. `selection` needs opts.n, `threshold` opts.keyBits.
 */
export function networkDepthStages(kind: PruningNetworkKind, m: number, opts: NetworkShapeOptions = {}): number {
  if (kind !== 'threshold') return networkShape(kind, m, opts).depthStages;
  if (opts.keyBits === undefined) throw new Error('internal: the threshold network needs keyBits');
  return opts.keyBits;
}

/** Comparators (that cost hardware) of a pruning unit for groups of M; none for `threshold`. */
export function networkComparators(kind: PruningNetworkKind, m: number, opts: NetworkShapeOptions = {}): number {
  return kind === 'threshold' ? 0 : networkShape(kind, m, opts).comparators;
}

/** Key bits one comparator compares: (operand bits − 1) magnitude bits + ⌈log₂M⌉ index bits (ties: lower index). */
export function keyBits(operandBits: number, m: number): number {
  return operandBits - 1 + Math.ceil(Math.log2(m));
}

/**
 * The network a unit builds for the given patterns: several patterns share one network, the
 * full Batcher (or bitonic) sort of the widest group, which contains complete sorters of every
 * narrower power-of-two group; a pruned selection network does not, so a flexible core falls
 * back to the full Batcher network.
 */
function unitNetworkKind(kind: NetworkKind, patterns: readonly NmPattern[]): NetworkKind {
  return patterns.length > 1 && kind === 'selection' ? 'batcher' : kind;
}

function widestPattern(patterns: readonly NmPattern[]): NmPattern {
  return patterns.reduce((a, b) => (b.m > a.m ? b : a));
}

const unitCache = new WeakMap<readonly NmPattern[], Map<NetworkKind, Readonly<{ comparators: number; depth: number; m: number }>>>();

/**
 * Comparators one unit needs for the given patterns (the union for several). Memoised per pattern
 * list (a profile's own, which perf passes for every pruned site of every step) and kind; the
 * result is frozen, shared by every caller.
 */
export function unitComparators(kind: NetworkKind, patterns: readonly NmPattern[]): Readonly<{ comparators: number; depth: number; m: number }> {
  let byKind = unitCache.get(patterns);
  if (!byKind) unitCache.set(patterns, (byKind = new Map()));
  let unit = byKind.get(kind);
  if (!unit) byKind.set(kind, (unit = Object.freeze(computeUnitComparators(kind, patterns))));
  return unit;
}

function computeUnitComparators(kind: NetworkKind, patterns: readonly NmPattern[]): { comparators: number; depth: number; m: number } {
  const widest = widestPattern(patterns);
  const effectiveKind = unitNetworkKind(kind, patterns);
  // through the memoised shapes: perf asks this for every pruned site of every simulated step
  let comparators = networkComparators(effectiveKind, widest.m, { n: widest.n });
  for (const p of patterns) {
    const sub = networkComparators(effectiveKind, p.m, { n: p.n }) * Math.floor(widest.m / p.m);
    comparators = Math.max(comparators, sub);
  }
  return { comparators, depth: networkDepthStages(effectiveKind, widest.m, { n: widest.n }), m: widest.m };
}

/**
 * Pipeline stages of the unit built for these patterns, one register rank per stage: the depth
 * of its comparator network, or one stage per key bit for the radix select (threshold). The
 * profile's default latency (profile/normalize.ts) and this file's costing both use it.
 */
export function pruningUnitStages(network: PruningNetworkKind, patterns: readonly NmPattern[], operandBits: number): number {
  if (network === 'threshold') return keyBits(operandBits, widestPattern(patterns).m);
  return unitComparators(network, patterns).depth;
}

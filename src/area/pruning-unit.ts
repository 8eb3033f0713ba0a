/**
 * Online pruning unit: picks the top N of every group of M activations as they are produced
 * (the activation cannot be pruned offline, DESIGN.md §2).
 *
 * Comparator networks (sparsity/sorting-networks.ts): each compare-and-swap element compares a key of
 * (operandBits − 1) magnitude bits plus ⌈log₂M⌉ inverted-index bits, so ties go to the lower
 * index as in sparsity/select.ts, and swaps the (operandBits + ⌈log₂M⌉)-bit value+index.
 * Pipeline registers: min(latencyCycles, network depth) ranks of M value+index words (a
 * latency below the depth packs several stages per rank; a profile that omits it gets one
 * rank per stage, `pruningUnitStages`).
 * The unit is replicated ⌈groupsPerCycle⌉ times; groupsPerCycle counts groups of the
 * largest M. A flexible core uses the Batcher network of the largest M, whose recursive
 * sub-sorters serve the narrower patterns, plus an output mux per wire per extra pattern.
 *
 * threshold: an exact radix select instead of a network — one pipeline stage per key bit,
 * MSB first, each counting the candidates with that bit set (M-input popcount ≈ M full
 * adders), comparing with the number still to keep and updating an M-bit mask.
 */
import type { NmPattern } from '../sparsity/pattern.js';
import type { TechLibrary } from '../profile/tech.js';
import { addCounts, cellItem, component, scaleCounts, techTag, type AreaComponent, type AreaItem, type CellCounts } from './component.js';
import { and2, ceilLog2, muxTree, registers, subtractor } from './gates.js';
import { selectionNetwork, comparatorCount, networkDepthStages, type NetworkKind, type PruningNetworkKind } from '../sparsity/sorting-networks.js';

export interface PruningUnitSpec {
  network: PruningNetworkKind;
  /** groups of the largest M pruned per cycle per core */
  groupsPerCycle: number;
  /** pipeline register ranks wanted (capped at the network depth) */
  latencyCycles: number;
  operandBits: number;
  /** integer operands need an absolute value before comparing magnitudes */
  signedInteger: boolean;
}

export function keyBits(operandBits: number, m: number): number {
  return operandBits - 1 + ceilLog2(m);
}

/** One compare-and-swap element for groups of M. */
export function compareAndSwapCells(operandBits: number, m: number): CellCounts {
  return addCounts(subtractor(keyBits(operandBits, m)), muxTree(2, 2 * (operandBits + ceilLog2(m))));
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

/** Comparators one unit needs for the given patterns (the union for several). */
export function unitComparators(kind: NetworkKind, patterns: readonly NmPattern[]): { comparators: number; depth: number; m: number } {
  const widest = widestPattern(patterns);
  const effectiveKind = unitNetworkKind(kind, patterns);
  let comparators = comparatorCount(selectionNetwork(effectiveKind, widest.n, widest.m));
  for (const p of patterns) {
    const sub = comparatorCount(selectionNetwork(effectiveKind, p.n, p.m)) * Math.floor(widest.m / p.m);
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

export function pruningUnitArea(spec: PruningUnitSpec, patterns: readonly NmPattern[], tech: TechLibrary): AreaComponent {
  const units = Math.ceil(spec.groupsPerCycle);
  const mMax = Math.max(...patterns.map((p) => p.m));
  const idx = ceilLog2(mMax);
  const payload = spec.operandBits + idx;
  const items: AreaItem[] = [];
  if (spec.signedInteger) {
    items.push(cellItem(`absolute value of ${mMax} inputs (XOR + increment)`, scaleCounts({ xor2: spec.operandBits, halfAdder: spec.operandBits }, mMax * units), tech));
  }
  let source: string;
  if (spec.network === 'threshold') {
    const kb = keyBits(spec.operandBits, mMax);
    const countBits = ceilLog2(mMax + 1);
    const stage = addCounts(and2(mMax), { fullAdder: mMax }, subtractor(countBits), { nand2: 2 * mMax });
    let regBits = 0;
    for (let s = 0; s < kb; s++) regBits += mMax * (kb - s) + mMax + countBits;
    items.push(cellItem(`${units} × ${kb} radix-select stages: ${mMax}-input popcount, count compare, mask update`, scaleCounts(stage, kb * units), tech));
    items.push(cellItem(`${units} × pipeline registers: remaining key bits, ${mMax}-bit mask and count per stage`, registers(regBits * units), tech));
    source = `exact radix select, one stage per key bit (keys: ${spec.operandBits - 1} magnitude + ${idx} index bits); ${techTag(tech)}`;
  } else {
    const { comparators, depth } = unitComparators(spec.network, patterns);
    // one register rank per stage at most; a shorter latency packs several stages per rank
    const ranks = Math.min(spec.latencyCycles, depth);
    items.push(
      cellItem(
        `${units} × ${comparators} compare-and-swap (${keyBits(spec.operandBits, mMax)}-bit compare, ${payload}-bit swap), ${spec.network} network for M = ${mMax}`,
        scaleCounts(compareAndSwapCells(spec.operandBits, mMax), comparators * units),
        tech,
      ),
    );
    items.push(cellItem(`${units} × ${ranks} pipeline ranks × ${mMax} wires × ${payload} bits`, registers(units * ranks * mMax * payload), tech));
    const extraPatterns = new Set(patterns.map((p) => p.m)).size - 1;
    if (extraPatterns > 0) {
      items.push(cellItem(`${units} × output select for ${extraPatterns + 1} group sizes (${mMax} wires × ${payload} bits)`, scaleCounts(muxTree(extraPatterns + 1, payload), mMax * units), tech));
    }
    source = `${spec.network === 'selection' ? 'Batcher odd-even merge network pruned to top-N selection' : spec.network === 'bitonic' ? 'Batcher bitonic sorting network' : 'Batcher odd-even merge sorting network (AFIPS 1968)'}, ${comparators} comparators, depth ${depth}; ${techTag(tech)}`;
  }
  return component('pruning_unit', items, source);
}

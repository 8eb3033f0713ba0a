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
import { keyBits, unitComparators, type PruningNetworkKind } from '../sparsity/sorting-networks.js';

// the unit's network shape (comparators, stages, key width) is an N:M quantity with one home
export { keyBits, pruningUnitStages, unitComparators } from '../sparsity/sorting-networks.js';

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

/** One compare-and-swap element for groups of M. */
export function compareAndSwapCells(operandBits: number, m: number): CellCounts {
  return addCounts(subtractor(keyBits(operandBits, m)), muxTree(2, 2 * (operandBits + ceilLog2(m))));
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

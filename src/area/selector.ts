/**
 * Operand selector: in a skipping core every multiplier gets a kept activation and must pick
 * the matching weight from the group's M candidates (DESIGN.md §2).
 *
 * Which candidates a multiplier can need is derived, not assumed: a lane has K multipliers
 * (denseKPerCycle) and consumes K kept values per cycle. With N < K, ⌊K/N⌋ groups sit side by
 * side and multiplier i serves rank i mod N of group ⌊i/N⌋; with N ≥ K a group takes N/K
 * cycles and multiplier i serves a contiguous block of ranks. Rank r may sit anywhere in the
 * group (style `mux`: M inputs) or, with indices sorted ascending, only at positions
 * r … r + M − N (`sorted-mux`: M − N + 1 inputs). A multiplier's mux has as many inputs as
 * the union of its candidate positions over the cycles and over every supported pattern
 * (the union is what a flexible core pays); an n-input mux is n − 1 MUX2 per operand bit.
 *
 * `hierarchical` (HighLight, MICRO 2023: hierarchical structured sparsity): a coarse rank
 * selects blocks of HIERARCHICAL_BLOCK elements, (N/b):(M/b) with sorted block indices, and
 * one block mux, b operands wide, serves b multipliers; inside a kept block every element
 * is used. It is exact only for masks with that block structure — a different (coarser)
 * pattern than fine-grained N:M, whose accuracy must be measured on traces.
 *
 * The window of weights the candidates come from is held in staging registers: an output
 * column (shared by the lanes of every activation row) keeps max(M, ⌊K/N⌋·M) weights
 * instead of the K a dense column needs.
 */
import type { NmPattern } from '../sparsity/pattern.js';
import { formatPattern, nm } from '../sparsity/pattern.js';
import type { TechLibrary } from '../profile/tech.js';
import type { SelectorStyle } from '../profile/schema.js';
import { cellItem, component, techTag, type AreaComponent, type AreaItem } from './component.js';
import { muxTree, registers } from './gates.js';

export type { SelectorStyle };

/** Block size of the hierarchical selector's coarse rank. */
export const HIERARCHICAL_BLOCK = 2;

export interface SelectorGeometry {
  lanes: number;
  denseKPerCycle: number;
  operandBits: number;
  /** lanes = rows × output columns; lanes of one column share its staged weights */
  activationRowsPerCycle: number;
}

/** Weights a lane stages for pattern p (its candidate window). */
export function stagingWindow(p: NmPattern, k: number): number {
  return p.n >= k ? p.m : Math.floor(k / p.n) * p.m;
}

/** Window positions multiplier `slot` (0 … K−1) may need for pattern p. */
export function candidatePositions(p: NmPattern, k: number, slot: number, sorted: boolean): Set<number> {
  const out = new Set<number>();
  const add = (groupOffset: number, rank: number) => {
    const lo = sorted ? rank : 0;
    const hi = sorted ? rank + p.m - p.n : p.m - 1;
    for (let j = lo; j <= hi; j++) out.add(groupOffset + j);
  };
  if (p.n >= k) {
    for (let r = 0; r < p.n; r++) if (Math.floor((r * k) / p.n) === slot) add(0, r);
  } else {
    const groups = Math.floor(k / p.n);
    const g = Math.floor(slot / p.n);
    if (g < groups) add(g * p.m, slot % p.n);
  }
  return out;
}

/**
 * The inputs per slot, by patterns (in order), K and sortedness: a review costs the selector of
 * every design-axis variant and every pattern subset of a core (area, timing), from a handful of
 * distinct arguments. Small: one entry per distinct argument list a process meets.
 */
const slotInputsCache = new Map<string, readonly number[]>();

/** Mux inputs per multiplier slot for the union of patterns (a fresh array each call). */
export function muxInputsPerSlot(patterns: readonly NmPattern[], k: number, sorted: boolean): number[] {
  const key = `${k}|${sorted}|${patterns.map((p) => `${p.n}:${p.m}`).join(',')}`;
  let inputs = slotInputsCache.get(key);
  if (!inputs) {
    inputs = Array.from({ length: k }, (_, slot) => {
      const u = new Set<number>();
      for (const p of patterns) for (const x of candidatePositions(p, k, slot, sorted)) u.add(x);
      return u.size;
    });
    slotInputsCache.set(key, inputs);
  }
  return [...inputs];
}

/** True when every pattern (and K) splits into hierarchical blocks. */
export function hierarchicalApplies(patterns: readonly NmPattern[], k: number): boolean {
  const b = HIERARCHICAL_BLOCK;
  return k % b === 0 && patterns.every((p) => p.n % b === 0 && p.m % b === 0);
}

export function selectorArea(g: SelectorGeometry, patterns: readonly NmPattern[], style: SelectorStyle, tech: TechLibrary): AreaComponent {
  const k = g.denseKPerCycle;
  const names = patterns.map(formatPattern).join(' + ');
  const items: AreaItem[] = [];
  let source: string;
  const hierarchical = style === 'hierarchical' && hierarchicalApplies(patterns, k);
  if (hierarchical) {
    const b = HIERARCHICAL_BLOCK;
    const blockPatterns = patterns.map((p) => nm(p.n / b, p.m / b));
    const inputs = muxInputsPerSlot(blockPatterns, k / b, true);
    const mux2PerLane = inputs.reduce((s, n) => s + muxTree(n, b * g.operandBits).mux2!, 0);
    items.push(
      cellItem(
        `${k / b} block muxes per lane (${inputs.join('/')} blocks of ${b} → 1, ${b}×${g.operandBits} bits), ${g.lanes} lanes, ${names}`,
        { mux2: mux2PerLane * g.lanes },
        tech,
      ),
    );
    source = `hierarchical: sorted ${blockPatterns.map(formatPattern).join(' + ')} over blocks of ${b} (HighLight, MICRO 2023); exact only for block-structured masks; ${techTag(tech)}`;
  } else {
    const sorted = style !== 'mux';
    const inputs = muxInputsPerSlot(patterns, k, sorted);
    const mux2PerLane = inputs.reduce((s, n) => s + muxTree(n, g.operandBits).mux2!, 0);
    const distinct = [...new Set(inputs)].sort((a, b) => a - b);
    items.push(
      cellItem(
        `${k} muxes per lane (${distinct.join('/')}:1, ${g.operandBits} bits), ${g.lanes} lanes, ${names}`,
        { mux2: mux2PerLane * g.lanes },
        tech,
      ),
    );
    source = `${sorted ? 'sorted indices: (M−N+1):1 mux per kept rank' : 'one M:1 mux per kept lane per operand bit'}${style === 'hierarchical' ? ' (hierarchical blocks do not divide these patterns: costed as sorted-mux)' : ''}; ${techTag(tech)}`;
  }
  const window = Math.max(k, ...patterns.map((p) => stagingWindow(p, k)));
  const columns = Math.ceil(g.lanes / g.activationRowsPerCycle);
  items.push(
    cellItem(
      `weight staging: ${window - k} extra ${g.operandBits}-bit registers per output column (window ${window} vs ${k} dense), ${columns} column(s)`,
      registers((window - k) * g.operandBits * columns),
      tech,
    ),
  );
  return component('selector', items, source);
}

/**
 * Element-weighted aggregation of slot statistics (per layer, per consumer kind, whole model).
 * Ratios are means weighted by each slot's analysed elements (finite tokens · K) over the slots
 * where the ratio is defined (null where none is); histograms, group counts and bit counts are
 * summed; compressed ratios are recomputed from the summed bits. Non-finite counts are summed
 * over distinct sites (q, k and v share one).
 */
import type { AggregateStats, CompressedSizeRecord, SlotStats, Stats } from './types.js';

function weighted(slots: SlotStats[], pick: (s: SlotStats) => number): number {
  let w = 0;
  let s = 0;
  for (const slot of slots) {
    w += slot.elements;
    s += slot.elements * pick(slot);
  }
  return w > 0 ? s / w : 0;
}

function sumArrays(arrays: number[][]): number[] {
  const len = Math.max(0, ...arrays.map((a) => a.length));
  const out = new Array(len).fill(0);
  for (const a of arrays) a.forEach((v, i) => (out[i] += v));
  return out;
}

/** Weighted mean over the slots where the value is defined and analysed elements exist; null if none. */
function weightedNullable(slots: SlotStats[], pick: (s: SlotStats) => number | null): number | null {
  const have = slots.filter((s) => pick(s) !== null && s.elements > 0);
  return have.length === 0 ? null : weighted(have, (s) => pick(s)!);
}

export function aggregate(slots: SlotStats[]): AggregateStats {
  const first: Stats | undefined = slots[0];
  const compressed: CompressedSizeRecord[] = (first?.compressed ?? []).map((c, i) => {
    const compressedBits = slots.reduce((a, s) => a + s.compressed[i].compressedBits, 0);
    const denseBits = slots.reduce((a, s) => a + s.compressed[i].denseBits, 0);
    // no analysed token anywhere: the per-token ratio of the slots (closed form)
    return { ...c, compressedBits, denseBits, ratio: denseBits > 0 ? compressedBits / denseBits : weighted(slots.map((s) => ({ ...s, elements: 1 })), (s) => s.compressed[i].ratio) };
  });
  const compatibility = (first?.compatibility ?? []).map((c, i) => ({
    target: c.target,
    unitElements: c.unitElements,
    units: slots.reduce((a, s) => a + s.compatibility[i].units, 0),
    structuralFraction: weightedNullable(slots, (s) => s.compatibility[i].structuralFraction),
    densityBoundFraction: weightedNullable(slots, (s) => s.compatibility[i].densityBoundFraction),
  }));
  const unionDensity = (first?.unionDensity ?? []).map((u, i) => ({
    batchSize: u.batchSize,
    consecutive: weightedNullable(slots, (s) => s.unionDensity[i].consecutive),
    consecutiveBatches: slots.reduce((a, s) => a + s.unionDensity[i].consecutiveBatches, 0),
    random: weightedNullable(slots, (s) => s.unionDensity[i].random),
    randomBatches: slots.reduce((a, s) => a + s.unionDensity[i].randomBatches, 0),
    independent: weightedNullable(slots, (s) => s.unionDensity[i].independent),
  }));
  const sites = new Map<string, SlotStats>();
  for (const s of slots) if (!sites.has(s.site)) sites.set(s.site, s);
  return {
    slots: slots.length,
    nonfiniteRows: [...sites.values()].reduce((a, s) => a + s.nonfiniteRows, 0),
    nonfiniteValues: [...sites.values()].reduce((a, s) => a + s.nonfiniteValues, 0),
    elements: slots.reduce((a, s) => a + s.elements, 0),
    relErrL2: weightedNullable(slots, (s) => s.relErrL2),
    cosine: weightedNullable(slots, (s) => s.cosine),
    retainedEnergy: weightedNullable(slots, (s) => s.retainedEnergy),
    keptFraction: weightedNullable(slots, (s) => s.keptFraction),
    effectiveDensity: weighted(slots.some((s) => s.elements > 0) ? slots : slots.map((s) => ({ ...s, elements: s.k })), (s) => s.effectiveDensity),
    naturalZeroFraction: weightedNullable(slots, (s) => s.naturalZeroFraction),
    outputRelErrL2: weightedNullable(slots, (s) => s.outputRelErrL2),
    keptNonzeroHistogram: sumArrays(slots.map((s) => s.keptNonzeroHistogram)),
    inputNonzeroHistogram: sumArrays(slots.map((s) => s.inputNonzeroHistogram)),
    densityBoundAcceptance: weightedNullable(slots, (s) => s.densityBoundAcceptance),
    compressed,
    compatibility,
    unionDensity,
    channelKeep: {
      histogram: sumArrays(slots.map((s) => s.channelKeep.histogram)),
      // channel indices mean different things in different sites; top channels are per site only
      top: [],
    },
  };
}

/** Groups slots by a key, keeping first-seen order. */
export function groupBy<K>(slots: SlotStats[], key: (s: SlotStats) => K): [K, SlotStats[]][] {
  const map = new Map<K, SlotStats[]>();
  for (const s of slots) {
    const k = key(s);
    let list = map.get(k);
    if (!list) map.set(k, (list = []));
    list.push(s);
  }
  return [...map.entries()];
}

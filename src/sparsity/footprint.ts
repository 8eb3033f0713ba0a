/**
 * The compressed footprint of one activation row of length K, exact to the bit — the one
 * definition analysis (measured sizes), perf (bytes moved) and explore (I/O savings) call.
 *
 * Convention (README "Compressed footprint"):
 * - N:M: the row is zero-padded to ⌈K/M⌉ groups of M, and every group — the tail group and a
 *   row shorter than M included — stores N value slots plus `metadataBitsPerGroup` (index
 *   N·⌈log₂M⌉, bitmask M, combinatorial ⌈log₂C(M,N)⌉). A fixed-stride format: the pruning unit
 *   sees the padded tail as an ordinary group (it keeps min(N, r) real values, and pad zeros
 *   fill the slots beyond r), and group g's values and metadata sit at g·N slots and g·bits
 *   without a per-row special case.
 * - unstructured: ⌊K/2⌋ values plus a K-bit bitmask, whatever the encoding: index and
 *   combinatorial encodings are defined per group of M ≤ 64; a ⌈log₂K⌉-bit index per kept value
 *   (12 bits at K = 4096) or a rank among C(K, K/2) rows is no format a 50 %-dense unstructured
 *   datapath uses.
 * - dense: K values, no metadata.
 */
import { groupCount, metadataBitsPerGroup, type MetadataEncoding, type Pattern } from './pattern.js';

export interface RowFootprint {
  /** value slots stored (kept values and, in a padded tail, pad zeros) */
  valueSlots: number;
  valueBits: number;
  metadataBits: number;
  /** valueBits + metadataBits */
  totalBits: number;
}

/** Value slots stored per row: N per group (tail padded), ⌊K/2⌋ unstructured, K dense. */
export function valueSlotsPerRow(p: Pattern, k: number): number {
  if (p.kind === 'dense') return k;
  if (p.kind === 'unstructured') return Math.floor(k / 2);
  return groupCount(p, k) * p.n;
}

/** Metadata bits per row: every group's (tail padded), a K-bit bitmask unstructured, 0 dense. */
export function metadataBitsPerRow(p: Pattern, k: number, encoding: MetadataEncoding): number {
  if (p.kind === 'dense') return 0;
  if (p.kind === 'unstructured') return k;
  return groupCount(p, k) * metadataBitsPerGroup(p, encoding);
}

/** One row of K values of `bitsPerValue` bits each, stored under pattern p. */
export function rowFootprint(p: Pattern, k: number, bitsPerValue: number, encoding: MetadataEncoding): RowFootprint {
  const valueSlots = valueSlotsPerRow(p, k);
  const valueBits = valueSlots * bitsPerValue;
  const metadataBits = metadataBitsPerRow(p, k, encoding);
  return { valueSlots, valueBits, metadataBits, totalBits: valueBits + metadataBits };
}

/** Stored size relative to dense (0.5625 for 2:4 at 16 bits with index metadata; 0 at K = 0). */
export function footprintRatio(p: Pattern, k: number, bitsPerValue: number, encoding: MetadataEncoding): number {
  return k > 0 ? rowFootprint(p, k, bitsPerValue, encoding).totalBits / (k * bitsPerValue) : 0;
}

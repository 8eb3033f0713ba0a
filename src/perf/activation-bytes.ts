/**
 * Bytes of one token's activation vector of length K as stored between layers: dense, or
 * compressed to value slots plus metadata in the profile's encoding — a thin call to the one
 * definition, sparsity/footprint.ts (tail groups padded to M store N value slots; unstructured
 * data a K-bit bitmask). The data's own pattern sets the format (the pruning unit writes it).
 */
import type { MetadataEncoding, Pattern } from '../sparsity/pattern.js';
import { footprintRatio, rowFootprint } from '../sparsity/footprint.js';

export interface RowBytes {
  valueBytes: number;
  metadataBytes: number;
}

export function activationRowBytes(pattern: Pattern, compressed: boolean, k: number, elementBytes: number, encoding: MetadataEncoding): RowBytes {
  const r = rowFootprint(compressed ? pattern : { kind: 'dense' }, k, elementBytes * 8, encoding);
  return { valueBytes: r.valueBits / 8, metadataBytes: r.metadataBits / 8 };
}

/** Stored footprint relative to dense (e.g. 0.5625 for 2:4 BF16 with index metadata). */
export function footprintFraction(pattern: Pattern, k: number, elementBytes: number, encoding: MetadataEncoding): number {
  return footprintRatio(pattern, k, elementBytes * 8, encoding);
}

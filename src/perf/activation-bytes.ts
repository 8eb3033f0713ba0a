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

/**
 * Row bytes by stored pattern, K, element width and encoding: every GEMM and site of every step
 * asks for a handful of them, and an N:M footprint's metadata bits go through BigInt arithmetic
 * (sparsity/pattern.ts metadataBitsPerGroup). Cleared when it grows past ROW_BYTES_KEPT.
 */
const rowBytesKept = new Map<string, RowBytes>();
const ROW_BYTES_KEPT = 4096;

export function activationRowBytes(pattern: Pattern, compressed: boolean, k: number, elementBytes: number, encoding: MetadataEncoding): RowBytes {
  const stored: Pattern = compressed ? pattern : { kind: 'dense' };
  const key = `${stored.kind === 'nm' ? `${stored.n}:${stored.m}` : stored.kind}|${k}|${elementBytes}|${encoding}`;
  let bytes = rowBytesKept.get(key);
  if (!bytes) {
    const r = rowFootprint(stored, k, elementBytes * 8, encoding);
    bytes = { valueBytes: r.valueBits / 8, metadataBytes: r.metadataBits / 8 };
    if (rowBytesKept.size >= ROW_BYTES_KEPT) rowBytesKept.clear();
    rowBytesKept.set(key, bytes);
  }
  return { ...bytes };
}

/** Stored footprint relative to dense (e.g. 0.5625 for 2:4 BF16 with index metadata). */
export function footprintFraction(pattern: Pattern, k: number, elementBytes: number, encoding: MetadataEncoding): number {
  return footprintRatio(pattern, k, elementBytes * 8, encoding);
}

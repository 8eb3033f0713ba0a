/**
 * Bytes of one token's activation vector of length K as stored between layers: dense, or
 * compressed to kept values plus metadata in the profile's encoding (DESIGN.md §2). The data's
 * own pattern sets the format (the pruning unit writes it); unstructured data uses a bitmask.
 */
import { groupCount, keptPerToken, metadataBitsPerGroup, type MetadataEncoding, type Pattern } from '../sparsity/pattern.js';

export interface RowBytes {
  valueBytes: number;
  metadataBytes: number;
}

export function activationRowBytes(pattern: Pattern, compressed: boolean, k: number, elementBytes: number, encoding: MetadataEncoding): RowBytes {
  if (!compressed || pattern.kind === 'dense') return { valueBytes: k * elementBytes, metadataBytes: 0 };
  const valueBytes = keptPerToken(pattern, k) * elementBytes;
  if (pattern.kind === 'unstructured') return { valueBytes, metadataBytes: k / 8 };
  return { valueBytes, metadataBytes: (groupCount(pattern, k) * metadataBitsPerGroup(pattern, encoding)) / 8 };
}

/** Stored footprint relative to dense (e.g. 0.5625 for 2:4 BF16 with index metadata). */
export function footprintFraction(pattern: Pattern, k: number, elementBytes: number, encoding: MetadataEncoding): number {
  const r = activationRowBytes(pattern, true, k, elementBytes, encoding);
  return (r.valueBytes + r.metadataBytes) / (k * elementBytes);
}

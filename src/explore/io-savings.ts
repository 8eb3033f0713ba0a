/**
 * Closed-form activation I/O per pattern and metadata encoding (DESIGN.md §2): every group of
 * M stores N value slots plus its metadata (a tail group is padded, so costs the same), so the
 * compressed / dense ratio per group is (N·valueBits + metadataBits) / (M·valueBits).
 * Examples at 16-bit values with index metadata: 2:4 → 36/64 = 56.25 %, 16:32 → 336/512 = 65.625 %.
 */
import { METADATA_ENCODINGS, type MetadataEncoding, type NmPattern, type Pattern } from '../sparsity/pattern.js';
import { footprintRatio } from '../sparsity/footprint.js';

export interface IoFootprint {
  pattern: NmPattern;
  encoding: MetadataEncoding;
  valueBits: number;
  footprintFraction: number;
  savingsFraction: number;
}

export function ioFootprint(pattern: NmPattern, encoding: MetadataEncoding, valueBits: number): IoFootprint {
  // one group of M: the closed form (N·valueBits + metadata bits) / (M·valueBits), from the one footprint function
  const footprintFraction = footprintRatio(pattern, pattern.m, valueBits, encoding);
  return { pattern, encoding, valueBits, footprintFraction, savingsFraction: 1 - footprintFraction };
}

/** Every N:M pattern in `patterns` × every metadata encoding, in the given order. */
export function ioFootprintTable(patterns: readonly Pattern[], valueBits: number): IoFootprint[] {
  return patterns.filter((p): p is NmPattern => p.kind === 'nm').flatMap((p) => METADATA_ENCODINGS.map((e) => ioFootprint(p, e, valueBits)));
}

/**
 * Closed-form activation I/O per pattern and metadata encoding (DESIGN.md §2): every group of
 * M stores N value slots plus its metadata (a tail group is padded, so costs the same), so the
 * compressed / dense ratio per group is (N·valueBits + metadataBits) / (M·valueBits).
 * Examples at 16-bit values with index metadata: 2:4 → 36/64 = 56.25 %, 16:32 → 336/512 = 65.625 %.
 */
import { METADATA_ENCODINGS, metadataBitsPerGroup, type MetadataEncoding, type NmPattern, type Pattern } from '../sparsity/pattern.js';

export interface IoFootprint {
  pattern: NmPattern;
  encoding: MetadataEncoding;
  valueBits: number;
  footprintFraction: number;
  savingsFraction: number;
}

// TODO(h12-sparsity): the compressed footprint of an activation row is one function in sparsity/;
// call it here once it exists.
export function ioFootprint(pattern: NmPattern, encoding: MetadataEncoding, valueBits: number): IoFootprint {
  const bits = pattern.n * valueBits + metadataBitsPerGroup(pattern, encoding);
  const footprintFraction = bits / (pattern.m * valueBits);
  return { pattern, encoding, valueBits, footprintFraction, savingsFraction: 1 - footprintFraction };
}

/** Every N:M pattern in `patterns` × every metadata encoding, in the given order. */
export function ioFootprintTable(patterns: readonly Pattern[], valueBits: number): IoFootprint[] {
  return patterns.filter((p): p is NmPattern => p.kind === 'nm').flatMap((p) => METADATA_ENCODINGS.map((e) => ioFootprint(p, e, valueBits)));
}

// TODO(h12-sparsity): the independence union density 1 − (1 − d)^B is one function in sparsity/.
/** Independence assumption for decode: B tokens each keep a channel with probability d. */
export function independenceUnionDensity(keptFraction: number, batch: number): number {
  return 1 - Math.pow(1 - keptFraction, batch);
}

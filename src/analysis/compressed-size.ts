/**
 * Compressed activation size per metadata encoding × value width, for the tokens of a slot:
 * sparsity/footprint.ts `rowFootprint` (the one definition: tail groups padded to M store N
 * value slots, unstructured a K-bit bitmask) at the trace dtype and at 8 bits (FP8/INT8
 * what-ifs); dense costs K · valueBits per token.
 */
import type { CompressedSizeRecord } from './types.js';
import { METADATA_ENCODINGS, type Pattern } from '../sparsity/pattern.js';
import { rowFootprint } from '../sparsity/footprint.js';

export const VALUE_FORMATS = ['trace', 'fp8', 'int8'] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];

/** Bits per stored value: the trace dtype, FP8 (E4M3/E5M2) and INT8 what-ifs. */
export function valueBits(format: ValueFormat, traceDtypeBits: number): number {
  return format === 'trace' ? traceDtypeBits : 8;
}

export function dtypeBits(dtype: string | undefined): number {
  return dtype === 'F32' ? 32 : dtype === 'U8' ? 8 : 16;
}

/** One encoding × value width; the record type lives in types.ts with the other results. */
export type CompressedSize = CompressedSizeRecord;

/** Sizes for `tokens` tokens of length K, every encoding × value format. */
export function compressedSizes(p: Pattern, k: number, tokens: number, traceDtypeBits: number): CompressedSize[] {
  const out: CompressedSize[] = [];
  for (const valueFormat of VALUE_FORMATS) {
    const vb = valueBits(valueFormat, traceDtypeBits);
    const denseBits = tokens * k * vb;
    for (const encoding of METADATA_ENCODINGS) {
      const perTokenBits = rowFootprint(p, k, vb, encoding).totalBits;
      // the ratio is per token (the same for any token count, also 0 tokens)
      out.push({ encoding, valueFormat, valueBits: vb, compressedBits: tokens * perTokenBits, denseBits, ratio: k > 0 ? perTokenBits / (k * vb) : 0 });
    }
  }
  return out;
}

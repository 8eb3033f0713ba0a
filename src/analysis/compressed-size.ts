/**
 * Compressed activation size, exact to the bit, in the hardware-faithful format:
 * every group of M along K — the tail group included, being zero-padded to M — stores N value
 * slots plus its metadata (pattern.ts `metadataBitsPerGroup`). So one token of length K costs
 *   ⌈K/M⌉ · (N · valueBits + metadataBitsPerGroup(N:M, encoding))
 * and dense costs K · valueBits. "unstructured" is treated as one group of K keeping ⌊K/2⌋:
 * index ⌊K/2⌋·⌈log₂K⌉, bitmask K, combinatorial ⌈log₂ C(K, ⌊K/2⌋)⌉ bits per token.
 */
import type { CompressedSizeRecord } from './types.js';
import {
  METADATA_ENCODINGS,
  binomial,
  ceilLog2Big,
  groupCount,
  metadataBitsPerGroup,
  type MetadataEncoding,
  type Pattern,
} from '../sparsity/pattern.js';

export const VALUE_FORMATS = ['trace', 'fp8', 'int8'] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];

/** Bits per stored value: the trace dtype, FP8 (E4M3/E5M2) and INT8 what-ifs. */
export function valueBits(format: ValueFormat, traceDtypeBits: number): number {
  return format === 'trace' ? traceDtypeBits : 8;
}

export function dtypeBits(dtype: string | undefined): number {
  return dtype === 'F32' ? 32 : dtype === 'U8' ? 8 : 16;
}

const combinatorialCache = new Map<number, number>();

/** Below this K the exact BigInt C(K, ⌊K/2⌋) is cheap (its cost grows as K²: ~60 s at K = 2^20). */
const EXACT_BINOMIAL_MAX_K = 4096;

/**
 * ⌈log₂ C(m, n)⌉. Exact (BigInt) for m ≤ 4096; above, log₂ C = Σ_{i=1..r} log₂((m − r + i)/i)
 * (r = min(n, m − n)) summed in float64 — O(m), error below r·2^-52·log₂ m ≈ 1e-9 at m = 2^20 —
 * whose ceiling is exact unless the sum lies within 1e-6 of an integer, where the exact value
 * is computed instead.
 */
export function ceilLog2Binomial(m: number, n: number): number {
  if (m <= EXACT_BINOMIAL_MAX_K) return ceilLog2Big(binomial(m, n));
  const r = Math.min(n, m - n);
  let sum = 0;
  for (let i = 1; i <= r; i++) sum += Math.log2((m - r + i) / i);
  const frac = sum - Math.floor(sum);
  if (frac < 1e-6 || frac > 1 - 1e-6) return ceilLog2Big(binomial(m, n));
  return Math.ceil(sum);
}

/** Metadata bits for one token of length K (all its groups). */
export function metadataBitsPerToken(p: Pattern, k: number, encoding: MetadataEncoding): number {
  if (p.kind === 'dense') return 0;
  if (p.kind === 'nm') return groupCount(p, k) * metadataBitsPerGroup(p, encoding);
  const half = Math.floor(k / 2);
  switch (encoding) {
    case 'index':
      return half * ceilLog2Big(BigInt(k));
    case 'bitmask':
      return k;
    case 'combinatorial': {
      let bits = combinatorialCache.get(k);
      if (bits === undefined) {
        bits = ceilLog2Binomial(k, half);
        combinatorialCache.set(k, bits);
      }
      return bits;
    }
  }
}

/** Value slots stored per token: N per group (tail padded), ⌊K/2⌋ unstructured, K dense. */
export function valueSlotsPerToken(p: Pattern, k: number): number {
  if (p.kind === 'dense') return k;
  if (p.kind === 'unstructured') return Math.floor(k / 2);
  return groupCount(p, k) * p.n;
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
      const perTokenBits = p.kind === 'dense' ? k * vb : valueSlotsPerToken(p, k) * vb + metadataBitsPerToken(p, k, encoding);
      const compressedBits = tokens * perTokenBits;
      // the ratio is per token (the same for any token count, also 0 tokens)
      out.push({ encoding, valueFormat, valueBits: vb, compressedBits, denseBits, ratio: k > 0 ? perTokenBits / (k * vb) : 0 });
    }
  }
  return out;
}

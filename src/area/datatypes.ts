/**
 * Number formats the MAC array multiplies and accumulates. Bit widths are format facts:
 * IEEE 754-2008 (binary16, binary32), bfloat16 (Google TPU / Intel BF16 spec), TF32 (NVIDIA
 * A100 whitepaper: 8-bit exponent, 10-bit mantissa), FP8 E4M3 (Micikevicius et al., "FP8
 * formats for deep learning", arXiv 2209.05433). `mantissaBits` includes the hidden bit.
 */
import type { MacDatatype } from '../profile/schema.js';

export interface NumberFormat {
  kind: 'float' | 'int';
  mantissaBits: number;
  exponentBits: number;
}

export const MAC_FORMATS: Record<MacDatatype, NumberFormat> = {
  fp16: { kind: 'float', mantissaBits: 11, exponentBits: 5 },
  bf16: { kind: 'float', mantissaBits: 8, exponentBits: 8 },
  fp8: { kind: 'float', mantissaBits: 4, exponentBits: 4 },
  tf32: { kind: 'float', mantissaBits: 11, exponentBits: 8 },
  fp32: { kind: 'float', mantissaBits: 24, exponentBits: 8 },
  int8: { kind: 'int', mantissaBits: 8, exponentBits: 0 },
};

/** Float accumulators by total width (IEEE binary16/32/64); integer MACs accumulate in two's complement. */
export const FLOAT_ACCUMULATORS: Record<number, NumberFormat> = {
  16: { kind: 'float', mantissaBits: 11, exponentBits: 5 },
  32: { kind: 'float', mantissaBits: 24, exponentBits: 8 },
  64: { kind: 'float', mantissaBits: 53, exponentBits: 11 },
};

/**
 * Hand-built profiles for the performance tests, written from public datasheets so the tests do
 * not depend on the shipped YAML files. A "core" here is one SM (4 tensor cores).
 * A100 SXM4 80GB: 108 SMs, 1024 dense FP16 FMA/clk/SM, 1410 MHz boost, 2039 GB/s HBM2e,
 * 164 KiB shared memory per SM, 40 MiB L2 (NVIDIA A100 whitepaper; A100 datasheet).
 * H100 SXM5: 132 SMs, 2048 dense FP16 FMA/clk/SM, 1830 MHz tensor boost, 3350 GB/s HBM3,
 * 228 KiB shared memory per SM, 50 MiB L2 (NVIDIA H100 whitepaper; 989.4 TFLOPS dense FP16).
 */
import { ProfileSchema, type HardwareProfile, type ProfileInput } from '../../src/profile/schema.js';

export function profile(input: ProfileInput): HardwareProfile {
  return ProfileSchema.parse(input);
}

export const A100_LIKE: HardwareProfile = profile({
  name: 'a100-like-test',
  description: 'A100 SXM4 80GB from the whitepaper; 2:4 on the MMA sparse operand, pruned in software (cuSPARSELt)',
  illustrative: false,
  clockMHz: 1410,
  tensorCore: { count: 108, lanes: 128, denseKPerCycle: 8, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
  sparsity: {
    operand: 'both',
    patterns: ['2:4'],
    metadataEncoding: 'index',
    selectorStyle: 'mux',
    effect: 'skipping',
    fallback: 'dense',
    onlinePruning: { kind: 'software' },
  },
  memory: {
    buffers: [
      { name: 'smem', sizeKiB: 164, bandwidthBytesPerCycle: 128, shared: false },
      { name: 'l2', sizeKiB: 40960, bandwidthBytesPerCycle: 64, shared: true },
    ],
    dramBandwidthGBps: 2039,
    dramLatencyNs: 500,
  },
  tech: 'n7',
});

export const H100_LIKE: HardwareProfile = profile({
  name: 'h100-like-test',
  description: 'H100 SXM5 from the whitepaper',
  illustrative: false,
  clockMHz: 1830,
  tensorCore: { count: 132, lanes: 256, denseKPerCycle: 8, operandBits: 16, accumulatorBits: 32, macDatatype: 'bf16' },
  sparsity: {
    operand: 'both',
    patterns: ['2:4'],
    metadataEncoding: 'index',
    selectorStyle: 'mux',
    effect: 'skipping',
    fallback: 'dense',
    onlinePruning: { kind: 'software' },
  },
  memory: {
    buffers: [
      { name: 'smem', sizeKiB: 228, bandwidthBytesPerCycle: 128, shared: false },
      { name: 'l2', sizeKiB: 51200, bandwidthBytesPerCycle: 96, shared: true },
    ],
    dramBandwidthGBps: 3350,
    dramLatencyNs: 500,
  },
  tech: 'n5',
});

/** An activation-sparse what-if: A100 geometry with native 2:4…16:32 and a hardware pruning unit. */
export function actProfile(patterns: string[], overrides: Partial<HardwareProfile['sparsity']> = {}): HardwareProfile {
  return profile({
    ...A100_LIKE,
    name: `act-${patterns.join('-')}-test`,
    illustrative: true,
    sparsity: {
      ...A100_LIKE.sparsity,
      operand: 'activation',
      patterns,
      onlinePruning: { kind: 'hardware', network: 'batcher', groupsPerCycle: 16, latencyCycles: 10 },
      ...overrides,
    },
  });
}

/**
 * Hand-built profiles for the performance tests, written from public datasheets so the tests do
 * not depend on the shipped YAML files. A "core" here is one SM (4 tensor cores).
 * A100 SXM4 80GB: 108 SMs, 1024 dense FP16 FMA/clk/SM, 1410 MHz boost, 2039 GB/s HBM2e,
 * 164 KiB shared memory per SM, 40 MiB L2 (NVIDIA A100 whitepaper; A100 datasheet).
 * H100 SXM5: 132 SMs, 2048 dense FP16 FMA/clk/SM, 1830 MHz tensor boost, 3350 GB/s HBM3,
 * 228 KiB shared memory per SM, 50 MiB L2 (NVIDIA H100 whitepaper; 989.4 TFLOPS dense FP16).
 *
 * Tests write specs (`ProfileInput`, what a file would say) and normalize them with `profile`,
 * as the loader does; a variant is a spec spread with other values, normalized again.
 */
import { ProfileSchema, type HardwareProfile, type ProfileInput } from '../../src/profile/schema.js';
import { normalizeProfile } from '../../src/profile/normalize.js';

/** A spec, validated and normalized as the loader would (warnings dropped). */
export function profile(input: ProfileInput): HardwareProfile {
  return normalizeProfile(ProfileSchema.parse(input)).profile;
}

/** An NVIDIA SM as one core: 2:4 on the MMA sparse operand, pruned in software (cuSPARSELt). */
function nvidiaSmSpec(sm: {
  name: string;
  description: string;
  clockMHz: number;
  count: number;
  lanes: number;
  macDatatype: 'fp16' | 'bf16';
  smemKiB: number;
  smemBandwidth: number;
  l2KiB: number;
  l2Bandwidth: number;
  dramBandwidthGBps: number;
  tech: string;
}): ProfileInput {
  return {
    name: sm.name,
    description: sm.description,
    illustrative: false,
    clockMHz: sm.clockMHz,
    tensorCore: { count: sm.count, lanes: sm.lanes, denseKPerCycle: 8, operandBits: 16, accumulatorBits: 32, macDatatype: sm.macDatatype },
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
        { name: 'smem', sizeKiB: sm.smemKiB, bandwidthBytesPerCycle: sm.smemBandwidth, shared: false },
        { name: 'l2', sizeKiB: sm.l2KiB, bandwidthBytesPerCycle: sm.l2Bandwidth, shared: true },
      ],
      dramBandwidthGBps: sm.dramBandwidthGBps,
      dramLatencyNs: 500,
    },
    tech: sm.tech,
  };
}

export const A100_SPEC = nvidiaSmSpec({
  name: 'a100-like-test',
  description: 'A100 SXM4 80GB from the whitepaper; 2:4 on the MMA sparse operand, pruned in software (cuSPARSELt)',
  clockMHz: 1410,
  count: 108,
  lanes: 128,
  macDatatype: 'fp16',
  smemKiB: 164,
  smemBandwidth: 128,
  l2KiB: 40960,
  l2Bandwidth: 64,
  dramBandwidthGBps: 2039,
  tech: 'n7',
});

export const H100_SPEC = nvidiaSmSpec({
  name: 'h100-like-test',
  description: 'H100 SXM5 from the whitepaper',
  clockMHz: 1830,
  count: 132,
  lanes: 256,
  macDatatype: 'bf16',
  smemKiB: 228,
  smemBandwidth: 128,
  l2KiB: 51200,
  l2Bandwidth: 96,
  dramBandwidthGBps: 3350,
  tech: 'n5',
});

export const A100_LIKE: HardwareProfile = profile(A100_SPEC);
export const H100_LIKE: HardwareProfile = profile(H100_SPEC);

/** An activation-sparse what-if: A100 geometry with native 2:4…16:32 and a hardware pruning unit. */
export function actProfile(patterns: string[], overrides: Partial<ProfileInput['sparsity']> = {}): HardwareProfile {
  return profile({
    ...A100_SPEC,
    name: `act-${patterns.join('-')}-test`,
    illustrative: true,
    sparsity: {
      ...A100_SPEC.sparsity,
      operand: 'activation',
      patterns,
      onlinePruning: { kind: 'hardware', network: 'batcher', groupsPerCycle: 16, latencyCycles: 10 },
      ...overrides,
    },
  });
}

/**
 * One core, 16 lanes as 4 rows × 4 columns, K 8/cycle, 1 GHz, one 1 MiB operand buffer at
 * unbounded bandwidth: small enough to count every cycle and byte by hand.
 */
export function tinyProfile(effect: 'skipping' | 'gating' = 'skipping', pruning: 'hardware' | 'software' = 'hardware', patterns: string[] = ['2:4', '4:8', '8:16', '16:32']): HardwareProfile {
  return profile({
    name: 'tiny',
    description: 'test core',
    illustrative: true,
    clockMHz: 1000,
    tensorCore: { count: 1, lanes: 16, denseKPerCycle: 8, activationRowsPerCycle: 4, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
    sparsity: {
      operand: 'activation',
      patterns,
      metadataEncoding: 'index',
      selectorStyle: 'mux',
      effect,
      fallback: 'dense',
      onlinePruning: pruning === 'software' ? { kind: 'software' } : { kind: 'hardware', groupsPerCycle: 8, latencyCycles: 3 },
    },
    memory: { buffers: [{ name: 'operand', sizeKiB: 1024, bandwidthBytesPerCycle: 1e6 }], dramBandwidthGBps: 1e6, dramLatencyNs: 0 },
    tech: 'nangate45',
  });
}

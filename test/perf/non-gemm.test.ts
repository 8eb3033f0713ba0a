/**
 * The online pruning unit on a producer's write path is the profile's silicon: its latency is
 * the depth of the network the profile names (issue 12: it used to be Batcher's whatever the
 * network), and its rate is groupsPerCycle groups of the widest *native* M whatever pattern the
 * data was pruned with (it used to grow with a wider requested pattern).
 */
import { simulateNonGemm } from '../../src/perf/non-gemm.js';
import { planPattern } from '../../src/perf/execution-plan.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { DEFAULT_KERNEL_LAUNCH_NS } from '../../src/profile/defaults.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import type { NonGemmOp } from '../../src/workload/layer-ops.js';
import type { ProfileInput } from '../../src/profile/schema.js';
import { profile } from './profiles.js';

const ROWS = 1024;
const K = 4096;
const CORES = 108;

/** An activation function writing the down projection's input: 1024 tokens × 4096, BF16. */
const producer: NonGemmOp = {
  name: 'mlp_activation',
  tensorCoreFlops: 0,
  vectorFlops: ROWS * K,
  bytesRead: 2 * ROWS * K * 2,
  bytesWritten: ROWS * K * 2,
  kvCacheBytesRead: 0,
  kvCacheBytesWritten: 0,
  producesSite: { site: 'mlp_mid', rowsTokens: ROWS, k: K },
};

/** An A100-like core pruning activations in hardware; the unit as given (no latency: its default). */
function core(patterns: string[], onlinePruning: ProfileInput['sparsity']['onlinePruning'], fallback: 'dense' | 'compatible' = 'dense'): ProfileInput {
  return {
    name: 'unit-test',
    description: 'A100-like geometry with a hardware pruning unit',
    illustrative: true,
    clockMHz: 1410,
    tensorCore: { count: CORES, lanes: 128, denseKPerCycle: 8, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
    sparsity: { operand: 'activation', patterns, metadataEncoding: 'index', selectorStyle: 'mux', effect: 'skipping', fallback, onlinePruning },
    memory: { buffers: [{ name: 'smem', sizeKiB: 164, bandwidthBytesPerCycle: 128, shared: false }], dramBandwidthGBps: 2039, dramLatencyNs: 500 },
    tech: 'nangate45',
  };
}

/** Cycles the unit's pipeline adds to the operator: cycles − the bounding term − DRAM latency − launch gap. */
function pruningLatencyCycles(spec: ProfileInput, pattern: string): number {
  const p = profile(spec);
  const hw = hardwareView(p);
  const sim = simulateNonGemm(producer, planPattern(p, parsePattern(pattern)), hw, p);
  expect(sim.pruningGroups).toBeGreaterThan(0);
  return sim.cycles - Math.max(sim.rooflineCycles, sim.pruningCycles) - hw.dramLatencyCycles - DEFAULT_KERNEL_LAUNCH_NS * 1e-9 * hw.clockHz;
}

describe('the pruning unit of a profile without latencyCycles', () => {
  test.each([
    // Batcher odd-even merge sort of 16 = 2^4: 4·5/2 = 10 stages; of 32 = 2^5: 5·6/2 = 15
    ['batcher', '8:16', 10],
    ['batcher', '16:32', 15],
    // bitonic sort of 2^p also has p(p+1)/2 stages: 10 for M = 16
    ['bitonic', '8:16', 10],
    // top-1 of 16 is a tournament 16 → 8 → 4 → 2 → 1: 4 stages
    ['selection', '1:16', 4],
    // radix select: one stage per key bit, 15 FP16 magnitude bits + ⌈log₂ 16⌉ = 4 index bits
    ['threshold', '8:16', 19],
  ] as const)('a %s network for %s adds its own %i pipeline stages', (network, pattern, stages) => {
    const latency = pruningLatencyCycles(core([pattern], { kind: 'hardware', network, groupsPerCycle: 1 }), pattern);
    expect(latency).toBeCloseTo(stages, 6);
  });
});

describe('the pruning unit rate', () => {
  test('16:32 hardware pruning data at 32:64 (compatible fallback) still prunes 16 groups of 32 per cycle per core', () => {
    const spec = core(['16:32'], { kind: 'hardware', network: 'batcher', groupsPerCycle: 16, latencyCycles: 15 }, 'compatible');
    const p = profile(spec);
    const plan = planPattern(p, parsePattern('32:64'));
    expect([plan.mode, plan.pruning]).toEqual(['compatible', 'hardware']);
    const sim = simulateNonGemm(producer, plan, hardwareView(p), p);
    // 16 groups × 32 elements = 512 elements per cycle per core, not 16 × 64
    expect(sim.pruningCycles).toBeCloseTo((ROWS * K) / (512 * CORES), 9);
    // the groups are the data's: 64 per 4096-element row
    expect(sim.pruningGroups).toBe(ROWS * 64);
  });
});

/**
 * Issue 13: a profile's measured execution figures (main-loop issue rate, sustained DRAM
 * bandwidth, kernel launch gap) slow its kernels; rooflines keep the published peaks.
 */
import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { planPattern } from '../../src/perf/execution-plan.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import type { GemmOp } from '../../src/workload/layer-ops.js';
import { profile } from './profiles.js';

/** `cores` cores, each 16 lanes as 4 × 4, K 8/cycle, 1 GHz (one cycle per ns), 100 GB/s DRAM unless given. */
function tiny(execution: { mainloopEfficiency?: number; dramEfficiency?: number; kernelLaunchNs?: number } = {}, cores = 16, dramGBps = 100): HardwareProfile {
  return profile({
    name: 'tiny',
    description: 'test core',
    illustrative: true,
    clockMHz: 1000,
    tensorCore: { count: cores, lanes: 16, denseKPerCycle: 8, activationRowsPerCycle: 4, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
    sparsity: { operand: 'activation', patterns: ['2:4'], metadataEncoding: 'index', selectorStyle: 'mux', effect: 'skipping', fallback: 'dense', onlinePruning: { kind: 'software' } },
    memory: { buffers: [{ name: 'operand', sizeKiB: 1024, bandwidthBytesPerCycle: 1e6 }], dramBandwidthGBps: dramGBps, dramLatencyNs: 0 },
    execution,
    tech: 'nangate45',
  });
}
const gemm = (rows: number, k: number, n: number): GemmOp => ({ name: 'up', site: 'mlp_in', rowsTokens: rows, kIn: k, nOut: n });
const run = (p: HardwareProfile, g: GemmOp) => simulateGemm(g, planPattern(p, { kind: 'dense' }), hardwareView(p), 1);

describe('measured execution figures', () => {
  test('a main loop issuing MACs 80% of the time takes 2048 / 0.8 = 2560 MAC cycles for a 64³ GEMM on one core; the roofline stays 2048', () => {
    const s = run(tiny({ mainloopEfficiency: 0.8 }, 1, 1e6), gemm(64, 64, 64));
    expect(s.computeCycles).toBeCloseTo(2560, 9);
    expect(s.rooflineCycles).toBe(2048);
    expect(s.utilization).toBeLessThanOrEqual(0.8);
  });
  test('DRAM at half its bandwidth doubles a memory-bound GEMV: 1 × 4096 → 4096 at 100 GB/s moves 33.6 MB in 336 µs, at 50% in 671 µs', () => {
    const g = gemm(1, 4096, 4096);
    const bytes = 4096 * 4096 * 2 + 2 * 4096 * 2;
    const full = run(tiny({ kernelLaunchNs: 0 }), g);
    const half = run(tiny({ kernelLaunchNs: 0, dramEfficiency: 0.5 }), g);
    expect(full.rooflineCycles).toBeCloseTo(bytes / 100, 6);
    expect(half.rooflineCycles).toBeCloseTo(bytes / 100, 6);
    expect(full.cycles / (bytes / 100)).toBeGreaterThanOrEqual(1);
    expect(full.cycles / (bytes / 100)).toBeLessThan(1.01);
    expect(half.cycles / (bytes / 50)).toBeGreaterThanOrEqual(1);
    expect(half.cycles / (bytes / 50)).toBeLessThan(1.01);
  });
  test('the launch gap is the profile’s: 5 µs at 1 GHz is 5000 cycles per GEMM', () => {
    const s = run(tiny({ kernelLaunchNs: 5000 }), gemm(64, 64, 64));
    expect(s.stallCycles.launch).toBe(5000);
  });
});

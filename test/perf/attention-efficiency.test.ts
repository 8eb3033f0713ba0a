/**
 * Fused attention's tensor-core work runs at a cited fraction of the dense peak
 * (execution.attentionEfficiency), not at 100 %: FlashAttention-2 reaches up to 73 % of A100's
 * peak in its forward pass (Dao, arXiv 2307.08691), FlashAttention-3 up to 75 % of H100's
 * (Shah et al., arXiv 2407.08608). The roofline keeps the peak.
 */
import { simulateNonGemm } from '../../src/perf/non-gemm.js';
import { planPattern } from '../../src/perf/execution-plan.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import type { NonGemmOp } from '../../src/workload/layer-ops.js';

describe('attention at a cited achieved efficiency', () => {
  test('a100-like: 2048-token causal prefill attention of one Llama layer (32 heads × 128) takes flops ÷ (0.73 × 311.9 TFLOP/s) plus latency and launch, and stays above its roofline', async () => {
    const p = (await loadProfile(resolveProfileRef('a100-like'))).profile;
    expect(p.execution.attentionEfficiency).toBe(0.73);
    const T = 2048;
    const scores = 32 * ((T * (T + 1)) / 2); // causal pairs per head, × heads
    const flops = 2 * 2 * 128 * scores; // QKᵀ and PV
    const op: NonGemmOp = { name: 'attention', tensorCoreFlops: flops, vectorFlops: 0, bytesRead: 3 * T * 4096 * 2, bytesWritten: T * 4096 * 2, kvCacheBytesRead: 0, kvCacheBytesWritten: 0 };
    const hw = hardwareView(p);
    const sim = simulateNonGemm(op, planPattern(p, { kind: 'dense' }), hw, p);
    // independent: 432 cores × 256 FMA × 2 flops × 1.41 GHz = 311.87 TFLOP/s
    const peakFlopsPerS = 432 * 256 * 2 * 1.41e9;
    const expectedS = flops / (0.73 * peakFlopsPerS) + 500e-9 + 2000e-9; // + DRAM latency 500 ns + launch gap 2 µs
    expect(sim.bound).toBe('tensor');
    expect(sim.cycles / 1.41e9).toBeCloseTo(expectedS, 9);
    expect(sim.rooflineCycles / 1.41e9).toBeCloseTo(flops / peakFlopsPerS, 9);
    expect(sim.cycles).toBeGreaterThan(sim.rooflineCycles);
  });
  test('h100-like takes FlashAttention-3’s 75 %; the act-* what-ifs, with no execution figures, keep 100 %', async () => {
    expect((await loadProfile(resolveProfileRef('h100-like'))).profile.execution.attentionEfficiency).toBe(0.75);
    expect((await loadProfile(resolveProfileRef('act-8of16'))).profile.execution.attentionEfficiency).toBe(1);
  });
});

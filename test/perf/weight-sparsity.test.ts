/**
 * Issue 13: weight N:M (pruned offline, stored compressed) on the sparse tensor cores that take
 * sparse weights, as NVIDIA's 2:4: compressed weight traffic and metadata, kept MACs at the
 * sparse instruction rate, never more than M/N faster.
 */
import fc from 'fast-check';
import { planPattern, planWeightPattern } from '../../src/perf/execution-plan.js';
import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import type { GemmOp } from '../../src/workload/layer-ops.js';

const shipped = async (name: string) => (await loadProfile(resolveProfileRef(name))).profile;
const gemm = (rows: number, k: number, n: number): GemmOp => ({ name: 'up', site: 'mlp_in', rowsTokens: rows, kIn: k, nOut: n });

describe('weight 2:4 on the shipped NVIDIA-like cores', () => {
  let a100: HardwareProfile;
  let h100: HardwareProfile;
  beforeAll(async () => {
    a100 = await shipped('a100-like');
    h100 = await shipped('h100-like');
  });
  test('a 2:4 weight matrix of 4096 × 4096 BF16 is stored in 16.78 MB + 2.10 MB of 2-bit indices, and half the MACs are issued', () => {
    const s = simulateGemm(gemm(16, 4096, 4096), planWeightPattern(a100, parsePattern('2:4')), hardwareView(a100), 1);
    // values: 4096 columns × 2048 kept × 2 B; index metadata: 2 bits per kept value
    expect(s.activity.weightBytes).toBe(4096 * 2048 * 2);
    expect(s.activity.weightMetadataBytes).toBe((4096 * 2048 * 2) / 8);
    expect(s.activity.activationValueBytes).toBe(16 * 4096 * 2);
    expect(s.activity.activationMetadataBytes).toBe(0);
    expect(s.activity.macsIssued).toBe(16 * 4096 * 2048);
    expect(s.activity.macsSkipped).toBe(16 * 4096 * 2048);
    expect(s.activity.selectorOperations).toBe(16 * 4096 * 2048);
  });
  test('a core that takes sparse activations only runs 2:4 weights dense, and says why', async () => {
    const s = await shipped('act-8of16');
    const plan = planWeightPattern(s, parsePattern('8:16'));
    expect(plan.mode).toBe('dense');
    expect(plan.reason).toMatch(/sparse activations only/);
  });
  test('a decode GEMV (memory-bound) gains the weight bytes: 1/(0.5 + 1/16) = 1.78× at most, and about that', () => {
    const g = gemm(1, 8192, 8192);
    const hw = hardwareView(a100);
    const dense = simulateGemm(g, planPattern(a100, { kind: 'dense' }), hw, 1);
    const sparse = simulateGemm(g, planWeightPattern(a100, parsePattern('2:4')), hw, 1);
    const bytesRatio = dense.bytes.dramTotal / sparse.bytes.dramTotal;
    expect(bytesRatio).toBeCloseTo(1 / 0.5625, 1);
    expect(dense.cycles / sparse.cycles).toBeLessThanOrEqual(bytesRatio);
    expect(dense.cycles / sparse.cycles).toBeGreaterThan(1.5);
  });
  test('property: over random GEMM shapes, weight 2:4 on a100-like and h100-like is never more than 2× faster than dense', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 1, max: 8192 }), fc.integer({ min: 1, max: 8192 }), fc.integer({ min: 1, max: 8192 }), (onA100, rows, k, n) => {
        const p = onA100 ? a100 : h100;
        const hw = hardwareView(p);
        const dense = simulateGemm(gemm(rows, k, n), planPattern(p, { kind: 'dense' }), hw, 1);
        const sparse = simulateGemm(gemm(rows, k, n), planWeightPattern(p, parsePattern('2:4')), hw, 1);
        expect(dense.cycles / sparse.cycles).toBeLessThanOrEqual(2);
        expect(sparse.cycles).toBeGreaterThanOrEqual(sparse.rooflineCycles * (1 - 1e-9));
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * Issue 13: sparse-provisioned activation cores. A sparse-balanced core's per-core operand
 * buffers deliver M/N times the dense bandwidth, so a compute-bound prefill GEMM gains close to
 * M/N; the area report charges the extra SRAM banks. Dense-balanced, gating and skipping cores
 * are told apart. An SM of tensorCore.perSm cores is the tiling unit.
 */
import { areaReport } from '../../src/area/report.js';
import { planPattern } from '../../src/perf/execution-plan.js';
import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { loadTech } from '../../src/profile/tech.js';
import { parsePattern } from '../../src/sparsity/pattern.js';

const shipped = async (name: string) => (await loadProfile(resolveProfileRef(name))).profile;
// a prefill gate/up projection of Llama-3.1-8B at 4096 tokens: 4096 × 4096 → 14336
const prefill = { name: 'up' as const, site: 'mlp_in' as const, rowsTokens: 4096, kIn: 4096, nOut: 14336 };
const speedup = (p: HardwareProfile, pattern: string) => {
  const hw = hardwareView(p);
  return simulateGemm(prefill, planPattern(p, { kind: 'dense' }), hw, 1).cycles / simulateGemm(prefill, planPattern(p, parsePattern(pattern)), hw, 1).cycles;
};

describe('sparse-provisioned activation cores', () => {
  test('act-8of16-sb: a compute-bound prefill GEMM gains at least 1.8× (at most 2×) at 8:16; the dense-balanced act-8of16 stays below 1.5×', async () => {
    const sb = speedup(await shipped('act-8of16-sb'), '8:16');
    expect(sb).toBeGreaterThanOrEqual(1.8);
    expect(sb).toBeLessThanOrEqual(2);
    expect(speedup(await shipped('act-8of16'), '8:16')).toBeLessThan(1.5);
    const sb32 = speedup(await shipped('act-16of32-sb'), '16:32');
    expect(sb32).toBeGreaterThanOrEqual(1.8);
    expect(sb32).toBeLessThanOrEqual(2);
  });
  test('a gating core with the same sparse-balanced buffers gains nothing on a compute-bound GEMM', async () => {
    const sb = await shipped('act-8of16-sb');
    const gating: HardwareProfile = { ...sb, sparsity: { ...sb.sparsity, effect: 'gating' } };
    expect(speedup(gating, '8:16')).toBeLessThan(1.02);
  });
  test('sparse-balanced doubles the per-core buffer bandwidths (register file 192 → 384, shared memory 32 → 64 B/cycle), not L2', async () => {
    const db = await shipped('act-8of16');
    const sb = await shipped('act-8of16-sb');
    expect(sb.sparsity.bandwidthScale).toBe(2);
    expect(sb.memory.buffers.map((b) => b.bandwidthBytesPerCycle)).toEqual([384, 64, 5120]);
    expect(db.memory.buffers.map((b) => b.bandwidthBytesPerCycle)).toEqual([192, 32, 5120]);
  });
  test('the area report charges the provisioning: twice the banks make the per-core SRAM 1.441× (a 64 KiB macro is 55.9 % bit cells, its 44.1 % periphery repeated per bank), the dense column unchanged', async () => {
    const tech = await loadTech('5nm');
    const db = areaReport(await shipped('act-8of16'), tech);
    const sb = areaReport(await shipped('act-8of16-sb'), tech);
    const sram = (c: typeof db.core) => c.components.find((x) => x.name === 'sram')!.areaUm2;
    // both per-core buffers are 64 KiB macros: the CACTI efficiency at 64 KiB (LLMCompass) is 0.559
    const eff64KiB = 0.559;
    expect(sram(sb.core)).toBeCloseTo(sram(db.core) * (eff64KiB + 2 * (1 - eff64KiB)), 6);
    expect(sram(sb.dense)).toBeCloseTo(sram(db.dense), 9);
    expect(sb.core.overheadVsDense - db.core.overheadVsDense).toBeCloseTo((sram(db.core) * (1 - eff64KiB)) / db.dense.totalUm2, 9);
  });
  test('tensorCore.perSm: 4 makes an SM the tiling unit: 132 SMs of 256 lanes with 4× the per-core buffers, the same peak', async () => {
    const hw = hardwareView(await shipped('h100-like'));
    expect([hw.cores, hw.tensorCoresPerCore, hw.lanes, hw.laneRows, hw.laneCols]).toEqual([132, 4, 256, 8, 32]);
    expect(hw.levels.map((l) => [l.bytes, l.bandwidthBytesPerCycle])).toEqual([
      [4 * 64 * 1024, 4 * 192],
      [4 * 64 * 1024, 4 * 32],
      [50 * 1024 * 1024, 5120],
    ]);
    expect(hw.peakDenseMacsPerCycle).toBe(528 * 64 * 8);
  });
});

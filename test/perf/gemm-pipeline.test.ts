import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { planPattern } from '../../src/perf/execution-plan.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { MAC_PIPELINE_DRAIN_CYCLES } from '../../src/perf/constants.js';
import { DEFAULT_KERNEL_LAUNCH_NS } from '../../src/profile/defaults.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import type { GemmOp } from '../../src/workload/layer-ops.js';
import { profile } from './profiles.js';
import type { HardwareProfile } from '../../src/profile/schema.js';

/** One core, 16 lanes as 4 rows × 4 columns, K 8/cycle, 1 GHz; bandwidths set per test. */
function tiny(over: { dramGBps?: number; bufferBw?: number; effect?: 'skipping' | 'gating'; pruning?: 'hardware' | 'software'; cores?: number } = {}): HardwareProfile {
  return profile({
    name: 'tiny',
    description: 'test core',
    illustrative: true,
    clockMHz: 1000,
    tensorCore: { count: over.cores ?? 1, lanes: 16, denseKPerCycle: 8, activationRowsPerCycle: 4, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
    sparsity: {
      operand: 'activation',
      patterns: ['2:4', '4:8', '8:16', '16:32'],
      metadataEncoding: 'index',
      selectorStyle: 'mux',
      effect: over.effect ?? 'skipping',
      fallback: 'dense',
      onlinePruning: over.pruning === 'software' ? { kind: 'software' } : { kind: 'hardware', groupsPerCycle: 8, latencyCycles: 3 },
    },
    memory: {
      buffers: [{ name: 'operand', sizeKiB: 1024, bandwidthBytesPerCycle: over.bufferBw ?? 1e6 }],
      dramBandwidthGBps: over.dramGBps ?? 1e6,
      dramLatencyNs: 0,
    },
    tech: 'nangate45',
  });
}

const gemm = (rows: number, k: number, n: number): GemmOp => ({ name: 'up', site: 'mlp_in', rowsTokens: rows, kIn: k, nOut: n });
const run = (p: HardwareProfile, pattern: string, g: GemmOp, rowFraction = 1) =>
  simulateGemm(g, planPattern(p, parsePattern(pattern)), hardwareView(p), rowFraction);

describe('the tile pipeline of one GEMM', () => {
  test('a 64×64×64 dense GEMM on a 4×4-lane, K-8 core takes 16·16·8 = 2048 MAC cycles plus drain and launch', () => {
    const p = tiny();
    const s = run(p, 'dense', gemm(64, 64, 64));
    const launch = DEFAULT_KERNEL_LAUNCH_NS; // 1 GHz: one cycle per ns
    expect(s.computeCycles).toBe(2048);
    expect(s.tiles).toBe(1);
    expect(s.cycles - launch - MAC_PIPELINE_DRAIN_CYCLES).toBeCloseTo(2048, 0);
    expect(s.bottleneck).toBe('compute');
  });
  test('the same GEMM at 2:4 skips half the MACs: 16·16·4 = 1024 cycles', () => {
    const s = run(tiny(), '2:4', gemm(64, 64, 64));
    expect(s.computeCycles).toBe(1024);
    expect(s.executedMacs).toBe(64 * 64 * 32);
  });
  test('a compute-bound GEMM at 2:4 on a native 2:4 core approaches 2× and never exceeds M/N = 2', () => {
    const p = tiny({ cores: 8 });
    const g = gemm(1024, 4096, 1024);
    const dense = run(p, 'dense', g);
    const sparse = run(p, '2:4', g);
    const speedup = dense.cycles / sparse.cycles;
    expect(dense.bottleneck).toBe('compute');
    expect(speedup).toBeGreaterThan(1.99);
    expect(speedup).toBeLessThanOrEqual(2);
    for (const pat of ['4:8', '8:16', '16:32']) expect(dense.cycles / run(p, pat, g).cycles).toBeLessThanOrEqual(2);
  });
  test('gating keeps every MAC cycle: a compute-bound GEMM does not speed up', () => {
    const g = gemm(512, 2048, 512);
    const p = tiny({ effect: 'gating' });
    expect(run(p, '2:4', g).computeCycles).toBe(run(p, 'dense', g).computeCycles);
  });
  test('a memory-bound decode GEMV speeds up only through fetched bytes', () => {
    // 100 GB/s at 1 GHz = 100 B/cycle; B = 1, K = N = 4096, BF16
    const g = gemm(1, 4096, 4096);
    const skipping = tiny({ dramGBps: 100, cores: 16 });
    const dense = run(skipping, 'dense', g);
    // one token at 2:4 keeps exactly half its channels: half the weight rows
    const sparse = run(skipping, '2:4', g, 0.5);
    const denseBytes = 4096 * 4096 * 2 + 4096 * 2 + 4096 * 2; // weights, input, output
    const sparseBytes = 2048 * 4096 * 2 + (2048 * 2 + 1024 * 4 / 8) + 4096 * 2; // half the rows; values + index metadata
    expect(dense.bytes.dramTotal).toBe(denseBytes);
    expect(sparse.bytes.dramTotal).toBe(sparseBytes);
    expect(dense.bottleneck).toBe('dram');
    const launch = DEFAULT_KERNEL_LAUNCH_NS;
    expect((dense.cycles - launch) / (sparse.cycles - launch)).toBeCloseTo(denseBytes / sparseBytes, 1);
    // the same core with gating (no MAC skipping) is exactly as fast: compute is not the limit
    const gating = run(tiny({ dramGBps: 100, cores: 16, effect: "gating" }), "2:4", g, 0.5);
    expect(Math.abs(gating.cycles / sparse.cycles - 1)).toBeLessThan(0.005);
    // software pruning feeds a dense-weight GEMM: no rows skipped, no speed-up
    const software = run(tiny({ dramGBps: 100, cores: 16, pruning: "software" }), "2:4", g, 0.5);
    expect(Math.abs(dense.cycles / software.cycles - 1)).toBeLessThan(0.01);
  });
  test('tile quantization: 9 output tiles on 8 cores take two waves, the second nearly idle', () => {
    const p = tiny({ cores: 8 });
    const s = run(p, 'dense', gemm(128 * 3, 256, 128 * 3));
    expect(s.tiles).toBe(9);
    expect(s.waves).toBe(2);
    expect(s.utilization).toBeLessThan(9 / 16 + 0.01);
  });
  test('a GEMV with fewer output tiles than cores splits K across them', () => {
    const s = run(tiny({ cores: 8, dramGBps: 100 }), 'dense', gemm(1, 4096, 128));
    expect(s.splitK).toBe(8);
    expect(s.tiles).toBe(8);
  });
  test('buffer stalls are attributed to the level that bound them', () => {
    const p = tiny({ bufferBw: 4 });
    const s = run(p, 'dense', gemm(256, 1024, 256));
    expect(s.bottleneck).toBe('buffer');
    expect(s.bufferStallByLevel.operand).toBeGreaterThan(0);
  });
});

describe('the waves of a ragged tile grid', () => {
  // Numbers recorded from the tile-by-tile grouping (string keys per tile, before the class-id
  // grouping of issue 16): short edge row and column tiles, several waves, split-K with a short
  // last slice; every wave's classes, their order and their timings must stay the same.
  const cases: { name: string; cores: number; g: GemmOp; pattern: string }[] = [
    { name: 'edge rows and columns over several waves', cores: 4, g: gemm(300, 64, 300), pattern: '2:4' },
    { name: 'edge rows and columns, dense, a short last wave', cores: 7, g: gemm(520, 40, 260), pattern: 'dense' },
    { name: 'split-K with a short last slice', cores: 8, g: gemm(4, 1000, 4), pattern: 'dense' },
    { name: 'edge tiles and split-K together', cores: 5, g: gemm(6, 300, 9), pattern: '8:16' },
  ];
  const recorded: Record<string, unknown> = {
    'edge rows and columns over several waves': { tiles: 9, splitK: 1, waves: 3, cycles: 90376.33333333333, computeCycles: 8676, stallCycles: { dram: 0, buffer: 0, fill: 49688.333333333336, drain: 30011.999999999996, launch: 2000.0000000000002 } },
    'edge rows and columns, dense, a short last wave': { tiles: 15, splitK: 1, waves: 3, cycles: 106672.66666666667, computeCycles: 10250, stallCycles: { dram: 0, buffer: 0, fill: 49344, drain: 45078.666666666664, launch: 2000.0000000000002 } },
    'split-K with a short last slice': { tiles: 8, splitK: 8, waves: 1, cycles: 4828, computeCycles: 16, stallCycles: { dram: 1357.3333333333333, buffer: 0, fill: 1365.3333333333333, drain: 89.33333333333333, launch: 2000.0000000000002 } },
    'edge tiles and split-K together': { tiles: 5, splitK: 5, waves: 1, cycles: 3574.3333333333335, computeCycles: 24, stallCycles: { dram: 0, buffer: 0, fill: 1366.3333333333333, drain: 184, launch: 2000.0000000000002 } },
  };
  for (const c of cases) {
    test(`${c.name}: the cycles, stalls and waves are those of the tile-by-tile grouping`, () => {
      const s = run(tiny({ cores: c.cores, dramGBps: 6, bufferBw: 12 }), c.pattern, c.g);
      const got = { tiles: s.tiles, splitK: s.splitK, waves: s.waves, cycles: s.cycles, computeCycles: s.computeCycles, stallCycles: s.stallCycles };
      expect(got).toEqual(recorded[c.name]);
    });
  }
});

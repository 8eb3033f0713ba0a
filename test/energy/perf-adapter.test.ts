import { gemmActivity, opActivity } from '../../src/energy/perf-adapter.js';
import type { GemmSim } from '../../src/perf/gemm-pipeline.js';
import type { ModelSim } from '../../src/perf/model-sim.js';
import type { OpSim } from '../../src/perf/non-gemm.js';
import type { HardwareProfile } from '../../src/profile/schema.js';

/** A 32 × 64 → 256 GEMM, FP16, on 16 × 128 tiles; only the fields the adapter reads. */
const profile = {
  clockHz: 1e9,
  tensorCore: { lanes: 32, activationRowsPerCycle: 4, operandBits: 16 },
  memory: {
    buffers: [
      { name: 'rf', bytes: 65536, bandwidthBytesPerCycle: 96, shared: false },
      { name: 'smem', bytes: 49152, bandwidthBytesPerCycle: 32, shared: false },
      { name: 'l2', bytes: 41943040, bandwidthBytesPerCycle: 5120, shared: true },
    ],
  },
  sparsity: { onlinePruning: { kind: 'hardware', network: 'batcher' } },
} as unknown as HardwareProfile;

function gemm(over: Partial<GemmSim> & { bytes: GemmSim['bytes'] }): GemmSim {
  return {
    name: 'up',
    rowsTokens: 32,
    kIn: 64,
    nOut: 256,
    tile: { rowsTokens: 16, colsOut: 128 },
    denseEquivalentFlops: 2 * 32 * 64 * 256,
    executedMacs: 32 * 64 * 256,
    cycles: 1000,
    ...over,
  } as GemmSim;
}
const denseBytes = { activationValues: 4096, activationMetadata: 0, weights: 32768, outputs: 16384, reloads: 0, dramTotal: 4096 + 32768 + 16384 };
const sim = (plan: object) => ({ plan: { requested: { kind: 'nm', n: 8, m: 16 }, ...plan } }) as unknown as ModelSim;

describe('perf records to activity counts', () => {
  test('a dense GEMM: the register file feeds 16 × 8 fragments, the tiles refill it, L2 is written what DRAM fills plus the outputs', () => {
    const a = gemmActivity(gemm({ bytes: denseBytes }), sim({ mode: 'dense', skipping: false, compressed: false }), profile, true);
    expect(a.macsIssued).toBe(524288);
    expect(a.macsSkipped + a.macsGated).toBe(0);
    // feed: activations once per 8 output columns (256/8 = 32), weights once per 16 rows (2)
    expect(a.bytesByLevel.rf).toEqual({ read: 4096 * 32 + 32768 * 2, write: 4096 * 2 + 32768 * 2 });
    expect(a.bytesByLevel.smem).toEqual({ read: 73728, write: 73728 });
    expect(a.bytesByLevel.l2).toEqual({ read: 73728, write: 36864 + 16384 });
    expect(a.bytesByLevel.dram).toEqual({ read: 36864, write: 16384 });
    expect(a.seconds).toBeCloseTo(1e-6, 15);
  });

  test('a gating 8:16 core issues every MAC and gates the pruned half, or the measured pruned fraction', () => {
    const plan = { mode: 'native', skipping: false, compressed: true };
    expect(gemmActivity(gemm({ bytes: denseBytes }), sim(plan), profile, true).macsGated).toBe(262144);
    const measured = { pattern: '8:16', keptFraction: 0.45, unionDensityByBatch: {}, unionSource: '', compatibleFraction: {} };
    const a = gemmActivity(gemm({ bytes: denseBytes }), sim(plan), profile, true, measured);
    expect(a.macsIssued).toBe(524288);
    expect(a.macsGated).toBeCloseTo(524288 * 0.55, 6);
    expect(a.selectorOperations).toBe(0);
  });

  test('a skipping 8:16 core skips half the MACs, selects one weight per executed MAC and decodes each row’s metadata once per 8 output columns', () => {
    // 32 rows × 4 groups × 32 index bits = 512 bytes of metadata
    const bytes = { ...denseBytes, activationValues: 2048, activationMetadata: 512, dramTotal: 2048 + 512 + 32768 + 16384 };
    const a = gemmActivity(gemm({ bytes, executedMacs: 262144 }), sim({ mode: 'native', skipping: true, compressed: true }), profile, true);
    expect(a.macsSkipped).toBe(262144);
    expect(a.selectorOperations).toBe(262144);
    expect(a.metadataBits).toBe(512 * 8 * 32);
    expect(a.activationMetadataBytes).toBe(512);
  });

  test('the LM head stays dense on a sparse plan', () => {
    const a = gemmActivity(gemm({ bytes: denseBytes }), sim({ mode: 'native', skipping: false, compressed: true }), profile, false);
    expect(a.macsGated).toBe(0);
  });

  test('a software prune pass is DRAM traffic, repeated as softwarePruneBytes; a hardware unit compares 63 times per group of 16 (Batcher)', () => {
    const pass = { name: 'prune_pass:mlp_in', bytesRead: 1000, bytesWritten: 600, kvCacheBytes: 0, pruningGroups: 0, cycles: 10 } as OpSim;
    const a = opActivity(pass, sim({ mode: 'native' }), profile);
    expect(a.bytesByLevel.dram).toEqual({ read: 1000, write: 600 });
    expect(a.softwarePruneBytes).toBe(1600);
    const norm = { name: 'norm', bytesRead: 100, bytesWritten: 50, kvCacheBytes: 0, pruningGroups: 10, cycles: 10 } as OpSim;
    expect(opActivity(norm, sim({ mode: 'native' }), profile).pruningComparisons).toBe(10 * 63);
  });
});

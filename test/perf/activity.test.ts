/**
 * Issue 13 / activity.md: perf's result records carry the activity counts the energy model
 * multiplies by per-access energies. Counts are checked against hand-derived numbers on a tiny
 * core, and for consistency on shipped profiles over a whole model step.
 */
import * as path from 'node:path';
import { DRAM_LEVEL } from '../../src/perf/activity.js';
import { planPattern } from '../../src/perf/execution-plan.js';
import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { simulateModel } from '../../src/perf/model-sim.js';
import { simulateNonGemm, simulateSoftwarePrunePass } from '../../src/perf/non-gemm.js';
import { loadProfile } from '../../src/profile/load.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { modelWorkload, type GemmOp, type NonGemmOp } from '../../src/workload/layer-ops.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { profile, tinyProfile } from './profiles.js';

const tiny = tinyProfile;

const gemm = (rows: number, k: number, n: number): GemmOp => ({ name: 'up', site: 'mlp_in', rowsTokens: rows, kIn: k, nOut: n });
const run = (p: HardwareProfile, pattern: string, g: GemmOp) => simulateGemm(g, planPattern(p, parsePattern(pattern)), hardwareView(p), 1);

describe('activity counts of one GEMM', () => {
  test('a dense 64×64×64 GEMM issues 262,144 MACs and moves 16 KiB in, 8 KiB out of DRAM; the operand buffer delivers A 8× and W 4×', () => {
    const a = run(tiny(), 'dense', gemm(64, 64, 64)).activity;
    expect([a.macsIssued, a.macsSkipped, a.macsGated]).toEqual([64 ** 3, 0, 0]);
    expect(a.bytesByLevel[DRAM_LEVEL]).toEqual({ read: 2 * 64 * 64 * 2, write: 64 * 64 * 2 });
    // A (8 KiB) once per 8-wide column fragment: 64/8 = 8 times; W (8 KiB) once per 16-row fragment: 4 times;
    // the output tile (8 KiB) passes through once; the buffer is written what DRAM reads, plus the output
    expect(a.bytesByLevel.operand).toEqual({ read: 8 * 8192 + 4 * 8192 + 8192, write: 16384 + 8192 });
    expect([a.metadataBits, a.selectorOperations, a.pruningComparisons, a.softwarePruneBytes]).toEqual([0, 0, 0, 0]);
    expect(a.seconds).toBeCloseTo(a.cycles / 1e9, 15);
  });

  test('at 2:4 a skipping core issues half and skips half; 512 B of index metadata is decoded 8 times (32,768 bits); one select per kept MAC', () => {
    const a = run(tiny(), '2:4', gemm(64, 64, 64)).activity;
    expect([a.macsIssued, a.macsSkipped, a.macsGated]).toEqual([64 ** 3 / 2, 64 ** 3 / 2, 0]);
    // 64 tokens × 32 kept BF16 values; 16 groups × 2 kept × 2-bit index = 64 bits = 8 B per token
    expect(a.activationValueBytes).toBe(64 * 32 * 2);
    expect(a.activationMetadataBytes).toBe(64 * 8);
    expect(a.weightBytes).toBe(64 * 64 * 2);
    expect(a.weightMetadataBytes).toBe(0);
    expect(a.metadataBits).toBeCloseTo(8 * 512 * 8, 6);
    expect(a.selectorOperations).toBe(64 ** 3 / 2);
  });

  test('at 2:4 a gating core issues every MAC and gates the pruned half: no skipping, the same selects', () => {
    const a = run(tiny('gating'), '2:4', gemm(64, 64, 64)).activity;
    expect([a.macsIssued, a.macsSkipped, a.macsGated]).toEqual([64 ** 3, 0, 64 ** 3 / 2]);
    expect(a.selectorOperations).toBe(64 ** 3 / 2);
  });

  test('a single token (decode, B = 1) decodes only its own metadata: 8 B of index metadata 8 times (512 bits), not the 15 padding rows of its 16-row fragment', () => {
    // issue 15c: the padding rows of a fragment have no metadata (no token, nothing pruned), as they
    // have no issued MACs and no selects; counting them made decode's metadata 16× (B = 1) and 2× (B = 8)
    const one = run(tiny(), '2:4', gemm(1, 64, 64)).activity;
    expect(one.activationMetadataBytes).toBe(8);
    expect(one.metadataBits).toBeCloseTo(8 * 8 * 8, 6);
    expect(one.selectorOperations).toBe(64 * 64 / 2);
    // a full fragment (16 tokens) decodes 16× as much: the count scales with real rows only
    expect(run(tiny(), '2:4', gemm(16, 64, 64)).activity.metadataBits).toBeCloseTo(16 * 8 * 8 * 8, 6);
  });

  test('a tail group keeps min(N, r): K = 70 at 8:16 keeps 4·8 + 6 = 38 per token on a skipping core', () => {
    const a = run(tiny(), '8:16', gemm(16, 70, 8)).activity;
    expect(a.macsIssued).toBe(16 * 8 * 38);
    expect(a.macsIssued + a.macsSkipped).toBe(16 * 70 * 8);
  });
});

describe('activity counts of the other operators', () => {
  const op: NonGemmOp = {
    name: 'act_fn',
    tensorCoreFlops: 0,
    vectorFlops: 1000,
    bytesRead: 4096,
    bytesWritten: 2048,
    kvCacheBytesRead: 0,
    kvCacheBytesWritten: 0,
    producesSite: { site: 'mlp_mid', rowsTokens: 4, k: 256 },
  };
  test('a hardware pruning unit built for 2:4 … 16:32 runs a 191-comparator Batcher network per 32 elements, whatever the pattern', () => {
    const p = tiny();
    for (const pattern of ['2:4', '8:16']) {
      const s = simulateNonGemm(op, planPattern(p, parsePattern(pattern)), hardwareView(p), p);
      // 4 tokens × 256 = 1024 elements = 32 groups of 32; Batcher sort of 32: 191 comparators
      expect(s.activity.pruningComparisons).toBe(32 * 191);
    }
    const dense = simulateNonGemm(op, planPattern(p, { kind: 'dense' }), hardwareView(p), p);
    expect(dense.activity.pruningComparisons).toBe(0);
    expect(dense.activity.bytesByLevel[DRAM_LEVEL]).toEqual({ read: 4096, write: 2048 });
  });
  test('a software prune pass moves prune (read + write dense) and compress (read dense, write compressed) bytes through DRAM', () => {
    const p = tiny('skipping', 'software');
    const s = simulateSoftwarePrunePass('mlp_mid', 4, 256, planPattern(p, parsePattern('2:4')), hardwareView(p));
    const dense = 4 * 256 * 2;
    const compressed = 4 * (128 * 2 + (64 * 4) / 8); // values + 4 bits per group of 4
    expect(s.activity.softwarePruneBytes).toBe(3 * dense + compressed);
    expect(s.activity.pruningComparisons).toBe(0);
  });
});

describe('activity counts are consistent on the shipped profiles over a whole model step', () => {
  const llama = MODEL_CATALOG['llama3.1-8b'];
  const cases: [string, string, 'prefill' | 'decode'][] = [
    ['a100-like', '2:4', 'prefill'],
    ['h100-like', 'dense', 'decode'],
    ['act-8of16', '8:16', 'prefill'],
    ['act-8of16', '8:16', 'decode'],
    ['act-flex', '16:32', 'prefill'],
  ];
  test.each(cases)('%s at %s (%s): every level moves at least the unique bytes, issued + skipped = dense MACs, and the step is the sum of its parts', async (name, pattern, phase) => {
    const { profile: p } = await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', `${name}.yaml`));
    const w = modelWorkload(llama, phase === 'prefill' ? { kind: 'prefill', tokens: 512 } : { kind: 'decode', batch: 4, contextTokens: 1024 }, 2);
    const sim = simulateModel(w, p, parsePattern(pattern));
    let denseMacs = 0;
    let issued = 0;
    for (const l of [...sim.layers.map((x) => ({ gemms: x.gemms, times: x.layerCount })), { gemms: sim.head.gemms, times: 1 }]) {
      for (const g of l.gemms) {
        const a = g.activity;
        const unique = a.activationValueBytes + a.activationMetadataBytes + a.weightBytes + a.weightMetadataBytes;
        for (const [level, b] of Object.entries(a.bytesByLevel)) {
          expect({ level, ok: b.read >= unique * (1 - 1e-12) }).toEqual({ level, ok: true });
        }
        expect(a.bytesByLevel[DRAM_LEVEL].read).toBeCloseTo(unique + a.reloadBytes, 3);
        expect(a.macsIssued + a.macsSkipped).toBe(g.rowsTokens * g.kIn * g.nOut);
        expect(a.macsGated).toBeLessThanOrEqual(a.macsIssued);
        expect(a.cycles).toBe(g.cycles);
        denseMacs += l.times * (a.macsIssued + a.macsSkipped);
        issued += l.times * a.macsIssued;
      }
    }
    // the step's activity is the sum over layers (× count), the head and the other operators
    const attentionMacs = [...sim.layers.flatMap((l) => l.nonGemm.map((o) => l.layerCount * o.activity.macsIssued))].reduce((s, x) => s + x, 0);
    expect(sim.activity.macsIssued).toBeCloseTo(issued + attentionMacs, 0);
    expect(sim.activity.macsIssued + sim.activity.macsSkipped).toBeCloseTo(denseMacs + attentionMacs, 0);
    expect(sim.activity.cycles).toBeCloseTo(sim.cycles, 3);
    expect(sim.activity.seconds).toBeCloseTo(sim.timeS, 12);
    if (pattern === 'dense') expect(sim.activity.macsSkipped).toBe(0);
  });
});

describe('named bottlenecks', () => {
  /** two buffer levels with given bandwidths (bytes per cycle), 1 GHz, DRAM in GB/s */
  function twoLevel(rfBw: number, smemBw: number, dramGBps: number): HardwareProfile {
    return profile({
      name: 'two-level',
      description: 'test core',
      illustrative: true,
      clockMHz: 1000,
      tensorCore: { count: 4, lanes: 16, denseKPerCycle: 8, activationRowsPerCycle: 4, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
      sparsity: { operand: 'activation', patterns: ['2:4'], metadataEncoding: 'index', selectorStyle: 'mux', effect: 'skipping', fallback: 'dense', onlinePruning: { kind: 'software' } },
      memory: {
        buffers: [
          { name: 'register-file', sizeKiB: 256, bandwidthBytesPerCycle: rfBw },
          { name: 'smem', sizeKiB: 512, bandwidthBytesPerCycle: smemBw },
        ],
        dramBandwidthGBps: dramGBps,
        dramLatencyNs: 0,
      },
      execution: { kernelLaunchNs: 0 },
      tech: 'nangate45',
    });
  }
  const big = gemm(512, 2048, 512);
  test('a GEMM names its binding level: compute when every level keeps up, else the starved level by its profile name, or dram', () => {
    expect(run(twoLevel(1e6, 1e6, 1e6), 'dense', big).binding).toBe('compute');
    // 16 MACs × 8 K per cycle need ≥ 48 B/cycle of fragments: 4 B/cycle starves the register file
    expect(run(twoLevel(4, 1e6, 1e6), 'dense', big).binding).toBe('register-file');
    // 1 B/cycle cannot refill a tile’s K-step operands (tens of KiB) as fast as the MACs consume them
    expect(run(twoLevel(1e6, 1, 1e6), 'dense', big).binding).toBe('smem');
    expect(run(twoLevel(1e6, 1e6, 0.01), 'dense', big).binding).toBe('dram');
  });
  test('a model step names the binding that holds the most cycles; the cycles by binding add up to the step', async () => {
    const { profile: p } = await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', 'a100-like.yaml'));
    const llama = MODEL_CATALOG['llama3.1-8b'];
    const decode = simulateModel(modelWorkload(llama, { kind: 'decode', batch: 1, contextTokens: 1024 }, 2), p, { kind: 'dense' });
    expect(decode.bottleneck).toBe('dram');
    const total = Object.values(decode.cyclesByBinding).reduce((s, x) => s + x, 0);
    expect(total).toBeCloseTo(decode.cycles, 0);
    const prefill = simulateModel(modelWorkload(llama, { kind: 'prefill', tokens: 2048 }, 2), p, { kind: 'dense' });
    expect(prefill.bottleneck).toBe('compute');
    expect(Math.max(...Object.values(prefill.cyclesByBinding))).toBe(prefill.cyclesByBinding.compute);
  });
});

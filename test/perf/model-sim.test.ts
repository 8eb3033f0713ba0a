import * as path from 'node:path';
import { compareModel, simulateModel } from '../../src/perf/model-sim.js';
import { unionDensity, type MeasuredSparsity } from '../../src/perf/measured-sparsity.js';
import { footprintFraction } from '../../src/perf/activation-bytes.js';
import { loadProfile, listShippedProfiles } from '../../src/profile/load.js';
import { parsePattern, parsePatternList } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { modelWorkload } from '../../src/workload/layer-ops.js';
import { REPO_ROOT } from '../helpers/cli.js';

const llama = MODEL_CATALOG['llama3.1-8b'];
const shipped = async (name: string) => (await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', `${name}.yaml`))).profile;
const decode = (batch: number) => modelWorkload(llama, { kind: 'decode', batch, contextTokens: 2048 }, 2);

describe('whole-model performance and I/O', () => {
  test('compressed BF16 activations take 56.25% (2:4) to 65.6% (16:32) of dense with index metadata, 56.25% with bitmask', () => {
    expect(footprintFraction(parsePattern('2:4'), 4096, 2, 'index')).toBe(0.5625);
    expect(footprintFraction(parsePattern('16:32'), 4096, 2, 'index')).toBe(0.65625);
    expect(footprintFraction(parsePattern('16:32'), 4096, 2, 'bitmask')).toBe(0.5625);
    // combinatorial 8:16: ⌈log₂ C(16,8)⌉ = 14 bits per 16 elements → (16 + 14/8) / 32
    expect(footprintFraction(parsePattern('8:16'), 4096, 2, 'combinatorial')).toBe((16 + 14 / 8) / 32);
  });
  test('the union density of B tokens is 1 − (1 − d)^B unless a trace measured it', () => {
    expect(unionDensity(0.5, 8)).toEqual({ density: 1 - 0.5 ** 8, source: 'independence assumption 1 − (1 − d)^B' });
    const m: MeasuredSparsity = { pattern: '8:16', keptFraction: 0.5, unionDensityByBatch: { 8: 0.61 }, unionSource: 'trace X', compatibleFraction: {} };
    expect(unionDensity(0.5, 8, m)).toEqual({ density: 0.61, source: 'measured (trace X)' });
  });
  test('decode with a hardware pruning unit fetches half the projection weights for one token, and says why', async () => {
    const c = compareModel(decode(1), await shipped('act-8of16'), parsePatternList('8:16'));
    const p = c.patterns[0];
    expect(p.sim.weightRows).toEqual({ fraction: 0.5, batch: 1, source: 'independence assumption 1 − (1 − d)^B' });
    // projection weights 32 · (4096·10240 + 3·4096·14336) halve; the LM head (128256·4096) stays dense
    const projections = 32 * (4096 * 10240 + 3 * 4096 * 14336);
    const head = 128256 * 4096;
    expect(p.weightIoSavings).toBeCloseTo((0.5 * projections) / (projections + head), 9);
    // the KV cache is untouched by activation pruning
    expect(p.sim.io.perStep.kvCacheBytes).toBe(c.dense.io.perStep.kvCacheBytes);
    expect(p.speedup).toBeGreaterThan(1.4);
    expect(p.speedup).toBeLessThan(2);
  });
  test('measured union densities replace the independence assumption in decode', async () => {
    const m: MeasuredSparsity = { pattern: '8:16', keptFraction: 0.5, unionDensityByBatch: { 8: 0.7 }, unionSource: 'trace Y', compatibleFraction: {} };
    const sim = simulateModel(decode(8), await shipped('act-8of16'), parsePattern('8:16'), m);
    expect(sim.weightRows).toEqual({ fraction: 0.7, batch: 8, source: 'measured (trace Y)' });
    const independent = simulateModel(decode(8), await shipped('act-8of16'), parsePattern('8:16'));
    expect(independent.weightRows!.fraction).toBeCloseTo(1 - 0.5 ** 8, 12);
    expect(sim.cycles).toBeLessThan(independent.cycles);
  });
  test('software online pruning on the A100-like profile loses time in decode; a hardware pruning unit wins it', async () => {
    const sw = compareModel(decode(1), await shipped('a100-like'), parsePatternList('2:4'));
    const hw = compareModel(decode(1), await shipped('act-2of4'), parsePatternList('2:4'));
    expect(sw.patterns[0].speedup).toBeLessThan(1);
    expect(sw.patterns[0].sim.io.perStep.pruningPassBytes).toBeGreaterThan(0);
    expect(hw.patterns[0].speedup).toBeGreaterThan(1.4);
  });
  test('Amdahl: the whole-model speed-up is below the projections-only speed-up in prefill', async () => {
    const c = compareModel(modelWorkload(llama, { kind: 'prefill', tokens: 512 }, 2), await shipped('act-flex'), parsePatternList('8:16'));
    expect(c.patterns[0].speedup).toBeGreaterThan(1);
    expect(c.patterns[0].speedup).toBeLessThan(c.patterns[0].gemmSpeedup);
  });
  test('every shipped profile simulates its own native patterns without warnings, above its roofline', async () => {
    const names = listShippedProfiles();
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      const p = await shipped(name);
      const c = compareModel(decode(4), p, p.sparsity.patterns);
      for (const s of [c.dense, ...c.patterns.map((x) => x.sim)]) {
        expect(s.warnings).toEqual([]);
        expect(s.cycles).toBeGreaterThanOrEqual(s.rooflineCycles);
      }
    }
  });
});

describe('the online pruning unit on the producer write path', () => {
  test('prunes groupsPerCycle groups of the widest native M per cycle per core, whatever the pattern', async () => {
    const { simulateNonGemm } = await import('../../src/perf/non-gemm.js');
    const { planPattern } = await import('../../src/perf/execution-plan.js');
    const { hardwareView } = await import('../../src/perf/hardware-view.js');
    const p = await shipped('act-flex'); // 1 group of 32 per cycle per core, 528 cores, 15 stages
    const w = modelWorkload(llama, { kind: 'prefill', tokens: 2048 }, 2);
    const act = w.layers[0].nonGemm.find((o) => o.name === 'mlp_activation')!;
    const sim = simulateNonGemm(act, planPattern(p, parsePattern('2:4')), hardwareView(p), p);
    expect(sim.pruningCycles).toBeCloseTo((2048 * 14336) / (32 * 528), 9);
    // BF16 values + 4-bit index per group of 4 written instead of the dense tensor
    const dense = 2048 * 14336 * 2;
    expect(sim.bytesWritten).toBe(dense * 0.5625);
    expect(sim.bound).toBe('memory');
  });
});

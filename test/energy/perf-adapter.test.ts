/**
 * Issue 15c: energy prices perf's own activity counts (one home per quantity, issue 12's rule).
 * The adapter copies ModelSim.activity and changes only a gating core's gated MACs (and its
 * selects) when a trace's measured kept fraction is given.
 */
import { stepActivity } from '../../src/energy/perf-adapter.js';
import type { MeasuredSparsity } from '../../src/perf/measured-sparsity.js';
import { simulateModel } from '../../src/perf/model-sim.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { modelWorkload } from '../../src/workload/layer-ops.js';
import { tinyProfile } from '../perf/profiles.js';

const tiny = (effect: 'skipping' | 'gating'): HardwareProfile => tinyProfile(effect, 'hardware', ['2:4', '8:16']);

/** Llama-3.1-8B's layer structure at a toy size: 2 layers, hidden 64, MLP 128, vocabulary 256. */
const model = { ...MODEL_CATALOG['llama3.1-8b'], hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, vocabSize: 256 };
const workload = modelWorkload(model, { kind: 'prefill', tokens: 32 }, 2);
const measured: MeasuredSparsity = { pattern: '8:16', keptFraction: 0.4, unionDensityByBatch: {}, unionSource: 'test', compatibleFraction: {} };

describe('energy prices perf’s own activity counts', () => {
  test('without a measured trace the step’s counts are perf’s ModelSim.activity, number for number, and a copy', () => {
    for (const effect of ['skipping', 'gating'] as const) {
      const sim = simulateModel(workload, tiny(effect), { kind: 'nm', n: 8, m: 16 });
      const a = stepActivity(sim);
      expect(a).toEqual(sim.activity);
      a.bytesByLevel.dram.read += 1;
      expect(sim.activity.bytesByLevel.dram.read).toBe(a.bytesByLevel.dram.read - 1);
    }
  });

  test('a gating core with a measured kept fraction of 0.4 gates 60 % of its pruned projections’ MACs, and selects one per kept MAC', () => {
    const sim = simulateModel(workload, tiny('gating'), { kind: 'nm', n: 8, m: 16 }, measured);
    // independently: the pruned projections are every layer GEMM (the LM head stays dense)
    const projectionMacs = sim.layers.reduce((s, l) => s + l.layerCount * l.gemms.reduce((t, g) => t + g.denseEquivalentFlops / 2, 0), 0);
    const nominalGated = sim.activity.macsGated;
    expect(nominalGated).toBeCloseTo(projectionMacs / 2, 0); // perf: the nominal 8:16 density (K a multiple of 16)
    const a = stepActivity(sim, measured);
    expect(a.macsGated).toBeCloseTo(0.6 * projectionMacs, 0);
    expect(a.selectorOperations).toBeCloseTo(sim.activity.selectorOperations - (0.6 - 0.5) * projectionMacs, 0);
    // everything else is perf's
    expect(a.macsIssued).toBe(sim.activity.macsIssued);
    expect(a.bytesByLevel).toEqual(sim.activity.bytesByLevel);
    expect(a.metadataBits).toBe(sim.activity.metadataBits);
  });

  test('a skipping core’s counts are perf’s even with a measured trace: its issued MACs already set its time', () => {
    const sim = simulateModel(workload, tiny('skipping'), { kind: 'nm', n: 8, m: 16 }, measured);
    expect(stepActivity(sim, measured)).toEqual(sim.activity);
  });

  test('the step’s time in the counts is perf’s step time', () => {
    const sim = simulateModel(workload, tiny('skipping'), { kind: 'nm', n: 8, m: 16 });
    expect(sim.activity.cycles).toBeCloseTo(sim.cycles, 0);
    expect(sim.activity.seconds).toBeCloseTo(sim.timeS, 12);
  });
});

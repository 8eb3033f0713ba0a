/**
 * Issue 14: a whole-model step with N:M weights (simulate({ operand: 'weight' })), checked a
 * second way: the same GEMMs run one by one under planWeightPattern (the plan `nmsim simulate
 * --gemm … --operand weight` uses) plus the dense step's other operators (a weight plan prunes
 * nothing at run time), and the weight bytes from the closed form of compressed 2:4 weights.
 */
import { planWeightPattern } from '../../src/perf/execution-plan.js';
import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { simulate } from '../../src/perf/simulate.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { modelWorkload, type Phase } from '../../src/workload/layer-ops.js';

const shipped = async (name: string) => (await loadProfile(resolveProfileRef(name))).profile;
const PHASES: Phase[] = [
  { kind: 'prefill', tokens: 2048 },
  { kind: 'decode', batch: 1, contextTokens: 4096 },
  { kind: 'decode', batch: 8, contextTokens: 4096 },
];

describe('whole-model weight 2:4 steps', () => {
  test.each(['a100-like', 'h100-like'])('on %s the step is its GEMMs under planWeightPattern plus the dense step’s other operators, at every phase', async (name) => {
    const profile = await shipped(name);
    const model = catalogModel('llama3.1-8b');
    const hw = hardwareView(profile);
    const plan = planWeightPattern(profile, parsePattern('2:4'));
    for (const phase of PHASES) {
      const c = simulate({ profile, model, phase, patterns: [parsePattern('2:4')], operand: 'weight' });
      const w = modelWorkload(model, phase, hw.operandBytes);
      // second way: projections with weight sites under the weight plan, the LM head dense
      const layerGemms = (l: (typeof w.layers)[number]) => l.gemms.reduce((s, g) => s + simulateGemm(g, g.site ? plan : c.dense.plan, hw, 1).cycles, 0);
      const gemmCycles = w.layers.reduce((s, l) => s + l.layerCount * layerGemms(l), 0) + c.dense.head.gemms.reduce((s, g) => s + g.cycles, 0);
      const otherCycles = c.dense.cycles - c.dense.gemmCycles;
      expect(c.patterns[0].sim.plan.mode).toBe('native');
      expect(c.patterns[0].sim.cycles).toBeCloseTo(gemmCycles + otherCycles, 6);
      expect(c.patterns[0].speedup).toBeCloseTo(c.dense.cycles / (gemmCycles + otherCycles), 12);
    }
  });
  test('2:4 weights with index metadata move 36 of every 64 projection-weight bits, and the LM head stays dense', async () => {
    const profile = await shipped('a100-like');
    const model = catalogModel('llama3.1-8b');
    const c = simulate({ profile, model, phase: PHASES[1], patterns: [parsePattern('2:4')], operand: 'weight' });
    // Llama-3.1-8B: h 4096, kv 1024 (8 heads × 128), inter 14336, vocab 128256, 32 layers, BF16
    const h = 4096, kv = 1024, inter = 14336, vocab = 128256;
    const projections = 32 * (h * h + 2 * h * kv + h * h + 3 * h * inter);
    const head = h * vocab;
    expect(c.dense.io.perStep.weightsBytes).toBe((projections + head) * 2);
    // 2 kept BF16 values (32 bits) + 2 × 2-bit indices (4 bits) per group of 4 (64 dense bits)
    expect(c.patterns[0].sim.io.perStep.weightsBytes).toBeCloseTo((projections * 2 * 36) / 64 + head * 2, 0);
    expect(c.patterns[0].sim.io.perStep.metadataBytes).toBeCloseTo((projections * 2 * 4) / 64, 0);
    // activations are not compressed by a weight pattern
    expect(c.patterns[0].sim.io.perStep.siteActivationsReadBytes).toBe(c.dense.io.perStep.siteActivationsReadBytes);
    expect(c.patterns[0].weightIoSavings).toBeCloseTo(1 - ((projections * 36) / 64 + head) / (projections + head), 12);
  });
  test('a core that takes sparse activations only runs every weight pattern dense in the whole model', async () => {
    const c = simulate({ profile: await shipped('act-8of16'), model: catalogModel('llama3.1-8b'), phase: PHASES[0], patterns: [parsePattern('8:16')], operand: 'weight' });
    expect(c.patterns[0].sim.plan.mode).toBe('dense');
    expect(c.patterns[0].speedup).toBe(1);
  });
});

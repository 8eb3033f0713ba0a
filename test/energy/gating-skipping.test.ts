/**
 * Issue 15: on the same trace — the shipped traces/stories260k bundle, its 8:16 statistics
 * measured by the analysis — a gating 8:16 core saves energy but not time, a skipping core saves
 * both, and a software-pruning core spends more DRAM energy than dense in prefill.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../../src/analysis/analyze.js';
import { measuredSparsityFor } from '../../src/analysis/measured-sparsity.js';
import { openBundle } from '../../src/trace/bundle.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { loadTech, type TechLibrary } from '../../src/profile/tech.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { simulate } from '../../src/perf/simulate.js';
import type { MeasuredSparsity } from '../../src/perf/measured-sparsity.js';
import { loadModelRef } from '../../src/workload/load-model.js';
import type { ModelShape } from '../../src/workload/model-shape.js';
import { comparisonEnergy } from '../../src/energy/step-energy.js';

const BUNDLE = path.join('traces', 'stories260k');
const shipped = fs.existsSync(path.join(BUNDLE, 'manifest.json'));
const d = shipped ? describe : describe.skip;

let measured: MeasuredSparsity;
let model: ModelShape;
let skippingCore: HardwareProfile;
let tech: TechLibrary;

beforeAll(async () => {
  if (!shipped) return;
  const bundle = await openBundle(BUNDLE);
  try {
    const result = await analyze(bundle, { patterns: [{ kind: 'nm', n: 8, m: 16 }], batchSizes: [1, 8] });
    measured = measuredSparsityFor(result, '8:16');
  } finally {
    await bundle.close();
  }
  model = await loadModelRef(BUNDLE);
  const l = await loadProfile(resolveProfileRef('act-8of16'));
  skippingCore = l.profile;
  tech = await loadTech(l.profile.tech, l.techDirs);
}, 60_000);

function run(profile: HardwareProfile) {
  const c = simulate({ profile, model, phase: { kind: 'prefill', tokens: 256 }, patterns: [{ kind: 'nm', n: 8, m: 16 }], measured: [measured] });
  const e = comparisonEnergy(c, profile, tech, [measured]);
  // the pruned sites: every layer's projections (not the LM head, not attention's score/value products)
  const projectionMacs = c.dense.layers.reduce((s, l) => s + l.layerCount * l.gemms.reduce((t, g) => t + g.denseEquivalentFlops / 2, 0), 0);
  return { dense: e.dense, sparse: e.patterns[0], projectionMacs };
}

d('gating vs skipping vs software pruning on the stories260k trace (8:16, prefill)', () => {
  test('the trace keeps about half its elements at 8:16 (a tail group shorter than 16 keeps up to 8, so a little more)', () => {
    expect(measured.keptFraction).toBeGreaterThan(0.45);
    expect(measured.keptFraction).toBeLessThan(0.52);
  });

  test('a gating 8:16 core saves energy but not time', () => {
    const gating = { ...skippingCore, sparsity: { ...skippingCore.sparsity, effect: 'gating' as const } };
    const { dense, sparse, projectionMacs } = run(gating);
    // the pruned projections' MACs × the measured pruned fraction (the LM head and attention's tensor-core MACs stay dense)
    expect(projectionMacs).toBeLessThan(dense.activity.macsIssued);
    expect(sparse.activity.macsGated).toBeCloseTo(projectionMacs * (1 - measured.keptFraction), 0);
    expect(sparse.activity.macsIssued).toBe(dense.activity.macsIssued);
    expect(sparse.breakdown.totalJ).toBeLessThan(dense.breakdown.totalJ);
    // the gated MACs cost the gated fraction of a MAC (0.0468): MAC energy falls by about the pruned half
    expect(sparse.breakdown.joulesByComponent.mac / dense.breakdown.joulesByComponent.mac).toBeCloseTo(
      1 - (1 - measured.keptFraction) * (1 - 0.0468) * (projectionMacs / dense.activity.macsIssued),
      6,
    );
    // no MAC cycle saved: only the compressed activations move faster (perf: under 2 % here)
    expect(sparse.vsDense.speedup).toBeLessThan(1.02);
  });

  test('a skipping 8:16 core saves energy and time, more time than the gating core', () => {
    const { dense, sparse } = run(skippingCore);
    const gating = run({ ...skippingCore, sparsity: { ...skippingCore.sparsity, effect: 'gating' as const } }).sparse;
    expect(sparse.activity.macsSkipped).toBeGreaterThan(0);
    expect(sparse.breakdown.totalJ).toBeLessThan(dense.breakdown.totalJ);
    expect(sparse.breakdown.seconds).toBeLessThan(gating.breakdown.seconds);
    expect(sparse.breakdown.joulesByComponent.static).toBeLessThan(gating.breakdown.joulesByComponent.static);
    expect(sparse.vsDense.perfPerWatt).toBeGreaterThan(1);
  });

  test('a software-pruning 8:16 core spends more DRAM energy than dense, its extra pass', () => {
    const software = { ...skippingCore, sparsity: { ...skippingCore.sparsity, onlinePruning: { kind: 'software' as const } } };
    const { dense, sparse } = run(software);
    expect(sparse.activity.softwarePruneBytes).toBeGreaterThan(0);
    expect(sparse.breakdown.joulesByComponent.dram).toBeGreaterThan(dense.breakdown.joulesByComponent.dram);
  });
});

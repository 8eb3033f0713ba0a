/**
 * Issue 16: the decode chart's weight baseline ("2:4 weights, a100-like") is drawn at every serving
 * batch (1 … 256 at the serving mix), from serving runs of the weight plan, with the same no-fit
 * marking as the activation lines. Its values are checked against simulate's weight plan
 * (perf/execution-plan.ts planWeightPattern, operand 'weight'), its fit against bytes by hand.
 */
import * as path from 'node:path';
import { simulate } from '../../src/perf/simulate.js';
import { resolveProfileRef } from '../../src/profile/load.js';
import { decodeBaseline, decodeServingChart } from '../../src/report/charts/decode.js';
import { loadProfilesHashed } from '../../src/review/inputs.js';
import { servingForCached } from '../../src/review/profile-cache.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { fixtureWeightPoint } from './fixture.js';

const shape = MODEL_CATALOG['llama3.1-8b'];
const p24 = parsePattern('2:4');
const p816 = parsePattern('8:16');

describe('the decode chart’s weight baseline at the serving batches', () => {
  it('takes each serving batch’s decode speed-up from simulate’s weight plan and marks B = 256 as not fitting in 80 GB', async () => {
    const { profiles } = await loadProfilesHashed(['a100-like', 'act-8of16'].map((n) => resolveProfileRef(n)));
    const mix = { promptTokens: 2048, outputTokens: 256 };
    const { serving } = await servingForCached(undefined, { profiles }, [p816], shape, [], mix, 50, [p24]);
    // only a100-like takes 2:4 on weights
    expect((serving.weightRows ?? []).map((r) => [r.profile, r.operand, r.pattern])).toEqual([['a100-like', 'weight', p24]]);
    const row = serving.weightRows![0];
    expect(row.steps.map((s) => s.batch)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    const a100 = profiles.find((h) => h.loaded.profile.name === 'a100-like')!.loaded.profile;
    for (const s of row.steps) {
      const sim = simulate({ profile: a100, model: shape, phase: { kind: 'decode', batch: s.batch, contextTokens: 2176 }, patterns: [p24], operand: 'weight' });
      expect(sim.patterns[0].sim.plan.mode).not.toBe('dense');
      expect(s.speedup).toBeCloseTo(sim.dense.cycles / sim.patterns[0].sim.cycles, 9);
      expect(s.tpotMs).toBeCloseTo((sim.patterns[0].sim.cycles / sim.hw.clockHz) * 1000, 9);
    }
    // 16,060,522,496 B of weights + B × 2304 tokens × 131,072 B of KV cache ≤ 80e9: B ≤ 211
    expect(row.steps.map((s) => s.fits)).toEqual([true, true, true, true, true, true, true, true, false]);

    const point = fixtureWeightPoint('a100-like', 'wanda', 60.821, 1.31);
    const baseline = decodeBaseline({ label: "2:4 weights on today's core", point }, serving)!;
    expect(baseline.steps.map((t) => t.speedup)).toEqual(row.steps.map((t) => t.speedup));
    expect(baseline.contextTokens).toBe(2176);
    const svg = await decodeServingChart(serving, baseline);
    const fitting = [...svg.matchAll(/<path class="point weight-point" tabindex="0" data-batch="(\d+)"/g)].map((m) => m[1]);
    const noFit = [...svg.matchAll(/<path class="point weight-point no-fit" tabindex="0" data-batch="(\d+)"/g)].map((m) => m[1]);
    expect(fitting).toEqual(['1', '2', '4', '8', '16', '32', '64', '128']);
    expect(noFit).toEqual(['256']);
    expect(svg).toContain('<title>2:4 weights, a100-like · B = 256, context 2176\n');
    expect(svg).toContain("the review's weight baseline at the same batches and context");
  });

  it('names a design-axis variant’s base core in the legend (the full label does not fit) and the variant in each point’s title', async () => {
    const { profiles } = await loadProfilesHashed([resolveProfileRef('act-8of16')]);
    const named = { ...profiles[0].loaded.profile, name: 'act-8of16 · hierarchical · combinatorial' };
    const { serving } = await servingForCached(undefined, { profiles: [{ ...profiles[0], loaded: { ...profiles[0].loaded, profile: named } }] }, [p816], shape, [], { promptTokens: 2048, outputTokens: 256 }, 50);
    const svg = await decodeServingChart(serving);
    expect(svg).toContain('>8:16 on act-8of16</text>');
    expect(svg).not.toContain('>8:16 on act-8of16 · hierarchical · combinatorial</text>');
    expect(svg).toContain('<title>8:16 on act-8of16 · hierarchical · combinatorial · B = 1\n');
  });
});

/**
 * simulateModel simulates a GEMM shape once per step (model-sim.ts stepGemms): k and v, gate and
 * up, and every projection of gemma's sliding-window layers repeat a shape already simulated; with
 * a GemmMemo, once across steps (the review's design-axis variants of a core share their dense
 * GEMMs). Checked against simulateGemm called on each GEMM alone and against steps simulated
 * without a memo, field by field (every bit), so a key that missed an input simulateGemm reads
 * would hand one GEMM another's result.
 */
import * as path from 'node:path';
import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { unionDensity, type MeasuredSparsity } from '../../src/perf/measured-sparsity.js';
import { compareModel, gemmMemo, simulateModel, type ModelSim } from '../../src/perf/model-sim.js';
import { withDesignChoices } from '../../src/profile/normalize.js';
import { METADATA_ENCODINGS, parsePatternList } from '../../src/sparsity/pattern.js';
import { loadProfile } from '../../src/profile/load.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { effectiveDensity, parsePattern, type Pattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { modelWorkload, type GemmOp, type ModelWorkload, type Phase } from '../../src/workload/layer-ops.js';
import { REPO_ROOT } from '../helpers/cli.js';

const shipped = async (name: string) => (await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', `${name}.yaml`))).profile;

/** Every GEMM of `w` simulated alone, with the row fraction simulateModel gives it (decode row skipping). */
function aloneGemms(w: ModelWorkload, profile: HardwareProfile, pattern: Pattern, sim: ModelSim) {
  const hw = hardwareView(profile);
  const rowSkip = sim.plan.mode !== 'dense' && sim.plan.rowSkipping && w.phase.kind === 'decode';
  const fraction = (g: GemmOp) => (rowSkip && g.site ? unionDensity(effectiveDensity(pattern, g.kIn), g.rowsTokens).density : 1);
  return {
    layers: w.layers.map((l) => l.gemms.map((g) => simulateGemm(g, sim.plan, hw, fraction(g)))),
    head: w.head.gemms.map((g) => simulateGemm(g, sim.plan, hw, 1)),
  };
}

const phases: Phase[] = [
  { kind: 'prefill', tokens: 300 },
  { kind: 'decode', batch: 1, contextTokens: 2048 },
  { kind: 'decode', batch: 16, contextTokens: 2048 },
];

describe('a step simulates each GEMM shape once', () => {
  test('every GEMM of a step is what simulateGemm gives for it alone, on three shipped cores, two models (one with sliding-window layers), five patterns and three phases', async () => {
    let repeated = 0;
    for (const name of ['act-8of16', 'h100-like', 'act-flex']) {
      const profile = await shipped(name);
      for (const model of ['llama3.1-8b', 'gemma3-4b'] as const) {
        for (const phase of phases) {
          const w = modelWorkload(MODEL_CATALOG[model], phase, hardwareView(profile).operandBytes);
          for (const text of ['dense', '2:4', '8:16', '16:32', 'unstructured']) {
            const pattern = parsePattern(text);
            const sim = simulateModel(w, profile, pattern);
            const alone = aloneGemms(w, profile, pattern, sim);
            expect(sim.layers.map((l) => l.gemms)).toEqual(alone.layers);
            expect(sim.head.gemms).toEqual(alone.head);
            const shapes = new Set(w.layers.flatMap((l) => l.gemms.map((g) => `${g.rowsTokens}|${g.kIn}|${g.nOut}`)));
            repeated += w.layers.reduce((s, l) => s + l.gemms.length, 0) - shapes.size;
          }
        }
      }
    }
    // the shapes that repeat (k = v, gate = up; gemma's second layer kind all seven): the memo is exercised
    expect(repeated).toBeGreaterThan(0);
  });

  test('GEMMs of one shape that differ in having a site, or of shapes that differ in one of rows, K or N, each get their own result', async () => {
    const profile = await shipped('act-8of16');
    const pattern = parsePattern('8:16');
    // prefill: every row fraction is 1, so only the site tells the twins apart; decode B = 4: row skipping on the site's
    for (const phase of [phases[0], { kind: 'decode', batch: 4, contextTokens: 2048 }] as Phase[]) {
      const base = modelWorkload(MODEL_CATALOG['llama3.1-8b'], phase, 2);
      const q = base.layers[0].gemms[0];
      const gemms: GemmOp[] = [
        q,
        // names are the workload's own (GemmOp['name']); what differs is the shape or the site
        { name: 'lm_head', rowsTokens: q.rowsTokens, kIn: q.kIn, nOut: q.nOut },
        { ...q, name: 'k', rowsTokens: q.rowsTokens + 1 },
        { ...q, name: 'v', kIn: q.kIn + 16 },
        { ...q, name: 'o', nOut: q.nOut + 128 },
      ];
      const w: ModelWorkload = { ...base, layers: [{ ...base.layers[0], gemms }] };
      const sim = simulateModel(w, profile, pattern);
      expect(sim.layers[0].gemms).toEqual(aloneGemms(w, profile, pattern, sim).layers[0]);
      // the site-less twin is dense work: twice the MACs of the 8:16 one, all its weight rows fetched
      const [withSite, noSite] = sim.layers[0].gemms;
      expect(noSite.executedMacs).toBe(2 * withSite.executedMacs);
      expect(noSite.weightRowFraction).toBe(1);
      expect(withSite.weightRowFraction).toBe(phase.kind === 'decode' ? 1 - 0.5 ** 4 : 1);
    }
  });

  test('a repeated GEMM has records of its own: changing k`s counts leaves v`s as they were', async () => {
    const profile = await shipped('act-8of16');
    const w = modelWorkload(MODEL_CATALOG['llama3.1-8b'], { kind: 'prefill', tokens: 300 }, 2);
    const [, k, v] = simulateModel(w, profile, parsePattern('8:16')).layers[0].gemms;
    expect([k.name, v.name]).toEqual(['k', 'v']);
    const before = structuredClone(v);
    k.activity.macsIssued += 1;
    k.activity.bytesByLevel.dram.read += 1;
    k.stallCycles.fill += 1;
    k.bytes.weights += 1;
    k.bufferStallByLevel[Object.keys(k.bufferStallByLevel)[0]] += 1;
    k.tile.rowsTokens += 1;
    expect(v).toEqual(before);
  });

  test('one memo across the encoding × provisioning variants of a core gives every step what it gives without one, and simulates fewer GEMMs', async () => {
    const base = await shipped('act-8of16');
    const variants = METADATA_ENCODINGS.flatMap((metadataEncoding) =>
      (['dense-balanced', 'sparse-balanced'] as const).map((provisioning) => withDesignChoices(base, { metadataEncoding, provisioning })),
    );
    // six perf views: encodings change the sparse operands' bytes, provisioning the buffer bandwidths
    expect(new Set(variants.map((v) => JSON.stringify(v.sparsity) + JSON.stringify(v.memory))).size).toBe(6);
    const patterns = parsePatternList('2:4,8:16,16:32,unstructured');
    const memo = gemmMemo();
    let gemmCount = 0;
    for (const phase of phases) {
      for (const v of variants) {
        const w = modelWorkload(MODEL_CATALOG['llama3.1-8b'], phase, 2);
        const shared = compareModel(w, v, patterns, undefined, 'activation', memo);
        expect(shared).toEqual(compareModel(w, v, patterns));
        gemmCount += (1 + patterns.length) * (w.layers.reduce((s, l) => s + l.gemms.length, 0) + w.head.gemms.length);
      }
    }
    // 3 phases × 6 variants × 5 steps × 8 GEMMs; without sharing across steps each step simulates its 5 shapes (450)
    expect(gemmCount).toBe(720);
    // shared: act-8of16 runs 2:4 (compatible) and 8:16 (native) sparse, 16:32 and unstructured dense. Per phase:
    // 6 views × 2 sparse patterns × 4 site shapes (q = o at 4096 × 4096, k = v, gate = up, down) = 48, plus the
    // dense GEMMs once per hardware view: 2 × (4 site shapes + the LM head) = 10 → 58; × 3 phases = 174, less
    // the LM head of decode B = 1, the prefill's (one logit row in both): 2 × 1 → 172
    expect(memo.sims.size).toBe(172);
    // a measured union density changes only the row fraction (not the plan of a native pattern): its own GEMMs
    const w8 = modelWorkload(MODEL_CATALOG['llama3.1-8b'], { kind: 'decode', batch: 8, contextTokens: 2048 }, 2);
    const m: MeasuredSparsity = { pattern: '8:16', keptFraction: 0.5, unionDensityByBatch: { 8: 0.61 }, unionSource: 'trace X', compatibleFraction: {} };
    const independent = compareModel(w8, base, parsePatternList('8:16'), undefined, 'activation', memo);
    const measured = compareModel(w8, base, parsePatternList('8:16'), [m], 'activation', memo);
    expect(measured).toEqual(compareModel(w8, base, parsePatternList('8:16'), [m]));
    expect(measured.patterns[0].sim.plan).toEqual(independent.patterns[0].sim.plan);
    expect(measured.patterns[0].sim.layers[0].gemms[0].weightRowFraction).toBe(0.61);
    expect(independent.patterns[0].sim.layers[0].gemms[0].weightRowFraction).toBe(1 - 0.5 ** 8);
    // two hardware views (provisioning), whatever the encoding
    expect(memo.views.size).toBe(2);
  });
});

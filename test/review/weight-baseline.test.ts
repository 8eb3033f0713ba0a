/**
 * Issue 14, the review pairs operands with silicon: the shipped bundle's weight runs become
 * design points only on the cores that run their pattern on weights (a100-like, h100-like: 2:4),
 * with the run's measured perplexity and the weight plan's speed-ups; the summary's baseline row
 * and the recommendation's sentence come from them. Every expected number is derived here a
 * second way: perplexities from the manifest JSON, the cores from the profile YAML, speed-ups
 * GEMM by GEMM under planWeightPattern (the plan `nmsim simulate --gemm … --operand weight`
 * uses). The same bundle without its weight runs gives the activation review unchanged.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_DECODE_CONTEXT_TOKENS, DEFAULT_PREFILL_TOKENS } from '../../src/defaults.js';
import { activationPoints, type DesignPoint } from '../../src/explore/design-point.js';
import { planWeightPattern } from '../../src/perf/execution-plan.js';
import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { simulate } from '../../src/perf/simulate.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { designPointsCsv } from '../../src/report/design-points-csv.js';
import { recommendationText } from '../../src/report/recommendation.js';
import { weightBaselineRow } from '../../src/report/review-baseline.js';
import { terminalSummary } from '../../src/report/review-summary.js';
import { runReview, type ReviewOutcome } from '../../src/review/run-review.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { modelWorkload, type Phase } from '../../src/workload/layer-ops.js';
import { REPO_ROOT } from '../helpers/cli.js';

const BUNDLE = path.join(REPO_ROOT, 'traces', 'stories260k');
const PROFILES = ['a100-like', 'h100-like', 'act-8of16', 'act-16of32'];
/** a100-like taking 2:4 on weights only (written in beforeAll): no activation point may land on it */
const WEIGHTS_ONLY = 'a100-weights-only';
const OPTIONS = { criteria: ['magnitude' as const], mitigations: ['none' as const, 'dpts' as const] };
const profileFile = (name: string) => (name === WEIGHTS_ONLY ? path.join(tmp, `${WEIGHTS_ONLY}.yaml`) : path.join(REPO_ROOT, 'hardware-profiles', `${name}.yaml`));

interface ManifestRun {
  id: string;
  config: { pattern: string; operand?: string; criterion?: string; mitigation?: string };
  metrics: { metric: string; value: number }[];
}

let tmp: string;
let full: ReviewOutcome;
let withoutWeights: ReviewOutcome;
let runs: ManifestRun[];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-weight-baseline-'));
  runs = JSON.parse(await fs.readFile(path.join(BUNDLE, 'manifest.json'), 'utf8')).runs;
  // the same bundle without its weight runs (the tensors copied: links out of a bundle are refused; the manifest filtered)
  const old = path.join(tmp, 'stories260k-activations');
  await fs.mkdir(old);
  const manifest = JSON.parse(await fs.readFile(path.join(BUNDLE, 'manifest.json'), 'utf8'));
  manifest.runs = manifest.runs.filter((r: ManifestRun) => r.config.operand !== 'weight');
  await fs.writeFile(path.join(old, 'manifest.json'), JSON.stringify(manifest, null, 2));
  for (const f of await fs.readdir(BUNDLE)) if (f.endsWith('.safetensors') && !f.startsWith('weight-')) await fs.copyFile(path.join(BUNDLE, f), path.join(old, f));
  const a100 = await fs.readFile(profileFile('a100-like'), 'utf8');
  await fs.writeFile(profileFile(WEIGHTS_ONLY), a100.replace(/^name: a100-like$/m, `name: ${WEIGHTS_ONLY}`).replace(/^  operand: both$/m, '  operand: weight'));
  const profiles = [...PROFILES, WEIGHTS_ONLY].map(profileFile);
  full = await runReview({ ...OPTIONS, profiles, traces: [BUNDLE] });
  withoutWeights = await runReview({ ...OPTIONS, profiles, traces: [old] });
}, 180_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const weightPoints = () => full.data.points.filter((p) => p.operand === 'weight');

describe('weight runs as design points', () => {
  it('gives every weight point the perplexity its run recorded in the manifest', () => {
    const points = weightPoints();
    expect(points.length).toBe(6); // 2:4 magnitude and wanda, on a100-like, h100-like and the weights-only variant
    for (const p of points) {
      const run = runs.find((r) => r.config.operand === 'weight' && r.config.pattern === '2:4' && r.config.criterion === p.criterion)!;
      expect({ id: p.id, ppl: p.accuracy.value, kind: p.accuracy.kind }).toEqual({ id: p.id, ppl: run.metrics.find((m) => m.metric === 'perplexity')!.value, kind: 'measured-perplexity' });
      expect(p.accuracy.source).toContain(`run "${run.id}"`);
      // no activation masks to analyse: no proxy
      expect(p.proxy).toBeUndefined();
    }
  });

  it('puts weight points only on the profiles whose YAML takes that pattern on weights, and activation points never on a weights-only core', async () => {
    for (const name of [...PROFILES, WEIGHTS_ONLY]) {
      const yaml = parseYaml(await fs.readFile(profileFile(name), 'utf8'));
      const takesWeights = yaml.sparsity.operand === 'weight' || yaml.sparsity.operand === 'both';
      const on = full.data.points.filter((p) => p.profile === name);
      const weightPatterns = [...new Set(on.filter((p) => p.operand === 'weight').map((p) => p.pattern.kind === 'nm' ? `${p.pattern.n}:${p.pattern.m}` : p.pattern.kind))];
      expect({ name, weightPatterns }).toEqual({ name, weightPatterns: takesWeights ? ['2:4'].filter((w) => yaml.sparsity.patterns.includes(w)) : [] });
      if (yaml.sparsity.operand === 'weight') {
        expect(on.filter((p) => p.operand === 'activation')).toEqual([]);
        expect(on.length).toBe(2); // 2:4 magnitude and wanda
      }
    }
  });

  it('gives a weight point the speed-ups of its GEMMs under planWeightPattern plus the dense step’s other operators, on the same shapes', async () => {
    const model = catalogModel('llama3.1-8b');
    for (const p of weightPoints()) {
      const profile = (await loadProfile(p.profile === WEIGHTS_ONLY ? profileFile(WEIGHTS_ONLY) : resolveProfileRef(p.profile))).profile;
      const hw = hardwareView(profile);
      const plan = planWeightPattern(profile, p.pattern);
      const phases: Phase[] = [{ kind: 'prefill', tokens: DEFAULT_PREFILL_TOKENS }, ...p.decode.map((d) => ({ kind: 'decode' as const, batch: d.batchTokens, contextTokens: DEFAULT_DECODE_CONTEXT_TOKENS }))];
      const expected = phases.map((phase) => {
        const dense = simulate({ profile, model, phase, patterns: [] }).dense;
        const w = modelWorkload(model, phase, hw.operandBytes);
        const gemms = w.layers.reduce((s, l) => s + l.layerCount * l.gemms.reduce((t, g) => t + simulateGemm(g, g.site ? plan : dense.plan, hw, 1).cycles, 0), 0) + dense.head.gemms.reduce((s, g) => s + g.cycles, 0);
        return dense.cycles / (gemms + dense.cycles - dense.gemmCycles);
      });
      expect(p.prefillSpeedup).toBeCloseTo(expected[0], 9);
      p.decode.forEach((d, i) => expect(d.speedup).toBeCloseTo(expected[i + 1], 9));
      // compressed weights + metadata: decode at B = 1 moves fewer bytes than dense
      expect(p.decode[0].ioSavingsFraction).toBeGreaterThan(0.3);
    }
  });

  it('keeps weight runs no core takes (4:8, 8:16, 16:32, unstructured) out of the points, in the run table and in a note that says why', () => {
    const bundle = full.data.bundles[0];
    for (const pattern of ['4:8', '8:16', '16:32', 'unstructured']) {
      for (const criterion of ['magnitude', 'wanda']) {
        const run = runs.find((r) => r.config.operand === 'weight' && r.config.pattern === pattern && r.config.criterion === criterion)!;
        expect(bundle.runs.find((r) => r.id === run.id)).toMatchObject({ operand: 'weight', criterion, perplexity: run.metrics.find((m) => m.metric === 'perplexity')!.value });
        expect(full.data.notes.find((n) => n.startsWith('Weight runs without a design point'))).toContain(`"${run.id}"`);
      }
    }
    expect(full.data.notes.find((n) => n.startsWith('Weight runs without a design point'))).toContain("today's cores take 2:4 weights only");
    expect(weightPoints().every((p) => p.pattern.kind === 'nm' && p.pattern.n === 2 && p.pattern.m === 4)).toBe(true);
  });
});

describe('the weight baseline', () => {
  it('is the most accurate weight run (wanda) on the core that runs it fastest in prefill', () => {
    const points = weightPoints();
    const best = Math.min(...points.map((p) => p.accuracy.value));
    const fastest = points.filter((p) => p.accuracy.value === best).sort((a, b) => b.prefillSpeedup - a.prefillSpeedup)[0];
    expect(fastest.criterion).toBe('wanda');
    expect(full.data.weightBaselineId).toBe(fastest.id);
    const row = weightBaselineRow(full.data)!;
    expect(row.label).toBe("2:4 weights on today's core");
    // energy per token: the weight step saves against the same core run dense, more in decode (weights are most of the bytes)
    const e = row.energy!;
    expect(e.own.prefill.joulesPerToken).toBeLessThan(e.dense.prefill.joulesPerToken);
    expect(e.own.decode[0].joulesPerToken / e.dense.decode[0].joulesPerToken).toBeLessThan(e.own.prefill.joulesPerToken / e.dense.prefill.joulesPerToken);
  });

  it('is printed as its own summary row with the point’s figures', () => {
    const text = terminalSummary(full.data, '/out', '/out/accuracy-vs-area.png');
    const p = full.data.points.find((x) => x.id === full.data.weightBaselineId)!;
    // the row's cells, from every block of the table when it wraps past 120 columns (each block repeats the pattern)
    const [first, ...more] = text.split('\n').filter((l) => l.startsWith('  2:4 weights'));
    const row = [first, ...more.map((l) => l.replace(/^ {2}2:4 weights/, ''))].join(' ');
    // issue 16: its bootstrap interval and its sparse additions on the chip (a100-like.yaml: tensorCore.count 432, chip.dieAreaMm2 826)
    const extraMm2 = ((p.areaUm2 - p.denseAreaUm2) * 432) / 1e6;
    const [lo, hi] = p.accuracy.interval!;
    expect(row.trim().split(/\s+/)).toEqual(['2:4', 'weights', 'wanda', p.accuracy.value.toFixed(3), `[${lo.toFixed(3)},`, `${hi.toFixed(3)}]`, p.profile, `${(p.areaOverheadFraction * 100).toFixed(1)}%`, `+${extraMm2.toFixed(2)}`, `${((extraMm2 / 826) * 100).toFixed(2)}%`, `${p.prefillSpeedup.toFixed(2)}×`, ...p.decode.map((d) => `${d.speedup.toFixed(2)}×`), 'base']);
  });

  it('is compared with 8:16 activations in one sentence whose numbers are the data’s', () => {
    const pt = full.data.points.find((x) => x.id === full.data.weightBaselineId)!;
    const act = activationPoints(full.data.points).filter((x) => (x.variant?.base ?? x.profile) === 'act-8of16' && x.pattern.kind === 'nm' && x.pattern.m === 16 && x.accuracy.kind === 'measured-perplexity');
    // the most accurate, and of its design-axes variants (same masks, same accuracy) the least-area one: the front's
    const best = act.sort((a, b) => a.accuracy.value - b.accuracy.value || a.areaOverheadFraction - b.areaOverheadFraction)[0];
    // issue 16: the shipped bundle has per-story NLL, so the gap carries its paired-bootstrap interval
    const rec = full.data.recommendation;
    const wb = rec.outcome === 'front' && rec.weightBaseline?.outcome === 'compared' ? rec.weightBaseline.accuracyDifference : undefined;
    expect(wb).toBeDefined();
    expect(Math.abs(wb!.difference - (pt.accuracy.value - best.accuracy.value))).toBeLessThan(1e-9);
    expect(wb!.interval[0]).toBeLessThan(wb!.difference);
    expect(wb!.interval[1]).toBeGreaterThan(wb!.difference);
    const sign = (v: number) => (v >= 0 ? `+${v.toFixed(3)}` : v.toFixed(3));
    const gap = ` (${sign(wb!.difference)} for the weights, paired bootstrap 95 % interval ${sign(wb!.interval[0])} to ${sign(wb!.interval[1])}${wb!.distinguishable ? '' : ': not distinguishable on this data'})`;
    const sentence = `8:16 activations (${best.criterion}+${best.mitigation}) on ${best.profile} keep perplexity ${best.accuracy.value.toFixed(3)} vs ${pt.accuracy.value.toFixed(3)} for 2:4 weights (wanda) on ${pt.profile}${gap}, at ${(best.prefillSpeedup / pt.prefillSpeedup).toFixed(2)}× its prefill speed-up (${best.prefillSpeedup.toFixed(2)}× vs ${pt.prefillSpeedup.toFixed(2)}×) for ${(best.areaOverheadFraction * 100).toFixed(1)}% vs ${(pt.areaOverheadFraction * 100).toFixed(1)}% area overhead.`;
    expect(recommendationText(full.data.recommendation).endsWith(` ${sentence}`)).toBe(true);
  });
});

describe('a bundle without weight runs', () => {
  it('gives the same activation points, fronts, summary and recommendation as before, and no weight field', () => {
    const strip = (ps: readonly DesignPoint[]) => ps.map((p) => ({ ...p, accuracy: { ...p.accuracy, source: p.accuracy.source.replace(/^\S+ run/, 'run') }, ...(p.proxy ? { proxy: { ...p.proxy, source: p.proxy.source.replace(/of \S+ run/, 'of run') } } : {}) }));
    const old = withoutWeights.data;
    expect(old.points.every((p) => p.operand === 'activation')).toBe(true);
    expect(strip(old.points)).toEqual(strip(activationPoints(full.data.points)));
    expect(old.headline).toEqual(full.data.headline);
    expect(old.speedupFrontIds).toEqual(full.data.speedupFrontIds);
    expect(old.summary).toEqual(full.data.summary);
    expect(old.weightBaselineId).toBeUndefined();
    expect(old.energy!.some((e) => e.operand !== undefined)).toBe(false);
    // the notes are the full review's without the two on weight points (the bundle's path aside)
    const oldPath = old.bundles[0].path;
    expect(old.notes.map((n) => n.split(oldPath).join(full.data.bundles[0].path))).toEqual(full.data.notes.filter((n) => !n.startsWith('Weight ')));
    // the recommendation is the full review's without its weight sentence
    const { weightBaseline, ...rest } = full.data.recommendation as typeof full.data.recommendation & { weightBaseline?: unknown };
    expect(weightBaseline).toBeDefined();
    expect(old.recommendation).toEqual(rest);
    // the CSV rows of the activation points are the same rows
    const csv = (d: typeof old) => designPointsCsv(activationPoints(d.points), d.headline.frontIds, d.speedupFrontIds, d.decodeBatches, d.energy).replace(/"\S+ run ""/g, '"run ""').replace(/of \S+ run ""/g, 'of run ""');
    expect(csv(old)).toBe(csv(full.data));
  });
});

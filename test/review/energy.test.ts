/**
 * Issue 15, the review's energy: for the same profile, pattern, phase and measured sparsity, the
 * energy per token the review reports is what `nmsim simulate` reports (perf/simulate.ts then
 * energy/step-energy.ts simulationEnergy, the CLI's two calls, with the analysis JSON read back
 * as `--measured` reads it) — dense, every swept pattern, prefill and every decode batch.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../src/analysis/analyze.js';
import { areaReport } from '../../src/area/report.js';
import { DEFAULT_DECODE_BATCHES, DEFAULT_DECODE_CONTEXT_TOKENS, DEFAULT_MODEL, DEFAULT_PATTERNS, DEFAULT_PREFILL_TOKENS } from '../../src/defaults.js';
import { ENERGY_COMPONENTS } from '../../src/energy/event-energies.js';
import { simulationEnergy, type StepEnergy } from '../../src/energy/step-energy.js';
import { patternKey } from '../../src/explore/design-point.js';
import { loadMeasuredSparsity } from '../../src/perf/measured-file.js';
import type { MeasuredSparsity } from '../../src/perf/measured-sparsity.js';
import { simulate } from '../../src/perf/simulate.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { formatPattern } from '../../src/sparsity/pattern.js';
import { loadTech } from '../../src/profile/tech.js';
import { analysisJson } from '../../src/report/analysis-json.js';
import { profileEnergy } from '../../src/review/energy.js';
import { estimateProfile } from '../../src/review/performance.js';
import { runReview, type ReviewOutcome } from '../../src/review/run-review.js';
import { openBundle } from '../../src/trace/bundle.js';
import { catalogModel } from '../../src/workload/catalog.js';
import type { Phase } from '../../src/workload/layer-ops.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

const PROFILES = ['a100-like', 'act-8of16', 'act-16of32'];
let tmp: string;
let review: ReviewOutcome;
let fromFile: MeasuredSparsity[];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-review-energy-'));
  const bundlePath = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundlePath);
  // axes {}: the files as written, so each review core is a profile simulate loads by name
  review = await runReview({ traces: [bundlePath], profiles: PROFILES, criteria: ['magnitude'], mitigations: ['none'], axes: {} });
  const bundle = await openBundle(bundlePath);
  try {
    const file = path.join(tmp, 'analysis.json');
    await fs.writeFile(file, JSON.stringify(analysisJson(await analyze(bundle, {}), '0.0.0-test')));
    fromFile = await loadMeasuredSparsity(file);
  } finally {
    await bundle.close();
  }
}, 120_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('the review\'s energy per token', () => {
  it('is simulate\'s energy per token for every profile × pattern (and dense) × phase', async () => {
    const model = catalogModel(DEFAULT_MODEL);
    const phases: Phase[] = [{ kind: 'prefill', tokens: DEFAULT_PREFILL_TOKENS }, ...DEFAULT_DECODE_BATCHES.map((batch): Phase => ({ kind: 'decode', batch, contextTokens: DEFAULT_DECODE_CONTEXT_TOKENS }))];
    const energy = review.data.energy ?? [];
    let compared = 0;
    for (const name of PROFILES) {
      const loaded = await loadProfile(resolveProfileRef(name));
      const tech = await loadTech(loaded.profile.tech, loaded.techDirs);
      for (const phase of phases) {
        const c = simulate({ profile: loaded.profile, model, phase, patterns: DEFAULT_PATTERNS, measured: fromFile });
        const e = simulationEnergy(c, loaded.profile, tech, fromFile)!;
        const steps = [{ key: 'dense', s: e.dense }, ...e.patterns.map((s) => ({ key: s.pattern, s }))];
        for (const { key, s } of steps) {
          const row = energy.find((r) => r.profile === name && patternKey(r.pattern) === key)!;
          const at = phase.kind === 'prefill' ? row.prefill : row.decode.find((d) => d.batchTokens === phase.batch)!;
          const where = `${name} ${key} ${phase.kind === 'prefill' ? 'prefill' : `decode B=${phase.batch}`}`;
          expect({ where, joulesPerToken: at.joulesPerToken, tokens: at.tokens, powerW: at.averagePowerW }).toEqual({ where, joulesPerToken: s.joulesPerToken, tokens: phase.kind === 'prefill' ? phase.tokens : phase.batch, powerW: s.breakdown.averagePowerW });
          // the split is the step's joules by component over its tokens, and sums to the total
          const sum = ENERGY_COMPONENTS.reduce((a, k) => a + at.joulesPerTokenByComponent[k], 0);
          expect(sum).toBeCloseTo(s.joulesPerToken, 12);
          expect(at.joulesPerTokenByComponent.dram).toBeCloseTo(s.breakdown.joulesByComponent.dram / at.tokens, 15);
          compared++;
        }
      }
    }
    // 3 profiles × (dense + 5 swept patterns) × 3 phases
    expect(compared).toBe(3 * 6 * 3);
  });

  it('prices a skipping 8:16 core below its dense core per decoded token at B = 1 (the trace keeps half the weight rows)', () => {
    const energy = review.data.energy ?? [];
    const at = (pattern: string) => energy.find((r) => r.profile === 'act-8of16' && patternKey(r.pattern) === pattern)!.decode.find((d) => d.batchTokens === 1)!;
    expect(at('8:16').joulesPerToken).toBeLessThan(at('dense').joulesPerToken);
  });

  it('gives no rows for a profile whose tech file has no energy table (the report then has no energy section)', async () => {
    const loaded = await loadProfile(resolveProfileRef('act-8of16'));
    const tech = await loadTech(loaded.profile.tech, loaded.techDirs);
    const workload = { shape: catalogModel(DEFAULT_MODEL), prefillTokens: 128, decodeBatches: [1], decodeContextTokens: 256 };
    const estimate = estimateProfile(loaded.profile, DEFAULT_PATTERNS, workload, fromFile);
    expect(profileEnergy(loaded.profile, { ...tech, energy: undefined }, estimate, DEFAULT_PATTERNS, fromFile)).toBeUndefined();
    // with the table: dense first, then one row per swept pattern, each with its one decode batch
    const rows = profileEnergy(loaded.profile, tech, estimate, DEFAULT_PATTERNS, fromFile)!;
    expect(rows.map((r) => patternKey(r.pattern))).toEqual(['dense', ...DEFAULT_PATTERNS.map(patternKey)]);
    expect(rows.every((r) => r.decode.length === 1 && r.decode[0].batchTokens === 1 && r.prefill.tokens === 128)).toBe(true);
  });

  it('is the same with the profile\'s area report handed in (as the review does, once per profile) and moves with the report it is given', async () => {
    // act-8of16-sb without its power figures: its static power is then the leakage of the area report's silicon
    const file = await loadProfile(resolveProfileRef('act-8of16-sb'));
    expect(file.profile.power).toBeDefined();
    const loaded = { ...file, profile: { ...file.profile, power: undefined } };
    const tech = await loadTech(loaded.profile.tech, loaded.techDirs);
    const workload = { shape: catalogModel(DEFAULT_MODEL), prefillTokens: 128, decodeBatches: [1, 8], decodeContextTokens: 256 };
    const estimate = estimateProfile(loaded.profile, DEFAULT_PATTERNS, workload, fromFile);
    const computed = profileEnergy(loaded.profile, tech, estimate, DEFAULT_PATTERNS, fromFile)!;
    const report = areaReport(loaded.profile, tech);
    expect(profileEnergy(loaded.profile, tech, estimate, DEFAULT_PATTERNS, fromFile, report)).toEqual(computed);
    // the report is read: twice the silicon leaks twice, so static energy doubles and the MACs' stays
    const doubled = { ...report, chip: { ...report.chip, coresMm2: 2 * report.chip.coresMm2, sharedSramMm2: 2 * report.chip.sharedSramMm2 } };
    const rows = profileEnergy(loaded.profile, tech, estimate, DEFAULT_PATTERNS, fromFile, doubled)!;
    for (const [i, row] of rows.entries()) {
      for (const [at, was] of [[row.prefill, computed[i].prefill], [row.decode[1], computed[i].decode[1]]]) {
        expect(was.joulesPerTokenByComponent.static).toBeGreaterThan(0);
        expect(at.joulesPerTokenByComponent.static).toBeCloseTo(2 * was.joulesPerTokenByComponent.static, 12);
        expect(at.joulesPerTokenByComponent.mac).toBe(was.joulesPerTokenByComponent.mac);
      }
    }
  });

  it('prices each run pattern with its own event energies when one core runs several natively (act-flex), as simulate does', async () => {
    const loaded = await loadProfile(resolveProfileRef('act-flex'));
    const tech = await loadTech(loaded.profile.tech, loaded.techDirs);
    const workload = { shape: catalogModel(DEFAULT_MODEL), prefillTokens: 128, decodeBatches: [1, 8], decodeContextTokens: 256 };
    const estimate = estimateProfile(loaded.profile, DEFAULT_PATTERNS, workload, fromFile);
    const runs = new Set(estimate.prefill.patterns.map((p) => (p.sim.plan.mode === 'dense' ? 'dense' : formatPattern(p.sim.plan.runPattern!))));
    // at least two N:M run patterns besides dense: their selectors, metadata and pruning units cost differently
    expect([...runs].filter((r) => r !== 'dense').length).toBeGreaterThanOrEqual(2);
    const rows = profileEnergy(loaded.profile, tech, estimate, DEFAULT_PATTERNS, fromFile)!;
    for (const [j, c] of [estimate.prefill, ...estimate.decode].entries()) {
      const e = simulationEnergy(c, loaded.profile, tech, fromFile)!;
      const at = (i: number) => (j === 0 ? rows[i].prefill : rows[i].decode[j - 1]);
      expect(at(0).joulesPerTokenByComponent).toEqual(atComponents(e.dense));
      e.patterns.forEach((p, i) => expect(at(1 + i).joulesPerTokenByComponent).toEqual(atComponents(p)));
    }
  });
});

function atComponents(s: StepEnergy): Record<string, number> {
  return Object.fromEntries(ENERGY_COMPONENTS.map((c) => [c, s.breakdown.joulesByComponent[c] / s.tokens]));
}

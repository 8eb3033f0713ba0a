/**
 * Issue 12, "review and simulate agree": for every shipped profile × pattern × phase, the
 * design review's speed-up and I/O savings are exactly what `simulate` gives for the same model,
 * tokens, batch, context and measured sparsity — the review's from the analysis it runs in
 * memory, simulate's from the analysis JSON that `nmsim analyze` writes, read back by
 * `--measured`'s reader. Where the review makes no design point, simulate runs the pattern dense.
 * The rule they share is perf/execution-plan.ts planPattern (how a core runs a pattern) and
 * perf/measured-sparsity.ts unionDensity (weight rows fetched in decode), both reached through
 * perf/simulate.ts.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../src/analysis/analyze.js';
import { measuredSparsityFor } from '../../src/analysis/measured-sparsity.js';
import { DEFAULT_DECODE_BATCHES, DEFAULT_DECODE_CONTEXT_TOKENS, DEFAULT_MODEL, DEFAULT_PATTERNS, DEFAULT_PREFILL_TOKENS } from '../../src/defaults.js';
import { patternKey } from '../../src/explore/design-point.js';
import { loadMeasuredSparsity } from '../../src/perf/measured-file.js';
import type { MeasuredSparsity } from '../../src/perf/measured-sparsity.js';
import { simulate } from '../../src/perf/simulate.js';
import { listShippedProfiles, loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { analysisJson } from '../../src/report/analysis-json.js';
import { runReview, type ReviewOutcome } from '../../src/review/run-review.js';
import { openBundle } from '../../src/trace/bundle.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { nm } from '../../src/sparsity/pattern.js';
import type { Phase } from '../../src/workload/layer-ops.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let review: ReviewOutcome;
let fromFile: MeasuredSparsity[];
let inMemory: MeasuredSparsity[];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-agreement-'));
  const bundlePath = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundlePath);
  // axes {}: every shipped file as written, so each review core is a profile simulate loads by name
  review = await runReview({ traces: [bundlePath], criteria: ['magnitude'], mitigations: ['none'], axes: {} });
  const bundle = await openBundle(bundlePath);
  try {
    const result = await analyze(bundle, {});
    const file = path.join(tmp, 'analysis.json');
    await fs.writeFile(file, JSON.stringify(analysisJson(result, '0.0.0-test')));
    fromFile = await loadMeasuredSparsity(file);
    inMemory = result.plan.patterns.map((p) => measuredSparsityFor(result, p));
  } finally {
    await bundle.close();
  }
}, 120_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('review and simulate agree', () => {
  it('--measured reads from the analysis JSON exactly the statistics the analysis gives in memory', () => {
    const numbers = (m: MeasuredSparsity) => ({ pattern: m.pattern, keptFraction: m.keptFraction, unionDensityByBatch: m.unionDensityByBatch, compatibleFraction: m.compatibleFraction });
    expect(fromFile.map(numbers)).toEqual(inMemory.map(numbers));
    expect(fromFile.map((m) => m.pattern)).toEqual(['2:4', '4:8', '8:16', '16:32', 'unstructured']);
  });

  it('gives every shipped profile × pattern × phase the same speed-up and I/O savings both ways', async () => {
    const model = catalogModel(DEFAULT_MODEL);
    const phases: Phase[] = [{ kind: 'prefill', tokens: DEFAULT_PREFILL_TOKENS }, ...DEFAULT_DECODE_BATCHES.map((batch): Phase => ({ kind: 'decode', batch, contextTokens: DEFAULT_DECODE_CONTEXT_TOKENS }))];
    const compared: string[] = [];
    for (const name of listShippedProfiles()) {
      const { profile } = await loadProfile(resolveProfileRef(name));
      for (const phase of phases) {
        const c = simulate({ profile, model, phase, patterns: DEFAULT_PATTERNS, measured: fromFile });
        for (const s of c.patterns) {
          const point = review.data.points.find((p) => p.profile === name && patternKey(p.pattern) === s.sim.pattern);
          const where = `${name} ${s.sim.pattern} ${phase.kind === 'prefill' ? 'prefill' : `decode B=${phase.batch}`}`;
          if (!point) {
            expect({ where, simulate: s.sim.plan.mode }).toEqual({ where, simulate: 'dense' });
            expect(review.data.notes.some((n) => n.startsWith('Not design points') && n.includes(`${name}: `))).toBe(true);
            continue;
          }
          const fromReview = phase.kind === 'prefill' ? { speedup: point.prefillSpeedup, ioSavings: undefined } : { speedup: point.decode.find((d) => d.batchTokens === phase.batch)!.speedup, ioSavings: point.decode.find((d) => d.batchTokens === phase.batch)!.ioSavingsFraction };
          expect({ where, speedup: fromReview.speedup, ioSavings: fromReview.ioSavings ?? s.ioSavings }).toEqual({ where, speedup: s.speedup, ioSavings: s.ioSavings });
          compared.push(where);
        }
      }
    }
    // every act-* core runs its own pattern (and the finer ones) sparsely, in all three phases
    expect(compared.length).toBeGreaterThan(3 * 10);
    expect(compared).toContain('act-flex unstructured decode B=8');
  });

  it('measures how unstructured data fits the core\'s native patterns even when the review sweeps only some of them', async () => {
    // act-flex runs 2:4 … 16:32 natively; swept are only 8:16 and unstructured. Unstructured data
    // runs on the native pattern it fits at the lowest cost — not 8:16 on this trace — so the
    // review must measure how it fits the other natives too
    const narrow = await runReview({ traces: review.data.bundles.map((b) => b.path), profiles: ['act-flex'], patterns: [nm(8, 16), { kind: 'unstructured' }], criteria: ['magnitude'], mitigations: ['none'], axes: {} });
    const { profile } = await loadProfile(resolveProfileRef('act-flex'));
    const c = simulate({ profile, model: catalogModel(DEFAULT_MODEL), phase: { kind: 'prefill', tokens: DEFAULT_PREFILL_TOKENS }, patterns: [{ kind: 'unstructured' }], measured: fromFile });
    const point = narrow.data.points.find((p) => p.pattern.kind === 'unstructured')!;
    const plan = c.patterns[0].sim.plan;
    expect(patternKey(plan.runPattern!)).not.toBe('8:16');
    expect({ executedAs: patternKey(point.executedAs), speedup: point.prefillSpeedup }).toEqual({ executedAs: patternKey(plan.runPattern!), speedup: c.patterns[0].speedup });
  });
});

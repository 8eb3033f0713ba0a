/**
 * Serving leaves out, before simulating, the patterns a core runs dense (rerun16d: their steps were
 * a third of a shipped activation core's serving work, and their rows were dropped afterwards).
 * That rests on comparisonPlan giving each pattern the very plan simulate's step runs under.
 */
import { loadProfile, listShippedProfiles, resolveProfileRef } from '../../src/profile/load.js';
import { comparisonPlan } from '../../src/perf/model-sim.js';
import { simulate } from '../../src/perf/simulate.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { formatPattern, parsePattern } from '../../src/sparsity/pattern.js';
import { servingForProfile, DEFAULT_SERVING } from '../../src/review/serving.js';

const PATTERNS = ['2:4', '4:8', '8:16', '16:32', 'unstructured'].map((t) => parsePattern(t));
const model = catalogModel('llama3.1-8b');

describe('the plans serving filters by', () => {
  it('are simulate\'s own plans for every shipped profile, pattern and operand', async () => {
    let dense = 0;
    for (const name of listShippedProfiles()) {
      const profile = (await loadProfile(resolveProfileRef(name))).profile;
      for (const operand of ['activation', 'weight'] as const) {
        const c = simulate({ profile, model, phase: { kind: 'decode', batch: 2, contextTokens: 256 }, patterns: PATTERNS, operand });
        PATTERNS.forEach((p, i) => {
          const plan = comparisonPlan(profile, p, undefined, operand);
          expect(plan).toEqual(c.patterns[i].sim.plan);
          if (plan.mode === 'dense') dense++;
        });
      }
    }
    // the filter has something to do: many shipped pairs run dense (weight cores on activations, 16:32 on 8:16 …)
    expect(dense).toBeGreaterThan(20);
  });

  it('act-8of16 serves dense, 2:4, 4:8 and 8:16 (16:32 and unstructured run dense there), as before', async () => {
    const profile = (await loadProfile(resolveProfileRef('act-8of16'))).profile;
    expect(['16:32', 'unstructured'].map((t) => comparisonPlan(profile, parsePattern(t)).mode)).toEqual(['dense', 'dense']);
    const rows = servingForProfile(profile, PATTERNS, model, [], DEFAULT_SERVING, 50, [1, 64]);
    expect(rows.map((r) => formatPattern(r.pattern))).toEqual(['dense', '2:4', '4:8', '8:16']);
    // each row is its pattern's own simulate step: 8:16's TPOT at B = 64 is simulate's
    const c = simulate({ profile, model, phase: { kind: 'decode', batch: 64, contextTokens: 2048 + 128 }, patterns: [parsePattern('8:16')] });
    expect(rows[3].steps[1].tpotMs).toBe(c.patterns[0].sim.timeS * 1000);
    expect(rows[3].steps[1].speedup).toBe(c.dense.timeS / c.patterns[0].sim.timeS);
  });
});

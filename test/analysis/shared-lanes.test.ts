/**
 * The consumers of one site under a per-consumer criterion (amber's q, k, v) run as one group
 * (site-analysis.ts runSlowLanes, ScoredSelector.accumulateShared: η and z = x − η once, the row
 * loaded once, one pass of sums over every consumer's patterns). Each consumer's statistics must
 * be exactly those of the same site analysed with that consumer alone (the single-lane path,
 * itself tested equal to pruneMatrix + addRow in scored-lane.test.ts).
 */
import { analyzeSite } from '../../src/analysis/site-analysis.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import type { ConsumerInput } from '../../src/analysis/site-analysis.js';
import { activations, lcg, plan, siteInput } from './helpers.js';

describe('amber consumers of one site analysed together', () => {
  test('give every consumer exactly the statistics of the site analysed with that consumer alone', async () => {
    const tokens = 23;
    const k = 200; // not a multiple of 32: tail groups
    const x = activations(17, tokens, k, 0.1);
    const rand = lcg(5);
    // factors from three levels: scores tie often, so the tie rule is exercised
    const consumers: ConsumerInput[] = (['q', 'k', 'v'] as const).map((consumer) => ({ consumer, amberFactors: Float32Array.from({ length: k }, () => [1, 1.5, 2][Math.floor(rand() * 3)]) }));
    const p = plan({ patterns: parsePatternList('2:4,8:16,16:32,3:8,unstructured'), criteria: ['amber'], mitigations: ['none', 'dpts', 'var', 'spts'], batchSizes: [1, 2, 4], randomBatchesPerSize: 3 });
    const together = await analyzeSite(siteInput(x, tokens, k, { consumers, staticShift: 0.125 }), p);
    let compared = 0;
    for (const c of consumers) {
      const alone = await analyzeSite(siteInput(x, tokens, k, { consumers: [c], staticShift: 0.125 }), p);
      together.slots.forEach((list, ci) => {
        const mine = list.find((s) => s.consumer === c.consumer);
        expect(mine).toEqual(alone.slots[ci][0]);
        compared++;
      });
    }
    expect(compared).toBe(3 * 5 * 4);
    // the consumers' masks differ (their factors do), so a mix-up between lanes would show
    const relErr = together.slots[0].map((s) => s.relErrL2);
    expect(new Set(relErr).size).toBe(3);
  });
});

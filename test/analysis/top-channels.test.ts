/**
 * A slot's top channels (keep count descending, lower channel first on ties) are picked by a
 * running selection for the usual few (≤ 64) and by sorting every channel beyond that; the two
 * must agree on traces full of tied counts.
 */
import { analyzeSite } from '../../src/analysis/site-analysis.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { activations, plan, siteInput } from './helpers.js';

describe('top channels of a slot', () => {
  test('the running selection gives the first channels of the full sort, ties to the lower channel', async () => {
    const tokens = 9; // few tokens: many channels share a count
    const k = 300;
    const x = activations(21, tokens, k, 0.2);
    const base = { patterns: parsePatternList('2:4,8:16,unstructured'), mitigations: ['none', 'dpts'] as ('none' | 'dpts')[], batchSizes: [1, 2] };
    const few = await analyzeSite(siteInput(x, tokens, k), plan({ ...base, topChannels: 20 }));
    const all = await analyzeSite(siteInput(x, tokens, k), plan({ ...base, topChannels: 200 }));
    let ties = 0;
    few.slots.forEach((list, ci) => {
      const top = list[0].channelKeep.top;
      const sorted = all.slots[ci][0].channelKeep.top;
      expect(sorted).toHaveLength(200);
      expect(top).toEqual(sorted.slice(0, 20));
      for (let i = 1; i < top.length; i++) if (top[i].keepFraction === top[i - 1].keepFraction) ties++;
    });
    expect(ties).toBeGreaterThan(10);
  });
});

/**
 * The merge of token-range states builds accumulators only: lanes without selectors (no sorting
 * network, ranked or scored selector — no WASM instance), with the same accumulators, compatibility
 * and output sums as the lanes an analysis selects with. (That the merged result is the unsharded
 * one is test/shard/merge-equality.test.ts.)
 */
import { buildLanes } from '../../src/analysis/lanes.js';
import { resolvePlan } from '../../src/analysis/plan.js';
import { siteRandomPlan, type SiteInput } from '../../src/analysis/site-analysis.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';

test('lanes built with selectors: false hold no selector and the same accumulators as selecting lanes (4 lanes × 5 patterns at K = 256)', () => {
  const plan = resolvePlan({ patterns: parsePatternList('2:4,4:8,8:16,16:32,unstructured'), criteria: ['magnitude', 'clact'], mitigations: ['none', 'dpts'] });
  const site = { index: 0, name: 's', consumers: [{ consumer: 'down' }] } as unknown as SiteInput;
  const random = siteRandomPlan(site, plan, 512);
  const selecting = buildLanes(site, plan, 256, random, []);
  const stateOnly = buildLanes(site, plan, 256, random, [], { selectors: false });
  expect(selecting.map((l) => `${l.criterion}+${l.mitigation}`)).toEqual(['magnitude+none', 'magnitude+dpts', 'clact+none', 'clact+dpts']);
  expect(stateOnly.map((l) => `${l.criterion}+${l.mitigation}`)).toEqual(selecting.map((l) => `${l.criterion}+${l.mitigation}`));
  // the selecting lanes do build selectors: magnitude+none a network (4 power-of-two patterns), the others scored ones
  expect(selecting.map((l) => [l.network !== null, l.scored !== null])).toEqual([[true, false], [false, true], [false, true], [false, true]]);
  expect(stateOnly.map((l) => [l.network, l.ranked, l.scored])).toEqual(stateOnly.map(() => [null, null, null]));
  stateOnly.forEach((l, i) => {
    expect(l.acc.map((a) => a.words.length)).toEqual(selecting[i].acc.map((a) => a.words.length));
    expect(l.compat.map((c) => c.length)).toEqual(selecting[i].compat.map((c) => c.length));
    expect(l.output.map((o) => o.length)).toEqual([1, 1, 1, 1, 1]);
  });
});

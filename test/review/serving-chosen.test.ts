/**
 * Issue 16 (rerun round 2): a review computes the serving rows of the variants it chooses only —
 * the rows the report shows (servingOfChosen) — not every design-axis variant's. The serving cache
 * entries are what was computed, so they show it; the review still equals the uncached one.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SHIPPED_PROFILE_DIR } from '../../src/profile/paths.js';
import { decodeValue, encodeValue } from '../../src/review/cache.js';
import { loadProfilesHashed, openBundlesHashed, profileFiles } from '../../src/review/inputs.js';
import { evaluatePoints } from '../../src/review/points.js';
import { bundlePathsOf, prepareReview, resolveReviewOptions, runReview, withChosenServing, type ReviewOptions } from '../../src/review/run-review.js';
import { reviewGemms, type PrefillSims, type ServingResult } from '../../src/review/serving.js';
import { formatPattern, parsePattern } from '../../src/sparsity/pattern.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let bundle: string;
let profiles: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-serving-chosen-'));
  bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
  profiles = path.join(tmp, 'profiles');
  await fs.mkdir(profiles);
  await fs.copyFile(path.join(SHIPPED_PROFILE_DIR, 'act-8of16.yaml'), path.join(profiles, 'act-8of16.yaml'));
});
afterAll(async () => fs.rm(tmp, { recursive: true, force: true }));

describe('serving rows after the variant choice', () => {
  it('computes and caches the chosen variants’ serving rows only, and the review equals the uncached one', async () => {
    const dir = path.join(tmp, 'cache');
    const opts: ReviewOptions = { patterns: ['8:16', '16:32'].map((p) => parsePattern(p)), criteria: ['magnitude'], mitigations: ['none'], axes: { selector: ['mux', 'sorted-mux'], encoding: ['index', 'bitmask'], provisioning: ['dense-balanced'] }, traces: [bundle], profiles: [profiles] };
    const o = await runReview({ ...opts, cacheDir: dir });
    const variants = o.data.variants ?? [];
    // 2 selectors × 2 encodings on the core's one native pattern (8:16), one chosen: three variants are chosen for nothing
    expect(variants.length).toBe(4);
    const chosen = new Set(variants.filter((r) => r.chosen).map((r) => r.profile));
    const all = new Set(variants.map((r) => r.profile));
    expect(all.size).toBe(4);
    expect(chosen.size).toBe(1);
    const shown = o.data.serving!.rows.map((r) => `${r.profile}|${formatPattern(r.pattern)}`);
    // the one serving entry holds exactly the shown rows (before: all 4 variants' 3 rows each)
    const entries = (await fs.readdir(dir)).filter((f) => f.startsWith('serving-'));
    expect(entries.length).toBe(1);
    const entry = decodeValue(await fs.readFile(path.join(dir, entries[0]), 'utf8')) as { value: ServingResult };
    const stored = entry.value.rows.map((r) => `${r.profile}|${formatPattern(r.pattern)}`);
    expect(stored).toEqual(shown);
    expect(new Set(entry.value.rows.map((r) => r.profile))).toEqual(chosen);
    // a dense row per chosen variant and a row per chosen variant × pattern (before: 4 variants × 2 rows)
    expect(stored.length).toBe(chosen.size + variants.filter((r) => r.chosen).length);
    expect(stored.length).toBe(2);
    // the same review without the cache (and warm) is byte for byte the same data
    const uncached = await runReview(opts);
    expect(encodeValue(o.data)).toBe(encodeValue(uncached.data));
    const warm = await runReview({ ...opts, cacheDir: dir });
    expect(warm.profileCache.serving).toEqual(['hit']);
    expect(encodeValue(warm.data)).toBe(encodeValue(o.data));
  }, 120_000);

  it('reuses the prefill steps the design points simulated: the same rows as simulating them again, and a planted step shows they are read', async () => {
    const opts = resolveReviewOptions({ patterns: ['8:16'].map((p) => parsePattern(p)), criteria: ['magnitude'], mitigations: ['none'], axes: { selector: ['mux', 'sorted-mux'], encoding: ['index', 'bitmask'], provisioning: ['dense-balanced'] }, traces: [bundle], profiles: [profiles] });
    const { profiles: loaded } = await loadProfilesHashed(profileFiles(opts.profiles));
    const bundles = await openBundlesHashed(bundlePathsOf(opts));
    try {
      const prepared = await prepareReview(opts, loaded, bundles, undefined, undefined, 'after-choice');
      expect(prepared.common.serving).toBeUndefined();
      const sims: PrefillSims = new Map();
      const records = await evaluatePoints({ ...prepared.inputs, prefillSims: sims });
      // 2 perf views (the encodings; selector twins share one) × (dense + 8:16), at the 2048-token prefill
      expect(sims.size).toBe(4);
      expect([...sims.keys()].every((k) => k.includes('|2048|'))).toBe(true);
      // the points' GEMM results are the serving rows' too (serving.ts reviewGemms, held by the map)
      const memo = reviewGemms(sims)!;
      const afterPoints = memo.sims.size;
      expect(afterPoints).toBeGreaterThan(0);
      const reused = await withChosenServing(prepared, opts, records, sims);
      const fresh = await withChosenServing(prepared, opts, records);
      expect(encodeValue(reused.common.serving)).toBe(encodeValue(fresh.common.serving));
      // the serving steps found the points' decode B = 1 and 8 GEMMs: simulating them on a memo of their own needs more
      const own: PrefillSims = new Map(sims);
      await withChosenServing(prepared, opts, records, own);
      expect(reviewGemms(own)).not.toBe(memo);
      expect(reviewGemms(own)!.sims.size).toBeGreaterThan(memo.sims.size - afterPoints);
      expect(reviewGemms(undefined)).toBeUndefined();
      // a planted dense step (twice as slow) moves the dense row's TTFT: the map is what serving reads
      const planted: PrefillSims = new Map([...sims].map(([k, v]) => [k, k.endsWith('|dense') ? { ...v, timeS: 2 * v.timeS } : v]));
      const moved = await withChosenServing(prepared, opts, records, planted);
      const dense = (r: typeof moved) => r.common.serving!.rows.find((x) => x.pattern.kind === 'dense')!;
      expect(dense(moved).ttftMs).toBe(2 * dense(fresh).ttftMs);
      // another prompt length (--serving 512:64) finds no step and simulates its own
      const other = await withChosenServing(prepared, { ...opts, serving: { promptTokens: 512, outputTokens: 64 } }, records, planted);
      const otherFresh = await withChosenServing(prepared, { ...opts, serving: { promptTokens: 512, outputTokens: 64 } }, records);
      expect(encodeValue(other.common.serving)).toBe(encodeValue(otherFresh.common.serving));
    } finally {
      await Promise.all(bundles.map((b) => b.bundle.close()));
    }
  }, 120_000);
});

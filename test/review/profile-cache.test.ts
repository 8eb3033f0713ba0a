import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeValue, encodeValue } from '../../src/review/cache.js';
import { SHIPPED_PROFILE_DIR } from '../../src/profile/paths.js';
import { accuracyLookupsCached, packPoints, servingForCached, unpackPoints } from '../../src/review/profile-cache.js';
import { accuracyFor, weightAccuracy, type MeasuredRun, type MeasuredWeightRun } from '../../src/explore/accuracy.js';
import { loadProfilesHashed } from '../../src/review/inputs.js';
import { servingFor } from '../../src/review/serving.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { formatPattern, parsePattern } from '../../src/sparsity/pattern.js';
import { runReview, type ReviewOptions } from '../../src/review/run-review.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let bundle: string;
let profiles: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-profile-cache-'));
  bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
  // two shipped profiles in a folder of their own (their tech file, 5nm, is found in the shipped tech/)
  profiles = path.join(tmp, 'profiles');
  await fs.mkdir(profiles);
  for (const f of ['act-8of16.yaml', 'act-16of32.yaml']) await fs.copyFile(path.join(SHIPPED_PROFILE_DIR, f), path.join(profiles, f));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// two selector styles: each core has design-axis variants (one cache entry holds them all), at a
// ninth of the default sweep's cost
const FAST: ReviewOptions = { patterns: ['8:16', '16:32'].map((p) => parsePattern(p)), criteria: ['magnitude'], mitigations: ['none'], axes: { selector: ['mux', 'hierarchical'] } };

/** [analysis, points per profile, serving per profile] of one review (profiles sorted by name: act-16of32, act-8of16). */
function statuses(o: Awaited<ReturnType<typeof runReview>>): [string, string[], string[]] {
  return [o.analysisCache, o.profileCache.points, o.profileCache.serving];
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await fs.readFile(file, 'utf8');
  expect(text).toContain(from);
  await fs.writeFile(file, text.replace(from, to));
}

describe('the per-profile caches (design points and serving rows)', () => {
  it('recompute exactly what a change reaches: a profile only its own entries, a tech file the points of the profiles on it, an option only the layer that reads it — and every review equals the uncached one', async () => {
    const dir = path.join(tmp, 'cache');
    const opts = (extra: ReviewOptions = {}): ReviewOptions => ({ ...FAST, traces: [bundle], profiles: [profiles], cacheDir: dir, ...extra });
    const uncached = async (extra: ReviewOptions = {}) => encodeValue((await runReview({ ...opts(extra), cacheDir: undefined })).data);
    // `fresh`: also compare with the review computed afresh (where a hit meets a change)
    const check = async (extra: ReviewOptions, expected: [string, string[], string[]], fresh = true) => {
      const o = await runReview(opts(extra));
      expect(statuses(o)).toEqual(expected);
      // never stale: the cached review is the one computed afresh, −0 and NaN included
      if (fresh) expect(encodeValue(o.data)).toBe(await uncached(extra));
      return o;
    };

    await check({}, ['miss', ['miss', 'miss'], ['miss', 'miss']], false);
    await check({}, ['hit', ['hit', 'hit'], ['hit', 'hit']]);

    // act-8of16's clock: its points and its serving rows, nothing of act-16of32's
    await edit(path.join(profiles, 'act-8of16.yaml'), 'clock: 1830 MHz', 'clock: 1700 MHz');
    await check({}, ['hit', ['hit', 'miss'], ['hit', 'miss']]);
    await check({}, ['hit', ['hit', 'hit'], ['hit', 'hit']], false);

    // a tech file both profiles reach only through 5nm's `derivedFrom: asap7`: both copied into
    // the profiles' own tech/ folder (searched before the shipped one; a base is looked up next to
    // the file deriving from it), the same bytes at another path are read as the same library
    // (the key is content), a changed cell area of the base re-evaluates both profiles' points;
    // serving reads no tech file
    await fs.mkdir(path.join(profiles, 'tech'));
    for (const f of ['5nm.yaml', 'asap7.yaml']) await fs.copyFile(path.join(SHIPPED_PROFILE_DIR, 'tech', f), path.join(profiles, 'tech', f));
    await check({}, ['hit', ['hit', 'hit'], ['hit', 'hit']], false);
    await edit(path.join(profiles, 'tech', 'asap7.yaml'), 'mux2:      { value: 0.13122', 'mux2:      { value: 0.26244');
    await check({}, ['hit', ['miss', 'miss'], ['hit', 'hit']]);

    // options: the prefill length is read by the points (speed-ups), not by serving (its own
    // prompt length); the TPOT target only by serving; the serving mix only by serving
    await check({ prefillTokens: 1024 }, ['hit', ['miss', 'miss'], ['hit', 'hit']]);
    await check({ tpotTargetMs: 20 }, ['hit', ['hit', 'hit'], ['miss', 'miss']]);
    await check({ serving: { promptTokens: 1024, outputTokens: 128 } }, ['hit', ['hit', 'hit'], ['miss', 'miss']], false);
    // another criterion list: another analysis, and the points (their configurations) too; serving sees neither
    await check({ criteria: ['magnitude', 'clact'] }, ['miss', ['miss', 'miss'], ['hit', 'hit']]);
  }, 120_000);

  it('a changed bundle byte reaches every layer through what it changes: the analysis runs again and no profile entry is read stale', async () => {
    const own = path.join(tmp, 'bundle-edit');
    await writeSyntheticBundle(own);
    const dir = path.join(tmp, 'cache-bundle');
    const opts: ReviewOptions = { ...FAST, traces: [own], profiles: [path.join(profiles, 'act-8of16.yaml')], cacheDir: dir };
    expect(statuses(await runReview(opts))).toEqual(['miss', ['miss'], ['miss']]);
    const file = path.join(own, 'dense.safetensors');
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 1] ^= 0x04; // the lowest exponent bit of the last F16 value (little-endian): its magnitude doubles or halves
    await fs.writeFile(file, bytes);
    const changed = await runReview(opts);
    expect(changed.analysisCache).toBe('miss');
    expect(encodeValue(changed.data)).toBe(encodeValue((await runReview({ ...opts, cacheDir: undefined })).data));
  }, 120_000);

  it('a provisioning twin un-twinned by a change to its base takes its design points from the base\'s entry, renamed and reordered, the review equals the uncached one', async () => {
    // act-8of16 and act-8of16-sb (the same core but its provisioning): with provisioning swept the
    // second is the first's sparse-balanced variant; its copy here is also re-described, re-sourced
    // and not illustrative, which neither the twin rule nor the models read
    const folder = path.join(tmp, 'twins');
    await fs.mkdir(folder);
    await fs.copyFile(path.join(SHIPPED_PROFILE_DIR, 'act-8of16.yaml'), path.join(folder, 'act-8of16.yaml'));
    const sb = (await fs.readFile(path.join(SHIPPED_PROFILE_DIR, 'act-8of16-sb.yaml'), 'utf8'))
      .replace('illustrative: true', 'illustrative: false')
      .replace(/^sources:\n/m, 'sources:\n  - "a source only this copy cites"\n')
      .replace(/^description: >-\n/m, 'description: >-\n  A copy re-described for the test.\n');
    await fs.writeFile(path.join(folder, 'act-8of16-sb.yaml'), sb);
    const dir = path.join(tmp, 'cache-twins');
    const opts: ReviewOptions = { ...FAST, axes: { selector: ['mux', 'hierarchical'], provisioning: ['dense-balanced', 'sparse-balanced'] }, traces: [bundle], profiles: [folder], cacheDir: dir };
    const cold = await runReview(opts);
    expect([cold.profileCache.points, cold.profileCache.pointsRenamed]).toEqual([['miss'], [false]]);
    expect(cold.data.profiles.map((p) => p.name)).toEqual(['act-8of16']);

    // act-8of16's clock: act-8of16-sb is a core of its own, whose variants are act-8of16's cold ones
    await edit(path.join(folder, 'act-8of16.yaml'), 'clock: 1830 MHz', 'clock: 1700 MHz');
    const rerun = await runReview(opts);
    // profiles sorted by name: act-8of16 (computed), act-8of16-sb (its twin's entry, renamed)
    expect([rerun.profileCache.points, rerun.profileCache.pointsRenamed]).toEqual([['miss', 'miss'], [false, true]]);
    expect(rerun.data.profiles.map((p) => p.name)).toEqual(['act-8of16', 'act-8of16-sb']);
    const sbPoints = rerun.data.points.filter((p) => p.profile.startsWith('act-8of16-sb'));
    expect(sbPoints.length).toBeGreaterThan(0);
    expect(sbPoints.every((p) => p.id.startsWith(`${p.profile}|`) && p.variant?.base === 'act-8of16-sb')).toBe(true);
    const fresh = encodeValue((await runReview({ ...opts, cacheDir: undefined })).data);
    expect(encodeValue(rerun.data)).toBe(fresh);
    // not stored twice: act-8of16-sb has no entry of its own, a second rerun renames again (and still equals)
    const entries = (await fs.readdir(dir)).filter((n) => n.startsWith('points-'));
    expect(entries).toHaveLength(2);
    const warm = await runReview(opts);
    expect([warm.profileCache.points, warm.profileCache.pointsRenamed]).toEqual([['hit', 'miss'], [false, true]]);
    expect(encodeValue(warm.data)).toBe(fresh);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('points-'))).toEqual(entries);
  }, 120_000);

  it('a points entry stores every point with a null accuracy and proxy (its configuration\'s lookups, which the key holds) and a variant\'s later points as differences from its first, and a hit puts the lookups\' values back: the review equals the uncached one', async () => {
    const dir = path.join(tmp, 'cache-packed');
    // two mitigations without a measured run (both proxies, so points with the same fields): two configurations per pattern, which share the variant's hardware figures
    const opts: ReviewOptions = { ...FAST, mitigations: ['var', 'dpts'], traces: [bundle], profiles: [profiles], cacheDir: dir };
    const cold = await runReview(opts);
    expect(cold.profileCache.points).toEqual(['miss', 'miss']);
    const entries = (await fs.readdir(dir)).filter((n) => n.startsWith('points-'));
    expect(entries).toHaveLength(2);
    let stored = 0;
    let like = 0;
    for (const name of entries) {
      const entry = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as { value: { points: { point?: Record<string, unknown> }[]; profiles: Record<string, unknown>[] } };
      // each variant's profile record after the first is its difference from the first
      expect(entry.value.profiles.map((p) => Object.keys(p)[0])).toEqual(['index', '$like']);
      for (const r of entry.value.points) {
        if (!r.point) continue;
        stored++;
        // a point stored as "$like" an earlier one holds only what differs: never an accuracy here
        if ('$like' in r.point) like++;
        else expect(r.point.accuracy).toBeNull();
        if ('accuracy' in r.point) expect(r.point.accuracy).toBeNull();
        if ('proxy' in r.point) expect(r.point.proxy).toBeNull();
      }
    }
    // one full point per variant × pattern (a row of the variants table), the other mitigation's a difference from it
    expect(like).toBeGreaterThan(0);
    expect(stored - like).toBe(cold.data.variants?.length);
    expect(like).toBe(stored / 2);
    const warm = await runReview(opts);
    expect(warm.profileCache.points).toEqual(['hit', 'hit']);
    const fresh = encodeValue((await runReview({ ...opts, cacheDir: undefined })).data);
    expect(encodeValue(cold.data)).toBe(fresh);
    expect(encodeValue(warm.data)).toBe(fresh);
    expect(warm.data.points.every((p) => p.accuracy !== null && typeof p.accuracy.value === 'number')).toBe(true);
  }, 60_000);

  it('packPoints keeps an accuracy or proxy that is not its lookup\'s value, and unpackPoints restores the rest in their key order', () => {
    const config = { pattern: parsePattern('8:16'), criterion: 'magnitude' as const, mitigation: 'none' as const };
    const measured = { value: 12.5, kind: 'measured-perplexity' as const, source: 'run x' };
    const proxy = { value: 0.25, kind: 'proxy-rel-err' as const, source: 'analysis' };
    const inputs = { configs: [config], weightRuns: [], accuracy: () => measured, proxy: () => proxy, weightAccuracy: () => measured };
    const point = (accuracy: typeof measured, p: typeof proxy) => ({ id: 'a', profile: 'a', pattern: config.pattern, accuracy, proxy: p, model: 'm' }) as never;
    const records = { points: [{ index: 0, point: point(measured, proxy) }, { index: 1, point: point({ ...measured, value: 13 }, { ...proxy }) }], profiles: [], energy: [] };
    const packed = packPoints(records, inputs);
    // index 1 is configuration 0 of the next profile (1 point per profile): an equal proxy is packed,
    // a different accuracy kept; the second point is the first but its accuracy
    expect(packed.points.map((r) => r.point)).toEqual([
      { id: 'a', profile: 'a', pattern: config.pattern, accuracy: null, proxy: null, model: 'm' },
      { $like: 0, accuracy: { ...measured, value: 13 } },
    ]);
    expect(records.points[0].point).toEqual(point(measured, proxy));
    const back = unpackPoints(JSON.parse(JSON.stringify(packed)), inputs);
    expect(JSON.stringify(back)).toBe(JSON.stringify(records));
  });

  it('a point that differs from its base only by −0, NaN or an undefined field comes back as it went in', () => {
    const config = { pattern: parsePattern('8:16'), criterion: 'magnitude' as const, mitigation: 'none' as const };
    const acc = { value: 1, kind: 'proxy-rel-err' as const, source: 's' };
    const inputs = { configs: [config], weightRuns: [], accuracy: () => acc, proxy: () => undefined, weightAccuracy: () => acc };
    const rec = (index: number, x: unknown, y: unknown) => ({ index, point: { id: `p${index}`, profile: 'a', pattern: config.pattern, accuracy: acc, x, y } as never });
    const records = { points: [rec(0, 0, 1), rec(1, -0, NaN), rec(2, 0, undefined), rec(3, 0, 1)], profiles: [], energy: [] };
    const packed = packPoints(records, inputs);
    expect(packed.points.map((r) => r.point)).toEqual([
      { id: 'p0', profile: 'a', pattern: config.pattern, accuracy: null, x: 0, y: 1 },
      { $like: 0, id: 'p1', x: -0, y: NaN },
      // y undefined: JSON leaves it out, so the point is stored whole
      { id: 'p2', profile: 'a', pattern: config.pattern, accuracy: null, x: 0, y: undefined },
      { $like: 0, id: 'p3' },
    ]);
    const back = unpackPoints(decodeValue(encodeValue(packed)) as typeof packed, inputs);
    expect(Object.is((back.points[1].point as unknown as { x: number }).x, -0)).toBe(true);
    expect(encodeValue(back)).toBe(encodeValue(records));
  });

  it('a profile record stored as its difference from the first comes back equal, −0 and NaN included; one holding an undefined where it differs is stored whole', () => {
    const inputs = { configs: [], weightRuns: [], accuracy: () => undefined, proxy: () => undefined, weightAccuracy: () => ({ value: 1, kind: 'proxy-rel-err' as const, source: 's' }) };
    const base = { index: 0, report: { profile: 'a', areaUm2: 10, parts: [{ n: 'mux', a: 1 }, { n: 'meta', a: 2 }], flags: [1, 2] }, tech: { key: 't', rows: [{ x: 0 }] } };
    const other = { index: 1, report: { profile: 'a · b', areaUm2: -0, parts: [{ n: 'mux', a: NaN }, { n: 'meta', a: 2 }], flags: [1, 2, 3] }, tech: { key: 't', rows: [{ x: 0 }] } };
    const holed = { index: 2, report: { ...base.report, areaUm2: undefined }, tech: base.tech };
    const records = { points: [], profiles: [base, other, holed] as never[], energy: [] };
    const packed = packPoints(records, inputs);
    expect(packed.profiles[0]).toBe(base);
    // only what differs: the index, the name, the area, one part's area and the longer list
    expect(packed.profiles[1]).toEqual({ $like: 0, $delta: { $o: { index: { $v: 1 }, report: { $o: { profile: { $v: 'a · b' }, areaUm2: { $v: -0 }, parts: { $a: { 0: { $o: { a: { $v: NaN } } } } }, flags: { $v: [1, 2, 3] } } } } } });
    expect(packed.profiles[2]).toBe(holed);
    const back = unpackPoints(decodeValue(encodeValue(packed)) as typeof packed, inputs);
    expect(encodeValue(back.profiles)).toBe(encodeValue(records.profiles));
    expect(Object.is((back.profiles[1] as unknown as typeof other).report.areaUm2, -0)).toBe(true);
  });

  it('the accuracy lookups are read back from their entry equal to accuracyFor and weightAccuracy, and a changed per-story NLL is a new entry, never the stale interval', async () => {
    const dir = path.join(tmp, 'cache-accuracy');
    const c816 = { pattern: parsePattern('8:16'), criterion: 'magnitude' as const, mitigation: 'none' as const };
    const c1632 = { pattern: parsePattern('16:32'), criterion: 'magnitude' as const, mitigation: 'none' as const };
    const perStory = { nllSumsNats: [30, 41, 25, 52, 33, 47], tokens: [10, 12, 9, 14, 11, 13] };
    // perplexity = exp(ΣNLL / Σtokens) = exp(228 / 69)
    const run: MeasuredRun = { ...c816, runId: '8of16', perplexity: Math.exp(228 / 69), dataset: 'd', scoredTokens: 69, perStory };
    const weight: MeasuredWeightRun = { pattern: parsePattern('2:4'), criterion: 'magnitude', runId: 'w24', perplexity: 30, dataset: 'd', scoredTokens: 69, perStory };
    const proxies = [{ ...c1632, relErrL2: 0.125, source: 'analysis' }];
    const src = { configs: [c816, c1632], measured: [run], proxies, weightRuns: [weight], bundleLabel: 'b' };
    const expected = encodeValue([accuracyFor(c816, [run], proxies, 'b'), accuracyFor(c1632, [run], proxies, 'b'), weightAccuracy(weight, 'b')]);
    const cold = await accuracyLookupsCached(dir, src);
    const warm = await accuracyLookupsCached(dir, src);
    expect([cold.status, warm.status]).toEqual(['miss', 'hit']);
    for (const l of [cold, warm]) expect(encodeValue([l.accuracy(c816), l.accuracy(c1632), l.weightAccuracy(weight)])).toBe(expected);
    // a measured accuracy carries its bootstrap interval, which the entry stores
    expect(warm.accuracy(c816)?.interval).toHaveLength(2);
    // one object per configuration, whoever asks
    expect(warm.accuracy(c816)).toBe(warm.accuracy(c816));
    // the same perplexity with other stories: another interval, another entry
    const moved = { ...run, perStory: { ...perStory, nllSumsNats: [20, 51, 25, 52, 33, 47] } };
    const changed = await accuracyLookupsCached(dir, { ...src, measured: [moved] });
    expect(changed.status).toBe('miss');
    expect(encodeValue(changed.accuracy(c816))).toBe(encodeValue(accuracyFor(c816, [moved], proxies, 'b')));
    expect(changed.accuracy(c816)?.interval).not.toEqual(warm.accuracy(c816)?.interval);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('accuracy-'))).toHaveLength(2);
  });

  it('a profile\'s serving rows are kept per perf view: a copy under another name, description and power (which serving never reads) misses its own entry but computes nothing, and its rows carry its name', async () => {
    const patterns = ['8:16'].map((p) => parsePattern(p));
    const mix = { promptTokens: 512, outputTokens: 64 };
    const shape = catalogModel('llama3.1-8b');
    const folder = path.join(tmp, 'serving-view');
    await fs.mkdir(folder);
    await fs.copyFile(path.join(SHIPPED_PROFILE_DIR, 'act-8of16.yaml'), path.join(folder, 'act-8of16.yaml'));
    const text = await fs.readFile(path.join(SHIPPED_PROFILE_DIR, 'act-8of16.yaml'), 'utf8');
    const power = text.slice(text.indexOf('\npower:\n'), text.indexOf('\nchip:\n'));
    expect(power.length).toBeGreaterThan(0);
    await fs.writeFile(path.join(folder, 'renamed.yaml'), text.replace('name: act-8of16', 'name: renamed').replace(/^description: >-\n/m, 'description: >-\n  Another description.\n').replace(power, ''));
    const dir = path.join(tmp, 'serving-view-cache');
    const views = async () => (await fs.readdir(dir)).filter((n) => n.startsWith('servingview-')).sort();
    const original = (await loadProfilesHashed([path.join(folder, 'act-8of16.yaml')])).profiles;
    const copy = (await loadProfilesHashed([path.join(folder, 'renamed.yaml')])).profiles;
    expect(copy[0].loaded.profile.power).toBeUndefined();
    const a = await servingForCached(dir, { profiles: original }, patterns, shape, [], mix, 50);
    const written = await views();
    expect([a.status, written.length]).toEqual([['miss'], 1]);
    const b = await servingForCached(dir, { profiles: copy }, patterns, shape, [], mix, 50);
    // its own entry missed, its view's was read: no view entry written
    expect(b.status).toEqual(['miss']);
    expect(await views()).toEqual(written);
    expect(b.serving.rows.map((r) => r.profile)).toEqual(['renamed', 'renamed']);
    expect(encodeValue(b.serving)).toBe(encodeValue(servingFor([copy[0].loaded.profile], patterns, shape, [], mix, 50)));
    // a changed clock is another view: computed and written
    await fs.writeFile(path.join(folder, 'renamed.yaml'), text.replace('name: act-8of16', 'name: renamed').replace('clock: 1830 MHz', 'clock: 1700 MHz'));
    const slower = (await loadProfilesHashed([path.join(folder, 'renamed.yaml')])).profiles;
    const c = await servingForCached(dir, { profiles: slower }, patterns, shape, [], mix, 50);
    expect((await views()).length).toBe(2);
    expect(encodeValue(c.serving)).toBe(encodeValue(servingFor([slower[0].loaded.profile], patterns, shape, [], mix, 50)));
  });

  it('serving rows of each profile alone, joined, are servingFor over every profile (the cache stores per profile what servingFor gives for all)', async () => {
    const { profiles: hashed } = await loadProfilesHashed([path.join(SHIPPED_PROFILE_DIR, 'act-8of16.yaml'), path.join(SHIPPED_PROFILE_DIR, 'a100-like.yaml')]);
    const patterns = ['2:4', '8:16'].map((p) => parsePattern(p));
    const mix = { promptTokens: 512, outputTokens: 64 };
    const whole = servingFor(
      hashed.map((h) => h.loaded.profile),
      patterns,
      catalogModel('llama3.1-8b'),
      [],
      mix,
      50,
    );
    const dir = path.join(tmp, 'serving');
    const cold = await servingForCached(dir, { profiles: hashed }, patterns, catalogModel('llama3.1-8b'), [], mix, 50);
    const warm = await servingForCached(dir, { profiles: hashed }, patterns, catalogModel('llama3.1-8b'), [], mix, 50);
    expect([cold.status, warm.status]).toEqual([
      ['miss', 'miss'],
      ['hit', 'hit'],
    ]);
    // loadProfilesHashed sorts by name; a100-like runs dense and 2:4 (its native), act-8of16 dense, 2:4 and 8:16
    expect(whole.rows.map((r) => `${r.profile} ${formatPattern(r.pattern)}`)).toEqual(['a100-like dense', 'a100-like 2:4', 'act-8of16 dense', 'act-8of16 2:4', 'act-8of16 8:16']);
    expect(encodeValue(cold.serving)).toBe(encodeValue(whole));
    expect(encodeValue(warm.serving)).toBe(encodeValue(whole));
  });
});

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analysisCacheKey, ANALYSIS_ENTRY, CACHE_DIR_ENV, cacheEntryFile, cached, codeFingerprint, decodeValue, DeferredStores, defaultCacheDir, encodeValue, readEntry, readValue, type CacheKeyInput } from '../../src/review/cache.js';
import { runReview, type ReviewOptions } from '../../src/review/run-review.js';
import { runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let bundle: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-cache-'));
  bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// axes {}: the cores as written (the design axes multiply the points, not what the cache keeps)
const FAST: ReviewOptions = { profiles: ['act-8of16', 'act-16of32'], criteria: ['magnitude'], mitigations: ['none'], axes: {} };

/** The analysis entries (the per-profile and PNG entries beside them: profile-cache.test.ts, png-cache.test.ts). */
async function entries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => f.startsWith('analysis-') && f.endsWith('.json')).sort();
}

describe('cache values', () => {
  it('come back exactly as stored: NaN, ±Infinity, −0, null, nested records and arrays', () => {
    const value = { a: [1, -0, NaN, Infinity, -Infinity, null, 0.1 + 0.2], b: { c: 'x', d: true, e: { f: 1e-300 } }, g: [] as number[] };
    const back = decodeValue(encodeValue(value)) as typeof value;
    expect(Object.is(back.a[1], -0)).toBe(true);
    expect(Number.isNaN(back.a[2])).toBe(true);
    expect(back.a[3]).toBe(Infinity);
    expect(back.a[4]).toBe(-Infinity);
    expect(back.a[6]).toBe(0.30000000000000004);
    expect(encodeValue(back)).toBe(encodeValue(value));
    expect(back.b.e.f).toBe(1e-300);
  });

  it('refuse what JSON cannot carry exactly (a Map, a typed array, undefined in an array) instead of storing something else', () => {
    expect(() => encodeValue({ m: new Map() })).toThrow(/value\.m is a Map/);
    expect(() => encodeValue({ t: new Float32Array(2) })).toThrow(/Float32Array/);
    expect(() => encodeValue([1, undefined])).toThrow(/undefined at value\[1\]/);
  });
});

describe('the cache key', () => {
  const base: CacheKeyInput = { toolVersion: '0.1.0', code: 'c0', bundle: { path: 'b', root: '/x/b', files: [{ path: 'manifest.json', sha256: 'aa' }, { path: 't.safetensors', sha256: 'bb' }] }, plan: { patterns: ['8:16'], batchSizes: [1, 8] } };

  it('changes with any file hash, the plan, the bundle path and the tool version, and not with the order of a record\'s keys', () => {
    const key = analysisCacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(analysisCacheKey({ ...base, bundle: { ...base.bundle, files: [base.bundle.files[0], { path: 't.safetensors', sha256: 'bc' }] } })).not.toBe(key);
    expect(analysisCacheKey({ ...base, plan: { patterns: ['8:16'], batchSizes: [1, 16] } })).not.toBe(key);
    expect(analysisCacheKey({ ...base, bundle: { ...base.bundle, path: 'c' } })).not.toBe(key);
    expect(analysisCacheKey({ ...base, toolVersion: '0.2.0' })).not.toBe(key);
    expect(analysisCacheKey({ ...base, code: 'c1' })).not.toBe(key);
    expect(analysisCacheKey({ ...base, plan: { batchSizes: [1, 8], patterns: ['8:16'] } })).toBe(key);
  });

  it('sees every byte of nmsim\'s code (.js and .ts, not .d.ts or other files), so changed code never reads an old entry', async () => {
    const code = path.join(tmp, 'code');
    await fs.mkdir(path.join(code, 'analysis'), { recursive: true });
    await fs.writeFile(path.join(code, 'analysis', 'analyze.js'), 'export const x = 1;');
    await fs.writeFile(path.join(code, 'index.ts'), 'export {};');
    const before = await codeFingerprint(code);
    await fs.writeFile(path.join(code, 'index.d.ts'), 'export {};');
    await fs.writeFile(path.join(code, 'README.md'), '# notes');
    expect(await codeFingerprint(code)).toBe(before);
    await fs.writeFile(path.join(code, 'analysis', 'analyze.js'), 'export const x = 2;');
    expect(await codeFingerprint(code)).not.toBe(before);
    // derived here: sha256 over "path\0bytes\0" of the code files in sorted path order
    const expected = createHash('sha256');
    for (const [f, text] of [['analysis/analyze.js', 'export const x = 2;'], ['index.ts', 'export {};']]) expected.update(`${f}\0`).update(text).update('\0');
    expect(await codeFingerprint(code)).toBe(expected.digest('hex'));
    expect(await codeFingerprint()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lives in $NMSIM_CACHE_DIR when set, else in .nmsim-cache beside the report folder', () => {
    expect(defaultCacheDir('reports/review', {})).toBe(path.resolve('reports', '.nmsim-cache'));
    expect(defaultCacheDir('reports/review', { [CACHE_DIR_ENV]: '/var/tmp/c' })).toBe(path.resolve('/var/tmp/c'));
    expect(defaultCacheDir('reports/review', { [CACHE_DIR_ENV]: '' })).toBe(path.resolve('reports', '.nmsim-cache'));
  });
});

describe('cached()', () => {
  it('stores on a miss, reads on a hit, and stores nothing when a computation throws', async () => {
    const dir = path.join(tmp, 'unit');
    let calls = 0;
    const compute = async () => ({ n: ++calls, nan: NaN });
    const miss = await cached(dir, 'k1', compute);
    const hit = await cached(dir, 'k1', compute);
    expect([miss.status, hit.status, calls]).toEqual(['miss', 'hit', 1]);
    expect(hit.value.n).toBe(1);
    expect(Number.isNaN(hit.value.nan)).toBe(true);
    await expect(cached(dir, 'k2', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await fs.readdir(dir)).toEqual(['analysis-k1.json']);
    expect((await cached(undefined, 'k1', compute)).status).toBe('off');
  });

  it('a read started ahead is what cached() uses: its text is a hit, a missing file a silent miss, an unreadable one the same warning as its own read', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'prefetch-'));
    await cached(dir, 'k', async () => ({ n: 1 }));
    const hit = await cached(dir, 'k', async () => ({ n: 2 }), ANALYSIS_ENTRY, readEntry(cacheEntryFile(dir, 'k')));
    expect([hit.status, hit.value, hit.warnings]).toEqual(['hit', { n: 1 }, []]);
    // the prefetched text is the one decoded: another entry's text under this key is corrupt
    await cached(dir, 'other', async () => ({ n: 9 }));
    const wrong = await cached(dir, 'k', async () => ({ n: 3 }), ANALYSIS_ENTRY, readEntry(cacheEntryFile(dir, 'other')));
    expect([wrong.status, wrong.value, wrong.warnings.map((w) => w.code)]).toEqual(['miss', { n: 3 }, ['review/cache-corrupt']]);
    const missing = await cached(dir, 'm', async () => ({ n: 4 }), ANALYSIS_ENTRY, readEntry(cacheEntryFile(dir, 'm')));
    expect([missing.status, missing.warnings]).toEqual(['miss', []]);
    // a folder where the entry should be: unreadable (and then unwritable)
    await fs.mkdir(cacheEntryFile(dir, 'd'));
    const own = await cached(dir, 'd', async () => ({ n: 5 }));
    const ahead = await cached(dir, 'd', async () => ({ n: 5 }), ANALYSIS_ENTRY, readEntry(cacheEntryFile(dir, 'd')));
    expect(own.warnings.map((w) => w.code)).toEqual(['review/cache-unreadable', 'review/cache-unwritable']);
    // the same warnings but the temp file's random name in the unwritable one's message
    expect(ahead.warnings[0]).toEqual(own.warnings[0]);
    expect(ahead.warnings.map((w) => w.code)).toEqual(['review/cache-unreadable', 'review/cache-unwritable']);
    expect(ahead.value).toEqual({ n: 5 });
  });

  it.each([
    ['garbage', 'not json at all'],
    ['a truncated entry', '{"format":"nmsim-review-analysis-cache/2","key":"k","value":{"n":'],
    ['an entry for another key', '{"format":"nmsim-review-analysis-cache/2","key":"other","value":{"n":99}}'],
    ['an entry of another format', '{"format":"nmsim-review-analysis-cache/0","key":"k","value":{"n":99}}'],
    ['an unknown number tag', '{"format":"nmsim-review-analysis-cache/2","key":"k","value":{"n":{"$num":"7"}}}'],
  ])('ignores %s with a warning, recomputes and rewrites it', async (_what, text) => {
    const dir = await fs.mkdtemp(path.join(tmp, 'corrupt-'));
    await fs.writeFile(cacheEntryFile(dir, 'k'), text);
    const r = await cached(dir, 'k', async () => ({ n: 1 }));
    expect(r.status).toBe('miss');
    expect(r.value).toEqual({ n: 1 });
    expect(r.warnings.map((w) => [w.code, w.severity, w.file])).toEqual([['review/cache-corrupt', 'warning', cacheEntryFile(dir, 'k')]]);
    const again = await cached(dir, 'k', async () => ({ n: 2 }));
    expect([again.status, again.value, again.warnings]).toEqual(['hit', { n: 1 }, []]);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writers racing on one key each rename a whole entry into place: one entry, no temp file, a hit after', async () => {
    const dir = path.join(tmp, 'race');
    const racers = await Promise.all([1, 2, 3, 4].map((n) => cached(dir, 'k', async () => ({ n, values: Array.from({ length: 100_000 }, (_, i) => i * n) }))));
    expect(racers.map((r) => r.status)).toEqual(['miss', 'miss', 'miss', 'miss']);
    expect(await fs.readdir(dir)).toEqual(['analysis-k.json']);
    const after = await cached(dir, 'k', async () => ({ n: 0, values: [] as number[] }));
    expect(after.status).toBe('hit');
    expect(after.value.values[99_999]).toBe(99_999 * after.value.n);
  });

  it('a folder it cannot create costs a warning, not the result', async () => {
    const blocker = path.join(tmp, 'a-file');
    await fs.writeFile(blocker, 'x');
    const r = await cached(path.join(blocker, 'cache'), 'k', async () => 42);
    expect([r.status, r.value, r.warnings.map((w) => w.code)]).toEqual(['miss', 42, ['review/cache-unwritable']]);
  });

  it('with deferred stores a miss returns its value at once and writes the entry (in `stored`\'s form) only when they are flushed; a failed write is flush\'s warning', async () => {
    const dir = path.join(tmp, 'deferred');
    const stores = new DeferredStores();
    const value = { n: 1, list: [1, 2, 3] };
    const stored = (v: typeof value) => ({ ...v, list: v.list.length });
    const miss = await cached(dir, 'k', async () => value, ANALYSIS_ENTRY, undefined, { stored, defer: stores });
    expect([miss.status, miss.value, miss.warnings, stores.size]).toEqual(['miss', value, [], 1]);
    await expect(fs.readdir(dir)).rejects.toThrow();
    expect(await stores.flush()).toEqual([]);
    expect(stores.size).toBe(0);
    // a hit hands back what was stored (the caller undoes `stored`)
    const hit = await cached(dir, 'k', async () => value, ANALYSIS_ENTRY, undefined, { stored, defer: stores });
    expect([hit.status, hit.value, stores.size]).toEqual(['hit', { n: 1, list: 3 }, 0]);
    expect(await readValue(dir, 'k', ANALYSIS_ENTRY)).toEqual({ n: 1, list: 3 });
    expect(await readValue(dir, 'another', ANALYSIS_ENTRY)).toBeUndefined();
    // without deferral the same entry is written before cached() returns
    await cached(dir, 'k2', async () => value, ANALYSIS_ENTRY, undefined, { stored });
    expect((await fs.readdir(dir)).sort()).toEqual(['analysis-k.json', 'analysis-k2.json']);
    const blocker = path.join(tmp, 'a-file-deferred');
    await fs.writeFile(blocker, 'x');
    const failing = await cached(path.join(blocker, 'cache'), 'k', async () => 42, ANALYSIS_ENTRY, undefined, { defer: stores });
    expect([failing.value, failing.warnings]).toEqual([42, []]);
    expect((await stores.flush()).map((w) => w.code)).toEqual(['review/cache-unwritable']);
  });
});

describe('the review through the cache (synthetic bundle)', () => {
  it('a rerun reads the analysis and returns the same review as a run without the cache; only a bundle byte, or the plan, makes it analyse again', async () => {
    const dir = path.join(tmp, 'review-cache');
    const fresh = await runReview({ ...FAST, traces: [bundle] });
    expect(fresh.analysisCache).toBe('off');
    const first = await runReview({ ...FAST, traces: [bundle], cacheDir: dir });
    const second = await runReview({ ...FAST, traces: [bundle], cacheDir: dir });
    expect([first.analysisCache, second.analysisCache]).toEqual(['miss', 'hit']);
    expect(await entries(dir)).toHaveLength(1);
    // exact, −0 and NaN included: the cached review is the uncached one
    expect(encodeValue(second.data)).toBe(encodeValue(fresh.data));
    expect(encodeValue(first.data)).toBe(encodeValue(fresh.data));
    expect(second.warnings).toEqual(fresh.warnings);

    // another profile set with the same native patterns: only the profiles' models run again
    const otherProfiles = await runReview({ ...FAST, profiles: ['act-8of16', 'act-16of32', 'act-flex'], traces: [bundle], cacheDir: dir });
    expect(otherProfiles.analysisCache).toBe('hit');

    // the plan: another criterion list is another analysis
    const plan = await runReview({ ...FAST, criteria: ['magnitude', 'clact'], traces: [bundle], cacheDir: dir });
    expect(plan.analysisCache).toBe('miss');
    expect(await entries(dir)).toHaveLength(2);

    // one byte of a tensor file flipped, same size and same mtime: a new analysis
    const file = path.join(bundle, 'dense.safetensors');
    const mtimeS = 1_700_000_000; // whole seconds, which every file system stores exactly
    await fs.utimes(file, mtimeS, mtimeS);
    expect((await runReview({ ...FAST, traces: [bundle], cacheDir: dir })).analysisCache).toBe('hit'); // the key is content, not mtime
    const before = await fs.stat(file);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 1] ^= 0x04; // the lowest exponent bit of the last F16 value (little-endian): its magnitude doubles or halves
    await fs.writeFile(file, bytes);
    await fs.utimes(file, mtimeS, mtimeS);
    const after = await fs.stat(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    const changed = await runReview({ ...FAST, traces: [bundle], cacheDir: dir });
    expect(changed.analysisCache).toBe('miss');
    expect(await entries(dir)).toHaveLength(3);
    const changedFresh = await runReview({ ...FAST, traces: [bundle] });
    expect(encodeValue(changed.data)).toBe(encodeValue(changedFresh.data));
    expect(encodeValue(changed.data)).not.toBe(encodeValue(fresh.data));
  }, 60_000);

  it('the entry holds what the review reads of the analysis (proxies, measured sparsity, union density, I/O rows, conventions, notes, warnings), not the analyses themselves', async () => {
    const dir = path.join(tmp, 'review-summary');
    const first = await runReview({ ...FAST, traces: [bundle], cacheDir: dir });
    const [entry] = await entries(dir);
    const text = await fs.readFile(path.join(dir, entry), 'utf8');
    const value = (decodeValue(text) as { value: Record<string, unknown[]> }).value;
    expect(Object.keys(value).sort()).toEqual(['conventions', 'ioSavings', 'measured', 'notes', 'proxies', 'structureRunId', 'unionDensity', 'warnings']);
    // no per-site statistics: the synthetic bundle's sites never appear in the entry
    expect(text).not.toMatch(/"sites"/);
    // FAST sweeps magnitude+none on 4 patterns (2:4, 4:8, 8:16, 16:32, unstructured): one proxy each
    expect((value.proxies as { criterion: string }[]).map((p) => p.criterion)).toEqual(['magnitude', 'magnitude', 'magnitude', 'magnitude', 'magnitude']);
    // the same numbers reach the report as from the uncached review
    expect(encodeValue((await runReview({ ...FAST, traces: [bundle], cacheDir: dir })).data)).toBe(encodeValue(first.data));
  }, 60_000);

  it('a corrupted entry is ignored with a warning and rewritten, and the review is the uncached one', async () => {
    const dir = path.join(tmp, 'review-corrupt');
    const first = await runReview({ ...FAST, traces: [bundle], cacheDir: dir });
    const [entry] = await entries(dir);
    const text = await fs.readFile(path.join(dir, entry), 'utf8');
    await fs.writeFile(path.join(dir, entry), text.slice(0, Math.floor(text.length / 2)));
    const recovered = await runReview({ ...FAST, traces: [bundle], cacheDir: dir });
    expect(recovered.analysisCache).toBe('miss');
    expect(recovered.warnings.filter((w) => w.code.startsWith('review/cache')).map((w) => w.code)).toEqual(['review/cache-corrupt']);
    expect(encodeValue(recovered.data)).toBe(encodeValue(first.data));
    expect(await fs.readFile(path.join(dir, entry), 'utf8')).toBe(text);
  }, 60_000);
});

describe('nmsim review and the cache folder', () => {
  it('--no-cache stores nothing beside --out; $NMSIM_CACHE_DIR moves the cache elsewhere', async () => {
    const cli = ['--traces', bundle, '--profiles', 'act-8of16', '--criteria', 'magnitude', '--mitigations', 'none', '--no-progress'];
    const reports = path.join(tmp, 'cli-reports');
    const off = runCli(['review', ...cli, '--out', path.join(reports, 'off'), '--no-cache'], { env: { [CACHE_DIR_ENV]: '' } });
    expect(off.code).toBe(0);
    expect(await fs.readdir(reports)).toEqual(['off']);
    const elsewhere = path.join(tmp, 'elsewhere');
    const moved = runCli(['review', ...cli, '--out', path.join(reports, 'moved')], { env: { [CACHE_DIR_ENV]: elsewhere } });
    expect(moved.code).toBe(0);
    expect((await fs.readdir(reports)).sort()).toEqual(['moved', 'off']);
    expect(await entries(elsewhere)).toHaveLength(1);
  }, 60_000);
});

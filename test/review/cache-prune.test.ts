import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cached, CACHE_KEEP, pruneCache, STALE_TEMP_MS } from '../../src/review/cache.js';
import { pngEntryFile, pngCacheKey } from '../../src/report/png-cache.js';
import { writeReviewReport } from '../../src/report/write-report.js';
import { fixtureReviewData } from '../report/fixture.js';

let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-prune-'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000; // epoch ms, whole seconds (every file system stores them exactly)
/** a 64-hex key whose digits are all `d` */
const key = (d: string) => d.repeat(64);

/** Writes `name` in `dir` with its mtime at `ms`. */
async function plant(dir: string, name: string, ms: number): Promise<void> {
  await fs.writeFile(path.join(dir, name), 'x');
  await fs.utimes(path.join(dir, name), ms / 1000, ms / 1000);
}

async function folder(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir);
  return dir;
}

describe('pruning the review cache folder', () => {
  it('keeps the newest entries of each kind up to its count and removes the older ones; names not its own stay', async () => {
    const dir = await folder('counts');
    // points entries used at T0, T0+1 s … T0+4 s; two analysis entries; one PNG
    for (let i = 0; i < 5; i++) await plant(dir, `points-${key(String(i))}.json`, T0 + i * 1000);
    await plant(dir, `analysis-${key('a')}.json`, T0);
    await plant(dir, `analysis-${key('b')}.json`, T0 + 1000);
    await plant(dir, `png-${key('c')}.png`, T0);
    for (const foreign of ['notes.txt', 'points-k1.json', `other-${key('d')}.json`]) await plant(dir, foreign, T0 - 1000);
    const removed = await pruneCache(dir, T0 + 10_000, { points: 2, analysis: 1, png: 1 }, T0 + 10_000);
    expect(removed).toEqual([`analysis-${key('a')}.json`, `points-${key('0')}.json`, `points-${key('1')}.json`, `points-${key('2')}.json`]);
    expect((await fs.readdir(dir)).sort()).toEqual([`analysis-${key('b')}.json`, 'notes.txt', `other-${key('d')}.json`, 'points-k1.json', `points-${key('3')}.json`, `points-${key('4')}.json`, `png-${key('c')}.png`].sort());
  });

  it('never removes an entry the current review used, however many there are', async () => {
    const dir = await folder('current');
    for (let i = 0; i < 5; i++) await plant(dir, `serving-${key(String(i))}.json`, T0 + i * 1000);
    // the review began at T0 + 2 s: entries 2, 3, 4 are its own; keep 1 would otherwise leave only 4
    expect(await pruneCache(dir, T0 + 2000, { serving: 1 }, T0 + 10_000)).toEqual([`serving-${key('0')}.json`, `serving-${key('1')}.json`]);
  });

  it('removes temp files of interrupted writes older than an hour, not younger ones (a write may be in progress)', async () => {
    const dir = await folder('temps');
    const now = T0 + 2 * STALE_TEMP_MS;
    const old = `.points-${key('1')}.123.abcd1234.tmp`;
    const oldPng = `.png-${key('2')}.png.123.abcd1234.tmp`;
    const young = `.points-${key('3')}.456.abcd1234.tmp`;
    await plant(dir, old, now - STALE_TEMP_MS - 1000);
    await plant(dir, oldPng, now - STALE_TEMP_MS - 1000);
    await plant(dir, young, now - STALE_TEMP_MS + 60_000);
    expect(await pruneCache(dir, now, CACHE_KEEP, now)).toEqual([old, oldPng].sort());
    expect(await fs.readdir(dir)).toEqual([young]);
  });

  it('a cache hit marks its entry as used: an old entry that every review reads outlives newer unused ones', async () => {
    const dir = await folder('hits');
    const k = key('e');
    await cached(dir, k, async () => ({ n: 1 }), { prefix: 'points', what: 'test' });
    await fs.utimes(path.join(dir, `points-${k}.json`), T0 / 1000, T0 / 1000);
    await plant(dir, `points-${key('f')}.json`, T0 + 5000);
    const before = Date.now() - 2000; // coarse file-system clocks
    const hit = await cached(dir, k, async () => ({ n: 2 }), { prefix: 'points', what: 'test' });
    expect([hit.status, hit.value]).toEqual(['hit', { n: 1 }]);
    // the mark is written without waiting for it: give it a moment
    for (let i = 0; i < 50 && (await fs.stat(path.join(dir, `points-${k}.json`))).mtimeMs < before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await pruneCache(dir, T0 + 10_000, { points: 1 }, Date.now())).toEqual([`points-${key('f')}.json`]);
  });

  it('writing a review report prunes the cache folder to CACHE_KEEP per kind and keeps the PNGs the report used', async () => {
    const dir = await folder('report');
    // more stale chart PNGs than the cache keeps, all older than this process
    const stale = Array.from({ length: CACHE_KEEP.png + 5 }, (_, i) => `png-${i.toString(16).padStart(64, '0')}.png`);
    for (const [i, name] of stale.entries()) await plant(dir, name, T0 + i * 1000);
    const out = path.join(tmp, 'report-out');
    const written = await writeReviewReport(out, fixtureReviewData(), { toolVersion: '0.1.0', command: 'test', timingsMs: {} }, { cacheDir: dir });
    const svgs = written.files.filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBeGreaterThan(0);
    const own = await Promise.all(svgs.map(async (f) => path.basename(pngEntryFile(dir, await pngCacheKey(await fs.readFile(path.join(out, f), 'utf8'))))));
    const left = (await fs.readdir(dir)).filter((f) => f.startsWith('png-'));
    const ownDistinct = new Set(own).size;
    // this report's PNGs, then the newest stale ones up to the count
    expect(left.length).toBe(Math.max(CACHE_KEEP.png, ownDistinct));
    for (const name of own) expect(left).toContain(name);
    expect(left.filter((f) => stale.includes(f)).sort()).toEqual(stale.slice(stale.length - (CACHE_KEEP.png - ownDistinct)).sort());
  }, 60_000);
});

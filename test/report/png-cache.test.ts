import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cachedPng, pngCacheKey, pngEntryFile } from '../../src/report/png-cache.js';
import { renderPng, renderPngOffThread } from '../../src/report/png.js';
import { renderCharts } from '../../src/report/charts/index.js';
import { fixtureReviewData } from './fixture.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-png-cache-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A 40 × 20 SVG: a filled rectangle of `fill` on white (80 × 40 px at the PNG zoom of 2). */
const svg = (fill: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect x="10" y="5" width="20" height="10" fill="${fill}"/></svg>`;

describe('the chart PNG cache', () => {
  it('gives renderPng\'s bytes, stores them under the SVG\'s hash, and reads them back on the next call instead of rasterising', async () => {
    const dir = path.join(tmp, 'hit');
    const expected = (await renderPng(svg('#ff0000'))).png;
    const first = await cachedPng(svg('#ff0000'), dir);
    expect(Buffer.from(first).equals(Buffer.from(expected))).toBe(true);
    const file = pngEntryFile(dir, await pngCacheKey(svg('#ff0000')));
    expect(Buffer.from(await fs.readFile(file)).equals(Buffer.from(expected))).toBe(true);
    expect(await fs.readdir(dir)).toEqual([path.basename(file)]); // no temp file left
    // proof that a hit reads the entry: a whole PNG of another picture put in its place comes back
    const other = (await renderPng(svg('#0000ff'))).png;
    await fs.writeFile(file, other);
    expect(Buffer.from(await cachedPng(svg('#ff0000'), dir)).equals(Buffer.from(other))).toBe(true);
  });

  it('keys on every byte of the SVG: a changed colour is another entry with its own pixels', async () => {
    const dir = path.join(tmp, 'key');
    expect(await pngCacheKey(svg('#ff0000'))).not.toBe(await pngCacheKey(svg('#ff0001')));
    const a = await cachedPng(svg('#ff0000'), dir);
    const b = await cachedPng(svg('#ff0001'), dir);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect((await fs.readdir(dir)).length).toBe(2);
    // the centre pixel (40, 20) of the second picture is (255, 0, 1)
    const { pixels, widthPx } = await renderPng(svg('#ff0001'));
    expect([...pixels.subarray((20 * widthPx + 40) * 4, (20 * widthPx + 40) * 4 + 3)]).toEqual([255, 0, 1]);
  });

  it('rasterises again and rewrites an entry that is not a whole PNG (truncated, or not a PNG)', async () => {
    const dir = path.join(tmp, 'corrupt');
    const good = await cachedPng(svg('#00ff00'), dir);
    const file = pngEntryFile(dir, await pngCacheKey(svg('#00ff00')));
    for (const bad of [Buffer.from(good).subarray(0, good.length - 1), Buffer.from('not a png')]) {
      await fs.writeFile(file, bad);
      expect(Buffer.from(await cachedPng(svg('#00ff00'), dir)).equals(Buffer.from(good))).toBe(true);
      expect(Buffer.from(await fs.readFile(file)).equals(Buffer.from(good))).toBe(true);
    }
  });

  it('without a folder rasterises and stores nothing; an unwritable folder still gives the PNG', async () => {
    expect(Buffer.from(await cachedPng(svg('#ff0000'), undefined)).equals(Buffer.from((await renderPng(svg('#ff0000'))).png))).toBe(true);
    const blocker = path.join(tmp, 'a-file');
    await fs.writeFile(blocker, 'x');
    const png = await cachedPng(svg('#ff0000'), path.join(blocker, 'cache'));
    expect(Buffer.from(png).equals(Buffer.from((await renderPng(svg('#ff0000'))).png))).toBe(true);
  });
});

describe('rasterising off the main thread (rerun16d)', () => {
  it('gives the in-thread bytes for every chart of a review, several at once', async () => {
    const svgs = Object.values(await renderCharts(fixtureReviewData()));
    expect(svgs.length).toBeGreaterThanOrEqual(4);
    // started together, as write-report.ts starts them
    const offThread = await Promise.all(svgs.map((s) => renderPngOffThread(s)));
    for (const [i, s] of svgs.entries()) {
      const inThread = (await renderPng(s)).png;
      expect(inThread.length).toBeGreaterThan(1000);
      expect(Buffer.from(offThread[i]).equals(Buffer.from(inThread))).toBe(true);
    }
    // and without fonts too (the options are the same object)
    const bare = svg('#123456');
    expect(Buffer.from(await renderPngOffThread(bare, { withFonts: false })).equals(Buffer.from((await renderPng(bare, { withFonts: false })).png))).toBe(true);
  }, 30_000);
});

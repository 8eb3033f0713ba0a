/**
 * A chart's PNG cache miss reaches the worker before the caller yields to the event loop
 * (report/png-cache.ts cachedPng reads the entry synchronously): renderReport draws every chart
 * without yielding, and an async read held every miss back until the drawing was over, so the
 * rasterising formed a tail (issue 16). Drives dist/ in a child node, as png-worker.test.ts does
 * (under ts-jest no worker can start).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(REPO_ROOT, 'dist');

// a chart-sized SVG resvg takes a while over; the caller then "draws" (busy, no yield) three times as long
const script = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const { cachedPng, pngCacheKey } = await import(${JSON.stringify(path.join(DIST, 'report', 'png-cache.js'))});
const { renderPngOffThread } = await import(${JSON.stringify(path.join(DIST, 'report', 'png.js'))});
const svg = (seed) => '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900">' + Array.from({ length: 1500 }, (_, i) => '<circle cx="' + ((i * 37 + seed) % 1200) + '" cy="' + ((i * 53) % 900) + '" r="' + (5 + (i % 40)) + '" fill="#' + ((i * 7919 + seed) % 0xffffff).toString(16).padStart(6, '0') + '" fill-opacity="0.5"/>').join('') + '</svg>';
const dir = mkdtempSync(join(tmpdir(), 'nmsim-png-pipeline-'));
await pngCacheKey('prime'); // the code fingerprint, computed once per process (a review has it from its analysis)
await renderPngOffThread(svg(1)); // the workers started
let t = performance.now();
await renderPngOffThread(svg(2));
const renderMs = performance.now() - t;
const pending = cachedPng(svg(3), dir); // a miss: no entry in the new folder
for (let i = 0; i < 50; i++) await null; // microtasks only, as renderReport's awaits on drawing
const end = performance.now() + 3 * renderMs;
while (performance.now() < end); // drawing the other charts: the event loop does not turn
t = performance.now();
await pending;
const waitedMs = performance.now() - t;
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ renderMs, waitedMs }));
`;

describe('a chart PNG missing from the cache', () => {
  it('is rasterised while the caller goes on drawing: it is ready when the drawing ends, not a full rasterising later', () => {
    expect(existsSync(path.join(DIST, 'report', 'png-cache.js'))).toBe(true);
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } })) as { renderMs: number; waitedMs: number };
    expect(out.renderMs).toBeGreaterThan(20);
    // handed out late, it would take about renderMs after the drawing; handed out at once, only the reply's delivery
    expect(out.waitedMs).toBeLessThan(out.renderMs / 2);
  });
});

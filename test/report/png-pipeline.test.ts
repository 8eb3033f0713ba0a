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

// a miss is handed to a worker within microtasks: counted by the pool (pngWorkerLoad), no clock read
const script = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const { cachedPng, pngCacheKey } = await import(${JSON.stringify(path.join(DIST, 'report', 'png-cache.js'))});
const { renderPngOffThread, pngWorkerLoad } = await import(${JSON.stringify(path.join(DIST, 'report', 'png.js'))});
const svg = (r) => '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40"><circle cx="30" cy="20" r="' + r + '" fill="#3366cc"/></svg>';
const handed = () => pngWorkerLoad().reduce((a, b) => a + b, 0);
const dir = mkdtempSync(join(tmpdir(), 'nmsim-png-pipeline-'));
await pngCacheKey('prime'); // the code fingerprint, computed once per process (a review has it from its analysis)
await renderPngOffThread(svg(5)); // the workers started
const before = handed();
const pending = cachedPng(svg(7), dir); // a miss: no entry in the new folder
for (let i = 0; i < 50; i++) await null; // microtasks only, as renderReport's awaits while it draws
const afterMicrotasks = handed();
const png = await pending;
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ before, afterMicrotasks, pngBytes: png.length }));
`;

describe('a chart PNG missing from the cache', () => {
  it('is handed to a PNG worker before the caller yields to the event loop (not after the drawing ends)', () => {
    expect(existsSync(path.join(DIST, 'report', 'png-cache.js'))).toBe(true);
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } })) as { before: number; afterMicrotasks: number; pngBytes: number };
    expect(out.afterMicrotasks).toBe(out.before + 1);
    expect(out.pngBytes).toBeGreaterThan(100);
  });
});

/**
 * A chart's PNG is handed to a rasterising thread when renderReport hands over the chart's SVG,
 * not when renderReport next yields to the event loop: renderReport draws the tables for
 * ~200 ms without yielding after its last chart, and a rasteriser that only started then was the
 * report's tail (issue 16). Compiled code only (the pool cannot start under ts-jest), so this
 * drives dist/report/png-cache.js in a child node, as png-worker.test.ts does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(REPO_ROOT, 'dist', 'report');

const script = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cachedPng } from ${JSON.stringify(path.join(DIST, 'png-cache.js'))};
import { pngWorkerLoad } from ${JSON.stringify(path.join(DIST, 'png.js'))};
const svg = (fill) => '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect x="10" y="5" width="20" height="10" fill="' + fill + '"></rect></svg>';
const handed = () => pngWorkerLoad().reduce((a, b) => a + b, 0);
const dir = mkdtempSync(path.join(tmpdir(), 'nmsim-png-handoff-'));
try {
  await cachedPng(svg('#ff0000'), dir); // stored: the next call for it is a hit
  const before = handed();
  const miss = cachedPng(svg('#00ff00'), dir);
  const afterMiss = handed(); // read before anything yields
  const hit = cachedPng(svg('#ff0000'), dir);
  const afterHit = handed();
  await Promise.all([miss, hit]);
  process.stdout.write(JSON.stringify({ miss: afterMiss - before, hit: afterHit - afterMiss, total: handed() - before }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
`;

describe('handing a chart to the PNG threads', () => {
  it('hands a cache miss to a rasterising thread before cachedPng returns, and a hit to none', () => {
    expect(existsSync(path.join(DIST, 'png-cache.js'))).toBe(true);
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } })) as { miss: number; hit: number; total: number };
    expect(out).toEqual({ miss: 1, hit: 0, total: 1 });
  });
});

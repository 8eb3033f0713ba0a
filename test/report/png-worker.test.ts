/**
 * The compiled renderPngOffThread hands each chart to a pool of worker threads (src/report/png-worker.ts);
 * under ts-jest it cannot start (a .ts module), so this test drives dist/report/png.js in a child
 * node (built by `npm test`'s build step, as the CLI tests need).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PNG_JS = path.join(REPO_ROOT, 'dist', 'report', 'png.js');

// three charts with text (the fonts reach the worker) and one SVG resvg refuses
const script = `
import { createHash } from 'node:crypto';
import { PNG_WORKERS, pngWorkerLoad, renderPng, renderPngOffThread } from ${JSON.stringify(PNG_JS)};
const svg = (fill, label) => '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect x="10" y="5" width="40" height="20" fill="' + fill + '"></rect><text x="60" y="25" font-size="12">' + label + '</text></svg>';
const inputs = [svg('#ff0000', '8:16 area 11.4 %'), svg('#00aa00', '16:32 area 17.0 %'), svg('#0000ff', 'µm² − ×')];
const sha = (b) => createHash('sha256').update(b).digest('hex');
const off = await Promise.all(inputs.map((s) => renderPngOffThread(s)));
const load = pngWorkerLoad();
const inThread = await Promise.all(inputs.map(async (s) => (await renderPng(s)).png));
let refused = 'none';
try { await renderPngOffThread('<svg'); } catch (e) { refused = e.message; }
const after = await renderPngOffThread(inputs[0]);
process.stdout.write(JSON.stringify({ off: off.map(sha), inThread: inThread.map(sha), refused, after: sha(after), load, workers: PNG_WORKERS }));
`;

describe('the PNG worker thread', () => {
  it('gives renderPng\'s bytes for charts started together, spreads them over its two threads, reports a refused SVG as an error, keeps serving after it, and lets the process exit', () => {
    expect(existsSync(PNG_JS)).toBe(true);
    // execFileSync returns only when the child exits: an idle worker must not hold the process open
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } })) as {
      off: string[];
      inThread: string[];
      refused: string;
      after: string;
      load: number[];
      workers: number;
    };
    expect(out.off).toEqual(out.inThread);
    expect(new Set(out.off).size).toBe(3);
    expect(out.refused).toMatch(/^resvg could not rasterise a chart: /);
    expect(out.after).toBe(out.inThread[0]);
    // three charts started together on a pool of two: 2 on the first thread, 1 on the second (one on a one-CPU machine)
    expect(out.workers).toBe(Math.min(2, availableParallelism()));
    expect(out.load).toEqual(out.workers === 2 ? [2, 1] : [3]);
  });
});

describe('the flags a worker thread inherits', () => {
  it('are the process\'s own less --input-type, --eval and --print with their values', async () => {
    const { workerExecArgv } = await import('../../src/worker-exec-argv.js');
    expect(workerExecArgv(['--input-type=module', '--max-old-space-size=300', '-e', 'import x from "y"', '--stack-size=900'])).toEqual(['--max-old-space-size=300', '--stack-size=900']);
    expect(workerExecArgv(['--input-type', 'module', '--eval=1', '-p', '2', '--print=3', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    expect(workerExecArgv([])).toEqual([]);
  });
});

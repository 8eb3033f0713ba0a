/**
 * `node --max-old-space-size=4096 dist/cli/main.js review` (a user giving the process more heap)
 * must not fail: node refuses V8's own flags in a worker thread's execArgv
 * (ERR_WORKER_INVALID_EXEC_ARGV), and every worker nmsim starts (PNG, analysis, capture pools)
 * inherited process.execArgv. Drives the compiled PNG path (a worker thread) in a child node
 * started with such flags.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PNG_JS = path.join(REPO_ROOT, 'dist', 'report', 'png.js');
const EXEC_ARGV_JS = path.join(REPO_ROOT, 'dist', 'worker-exec-argv.js');

const script = `
import { renderPng, renderPngOffThread } from ${JSON.stringify(PNG_JS)};
import { startWorker } from ${JSON.stringify(EXEC_ARGV_JS)};
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><rect x="5" y="5" width="30" height="10" fill="#ff0000"></rect></svg>';
const off = Buffer.from(await renderPngOffThread(svg)).toString('hex');
const inThread = Buffer.from((await renderPng(svg)).png).toString('hex');
// what a worker started by nmsim runs with
const w = startWorker("require('node:worker_threads').parentPort.postMessage(process.execArgv)", { eval: true });
const workerArgv = await new Promise((resolve) => w.once('message', resolve));
process.stdout.write(JSON.stringify({ same: off === inThread, workerArgv, mainArgv: process.execArgv }));
`;

describe('worker threads under node flags a worker refuses', () => {
  it('start without the V8 flags (the process has them already) and keep the node flags', () => {
    expect(existsSync(PNG_JS)).toBe(true);
    const flags = ['--max-old-space-size=4096', '--stack-size=2000', '--enable-source-maps'];
    const out = JSON.parse(execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } })) as { same: boolean; workerArgv: string[]; mainArgv: string[] };
    expect(out.same).toBe(true);
    expect(out.mainArgv).toEqual(expect.arrayContaining(flags));
    // the two V8 flags left out, the node flag kept, --input-type/-e dropped as before
    expect(out.workerArgv).toEqual(['--enable-source-maps']);
  });
});

/**
 * Worker thread for analyze(): opens the bundle once, then analyses the sites it is sent.
 * Errors travel back as data (an NmsimError's diagnostics) and are rethrown on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isNmsimError } from '../diagnostics.js';
import { openBundle, type TraceBundle } from '../trace/bundle.js';
import { analyzeSite } from './site-analysis.js';
import { loadSiteInput } from './site-input.js';
import type { AnalysisPlan } from './types.js';

const { root, plan } = workerData as { root: string; plan: AnalysisPlan };
let bundle: Promise<TraceBundle> | undefined;

parentPort!.on('message', async (msg: { id: number; runIndex: number; siteIndex: number }) => {
  try {
    bundle ??= openBundle(root);
    const b = await bundle;
    const run = b.manifest.runs[msg.runIndex];
    const input = await loadSiteInput(b, run, msg.runIndex, msg.siteIndex, plan);
    const result = await analyzeSite(input, plan, (rows) => parentPort!.postMessage({ kind: 'rows', rows }));
    parentPort!.postMessage({ kind: 'done', result });
  } catch (e) {
    const error = isNmsimError(e) ? { diagnostics: e.diagnostics, kind: e.kind } : { message: (e as Error)?.message ?? String(e) };
    parentPort!.postMessage({ kind: 'error', error });
  }
});

/**
 * One worker of perplexity-pool.ts: receives the shared model, the stream and the configuration
 * once (workerData), then claims windows from the shared counter until none is left, scores each
 * (windowLosses, the single-thread code) and returns its losses. Errors go back as data (an NmsimError's diagnostics).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isNmsimError } from '../diagnostics.js';
import { CRITERION_INFO } from '../sparsity/registry.js';
import { windowLosses } from './perplexity.js';
import { poolWindows, type PoolReply, type PoolWorkerInit } from './perplexity-pool.js';
import { createPruningHooks, isDenseSpec, modelAmberFactors } from './prune-hooks.js';

const init = workerData as PoolWorkerInit;
const { model, stream, spec, calibration } = init;
const pruned = spec !== undefined && !isDenseSpec(spec);
// amber factors are static (weights only): computed once per worker when not given
const amber = pruned && CRITERION_INFO[spec.criterion].perConsumer ? (init.amber ?? modelAmberFactors(model)) : undefined;

const windows = poolWindows(stream.length, model.config.seqLen);

// claim windows until none is left (init.next, shared with every thread); each window's losses go
// back as soon as they are scored
for (let w = Atomics.add(init.next, 0, 1); w < windows.length; w = Atomics.add(init.next, 0, 1)) {
  let reply: PoolReply;
  try {
    const hooks = pruned ? createPruningHooks(model, spec, { amber, calibration }) : undefined;
    const losses = windowLosses(model, stream.subarray(windows[w].start, windows[w].end), hooks);
    reply = { w, losses };
    parentPort!.postMessage(reply, [losses.buffer as ArrayBuffer]);
  } catch (e) {
    reply = {
      w,
      error: isNmsimError(e) ? { message: e.message, diagnostics: e.diagnostics, kind: e.kind } : { message: e instanceof Error ? (e.stack ?? e.message) : String(e) },
    };
    parentPort!.postMessage(reply);
    break;
  }
}

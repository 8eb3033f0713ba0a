/**
 * One worker of perplexity-pool.ts: receives the shared model, the stream and the configuration
 * once (workerData), then scores the windows it is sent (windowLosses, the single-thread code)
 * and returns each window's losses. Errors go back as data (an NmsimError's diagnostics).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isNmsimError } from '../diagnostics.js';
import { CRITERION_INFO } from '../sparsity/registry.js';
import { windowLosses } from './perplexity.js';
import type { PoolReply, PoolRequest, PoolWorkerInit } from './perplexity-pool.js';
import { createPruningHooks, isDenseSpec, modelAmberFactors } from './prune-hooks.js';

const init = workerData as PoolWorkerInit;
const { model, stream, spec, calibration } = init;
const pruned = spec !== undefined && !isDenseSpec(spec);
// amber factors are static (weights only): computed once per worker when not given
const amber = pruned && CRITERION_INFO[spec.criterion].perConsumer ? (init.amber ?? modelAmberFactors(model)) : undefined;

parentPort!.on('message', (req: PoolRequest) => {
  let reply: PoolReply;
  try {
    const hooks = pruned ? createPruningHooks(model, spec, { amber, calibration }) : undefined;
    const losses = windowLosses(model, stream.subarray(req.start, req.end), hooks);
    reply = { w: req.w, losses };
    parentPort!.postMessage(reply, [losses.buffer as ArrayBuffer]);
  } catch (e) {
    reply = {
      w: req.w,
      error: isNmsimError(e) ? { message: e.message, diagnostics: e.diagnostics, kind: e.kind } : { message: e instanceof Error ? (e.stack ?? e.message) : String(e) },
    };
    parentPort!.postMessage(reply);
  }
});

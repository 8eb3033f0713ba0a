/**
 * The perplexity protocol (perplexity.ts) on worker threads: the windows are independent (each
 * from an empty cache), so long-lived workers score them in any order and the main thread adds
 * each window's losses in window order (NllAccumulator), which keeps every float64 sum — the
 * run's total and each story's — in the single-thread order: the result is the same bits for
 * any thread count (test/capture/perplexity-pool.test.ts).
 *
 * The model's tensors are copied once into one SharedArrayBuffer (`shareModel`) that every
 * worker reads (with the model's precision, precision.ts); each worker builds the configuration's hooks per window exactly as the
 * single-thread path does. Recording (the capture observer) is not available here: a run that
 * records stays on `evaluatePerplexity`.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { NmsimError, type Diagnostic, type ErrorKind } from '../diagnostics.js';
import type { LayerWeights, ModelWeights } from './checkpoint.js';
import { CRITERION_INFO } from '../sparsity/registry.js';
import { NllAccumulator, windowLosses, windowStarts, type PerplexityResult } from './perplexity.js';
import { createPruningHooks, isDenseSpec, modelAmberFactors, type Calibration, type RunSpec } from './prune-hooks.js';
import { startWorker } from '../worker-exec-argv.js';

/** What a worker needs once: the shared model, the stream and the configuration. */
export interface PoolWorkerInit {
  model: ModelWeights;
  stream: Int32Array;
  /** undefined or a dense spec: no hooks */
  spec?: RunSpec;
  amber?: Map<string, Float32Array>;
  calibration?: Calibration;
  /**
   * next[0]: the next window to score, claimed by every thread with Atomics.add (no messages, so
   * a worker never waits for the busy main thread to hand it work, and the last windows go to
   * whichever thread is free first); a value ≥ the window count means none is left
   */
  next: Int32Array;
}

export type PoolReply =
  | { w: number; losses: Float64Array }
  | { w: number; error: { message: string; diagnostics?: Diagnostic[]; kind?: ErrorKind } };

/** the windows of a stream, in order, as [start, end) */
export function poolWindows(streamLength: number, seqLen: number): { start: number; end: number }[] {
  return windowStarts(streamLength, seqLen).map((start) => ({ start, end: Math.min(start + seqLen, streamLength) }));
}

const LAYER_TENSORS = ['rmsAtt', 'wq', 'wk', 'wv', 'wo', 'rmsFfn', 'w1', 'w2', 'w3'] as const;

/**
 * The model with every tensor copied into one SharedArrayBuffer (tensors that are the same
 * array, like a tied classifier, stay one array); workers receive it without a copy.
 */
export function shareModel(model: ModelWeights): ModelWeights {
  const tensors: Float32Array[] = [];
  const note = (a: Float32Array) => {
    if (!tensors.includes(a)) tensors.push(a);
  };
  note(model.tokenEmbedding);
  for (const l of model.layers) for (const k of LAYER_TENSORS) note(l[k]);
  note(model.rmsFinal);
  note(model.wcls);
  const total = tensors.reduce((s, a) => s + a.length, 0);
  const buffer = new SharedArrayBuffer(total * 4);
  const shared = new Map<Float32Array, Float32Array>();
  let offset = 0;
  for (const a of tensors) {
    const view = new Float32Array(buffer, offset * 4, a.length);
    view.set(a);
    shared.set(a, view);
    offset += a.length;
  }
  const s = (a: Float32Array) => shared.get(a)!;
  return {
    config: { ...model.config },
    tokenEmbedding: s(model.tokenEmbedding),
    layers: model.layers.map((l) => Object.fromEntries(LAYER_TENSORS.map((k) => [k, s(l[k])])) as unknown as LayerWeights),
    rmsFinal: s(model.rmsFinal),
    wcls: s(model.wcls),
    ...(model.precision ? { precision: model.precision } : {}),
  };
}

/**
 * Threads by default: the cores this process may use that the 1-minute load average leaves free,
 * at least 1 (freeCores). Measured (bench/README.md, issue 17 capture): on this 2-core machine at
 * load 5–9 a second thread never found a free core — 2 threads took 9–70 % more wall time and
 * 10–50 % more CPU than 1 on 10 and 100 stories — while on free cores it scores windows in
 * parallel. The results are the same bits for any count, so the choice changes only the time.
 */
export function defaultThreads(): number {
  return freeCores(os.availableParallelism(), os.loadavg()[0]);
}

/** max(1, cores − round(load)), at most cores (a load average of 0 where the OS has none, e.g. Windows). */
export function freeCores(cores: number, loadAverage: number): number {
  const busy = Number.isFinite(loadAverage) && loadAverage > 0 ? Math.round(loadAverage) : 0;
  return Math.max(1, Math.min(cores, cores - busy));
}

export interface PoolOptions {
  /** threads (≥ 1: this one and threads − 1 workers); default: defaultThreads(); never more than the windows */
  threads?: number;
  spec?: RunSpec;
  amber?: Map<string, Float32Array>;
  calibration?: Calibration;
  storyStarts?: readonly number[];
  onWindow?: (done: number, total: number) => void;
}

/**
 * evaluatePerplexity's result (the same bits) with the windows scored on `threads` threads: this
 * one and threads − 1 workers (threads = 1: no worker). The main thread takes a window whenever
 * it is free, so one thread's start-up (module load, WASM compile, weight packing, a cold JIT) is
 * saved against threads workers, and its warm kernels serve every later run of the process.
 * `seconds`/`tokensPerSecond` include starting the workers and sharing the model.
 */
export async function evaluatePerplexityThreaded(model: ModelWeights, stream: Int32Array, opts: PoolOptions = {}): Promise<PerplexityResult> {
  const started = performance.now();
  const seqLen = model.config.seqLen;
  const windows = poolWindows(stream.length, seqLen);
  // story starts are checked here, before any worker starts
  const acc = new NllAccumulator(stream.length, windows.length, opts.storyStarts);
  const threads = Math.max(1, Math.min(opts.threads ?? defaultThreads(), windows.length));
  if (windows.length === 0) return acc.result(started);
  const spec = opts.spec;
  const pruned = spec !== undefined && !isDenseSpec(spec);
  // amber factors are static (weights only): computed once here, for this thread and every worker
  const amber = pruned && CRITERION_INFO[spec.criterion].perConsumer ? (opts.amber ?? modelAmberFactors(model)) : undefined;
  const next = new Int32Array(new SharedArrayBuffer(4));
  const claim = (): number => Atomics.add(next, 0, 1);
  let workers: Worker[] = [];
  if (threads > 1) {
    const sharedStream = new Int32Array(new SharedArrayBuffer(stream.length * 4));
    sharedStream.set(stream);
    const init: PoolWorkerInit = { model: shareModel(model), stream: sharedStream, spec, amber, calibration: opts.calibration, next };
    workers = Array.from({ length: threads - 1 }, () => startWorker(new URL('./perplexity-worker.js', import.meta.url), { workerData: init }));
  }
  const done: (Float64Array | undefined)[] = new Array(windows.length);
  let added = 0; // windows added to the accumulator (in order)
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: unknown) => {
        if (!failed) {
          failed = true;
          // no thread claims another window
          Atomics.store(next, 0, windows.length);
          reject(e);
        }
      };
      /** a window's losses in; the finished prefix into the accumulator, in window order */
      const record = (w: number, losses: Float64Array): void => {
        done[w] = losses;
        try {
          while (added < windows.length && done[added]) {
            const a = added;
            acc.add(a, windows[a].start, windows[a].end - windows[a].start, done[a]!);
            done[a] = undefined;
            added++;
            opts.onWindow?.(added, windows.length);
          }
        } catch (err) {
          fail(err);
          return;
        }
        if (added === windows.length) resolve();
      };
      for (const worker of workers) {
        worker.on('error', fail);
        worker.on('message', (reply: PoolReply) => {
          if (failed) return;
          if ('error' in reply) {
            const e = reply.error;
            fail(e.diagnostics ? new NmsimError(e.diagnostics, e.kind) : new Error(e.message));
            return;
          }
          record(reply.w, reply.losses);
        });
      }
      // this thread: one claimed window at a time, the workers' replies read in between
      const scoreHere = () => {
        if (failed) return;
        const w = claim();
        if (w >= windows.length) return;
        let losses: Float64Array;
        try {
          const hooks = pruned ? createPruningHooks(model, spec, { amber, calibration: opts.calibration }) : undefined;
          losses = windowLosses(model, stream.subarray(windows[w].start, windows[w].end), hooks);
        } catch (e) {
          fail(e);
          return;
        }
        record(w, losses);
        setImmediate(scoreHere);
      };
      setImmediate(scoreHere);
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return acc.result(started);
}

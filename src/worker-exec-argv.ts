/**
 * The node flags a worker thread starts with: the process's own, less the ones about the main
 * script's source (`--input-type`, `-e`/`--eval`, `-p`/`--print`, with their values). A worker
 * inherits process.execArgv, and node refuses `--input-type` for anything but --eval/STDIN input,
 * so without this every worker of a process started as `node --input-type=module -e "…"` (a
 * script embedding nmsim, bench/review-rerun.mjs) fails with ERR_INPUT_TYPE_NOT_ALLOWED.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);

export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (WITH_VALUE.has(argv[i])) i++; // its value is the next argument
    else if (![...WITH_VALUE].some((f) => f.startsWith('--') && argv[i].startsWith(`${f}=`))) out.push(argv[i]);
  }
  return out;
}

/** The flags node refused in a worker's execArgv, once seen (startWorker): left out of every later worker. */
let refusedInWorkers = new Set<string>();

/**
 * `new Worker(script, { ...options, execArgv: workerExecArgv() })`, without the flags node refuses
 * in a worker: V8's own (`--max-old-space-size=…`, `--stack-size=…`, `--expose-gc`, `--no-opt`…),
 * which apply to the whole process already. node names them in the error it throws
 * (ERR_WORKER_INVALID_EXEC_ARGV, "Initiated Worker with invalid execArgv flags: a, b"); the worker
 * is started again without them, and later workers leave them out from the start. Without this,
 * `node --max-old-space-size=4096 nmsim review` failed at its first chart.
 */
export function startWorker(script: string | URL, options: WorkerOptions = {}): Worker {
  const execArgv = workerExecArgv().filter((f) => !refusedInWorkers.has(f));
  try {
    return new Worker(script, { ...options, execArgv });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    const named = /flags: (.*)$/.exec((e as Error).message)?.[1].split(', ') ?? [];
    const refused = named.filter((f) => execArgv.includes(f));
    // nothing named that we pass: not ours to repair
    if (refused.length === 0) throw e;
    refusedInWorkers = new Set([...refusedInWorkers, ...refused]);
    return new Worker(script, { ...options, execArgv: execArgv.filter((f) => !refusedInWorkers.has(f)) });
  }
}

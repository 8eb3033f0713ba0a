/**
 * The node flags a worker thread starts with: the process's own, less the ones about the main
 * script's source (`--input-type`, `-e`/`--eval`, `-p`/`--print`, with their values). A worker
 * inherits process.execArgv, and node refuses `--input-type` for anything but --eval/STDIN input,
 * so without this every worker of a process started as `node --input-type=module -e "…"` (a
 * script embedding nmsim, bench/review-rerun.mjs) fails with ERR_INPUT_TYPE_NOT_ALLOWED.
 */
const WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);

export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (WITH_VALUE.has(argv[i])) i++; // its value is the next argument
    else if (![...WITH_VALUE].some((f) => f.startsWith('--') && argv[i].startsWith(`${f}=`))) out.push(argv[i]);
  }
  return out;
}

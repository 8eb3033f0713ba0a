/**
 * The only place that prints diagnostics and chooses exit codes: 0 ok, 1 bad input or
 * environment (a file-system error such as ENOSPC or EROFS is `io/<errno>`, naming the path),
 * 2 bad usage, 130/143 interrupted by SIGINT/SIGTERM while an output was written. A bug
 * (anything else) prints one line and exits 3; set NMSIM_DEBUG=1 for its stack.
 */
import { formatDiagnostic, diagnosticToJson, isNmsimError, NmsimError, type Diagnostic } from '../diagnostics.js';
import { errnoDiagnostic, isErrnoError } from '../io/errno.js';
import { claimOutputFolder, interruptedBy, OutputInterrupted, releaseAllClaims, type OutputClaim } from '../io/output-folder.js';
import type { OutputKind } from '../io/output-kind.js';

export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;
/** 128 + signal number, as a shell reports a process ended by that signal */
const EXIT_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

export async function runCommand(json: boolean | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    const signal = interruptedBy();
    if (signal) {
      process.stderr.write(`✖ interrupted (${signal}) after the output was complete.\n`);
      process.exitCode = EXIT_SIGNAL[signal] ?? EXIT_INPUT;
    }
  } catch (e) {
    if (e instanceof OutputInterrupted) {
      process.stderr.write(`✖ interrupted (${e.signal}): the unfinished output was removed; ${e.target} is as it was.\n`);
      process.exitCode = EXIT_SIGNAL[e.signal] ?? EXIT_INPUT;
      return;
    }
    if (isNmsimError(e) || isErrnoError(e)) {
      reportNmsimError(json, isNmsimError(e) ? e : new NmsimError(errnoDiagnostic(e)));
      return;
    }
    const err = e as Error;
    process.stderr.write(`✖ internal error: ${err?.message ?? String(e)}\n  this is a bug in nmsim; rerun with NMSIM_DEBUG=1 for details.\n`);
    if (process.env.NMSIM_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    process.exitCode = EXIT_INTERNAL;
  } finally {
    // a lock that cannot be removed now is a dead run's lock to the next run, which takes it over
    await releaseAllClaims().catch(() => undefined);
  }
}

/** Prints an NmsimError's diagnostics (and a JSON error document with --json); sets the exit code. */
export function reportNmsimError(json: boolean | undefined, e: NmsimError): void {
  if (json) {
    process.stdout.write(JSON.stringify({ ok: false, errors: e.diagnostics.map(diagnosticToJson) }, null, 2) + '\n');
  }
  process.stderr.write(e.diagnostics.map(formatDiagnostic).join('\n') + '\n');
  process.exitCode = e.kind === 'usage' ? EXIT_USAGE : EXIT_INPUT;
}

/** Writes a JSON document to stdout (stable key order is the caller's job). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function printWarning(d: Diagnostic): void {
  process.stderr.write(formatDiagnostic(d) + '\n');
}

/** The command line as typed, for run.json, bundle manifests and output locks: "nmsim review --out x". */
export function commandLine(): string {
  return `nmsim ${process.argv.slice(2).join(' ')}`.trim();
}

/**
 * Claims a command's --out folder before any work (io/output-folder.ts): refuses it unless it
 * is new, empty or an earlier output of the same kind, never an input; takes its lock; recovers
 * what interrupted runs left (and says so on stderr). runCommand releases it at the end.
 */
export function claimOutput(out: string, kind: OutputKind, inputs: readonly string[]): Promise<OutputClaim> {
  return claimOutputFolder(out, kind, { inputs, command: commandLine(), onWarning: printWarning });
}

/**
 * A reader that goes away (`nmsim … --json | head`) closes stdout: stop writing to it, quietly,
 * and let the command finish (its output folder is complete either way). Any other stdout error
 * (a full disk under `> file`) is reported once as io/<errno>, exit 1.
 */
export function handleClosedStreams(): void {
  let reported = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || reported) return;
    reported = true;
    const d = errnoDiagnostic(e, { file: 'standard output', doing: 'cannot write the standard output' });
    process.stderr.write(formatDiagnostic({ ...d, hint: 'redirect the output to a file on a disk that takes it.' }) + '\n');
    process.exitCode = EXIT_INPUT;
  });
  process.stderr.on('error', () => {
    // nowhere left to report to
  });
}

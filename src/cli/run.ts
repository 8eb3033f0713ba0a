/**
 * The only place that prints diagnostics and chooses exit codes: 0 ok, 1 bad input, 2 bad usage.
 * A bug (anything that is not an NmsimError) prints one line and exits 3; set NMSIM_DEBUG=1
 * for its stack.
 */
import { formatDiagnostic, diagnosticToJson, isNmsimError, type NmsimError } from '../diagnostics.js';

export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

export async function runCommand(json: boolean | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (isNmsimError(e)) {
      reportNmsimError(json, e);
      return;
    }
    const err = e as Error;
    process.stderr.write(`✖ internal error: ${err?.message ?? String(e)}\n  this is a bug in nmsim; rerun with NMSIM_DEBUG=1 for details.\n`);
    if (process.env.NMSIM_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    process.exitCode = EXIT_INTERNAL;
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

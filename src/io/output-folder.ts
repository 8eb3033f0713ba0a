/**
 * The one way nmsim writes an output folder (analyze --out, capture --out, review --out):
 *
 *   claimOutputFolder   before any work: check the target (output-target.ts), create its
 *                       parent, take the lock (lock.ts), clean what dead runs left (stale.ts)
 *   claim.write(fill)   fill a fresh temporary sibling, add the marker (output-kind.ts), check
 *                       the target again, swap: target → old, temporary → target, then delete
 *                       only the old folder's own files
 *   claim.release()     drop the lock (and folders the claim created, if nothing was written)
 *
 * Claims are re-entrant per real path: a library writer (BundleWriter.finish,
 * writeReviewReport) called inside a command's claim joins it instead of locking twice.
 * A SIGINT/SIGTERM while a folder is being written is recorded, and the write stops at its next
 * step, removes its temporary and puts the old folder back (OutputInterrupted); a second signal
 * kills at once and the next run recovers. Outside a write, signals keep their default.
 */
import { promises as fs, existsSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { NmsimError, inputError, isNmsimError, type Diagnostic } from '../diagnostics.js';
import { errnoDiagnostic, isErrnoError } from './errno.js';
import { acquireLock, type OutputLock } from './lock.js';
import { OUTPUT_MARKER, listTree, markerText, type OutputKind } from './output-kind.js';
import { inspectExisting, realPathOf, resolveOutputTarget, type ResolvedTarget } from './output-target.js';
import { recoverStale, removeOwned } from './stale.js';
import { tempPath } from './temp-names.js';

export interface ClaimOptions {
  /** paths the command reads: the output may not be one, be inside one or contain one */
  inputs?: readonly string[];
  /** recorded in the lock so a second run can say who holds it */
  command?: string;
  /** where notes go (restored folders, removed temporaries, taken-over locks); default: claim.warnings */
  onWarning?: (d: Diagnostic) => void;
}

export interface OutputClaim {
  readonly target: ResolvedTarget;
  readonly kind: OutputKind;
  /** notes collected when no onWarning was given */
  readonly warnings: Diagnostic[];
  /** Builds the folder in a temporary sibling with `fill`, then swaps it into place. */
  write<T>(fill: (tmpDir: string) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/** Thrown when a SIGINT/SIGTERM stopped a write; the target is as it was before. */
export class OutputInterrupted extends Error {
  constructor(
    readonly signal: NodeJS.Signals,
    readonly target: string,
  ) {
    super(`interrupted by ${signal} while writing ${target}; the unfinished output was removed and ${target} is as it was`);
    this.name = 'OutputInterrupted';
  }
}

interface Held {
  target: ResolvedTarget;
  kind: OutputKind;
  lock: OutputLock;
  refs: number;
  createdDir?: string;
  wrote: boolean;
  warn: (d: Diagnostic) => void;
  warnings: Diagnostic[];
}

interface ActiveWrite {
  target: string;
  tmp: string;
  old?: string;
}

const held = new Map<string, Held>();
const writes = new Set<ActiveWrite>();
let interrupted: NodeJS.Signals | undefined;

const onSignal = (signal: NodeJS.Signals) => {
  interrupted = signal;
  setSignalListeners(false); // a second signal gets the default: exit at once
};
const sigint = () => onSignal('SIGINT');
const sigterm = () => onSignal('SIGTERM');
function setSignalListeners(on: boolean): void {
  process.removeListener('SIGINT', sigint);
  process.removeListener('SIGTERM', sigterm);
  if (on) {
    process.on('SIGINT', sigint);
    process.on('SIGTERM', sigterm);
  }
}

/** The signal that interrupted a write of this process, if one did. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return interrupted;
}

function checkInterrupt(target: string): void {
  if (interrupted) throw new OutputInterrupted(interrupted, target);
}

/** Re-throws an errno error from writing `given` as an io/<errno> diagnostic about that output. */
function asOutputError(e: unknown, given: string, doing: string): unknown {
  if (!isErrnoError(e)) return e;
  return new NmsimError(errnoDiagnostic(e, { file: given, doing: `${doing} ${given}` }));
}

export async function claimOutputFolder(out: string, kind: OutputKind, opts: ClaimOptions = {}): Promise<OutputClaim> {
  if (out.trim() !== '') {
    const again = held.get(await realPathOf(out).catch(() => path.resolve(out)));
    if (again && again.kind.id === kind.id) {
      again.refs++;
      return handle(again);
    }
  }
  const target = await resolveOutputTarget(out, opts.inputs ?? []);
  if (held.has(target.real)) {
    throw inputError({ code: 'output/busy', file: out, message: `${out} is already being written by this run as another kind of output.` });
  }
  const warnings: Diagnostic[] = [];
  const warn = opts.onWarning ?? ((d: Diagnostic) => warnings.push(d));
  let createdDir: string | undefined;
  let lock: OutputLock | undefined;
  try {
    createdDir = await fs.mkdir(path.dirname(target.real), { recursive: true });
    lock = await acquireLock(target.real, out, opts.command ?? 'nmsim', warn);
    await recoverStale(target, kind, warn);
    await inspectExisting(target, kind);
  } catch (e) {
    await lock?.release().catch(() => undefined);
    if (createdDir) await removeEmptyUpTo(path.dirname(target.real), createdDir);
    throw asOutputError(e, out, 'cannot create the output folder');
  }
  const h: Held = { target, kind, lock, refs: 1, createdDir, wrote: false, warn, warnings };
  held.set(target.real, h);
  return handle(h);
}

/** claim → write → release, for library callers; joins the caller's claim when there is one. */
export async function writeOutputFolder<T>(out: string, kind: OutputKind, fill: (tmpDir: string) => Promise<T>, opts: ClaimOptions = {}): Promise<T> {
  const claim = await claimOutputFolder(out, kind, opts);
  try {
    return await claim.write(fill);
  } finally {
    await claim.release();
  }
}

/** Releases every claim still held (the CLI calls this when a command ends, however it ends). */
export async function releaseAllClaims(): Promise<void> {
  for (const h of [...held.values()]) {
    h.refs = 1;
    await handle(h).release();
  }
}

/** For exit paths that cannot wait: put back moved-aside folders, drop temporaries and locks. */
export function cleanupSync(): void {
  for (const w of writes) {
    try {
      if (w.old && !existsSync(w.target)) renameSync(w.old, w.target);
      rmSync(w.tmp, { recursive: true, force: true });
    } catch {
      // best effort: the next run recovers what is left
    }
  }
  writes.clear();
  for (const h of held.values()) h.lock.releaseSync();
  held.clear();
}

async function removeEmptyUpTo(dir: string, top: string): Promise<void> {
  for (let d = dir; ; d = path.dirname(d)) {
    if (!(await fs.rmdir(d).then(() => true, () => false)) || d === top || path.dirname(d) === d) return;
  }
}

function handle(h: Held): OutputClaim {
  let released = false;
  return {
    target: h.target,
    kind: h.kind,
    warnings: h.warnings,
    write: (fill) => writeFolder(h, fill),
    async release() {
      if (released) return;
      released = true;
      if (--h.refs > 0) return;
      held.delete(h.target.real);
      await h.lock.release();
      if (!h.wrote && h.createdDir) await removeEmptyUpTo(path.dirname(h.target.real), h.createdDir);
    },
  };
}

async function writeFolder<T>(h: Held, fill: (tmpDir: string) => Promise<T>): Promise<T> {
  const { given, real } = h.target;
  const w: ActiveWrite = { target: real, tmp: tempPath(real, 'tmp') };
  if (writes.size === 0) setSignalListeners(true);
  writes.add(w);
  try {
    await fs.mkdir(w.tmp);
    const value = await fill(w.tmp);
    checkInterrupt(given);
    const tree = await listTree(w.tmp);
    await fs.writeFile(path.join(w.tmp, OUTPUT_MARKER), markerText(h.kind, tree.files.filter((f) => f !== OUTPUT_MARKER)));
    const existing = await inspectExisting(h.target, h.kind); // again: the folder may have changed during the run
    checkInterrupt(given);
    if (existing.state === 'folder') {
      w.old = tempPath(real, 'old');
      await fs.rename(real, w.old);
    }
    try {
      await fs.rename(w.tmp, real);
    } catch (e) {
      if (w.old) await fs.rename(w.old, real);
      w.old = undefined;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw inputError({ code: 'output/changed', file: given, message: `${given} was created by another program while nmsim was writing it; nothing was replaced.`, hint: 'check what wrote it, then rerun.' });
      }
      throw e;
    }
    h.wrote = true;
    if (w.old && existing.state === 'folder') {
      const old = w.old;
      w.old = undefined;
      const left = await removeOwned(old, existing.owned).catch(() => ['(could not list it)']);
      if (left.length > 0) {
        const kept = `${real}.kept-${path.basename(old).slice(-8)}`;
        await fs.rename(old, kept).catch(() => undefined);
        h.warn({ code: 'output/kept-files', severity: 'warning', file: given, message: `files appeared in ${given} while nmsim was writing it (${left.slice(0, 5).join(', ')}); they were kept in ${kept}.` });
      }
    }
    return value;
  } catch (e) {
    await fs.rm(w.tmp, { recursive: true, force: true }).catch(() => undefined);
    if (w.old && !existsSync(real)) await fs.rename(w.old, real).catch(() => undefined);
    if (isNmsimError(e) || e instanceof OutputInterrupted) throw e;
    throw asOutputError(e, given, 'cannot write the output folder');
  } finally {
    writes.delete(w);
    if (writes.size === 0 && !interrupted) setSignalListeners(false);
  }
}

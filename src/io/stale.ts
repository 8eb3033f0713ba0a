/**
 * What an interrupted run leaves beside an output, and how the next run to the same output
 * cleans it up (only entries named by temp-names.ts whose pid no longer runs):
 *
 *   .<name>.nmsim-tmp-*   an unfinished new output          → removed
 *   .<name>.nmsim-old-*   the previous output, moved aside:
 *                           target absent                   → restored (renamed back)
 *                           target present, nmsim's own     → its files removed (the swap had finished)
 *                           target present, anything else   → kept, and a warning names it
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { OUTPUT_MARKER, listTree, type OutputKind } from './output-kind.js';
import { inspectExisting, type ResolvedTarget } from './output-target.js';
import { isProcessAlive, parseTempName, type TempEntry } from './temp-names.js';

/**
 * Deletes the listed files of `dir` (the marker last, so a removal cut short still leaves a
 * folder marked as nmsim's), then the folders they leave empty; returns what remains.
 */
export async function removeOwned(dir: string, owned: readonly string[]): Promise<string[]> {
  const markerLast = [...owned.filter((f) => f !== OUTPUT_MARKER), ...owned.filter((f) => f === OUTPUT_MARKER)];
  for (const f of markerLast) await fs.rm(path.join(dir, f), { force: true });
  const folders = [...new Set(owned.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))];
  for (const d of folders.sort((a, b) => b.split('/').length - a.split('/').length)) {
    await fs.rmdir(path.join(dir, d)).catch(() => undefined);
  }
  try {
    await fs.rmdir(dir);
    return [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const left = await listTree(dir);
    return [...left.files, ...left.others];
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** Cleans what dead runs left beside `target`; call with the target's lock held. */
export async function recoverStale(target: ResolvedTarget, kind: OutputKind, warn: (d: Diagnostic) => void): Promise<void> {
  const dir = path.dirname(target.real);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return; // the folder does not exist yet: nothing was left
  }
  const stale = names
    .map((n) => parseTempName(target.real, n))
    .filter((t): t is TempEntry => t !== undefined && t.pid !== process.pid && !isProcessAlive(t.pid));
  const note = (code: string, message: string) => warn({ code, severity: 'warning', file: target.given, message });
  for (const t of stale.filter((s) => s.role === 'tmp')) {
    await fs.rm(path.join(dir, t.name), { recursive: true, force: true });
    const what = t.name.includes('.nmsim-lock.stale-') ? 'a lock it was taking over' : 'its unfinished output';
    note('output/removed-temporary', `removed ${path.join(dir, t.name)}, ${what}, left by an interrupted nmsim run (pid ${t.pid}).`);
  }
  const olds = await Promise.all(stale.filter((s) => s.role === 'old').map(async (t) => ({ t, mtimeMs: (await fs.stat(path.join(dir, t.name))).mtimeMs })));
  olds.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { t } of olds) {
    const p = path.join(dir, t.name);
    if (!(await exists(target.real))) {
      await fs.rename(p, target.real);
      note('output/restored', `restored ${target.given} from ${p}, where an interrupted nmsim run (pid ${t.pid}) had set it aside while replacing it.`);
      continue;
    }
    let owned: string[] | undefined;
    try {
      const seen = await inspectExisting({ given: p, real: p }, kind);
      owned = seen.state === 'folder' ? seen.owned : undefined;
    } catch {
      owned = undefined;
    }
    const left = owned ? await removeOwned(p, owned) : [p];
    if (left.length === 0) {
      note('output/removed-temporary', `removed ${p}, the previous output an interrupted nmsim run (pid ${t.pid}) had already replaced.`);
    } else {
      note('output/kept-old', `kept ${p}: an interrupted nmsim run (pid ${t.pid}) set it aside, and it holds files nmsim did not write${owned ? ` (${left.slice(0, 5).join(', ')})` : ''}; move what you need out of it, then delete it.`);
    }
  }
}

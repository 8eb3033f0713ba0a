/**
 * One writer per output: a lock file beside the target (`.<name>.nmsim-lock`, created with
 * O_EXCL) holding the writer's pid, a random token, its command and start time. A second run
 * finds it and stops with a clear message; a lock whose pid no longer runs is taken over:
 * renamed aside first (only one taker can rename it), checked to still be the dead run's
 * (same token), then deleted. A lock written on another host (a shared disk) is never taken over.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync, unlinkSync } from 'node:fs';
import * as os from 'node:os';
import { inputError, type Diagnostic } from '../diagnostics.js';
import { isProcessAlive, lockPath } from './temp-names.js';

/** a lock file younger than this with unreadable content is one being written right now */
const FRESH_LOCK_MS = 5_000;
const ATTEMPTS = 5;

interface LockInfo {
  pid: number;
  token: string;
  /** pids are only comparable on one machine (one container): a lock from elsewhere is never taken over */
  host?: string;
  command?: string;
  started?: string;
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const j = JSON.parse(text);
    return Number.isSafeInteger(j?.pid) && typeof j?.token === 'string' ? j : undefined;
  } catch {
    return undefined;
  }
}

async function readLock(file: string): Promise<{ info?: LockInfo; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    return { info: parseLock(text), mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export interface OutputLock {
  file: string;
  release(): Promise<void>;
  /** for signal handlers and exit paths */
  releaseSync(): void;
}

/** Takes the lock of `target` (absolute) or throws output/busy naming the holder. */
export async function acquireLock(target: string, given: string, command: string, warn: (d: Diagnostic) => void): Promise<OutputLock> {
  const file = lockPath(target);
  const token = randomBytes(8).toString('hex');
  const host = os.hostname();
  const mine: LockInfo = { pid: process.pid, token, host, command, started: new Date().toISOString() };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      await fs.writeFile(file, JSON.stringify(mine) + '\n', { flag: 'wx' });
      const ownsIt = () => parseLock(readFileSync(file, 'utf8'))?.token === token;
      return {
        file,
        async release() {
          const now = await readLock(file).catch(() => undefined);
          if (now?.info?.token === token) await fs.rm(file, { force: true });
        },
        releaseSync() {
          try {
            if (ownsIt()) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = await readLock(file);
    if (!held) continue; // released meanwhile
    const { info } = held;
    const elsewhere = info?.host !== undefined && info.host !== host;
    if (info && (elsewhere || (info.pid !== process.pid && isProcessAlive(info.pid)))) {
      throw inputError({
        code: 'output/busy',
        file: given,
        message: `another nmsim run (pid ${info.pid}${elsewhere ? ` on ${info.host}` : ''}${info.started ? `, started ${info.started}` : ''}) is writing ${given} right now.`,
        found: info.command,
        hint: `wait for it to finish, or choose another --out; if no such run exists, delete ${file}.`,
      });
    }
    if (!info && Date.now() - held.mtimeMs < FRESH_LOCK_MS) {
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      continue;
    }
    // stale: its writer is gone. Take it aside (atomic; one taker wins), check it is the same lock, drop it.
    const aside = `${file}.stale-${process.pid}-${token}`;
    try {
      await fs.rename(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const taken = parseLock(await fs.readFile(aside, 'utf8').catch(() => ''));
    if (taken?.token !== info?.token) {
      // a live run re-created the lock between our read and our rename: give it back
      await fs.link(aside, file).catch(() => undefined);
      await fs.rm(aside, { force: true });
      continue;
    }
    await fs.rm(aside, { force: true });
    warn({
      code: 'output/stale-lock',
      severity: 'warning',
      file: given,
      message: `took over the lock of an earlier nmsim run that is no longer running${info ? ` (pid ${info.pid}${info.command ? `: ${info.command}` : ''})` : ''}.`,
    });
  }
  throw inputError({ code: 'output/busy', file: given, message: `could not take the lock ${file}: other nmsim runs keep taking it.`, hint: 'wait for them to finish, or choose another --out.' });
}

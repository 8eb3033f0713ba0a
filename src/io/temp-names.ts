/**
 * Names of the files nmsim keeps beside an output while it writes it, so that a later run can
 * recognise them as nmsim's and tell which process made them:
 *
 *   .<name>.nmsim-tmp-<pid>-<8 hex>   the new output being written (file or folder)
 *   .<name>.nmsim-old-<pid>-<8 hex>   the previous output, moved aside for the swap
 *   .<name>.nmsim-lock                who is writing <name> now (pid, command, start time)
 *   .<name>.nmsim-lock.stale-<pid>-…  a dead run's lock while <pid> takes it over
 *
 * Names written by nmsim 0.1.0 before this scheme (`.<name>.tmp-<pid>-<hex>` and the same with
 * `.old`) are recognised too, so what an interrupted old run left behind is recovered.
 * A very long <name> is shortened (prefix + hash) so that the sibling names stay within the
 * 255-byte limit of common file systems.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';

/** longest <name> part kept as is; 255 (NAME_MAX) − ".nmsim-lock"/".nmsim-tmp-<pid>-<hex>" − margin */
const STEM_MAX_CHARS = 120;

function stem(base: string): string {
  if (Buffer.byteLength(base) <= STEM_MAX_CHARS) return base;
  return `${Buffer.from(base).subarray(0, 80).toString('utf8').replace(/\uFFFD+$/, '')}~${createHash('sha256').update(base).digest('hex').slice(0, 12)}`;
}

export type TempRole = 'tmp' | 'old';

/** A sibling for `target` (an absolute path) that only this process uses. */
export function tempPath(target: string, role: TempRole): string {
  return path.join(path.dirname(target), `.${stem(path.basename(target))}.nmsim-${role}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function lockPath(target: string): string {
  return path.join(path.dirname(target), `.${stem(path.basename(target))}.nmsim-lock`);
}

export interface TempEntry {
  /** the entry's name in the target's folder */
  name: string;
  role: TempRole;
  pid: number;
  /** named by nmsim 0.1.0's writer */
  legacy: boolean;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The temporary of `target` that `name` (an entry of the same folder) is, if it is one. */
export function parseTempName(target: string, name: string): TempEntry | undefined {
  const base = path.basename(target);
  const current = new RegExp(`^\\.${escape(stem(base))}\\.nmsim-(tmp|old)-(\\d+)-[0-9a-f]{8}$`).exec(name);
  if (current) return { name, role: current[1] as TempRole, pid: Number(current[2]), legacy: false };
  const aside = new RegExp(`^\\.${escape(stem(base))}\\.nmsim-lock\\.stale-(\\d+)-[0-9a-f]{16}$`).exec(name);
  if (aside) return { name, role: 'tmp', pid: Number(aside[1]), legacy: false }; // a lock being taken over (lock.ts)
  const legacy = new RegExp(`^\\.${escape(base)}\\.tmp-(\\d+)-[0-9a-f]{8}(\\.old)?$`).exec(name);
  if (legacy) return { name, role: legacy[2] ? 'old' : 'tmp', pid: Number(legacy[1]), legacy: true };
  return undefined;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

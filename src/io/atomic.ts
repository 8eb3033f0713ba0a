/**
 * Atomic single-file writes: write to a temporary sibling, then rename, so an interrupted run
 * never leaves a half-written file and never destroys the previous one before the new one is
 * complete. Folders are written with output-folder.ts (marker, lock, recovery).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tempPath } from './temp-names.js';

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
  const tmp = tempPath(path.resolve(target), 'tmp');
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

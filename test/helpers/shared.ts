/**
 * ../shared holds real checkpoints and text that are never committed. Tests that need them
 * use `describeWithShared`, which skips with a clear message where the folder is absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './cli.js';

export const SHARED_DIR = path.resolve(REPO_ROOT, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

export function hasShared(...parts: string[]): boolean {
  return fs.existsSync(sharedPath(...parts));
}

/** describe() when every named file exists under ../shared, else describe.skip with a reason. */
export function describeWithShared(name: string, files: string[], body: () => void): void {
  const missing = files.filter((f) => !hasShared(f));
  if (missing.length === 0) {
    describe(name, body);
  } else {
    describe.skip(`${name} (skipped: ../shared/${missing.join(', ../shared/')} not found)`, body);
  }
}

/**
 * Finding a Python with torch and numpy for the exporter tests (Debian's python3-torch lives in
 * /usr/bin/python3, which may not be the `python3` first on PATH). NMSIM_PYTHON overrides.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

export const EXPORTER = path.join(REPO_ROOT, 'traces', 'exporters', 'torch_export.py');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'exporter');

export function findTorchPython(): string | undefined {
  const candidates = [process.env.NMSIM_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return undefined;
}

export interface PyResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runPython(python: string, args: string[], timeoutMs = 300_000): PyResult {
  const r = spawnSync(python, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

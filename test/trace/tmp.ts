/** Temporary folders for trace tests, removed after each test file. */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function tempDir(prefix = 'nmsim-trace-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A minimal valid manifest around the given runs. */
export function manifestWith(runs: unknown[]): Record<string, unknown> {
  return {
    format: 'nmsim-trace',
    version: 1,
    model: { name: 'tiny', family: 'llama', hidden_size: 8, intermediate_size: 16, num_layers: 1, num_heads: 2, num_kv_heads: 2, vocab_size: 32 },
    source: { tool: 'test', checkpoint: 'none', dataset: 'synthetic' },
    runs,
  };
}

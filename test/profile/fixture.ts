/** Profile-test fixtures: a valid profile as a user would write it, and a temp folder to write into. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadProfile } from '../../src/profile/load.js';
import { NmsimError, type Diagnostic } from '../../src/diagnostics.js';

/** A valid profile in the bare-key-with-units form, as a user would write it. */
export function goodProfile(): any {
  return {
    name: 'test-core',
    description: 'test core; illustrative',
    illustrative: true,
    clock: '1.5 GHz',
    tensorCore: { count: 4, lanes: 16, denseKPerCycle: 8, activationRowsPerCycle: 4, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
    sparsity: {
      operand: 'activation',
      patterns: ['2:4', '8:16'],
      metadataEncoding: 'index',
      selectorStyle: 'sorted-mux',
      effect: 'skipping',
      fallback: 'dense',
      onlinePruning: { kind: 'hardware', network: 'batcher', groupsPerCycle: 2, latencyCycles: 10 },
    },
    memory: { buffers: [{ name: 'operand-buffer', size: '32 KiB', bandwidthBytesPerCycle: 64 }], dramBandwidth: '100 GB/s', dramLatency: '300 ns' },
    tech: 'nangate45',
  };
}

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a document (YAML unless the name ends in .json) or raw text into dir. */
export function writeSpec(dir: string, name: string, doc: unknown): string {
  const f = path.join(dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, typeof doc === 'string' ? doc : name.endsWith('.json') ? JSON.stringify(doc) : stringify(doc));
  return f;
}

/** The diagnostics a rejected profile carries (fails the test when it loads). */
export async function profileDiagnostics(file: string): Promise<Diagnostic[]> {
  try {
    await loadProfile(file);
  } catch (e) {
    if (!(e instanceof NmsimError)) throw e;
    return e.diagnostics;
  }
  throw new Error(`expected ${file} to be rejected`);
}

/** Every text a diagnostic can print, joined (to assert what it never contains). */
export function printed(ds: readonly Diagnostic[]): string {
  return ds.map((d) => [d.code, d.file, d.path, d.message, d.expected, d.found, d.hint].join('\n')).join('\n');
}

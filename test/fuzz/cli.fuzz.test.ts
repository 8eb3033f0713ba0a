/**
 * A few fuzz cases end to end through the real CLI (`nmsim inspect`, built in dist/): mutated
 * bundles, bare safetensors and .npy files. Exit code 0 or 1, never a stack trace or an internal
 * error, within a time limit. 24 cases (each one process start).
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../trace/tmp.js';
import { type ByteEdit, FUZZ_SEED, type JsonEdit, applyByteEdits, applyJsonEdits, byteEdit, concat, jsonEdit } from './fuzz-kit.js';

const { dir, cleanup } = tempDir('nmsim-fuzz-cli-');
afterAll(cleanup);

const STORIES = path.join(REPO_ROOT, 'traces', 'stories260k');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(STORIES, 'manifest.json'), 'utf8')) as { runs: { sites: unknown[] }[] };
/** two runs of two sites: dense.safetensors, 2of4-magnitude-none.safetensors and weights.safetensors */
const SMALL = { ...MANIFEST, runs: [MANIFEST.runs[0], MANIFEST.runs[1]].map((r) => ({ ...r, sites: r.sites.slice(0, 2) })) };
const FILES = [...new Set(JSON.stringify(SMALL).match(/[\w.-]+\.safetensors/g))];
const DENSE = new Uint8Array(fs.readFileSync(path.join(STORIES, 'dense.safetensors')));
const NPY = new Uint8Array(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'numpy', 'values-f16.npy')));
const STACK = /\n\s+at .*:\d+/;

type Case = { kind: 'bundle'; edits: JsonEdit[] } | { kind: 'safetensors'; edits: ByteEdit[] } | { kind: 'npy'; edits: ByteEdit[] };

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ kind: fc.constant('bundle' as const), edits: fc.array(jsonEdit, { minLength: 1, maxLength: 3 }) }),
  // edits in the length field and header (the first 2 KB), where a mutation changes what is read
  fc.record({ kind: fc.constant('safetensors' as const), edits: fc.array(byteEdit.map((e) => ({ ...e, at: e.at % 2048 })), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('npy' as const), edits: fc.array(byteEdit, { minLength: 1, maxLength: 4 }) }),
);

describe('nmsim inspect on fuzzed inputs', () => {
  const base = path.join(dir, 'base');
  beforeAll(() => {
    fs.mkdirSync(base);
    for (const f of FILES) fs.copyFileSync(path.join(STORIES, f), path.join(base, f));
  });

  test('24 mutated bundles, safetensors and .npy files: exit 0 or 1, no stack trace, no internal error', () => {
    const cases = fc.sample(caseArb, { seed: FUZZ_SEED, numRuns: 24 });
    const seen = new Set<number>();
    cases.forEach((c, i) => {
      let target: string;
      if (c.kind === 'bundle') {
        target = path.join(dir, `bundle-${i}`);
        fs.mkdirSync(target);
        for (const f of FILES) fs.linkSync(path.join(base, f), path.join(target, f)); // hard links: no copy, no symlink out
        fs.writeFileSync(path.join(target, 'manifest.json'), applyJsonEdits(SMALL, c.edits));
      } else if (c.kind === 'safetensors') {
        target = path.join(dir, `file-${i}.safetensors`);
        fs.writeFileSync(target, concat(applyByteEdits(DENSE.subarray(0, 2048), c.edits), DENSE.subarray(2048)));
      } else {
        target = path.join(dir, `file-${i}.npy`);
        fs.writeFileSync(target, applyByteEdits(NPY, c.edits));
      }
      const r = runCli(['inspect', target, '--max-tokens', '8'], { timeoutMs: 60_000 });
      const verdict = { case: i, kind: c.kind, code: r.code, stackTrace: STACK.test(r.stderr), internal: r.stderr.includes('internal error') };
      expect(verdict).toEqual({ ...verdict, code: r.code === 0 ? 0 : 1, stackTrace: false, internal: false });
      seen.add(r.code);
    });
    expect([...seen].sort()).toEqual([0, 1]);
  });
});

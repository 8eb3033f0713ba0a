/** `nmsim inspect` end to end through the built CLI (npm test builds dist/ first). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from './tmp.js';

const FIX = path.join(REPO_ROOT, 'test', 'fixtures', 'numpy');
const BUNDLE = path.join('test', 'fixtures', 'numpy', 'bundle');
const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'expected.json'), 'utf8'));
const { dir, cleanup } = tempDir();
afterAll(cleanup);

const STACK = /\n\s+at .*(\.js|\.ts):\d+/;

describe('nmsim inspect', () => {
  test('--json reports model and runs first, then per-site statistics that match numpy', () => {
    const r = runCli(['inspect', BUNDLE, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).slice(0, 8)).toEqual(['ok', 'path', 'anonymous', 'format', 'version', 'model', 'source', 'runs']);
    expect(j.model.name).toBe('fixture');
    expect(j.runs[0].metrics).toEqual([{ metric: 'perplexity', dataset: 'none', tokens: 6, value: 12.5 }]);
    const qkv = j.runs[0].sites[0];
    const e = expected.bundle['layers.0.self_attn.qkv.input'];
    expect(qkv).toMatchObject({ name: 'layers.0.self_attn.qkv.input', dtype: 'F16', shape: [6, 20], tokens_scanned: 6, nan_count: 0, inf_count: 0, absmax: e.absmax });
    expect(qkv.mean).toBeCloseTo(e.mean, 12);
    expect(qkv.rms).toBeCloseTo(e.rms, 12);
    expect(qkv.zero_fraction).toBeCloseTo(e.zero_fraction, 15);
    expect(qkv.masks.map((m: any) => [m.consumer, m.violating_groups, m.satisfies_pattern])).toEqual([
      ['q', 0, true],
      ['k', e.masks.k.violating_groups, false],
    ]);
    const down = j.runs[0].sites[1];
    expect([down.nan_count, down.inf_count]).toEqual([1, 1]);
    expect(j.warnings.map((w: any) => w.code)).toEqual(['trace/mask-violates-pattern', 'trace/non-finite-values']);
  });

  test('--max-tokens scans only the first N tokens', () => {
    const r = runCli(['inspect', BUNDLE, '--json', '--max-tokens', '2']);
    expect(r.code).toBe(0);
    const qkv = JSON.parse(r.stdout).runs[0].sites[0];
    const e = expected.bundle.first_2_tokens['layers.0.self_attn.qkv.input'];
    expect(qkv.tokens_scanned).toBe(2);
    expect(qkv.mean).toBeCloseTo(e.mean, 12);
    expect(qkv.rms).toBeCloseTo(e.rms, 12);
    expect(qkv.absmax).toBe(e.absmax);
  });

  test('text output shows the model and the runs before the site table; non-finite values are a warning, exit 0', () => {
    const r = runCli(['inspect', BUNDLE]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toMatch(/^model\s+fixture · llama · hidden 20/);
    expect(r.stdout.indexOf('perplexity = 12.5')).toBeLessThan(r.stdout.indexOf('layers.0.self_attn.qkv.input'));
    expect(r.stdout).toMatch(/k 0\.6583 ✗ 2\/18 groups over/);
    expect(r.stderr).toContain('⚠ trace/non-finite-values');
    expect(r.stderr).toContain('1 NaN, 1 Inf in 72 values');
  });

  test('a bare .npy file is inspected as an anonymous bundle', () => {
    const r = runCli(['inspect', path.join(FIX, 'values-f32.npy'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.anonymous).toBe(true);
    expect(j.runs[0].sites[0]).toMatchObject({ name: 'values-f32', dtype: 'F32', shape: [3, 5], consumers: ['q'] });
  });

  test('bad input exits 1 with the code, the file and the field, never a stack trace', () => {
    const bad = path.join(dir, 'bad.safetensors');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(24n);
    fs.writeFileSync(bad, Buffer.concat([len, Buffer.from('{"x": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}}'.slice(0, 24))]));
    const r = runCli(['inspect', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✖ trace/header-not-json');
    expect(r.stderr).toContain(bad);
    expect(r.stderr).not.toMatch(STACK);
    const j = runCli(['inspect', bad, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, errors: [{ code: 'trace/header-not-json', file: bad }] });

    const outside = path.join(dir, 'escape');
    fs.mkdirSync(outside);
    fs.writeFileSync(
      path.join(outside, 'manifest.json'),
      fs.readFileSync(path.join(FIX, 'bundle', 'manifest.json'), 'utf8').replaceAll('"run-4of8.safetensors"', '"../../etc/passwd"'),
    );
    const o = runCli(['inspect', outside]);
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('✖ trace/path-outside-bundle');
    expect(o.stderr).toContain('manifest.json › runs[0].sites[0].tensor.file');
    expect(o.stderr).not.toMatch(STACK);
    const missing = runCli(['inspect', path.join(dir, 'nothing-here')]);
    expect([missing.code, missing.stderr.includes('trace/missing-file')]).toEqual([1, true]);
  });

  test('usage errors exit 2: a missing path, a bad --max-tokens, an unknown option', () => {
    for (const args of [['inspect'], ['inspect', BUNDLE, '--max-tokens', '0'], ['inspect', BUNDLE, '--max-tokens', 'lots'], ['inspect', BUNDLE, '--colour']]) {
      const r = runCli(args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  test('--help explains every option', () => {
    const r = runCli(['inspect', '--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--json', '--max-tokens', 'path']) expect(r.stdout).toContain(opt);
  });
});

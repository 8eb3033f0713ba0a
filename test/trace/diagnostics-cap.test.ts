/**
 * However many problems an input has, an error reports a bounded number of them (the first
 * MAX_REPORTED_DIAGNOSTICS plus one line counting the rest), and describing a found value never
 * recurses over user data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type Diagnostic,
  MAX_REPORTED_DIAGNOSTICS,
  NmsimError,
  OMITTED_DIAGNOSTICS_CODE,
  formatDiagnostic,
  previewJson,
} from '../../src/diagnostics.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from './tmp.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const problem = (i: number): Diagnostic => ({ code: 'trace/bad-header', severity: 'error', file: 'f.safetensors', path: `t${i}.dtype`, message: `problem ${i}` });

describe('a bounded number of reported diagnostics', () => {
  test('the cap is 20 diagnostics', () => {
    expect(MAX_REPORTED_DIAGNOSTICS).toBe(20);
  });

  test('an error with 200,000 problems keeps the first 20 and one line counting the other 199,980', () => {
    const e = new NmsimError(Array.from({ length: 200_000 }, (_, i) => problem(i)));
    expect(e.diagnostics).toHaveLength(21);
    expect(e.diagnostics.slice(0, 20).map((d) => d.message)).toEqual(Array.from({ length: 20 }, (_, i) => `problem ${i}`));
    const last = e.diagnostics[20];
    expect(last.code).toBe(OMITTED_DIAGNOSTICS_CODE);
    expect(last.severity).toBe('error');
    expect(last.message).toContain('199,980 more');
    expect(last.message).toContain('200,000 in all');
    expect(e.message.split('\n')).toHaveLength(21);
  });

  test('20 problems are reported as they are, with no summary line', () => {
    const e = new NmsimError(Array.from({ length: 20 }, (_, i) => problem(i)));
    expect(e.diagnostics.map((d) => d.code)).toEqual(Array(20).fill('trace/bad-header'));
  });

  test('merging capped errors adds up what each left out instead of losing it', () => {
    const a = new NmsimError(Array.from({ length: 25 }, (_, i) => problem(i))); // 20 + "5 more"
    const b = new NmsimError(Array.from({ length: 30 }, (_, i) => problem(100 + i))); // 20 + "10 more"
    const merged = new NmsimError([...a.diagnostics, ...b.diagnostics]);
    // a's 20 kept; b's 20 now beyond the cap: 5 + 10 + 20 omitted, 55 problems in all
    expect(merged.diagnostics).toHaveLength(21);
    expect(merged.diagnostics[20].message).toContain('35 more');
    expect(merged.diagnostics[20].message).toContain('55 in all');
  });

  test('only warnings left out make a warning summary', () => {
    const w = (i: number): Diagnostic => ({ ...problem(i), severity: 'warning' });
    const e = new NmsimError([problem(0), ...Array.from({ length: 30 }, (_, i) => w(i))]);
    expect(e.diagnostics[20].severity).toBe('warning');
  });
});

describe('previewJson describes found values without recursion', () => {
  test('short values are their JSON text', () => {
    expect(previewJson({ a: [1, 'x', null, true] })).toBe('{"a":[1,"x",null,true]}');
    expect(previewJson('q"uote')).toBe('"q\\"uote"');
    expect(previewJson(undefined)).toBe('undefined');
    expect(previewJson([])).toBe('[]');
    expect(previewJson({})).toBe('{}');
  });

  test('a value nested 1,000,000 deep is cut to the limit, ending in an ellipsis', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    const s = previewJson(deep, 60);
    expect(s).toBe('['.repeat(59) + '…');
  });

  test('a 10 MB string is cut to the limit', () => {
    const s = previewJson('x'.repeat(10_000_000), 20);
    expect(s).toBe('"' + 'x'.repeat(18) + '…');
  });

  test('the formatted summary line says how many problems were not shown', () => {
    const e = new NmsimError(Array.from({ length: 23 }, (_, i) => problem(i)));
    expect(formatDiagnostic(e.diagnostics[20])).toMatch(/^✖ diagnostics\/omitted\n {2}… and 3 more problems not shown \(23 in all\)/);
  });
});

describe('through the CLI', () => {
  test('a safetensors header with 200,000 unsupported tensors prints at most 21 diagnostics, exit 1', () => {
    const h: Record<string, unknown> = {};
    for (let i = 0; i < 200_000; i++) h[`t${i}`] = { dtype: 'F64', shape: [1], data_offsets: [i * 8, i * 8 + 8] };
    const json = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const f = path.join(dir, 'many-bad.safetensors');
    fs.writeFileSync(f, Buffer.concat([len, json]));
    fs.truncateSync(f, 8 + json.length + 200_000 * 8);
    const r = runCli(['inspect', f]);
    expect(r.code).toBe(1);
    const marks = r.stderr.split('\n').filter((l) => /^[✖⚠] /.test(l));
    expect(marks).toHaveLength(21);
    expect(r.stderr).toContain('199,980 more problems not shown (200,000 in all)');
    const j = runCli(['inspect', f, '--json']);
    expect(JSON.parse(j.stdout).errors).toHaveLength(21);
  });
});

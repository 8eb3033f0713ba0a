/**
 * Every bad input the issue lists is rejected with a stable code that names the file and the
 * field, never a stack trace or a half result.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openBundle } from '../../src/trace/bundle.js';
import { encodeSafetensorsHeader } from '../../src/trace/safetensors.js';
import { NmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { tempDir, manifestWith } from './tmp.js';
import { REPO_ROOT } from '../helpers/cli.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

let n = 0;
function fresh(): string {
  const d = path.join(dir, `case-${n++}`);
  fs.mkdirSync(d);
  return d;
}

/** A safetensors file with the given raw header object and data bytes. */
function rawSafetensors(file: string, header: unknown, dataBytes: number, headerLengthOverride?: bigint): void {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLengthOverride ?? BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, Buffer.alloc(dataBytes)]));
}

/** A valid file holding x: F32 [2, 4] (32 bytes). */
function validFile(file: string): void {
  const header = encodeSafetensorsHeader([{ key: 'x', dtype: 'F32', shape: [2, 4], byteLength: 32 }]);
  fs.writeFileSync(file, Buffer.concat([header, Buffer.alloc(32)]));
}

async function diagnosticsOf(p: Promise<unknown>): Promise<Diagnostic[]> {
  try {
    const b = await p;
    await (b as { close?: () => Promise<void> }).close?.();
  } catch (e) {
    expect(e).toBeInstanceOf(NmsimError);
    expect((e as NmsimError).kind).toBe('input');
    return (e as NmsimError).diagnostics;
  }
  throw new Error('expected the input to be rejected');
}

/** Asserts one diagnostic with `code`, naming `file` (a suffix) and `keyPath` when given, with a message and a hint. */
async function rejects(target: string, code: string, file: string, keyPath?: string): Promise<Diagnostic> {
  const ds = await diagnosticsOf(openBundle(target));
  const d = ds.find((x) => x.code === code);
  expect({ codes: ds.map((x) => x.code), has: d !== undefined }).toEqual({ codes: expect.arrayContaining([code]), has: true });
  expect(d!.file!.endsWith(file)).toBe(true);
  if (keyPath !== undefined) expect(d!.path).toBe(keyPath);
  expect(d!.message.length).toBeGreaterThan(10);
  expect(d!.hint).toBeTruthy();
  return d!;
}

function bundleWith(runs: unknown[], extra?: (d: string) => void): string {
  const d = fresh();
  validFile(path.join(d, 'run.safetensors'));
  extra?.(d);
  fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(manifestWith(runs)));
  return d;
}

const site = (tensor: Record<string, unknown>) => ({ name: 'layers.0.mlp.down_proj.input', consumers: ['down'], tensor });
const run = (tensor: Record<string, unknown>, tokens = 2) => ({ id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens, sites: [site(tensor)] });

describe('bad tensor files', () => {
  test('a truncated file: data cut short, or shorter than the length field', async () => {
    const f = path.join(fresh(), 'cut.safetensors');
    validFile(f);
    fs.truncateSync(f, fs.statSync(f).size - 5);
    const d = await rejects(f, 'trace/truncated-file', 'cut.safetensors');
    expect(d.found).toMatch(/bytes/);
    const tiny = path.join(fresh(), 'tiny.safetensors');
    fs.writeFileSync(tiny, Buffer.from([1, 2, 3]));
    await rejects(tiny, 'trace/truncated-file', 'tiny.safetensors');
    const npy = path.join(fresh(), 'cut.npy');
    fs.writeFileSync(npy, fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'numpy', 'values-f32.npy')).subarray(0, 140));
    await rejects(npy, 'trace/truncated-file', 'cut.npy');
  });

  test('a header length larger than the file, or absurd (> 100 MB)', async () => {
    const d = fresh();
    rawSafetensors(path.join(d, 'long.safetensors'), { x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4, 5000n);
    await rejects(path.join(d, 'long.safetensors'), 'trace/truncated-file', 'long.safetensors');
    rawSafetensors(path.join(d, 'huge.safetensors'), {}, 0, 200_000_000n);
    const h = await rejects(path.join(d, 'huge.safetensors'), 'trace/header-too-large', 'huge.safetensors');
    expect(h.found).toBe('200000000 bytes');
  });

  test('a header that is not JSON', async () => {
    const f = path.join(fresh(), 'junk.safetensors');
    rawSafetensors(f, '{"x": {"dtype": "F32", ', 0);
    await rejects(f, 'trace/header-not-json', 'junk.safetensors');
  });

  test('data offsets overlapping, out of order, outside the file, or not matching shape × dtype', async () => {
    const d = fresh();
    const cases: [string, Record<string, unknown>, number, string][] = [
      ['overlap', { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }, 24, 'b.data_offsets'],
      ['reversed', { a: { dtype: 'F32', shape: [0], data_offsets: [16, 0] } }, 16, 'a.data_offsets'],
      ['outside', { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [64, 80] } }, 16, 'b.data_offsets'],
      ['size', { a: { dtype: 'F16', shape: [2, 4], data_offsets: [0, 32] } }, 32, 'a.data_offsets'],
    ];
    for (const [name, header, bytes, keyPath] of cases) {
      rawSafetensors(path.join(d, `${name}.safetensors`), header, bytes);
      await rejects(path.join(d, `${name}.safetensors`), 'trace/bad-offsets', `${name}.safetensors`, keyPath);
    }
  });

  test('an unsupported dtype names the supported ones and how to export', async () => {
    const f = path.join(fresh(), 'int.safetensors');
    rawSafetensors(f, { x: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, 16);
    const d = await rejects(f, 'trace/unsupported-dtype', 'int.safetensors', 'x.dtype');
    expect(d.expected).toBe('F32, F16, BF16, U8');
    expect(d.hint).toMatch(/tensor\.half\(\)/);
    // .npy float64 and big-endian
    for (const descr of ['<f8', '>f4']) {
      const npy = path.join(fresh(), 'x.npy');
      const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }`.padEnd(118) + '\n';
      const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
      fs.writeFileSync(npy, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.alloc(8)]));
      const e = await rejects(npy, 'trace/unsupported-dtype', 'x.npy', 'descr');
      expect(e.found).toBe(`'${descr}'`);
    }
  });
});

describe('bad bundles', () => {
  test('a manifest that references a missing tensor names the key path and nearby keys', async () => {
    const b = bundleWith([run({ file: 'run.safetensors', key: 'layers.0.mlp.down_proj', shape: [2, 4] })]);
    const d = await rejects(b, 'trace/missing-tensor', 'manifest.json', 'runs[0].sites[0].tensor.key');
    expect(d.found).toBe('"layers.0.mlp.down_proj"');
  });

  test('a manifest that references a missing file', async () => {
    const b = bundleWith([run({ file: 'gone.safetensors', key: 'x', shape: [2, 4] })]);
    await rejects(b, 'trace/missing-file', 'manifest.json', 'runs[0].sites[0].tensor.file');
  });

  test('a path outside the bundle folder (../../etc/passwd, absolute, or a symlink out) is refused before it is opened', async () => {
    for (const file of ['../../etc/passwd.safetensors', '/etc/passwd.safetensors', 'sub/../../x.safetensors']) {
      const b = bundleWith([run({ file, key: 'x', shape: [2, 4] })]);
      const d = await rejects(b, 'trace/path-outside-bundle', 'manifest.json', 'runs[0].sites[0].tensor.file');
      expect(d.found).toContain(file);
    }
    const outside = path.join(fresh(), 'secret.safetensors');
    validFile(outside);
    const b = bundleWith([run({ file: 'link.safetensors', key: 'x', shape: [2, 4] })], (d) => fs.symlinkSync(outside, path.join(d, 'link.safetensors')));
    await rejects(b, 'trace/path-outside-bundle', 'manifest.json', 'runs[0].sites[0].tensor.file');
  });

  test('shapes that disagree between manifest and file, or with the run’s token count', async () => {
    const b = bundleWith([run({ file: 'run.safetensors', key: 'x', shape: [4, 2] })]);
    const d = await rejects(b, 'trace/shape-mismatch', 'manifest.json', 'runs[0].sites[0].tensor.shape');
    expect([d.expected, d.found]).toEqual(['[2, 4] (as stored)', '[4, 2]']);
    const t = bundleWith([run({ file: 'run.safetensors', key: 'x', shape: [2, 4] }, 3)]);
    await rejects(t, 'trace/shape-mismatch', 'manifest.json', 'runs[0].sites[0].tensor.shape');
  });

  test('an empty bundle: an empty folder, an empty manifest, or runs without sites', async () => {
    await rejects(fresh(), 'trace/empty-bundle', '');
    const e = fresh();
    fs.writeFileSync(path.join(e, 'manifest.json'), '');
    await rejects(e, 'trace/empty-bundle', 'manifest.json');
    const s = fresh();
    fs.writeFileSync(path.join(s, 'manifest.json'), JSON.stringify(manifestWith([{ id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens: 0, sites: [] }])));
    await rejects(s, 'trace/empty-bundle', 'manifest.json', 'runs');
  });

  test('a folder with tensors but no manifest says how to inspect a file directly', async () => {
    const d = fresh();
    validFile(path.join(d, 'acts.safetensors'));
    const diag = await rejects(d, 'trace/missing-manifest', 'manifest.json');
    expect(diag.hint).toContain('acts.safetensors');
  });

  test('schema errors map to diagnostics with key paths; patterns are checked with the one pattern module', async () => {
    const d = fresh();
    validFile(path.join(d, 'run.safetensors'));
    const m = manifestWith([{ ...run({ file: 'run.safetensors', key: 'x', shape: [2, 4] }), config: { pattern: '16:8' } }]) as Record<string, any>;
    m.model.hidden_size = '64';
    m.runs[0].sites[0].consumers = ['qq'];
    m.runs[0].sites[0].extra = 1;
    fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(m));
    const ds = await diagnosticsOf(openBundle(d));
    const byPath = Object.fromEntries(ds.map((x) => [x.path, x]));
    expect(ds.every((x) => x.code === 'trace/invalid-manifest' && x.file!.endsWith('manifest.json'))).toBe(true);
    expect(byPath['model.hidden_size'].expected).toBe('number');
    expect(byPath['runs[0].sites[0].consumers[0]'].expected).toContain('"gate"');
    expect(byPath['runs[0].sites[0]'].message).toContain('"extra"');
    // with the schema satisfied, the bad pattern is reported at its path
    delete m.runs[0].sites[0].extra;
    m.model.hidden_size = 64;
    m.runs[0].sites[0].consumers = ['down'];
    fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(m));
    await rejects(d, 'trace/invalid-pattern', 'manifest.json', 'runs[0].config.pattern');
    fs.writeFileSync(path.join(d, 'manifest.json'), '{"format": "nmsim-trace",}');
    const j = await diagnosticsOf(openBundle(d));
    expect(j[0].code).toBe('trace/manifest-not-json');
  });

  test('every problem is reported at once, not only the first', async () => {
    const b = bundleWith([
      { id: 'a', config: { pattern: 'dense' }, metrics: [], tokens: 2, sites: [site({ file: 'run.safetensors', key: 'nope', shape: [2, 4] }), { ...site({ file: 'none.safetensors', key: 'x', shape: [2, 4] }), name: 'other' }] },
    ]);
    const ds = await diagnosticsOf(openBundle(b));
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ['trace/missing-tensor', 'runs[0].sites[0].tensor.key'],
      ['trace/missing-file', 'runs[0].sites[1].tensor.file'],
    ]);
  });
});

describe('bad references to masks and weight statistics', () => {
  test('a mask of the wrong dtype or shape, and column norms of the wrong length, are named by key path', async () => {
    const d = fresh();
    const K = 8;
    const header = encodeSafetensorsHeader([
      { key: 'x', dtype: 'F32', shape: [2, K], byteLength: 2 * K * 4 },
      { key: 'm', dtype: 'F32', shape: [2, 1], byteLength: 8 },
      { key: 'n', dtype: 'F32', shape: [K - 1], byteLength: (K - 1) * 4 },
    ]);
    fs.writeFileSync(path.join(d, 'run.safetensors'), Buffer.concat([header, Buffer.alloc(2 * K * 4 + 8 + (K - 1) * 4)]));
    const ref = (key: string, shape: number[]) => ({ file: 'run.safetensors', key, shape });
    fs.writeFileSync(
      path.join(d, 'manifest.json'),
      JSON.stringify(
        manifestWith([
          {
            id: 'r',
            config: { pattern: '2:4' },
            metrics: [],
            tokens: 2,
            sites: [{ name: 's', consumers: ['q'], tensor: ref('x', [2, K]), masks: [{ consumer: 'q', tensor: ref('m', [2, 1]) }], weight_stats: [{ consumer: 'q', column_norms: ref('n', [K - 1]) }] }],
          },
        ]),
      ),
    );
    const ds = await diagnosticsOf(openBundle(d));
    expect(ds.map((x) => [x.code, x.path])).toEqual([
      ['trace/unsupported-dtype', 'runs[0].sites[0].masks[0].tensor'],
      ['trace/shape-mismatch', 'runs[0].sites[0].weight_stats[0].column_norms.shape'],
    ]);
  });
});

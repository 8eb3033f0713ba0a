/**
 * The catalogue of odd inputs tried beyond the list, each with what nmsim does with
 * it. Most were already refused correctly and are pinned here; the ones that were not (a
 * zero-width tensor that hung inspect, a 5 MB key printed in full, …) are regression tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Diagnostic, NmsimError, diagnosticToJson, formatDiagnostic, previewJson } from '../../src/diagnostics.js';
import { openBundle } from '../../src/trace/bundle.js';
import { inspectBundle } from '../../src/trace/inspect.js';
import { manifestWith, tempDir } from './tmp.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
let n = 0;
const fresh = () => {
  const d = path.join(dir, `case-${n++}`);
  fs.mkdirSync(d);
  return d;
};

/** A safetensors file from raw header text (length field honest unless given) and `dataBytes` zeros. */
function raw(file: string, header: string | Buffer, dataBytes: number, length?: bigint): string {
  const json = typeof header === 'string' ? Buffer.from(header) : header;
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(length ?? BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json]));
  fs.truncateSync(file, 8 + json.length + dataBytes);
  return file;
}
const X = (b: number | string, e: number | string, shape = '[2,4]') => `{"dtype":"F32","shape":${shape},"data_offsets":[${b},${e}]}`;

async function outcome(target: string): Promise<{ codes: string[]; paths: (string | undefined)[]; diagnostics: Diagnostic[] }> {
  try {
    const b = await openBundle(target);
    await b.close();
    return { codes: [], paths: [], diagnostics: [] };
  } catch (e) {
    if (!(e instanceof NmsimError)) throw e;
    expect(e.kind).toBe('input');
    return { codes: e.diagnostics.map((d) => d.code), paths: e.diagnostics.map((d) => d.path), diagnostics: e.diagnostics };
  }
}
const st = (header: string | Buffer, dataBytes: number, length?: bigint) => raw(path.join(fresh(), 't.safetensors'), header, dataBytes, length);

describe('safetensors headers', () => {
  test.each([
    ['a tensor lying inside another', `{"a":${X(0, 64, '[16]')},"b":${X(8, 24, '[4]')}}`, 64, 'trace/bad-offsets', 'b.data_offsets'],
    ['two tensors on the same bytes', `{"a":${X(0, 32)},"b":${X(0, 32)}}`, 32, 'trace/bad-offsets', 'b.data_offsets'],
    ['offsets beyond 2^53 (JSON rounds them)', `{"a":${X('9007199254740993', '9007199254741025')}}`, 32, 'trace/bad-offsets', 'a.data_offsets'],
    ['fractional offsets', `{"a":${X('0.5', '32.5')}}`, 32, 'trace/bad-offsets', 'a.data_offsets'],
    ['"NaN" in a shape', `{"a":${X(0, 32, '["NaN",4]')}}`, 32, 'trace/bad-header', 'a.shape'],
    ['negative dimensions', `{"a":${X(0, 32, '[-2,-4]')}}`, 32, 'trace/bad-header', 'a.shape'],
    ['a shape whose product is 2^78', `{"a":${X(0, 0, '[67108864,67108864,67108864]')}}`, 0, 'trace/bad-offsets', 'a.data_offsets'],
  ])('%s is refused at its key path', async (_name, header, dataBytes, code, keyPath) => {
    const o = await outcome(st(header, dataBytes));
    expect([o.codes[0], o.paths[0]]).toEqual([code, keyPath]);
  });

  test('a bare NaN in a shape, NUL padding and a header length of 0 are not JSON', async () => {
    for (const [h, data, len] of [[`{"a":${X(0, 32, '[NaN,4]')}}`, 32, undefined], [`{"a":${X(0, 32)}}\u0000\u0000`, 32, undefined], ['', 100, 0n]] as const) {
      expect((await outcome(st(h, data, len))).codes).toEqual(['trace/header-not-json']);
    }
  });

  test('a UTF-16 header is named as UTF-16, not just "not UTF-8"', async () => {
    const o = await outcome(st(Buffer.from('\ufeff' + `{"a":${X(0, 32)}}`, 'utf16le'), 32));
    expect(o.codes).toEqual(['trace/header-not-json']);
    expect(o.diagnostics[0].message).toContain('UTF-16');
  });

  test('a UTF-8 byte-order mark before the JSON is tolerated (unambiguous; the tensors read as written)', async () => {
    expect((await outcome(st('\ufeff' + `{"a":${X(0, 32)}}`, 32))).codes).toEqual([]);
  });

  test('keys "__proto__" and "" are ordinary tensor names', async () => {
    for (const key of ['__proto__', '']) {
      const f = st(`{${JSON.stringify(key)}:${X(0, 32)}}`, 32);
      const b = await openBundle(f);
      const src = await b.tensor(b.manifest.runs[0].sites[0].tensor);
      expect([src.info.key, src.rows, src.cols]).toEqual([key, 2, 4]);
      await b.close();
    }
  });

  test('a [2^52, 0] zero-width tensor inspects at once as 0 elements (it once looped 2^30 times, a hang)', async () => {
    const f = st(`{"a":{"dtype":"F32","shape":[4503599627370496,0],"data_offsets":[0,0]}}`, 0);
    const b = await openBundle(f);
    try {
      const t0 = Date.now();
      const r = await inspectBundle(b);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect([r.runs[0].sites[0].stats.count, r.runs[0].sites[0].tokensScanned]).toEqual([0, 4503599627370496]);
    } finally {
      await b.close();
    }
  });

  test('a zero-width site with a zero-width mask in a bundle inspects at once', async () => {
    const d = fresh();
    raw(path.join(d, 'run.safetensors'), `{"x":{"dtype":"F16","shape":[1099511627776,0],"data_offsets":[0,0]},"m":{"dtype":"U8","shape":[1099511627776,0],"data_offsets":[0,0]}}`, 0);
    const site = { name: 's', consumers: ['q'], tensor: { file: 'run.safetensors', key: 'x', shape: [2 ** 40, 0] }, masks: [{ consumer: 'q', tensor: { file: 'run.safetensors', key: 'm', shape: [2 ** 40, 0] } }] };
    fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(manifestWith([{ id: 'r', config: { pattern: '2:4' }, metrics: [], tokens: 2 ** 40, sites: [site] }])));
    const b = await openBundle(d);
    try {
      const r = await inspectBundle(b);
      expect(r.runs[0].sites[0].masks[0]).toMatchObject({ groups: 0, violatingGroups: 0, keptFraction: 0 });
    } finally {
      await b.close();
    }
  });

  test('a 5 MB tensor key with a bad dtype: each printed diagnostic field is cut to 1,000 characters (it once printed 10 MB)', async () => {
    const key = 'k'.repeat(5_000_000);
    const o = await outcome(st(`{"${key}":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, 8));
    expect(o.codes).toEqual(['trace/unsupported-dtype']);
    const text = formatDiagnostic(o.diagnostics[0]);
    expect(text.length).toBeLessThan(4000);
    expect(text).toContain('k'.repeat(900));
    const json = diagnosticToJson(o.diagnostics[0]);
    expect(Object.values(json).every((v) => v.length <= 1000)).toBe(true);
    expect(json.path.endsWith('…')).toBe(true);
  });
});

describe('manifest references and encodings', () => {
  const header = `{"x":${X(0, 32)}}`;
  function bundle(file: string, opts: { bytes?: Buffer; extra?: (d: string) => void } = {}): string {
    const d = fresh();
    raw(path.join(d, 'run.safetensors'), header, 32);
    const m = manifestWith([{ id: 'd', config: { pattern: 'dense' }, metrics: [], tokens: 2, sites: [{ name: 's', consumers: ['q'], tensor: { file, key: 'x', shape: [2, 4] } }] }]);
    fs.writeFileSync(path.join(d, 'manifest.json'), opts.bytes ?? JSON.stringify(m));
    opts.extra?.(d);
    return d;
  }
  const where = 'runs[0].sites[0].tensor.file';

  test.each([
    ['.', 'trace/path-outside-bundle'],
    ['C:\\x.safetensors', 'trace/path-outside-bundle'],
    ['\\\\server\\share\\x.safetensors', 'trace/path-outside-bundle'],
    ['..\\x.safetensors', 'trace/path-outside-bundle'], // a posix file name, but it would escape on Windows: refused everywhere
    ['file:///etc/passwd', 'trace/missing-file'],
    ['~/x.safetensors', 'trace/missing-file'],
    ['run.safetensors\u0000.x', 'trace/missing-file'],
  ])('file %j is refused (%s) at the key path', async (file, code) => {
    const o = await outcome(bundle(file));
    expect([o.codes[0], o.paths[0]]).toEqual([code, where]);
  });

  test.each([['sub/../run.safetensors'], ['./run.safetensors']])('file %j stays inside the bundle and reads', async (file) => {
    expect((await outcome(bundle(file))).codes).toEqual([]);
  });

  test('a symbolic-link loop is named as one (it was "not in the bundle folder")', async () => {
    const o = await outcome(bundle('loop.safetensors', { extra: (d) => fs.symlinkSync('loop.safetensors', path.join(d, 'loop.safetensors')) }));
    expect([o.codes[0], o.paths[0]]).toEqual(['trace/missing-file', where]);
    expect(o.diagnostics[0].found).toBe('a symbolic-link loop');
  });

  test('a Latin-1 manifest is refused as not UTF-8 (it was read with U+FFFD in place of é); a UTF-8 BOM is fine', async () => {
    const m = JSON.stringify(manifestWith([{ id: 'd', config: { pattern: 'dense' }, metrics: [], tokens: 2, sites: [{ name: 'café', consumers: ['q'], tensor: { file: 'run.safetensors', key: 'x', shape: [2, 4] } }] }]));
    expect((await outcome(bundle('run.safetensors', { bytes: Buffer.from(m, 'latin1') }))).codes).toEqual(['trace/manifest-not-json']);
    const d = bundle('run.safetensors', { bytes: Buffer.from('\ufeff' + m, 'utf8') });
    const b = await openBundle(d);
    expect(b.manifest.runs[0].sites[0].name).toBe('café');
    await b.close();
  });

  test('a "__proto__" key in the manifest is an unknown key, not a prototype change', async () => {
    const m = JSON.stringify(manifestWith([{ id: 'd', config: { pattern: 'dense' }, metrics: [], tokens: 2, sites: [{ name: 's', consumers: ['q'], tensor: { file: 'run.safetensors', key: 'x', shape: [2, 4] } }] }]));
    const o = await outcome(bundle('run.safetensors', { bytes: Buffer.from(m.replace('{"format"', '{"__proto__":{"x":1},"format"')) }));
    expect(o.codes).toEqual(['trace/invalid-manifest']);
    expect(o.diagnostics[0].found).toBe('__proto__');
  });

  test('num_layers: 1e999 (JSON for Infinity) is refused and shown as Infinity, not null', async () => {
    const m = JSON.stringify(manifestWith([{ id: 'd', config: { pattern: 'dense' }, metrics: [], tokens: 2, sites: [{ name: 's', consumers: ['q'], tensor: { file: 'run.safetensors', key: 'x', shape: [2, 4] } }] }]));
    const o = await outcome(bundle('run.safetensors', { bytes: Buffer.from(m.replace('"num_layers":1', '"num_layers":1e999')) }));
    expect([o.codes[0], o.paths[0], o.diagnostics[0].found]).toEqual(['trace/invalid-manifest', 'model.num_layers', 'Infinity']);
    expect(previewJson([NaN, -Infinity])).toBe('[NaN,-Infinity]');
  });
});

describe('inspect warnings', () => {
  test('30 sites full of NaN give 20 warnings and a count, not 30', async () => {
    const d = fresh();
    const nan = Buffer.alloc(16);
    for (let i = 0; i < 4; i++) nan.writeFloatLE(NaN, i * 4);
    const entries = Array.from({ length: 30 }, (_, i) => `"t${i}":{"dtype":"F32","shape":[1,4],"data_offsets":[${i * 16},${i * 16 + 16}]}`);
    const json = Buffer.from(`{${entries.join(',')}}`);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    fs.writeFileSync(path.join(d, 'nan.safetensors'), Buffer.concat([len, json, ...Array(30).fill(nan)]));
    const b = await openBundle(path.join(d, 'nan.safetensors'));
    try {
      const r = await inspectBundle(b);
      expect(r.warnings).toHaveLength(21);
      expect(r.warnings[20]).toMatchObject({ code: 'diagnostics/omitted', severity: 'warning', omitted: 10 });
    } finally {
      await b.close();
    }
  });
});

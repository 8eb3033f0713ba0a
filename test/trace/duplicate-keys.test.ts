/**
 * JSON.parse keeps the last of two equal keys without a word; a tensor file or manifest that
 * names a key twice is ambiguous, so nmsim refuses it, naming the key path. Bytes of the data
 * buffer that no tensor covers are a warning.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openBundle } from '../../src/trace/bundle.js';
import { findDuplicateKeys } from '../../src/trace/json-keys.js';
import { inspectBundle } from '../../src/trace/inspect.js';
import { parseNpyHeader } from '../../src/trace/npy.js';
import { NmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { manifestWith, tempDir } from './tmp.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
let n = 0;
const fresh = (name: string) => {
  const d = path.join(dir, `case-${n++}`);
  fs.mkdirSync(d);
  return path.join(d, name);
};

/** A safetensors file with the header text exactly as given and `dataBytes` zero bytes. */
function rawFile(name: string, headerText: string, dataBytes: number): string {
  const f = fresh(name);
  const json = Buffer.from(headerText);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(f, Buffer.concat([len, json, Buffer.alloc(dataBytes)]));
  return f;
}

async function rejected(p: Promise<{ close(): Promise<void> }>): Promise<Diagnostic[]> {
  try {
    await (await p).close();
  } catch (e) {
    if (!(e instanceof NmsimError)) throw e;
    expect(e.kind).toBe('input');
    return e.diagnostics;
  }
  throw new Error('expected the input to be refused');
}

const X = (begin: number, end: number, shape = '[2,4]') => `{"dtype":"F32","shape":${shape},"data_offsets":[${begin},${end}]}`;

describe('findDuplicateKeys', () => {
  test('finds a repeated key at any depth, with the path of the object that holds it', () => {
    const text = '{"a":1,"b":{"c":[{"d":1,"d":2}],"c":3},"a":[1,{"e":0}]}';
    expect(findDuplicateKeys(text)).toEqual([
      { path: ['b', 'c', 0], key: 'd' },
      { path: ['b'], key: 'c' },
      { path: [], key: 'a' },
    ]);
  });

  test('compares keys after decoding escapes: "x" and "\\u0078" are the same key', () => {
    expect(findDuplicateKeys('{"x":1,"\\u0078":2}')).toEqual([{ path: [], key: 'x' }]);
  });

  test('the same key in different objects, and keys inside string values, are not duplicates', () => {
    expect(findDuplicateKeys('{"a":{"k":1},"b":{"k":1},"s":"{\\"t\\":1,\\"t\\":2}","q":"\\\\"}')).toEqual([]);
  });

  test('iterative: an array nested 100,000 deep holding an object with a repeated key', () => {
    const depth = 100_000;
    expect(findDuplicateKeys('['.repeat(depth) + '{"z":1,"z":2}' + ']'.repeat(depth))).toEqual([{ path: Array(depth).fill(0), key: 'z' }]);
  });
});

describe('safetensors with a repeated key', () => {
  test('two tensors named "x" are refused (JSON.parse would keep the second)', async () => {
    const f = rawFile('dup.safetensors', `{"x":${X(0, 32)},"x":${X(32, 64)}}`, 64);
    const ds = await rejected(openBundle(f));
    expect(ds.map((d) => [d.code, d.path])).toEqual([['trace/duplicate-key', 'x']]);
    expect(ds[0].file).toBe(f);
    expect(ds[0].message).toContain('"x"');
    expect(ds[0].hint).toBeTruthy();
  });

  test('a repeated field inside a tensor entry is refused at its path', async () => {
    const f = rawFile('dupfield.safetensors', `{"x":{"dtype":"F32","shape":[2,4],"shape":[1,8],"data_offsets":[0,32]}}`, 32);
    const ds = await rejected(openBundle(f));
    expect(ds.map((d) => [d.code, d.path])).toEqual([['trace/duplicate-key', 'x.shape']]);
  });

  test('two __metadata__ objects are refused', async () => {
    const f = rawFile('dupmeta.safetensors', `{"__metadata__":{"a":"1"},"x":${X(0, 32)},"__metadata__":{"a":"2"}}`, 32);
    const ds = await rejected(openBundle(f));
    expect(ds.map((d) => [d.code, d.path])).toEqual([['trace/duplicate-key', '__metadata__']]);
  });
});

describe('gaps in the safetensors data buffer', () => {
  test('a gap between tensors and unused trailing bytes are one warning with the byte counts; the tensors still read', async () => {
    // x at [0, 32), y at [48, 80): a 16-byte gap; the file holds 100 data bytes: 20 unused at the end
    const f = rawFile('gap.safetensors', `{"x":${X(0, 32)},"y":${X(48, 80)}}`, 100);
    const b = await openBundle(f);
    try {
      expect(b.warnings.map((w) => [w.code, w.file])).toEqual([['trace/data-gap', f]]);
      expect(b.warnings[0].severity).toBe('warning');
      expect(b.warnings[0].found).toBe('36 of 100 data bytes in 2 gaps (first at byte 32)');
      const report = await inspectBundle(b);
      expect(report.warnings.map((w) => w.code)).toContain('trace/data-gap');
      expect(report.runs[0].sites.map((s) => s.key)).toEqual(['x', 'y']);
    } finally {
      await b.close();
    }
  });

  test('a leading gap counts too', async () => {
    const f = rawFile('lead.safetensors', `{"x":${X(8, 40)}}`, 40);
    const b = await openBundle(f);
    expect(b.warnings[0].found).toBe('8 of 40 data bytes in 1 gap (first at byte 0)');
    await b.close();
  });

  test('a contiguous file has no gap warning', async () => {
    const f = rawFile('tight.safetensors', `{"x":${X(0, 32)},"y":${X(32, 64)}}`, 64);
    const b = await openBundle(f);
    expect(b.warnings).toEqual([]);
    await b.close();
  });
});

describe('.npy headers', () => {
  const parse = (text: string) => parseNpyHeader(text, 'x.npy', 128, 64);
  const codesOf = (text: string) => {
    try {
      parse(text);
    } catch (e) {
      if (!(e instanceof NmsimError)) throw e;
      return e.diagnostics.map((d) => [d.code, d.path]);
    }
    return [];
  };

  test('a repeated key is refused (NumPy would keep the last one, nmsim read the first)', () => {
    expect(codesOf("{'descr': '<f4', 'descr': '<f2', 'fortran_order': False, 'shape': (4,), }")).toEqual([['trace/duplicate-key', 'descr']]);
    expect(codesOf("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'shape': (8,), }")).toEqual([['trace/duplicate-key', 'shape']]);
  });

  test('a key NumPy does not write is refused, as NumPy refuses it', () => {
    expect(codesOf("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1, }")).toEqual([['trace/header-not-json', 'extra']]);
  });

  test('the dict NumPy writes still reads: shape (), (n,), (a, b) and Python 2 longs', () => {
    expect(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (), }").shape).toEqual([]);
    expect(parse("{'descr': '<f2', 'fortran_order': False, 'shape': (16,), }       \n").shape).toEqual([16]);
    expect(parse('{"descr": "<f4", "fortran_order": False, "shape": (2L, 8L)}').shape).toEqual([2, 8]);
  });

  test('text after the dict, a shape in a string, or a structured dtype is refused with the right code', () => {
    expect(codesOf("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } x")[0][0]).toBe('trace/header-not-json');
    expect(codesOf("{'descr': '<f4', 'fortran_order': False, 'note': \"'shape': (4,)\"}")[0][0]).toBe('trace/header-not-json');
    expect(codesOf("{'descr': [('a', '<f4'), ('b', '<i4', (2,))], 'fortran_order': False, 'shape': (4,), }")).toEqual([['trace/unsupported-dtype', 'descr']]);
    expect(codesOf("{'descr': 'open', 'fortran_order': False, 'shape': (4,), }")).toEqual([['trace/unsupported-dtype', 'descr']]);
    expect(codesOf("{'descr': '<f4', 'fortran_order': False, 'shape': (4 8), }")[0][0]).toBe('trace/header-not-json');
  });
});

describe('manifest.json with a repeated key', () => {
  test('a run with two "id" keys is refused at runs[0].id', async () => {
    const d = path.dirname(rawFile('run.safetensors', `{"x":${X(0, 32)}}`, 32));
    const text = JSON.stringify(manifestWith([{ id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens: 2, sites: [{ name: 's', consumers: ['q'], tensor: { file: 'run.safetensors', key: 'x', shape: [2, 4] } }] }]));
    fs.writeFileSync(path.join(d, 'manifest.json'), text.replace('"id":"dense"', '"id":"dense","id":"m8of16"'));
    const ds = await rejected(openBundle(d));
    expect(ds.map((x) => [x.code, x.path])).toEqual([['trace/duplicate-key', 'runs[0].id']]);
    expect(ds[0].file).toBe(path.join(d, 'manifest.json'));
  });
});

/**
 * Fuzzing the .npy reader (magic, version, header length, the Python dict) with mutations of
 * the numpy-written fixtures and with header dicts built from nothing: every case ends in a
 * result or an input error naming the file (fuzz-kit.ts). 2,000 cases.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpyHeader } from '../../src/trace/npy.js';
import { fileTensorSource } from '../../src/trace/tensor-info.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { applyByteEdits, byteEdit, concat, expectResultOrInputError, fuzzParams, memoryFile, nastyNumberText, nastyString, newOutcomes, rssMiB } from './fuzz-kit.js';

const FILE = 'fuzz.npy';
const FIX = path.join(REPO_ROOT, 'test', 'fixtures', 'numpy');
const REAL = ['values-f32.npy', 'values-f16.npy', 'mask-u8.npy'].map((f) => new Uint8Array(fs.readFileSync(path.join(FIX, f))));

const outcomes = newOutcomes();
let rssStart = 0;
beforeAll(() => {
  rssStart = rssMiB();
});

async function parseAndRead(bytesOfFile: Uint8Array, dataBytes = 0): Promise<void> {
  const { fh, bytes } = memoryFile([bytesOfFile, new Uint8Array(dataBytes)]);
  await expectResultOrInputError(outcomes, FILE, async () => {
    const info = await readNpyHeader(fh, FILE, bytes);
    const src = fileTensorSource(fh, info);
    if (src.rows > 0 && src.cols > 0) await src.readRowRange(0, 0, Math.min(src.cols, 64));
    await src.readBytes(0, Math.min(info.byteLength, 64));
  });
}

/** A .npy file: magic, version, the header dict padded as NumPy pads it, then data. */
function npy(dict: string, major = 1, dataBytes = 0, lengthLie?: number): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  const padded = dict.padEnd(Math.ceil((pre + dict.length + 1) / 64) * 64 - pre - 1) + '\n';
  const head = new Uint8Array(pre);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const len = lengthLie ?? Buffer.byteLength(padded, major === 3 ? 'utf8' : 'latin1');
  if (major === 1) new DataView(head.buffer).setUint16(8, len & 0xffff, true);
  else new DataView(head.buffer).setUint32(8, len >>> 0, true);
  return concat(head, new Uint8Array(Buffer.from(padded, major === 3 ? 'utf8' : 'latin1')), new Uint8Array(dataBytes));
}

describe('.npy reader under fuzzing', () => {
  test('byte flips, truncations, insertions and repeats of numpy-written files: 800 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...REAL), fc.array(byteEdit, { minLength: 1, maxLength: 6 }), async (file, edits) => {
        await parseAndRead(applyByteEdits(file, edits));
      }),
      fuzzParams(800),
    );
  });

  test('header dicts built from nothing: keys repeated, missing or extra; nasty shapes, descrs and values; nested tuples: 900 cases', async () => {
    const value = fc.oneof(
      fc.constantFrom("'<f4'", "'<f2'", "'|u1'", "'<f8'", "'>f4'", 'True', 'False', 'None', '()', '(,)', '[]', "[('a', '<f4')]", '((1, 2), 3)', "'open'", '{}', '-1'),
      nastyNumberText,
      nastyNumberText.map((n) => `(${n},)`),
      fc.array(nastyNumberText, { maxLength: 4 }).map((ns) => `(${ns.join(', ')})`),
      nastyString.map((s) => `'${s.replace(/'/g, '')}'`),
      fc.integer({ min: 1, max: 3000 }).map((d) => '('.repeat(d) + '1' + ')'.repeat(d)),
    );
    const key = fc.oneof(fc.constantFrom('descr', 'fortran_order', 'shape'), fc.constantFrom('descr', 'shape', 'extra', '', 'Descr'));
    const quote = fc.constantFrom("'", '"');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value, quote), { maxLength: 5 }), fc.constantFrom(1, 2, 3), fc.integer({ min: 0, max: 200 }), fc.constantFrom('', ', ', ',', ' x', '}'), async (entries, major, dataBytes, tail) => {
        const dict = `{${entries.map(([k, v, q]) => `${q}${k}${q}: ${v}`).join(', ')}${tail}}`;
        await parseAndRead(npy(dict, major, dataBytes));
      }),
      fuzzParams(900),
    );
  });

  test('valid dicts with header-length lies and unknown versions: 300 cases', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", "{'descr': '<f2', 'fortran_order': False, 'shape': (), }"),
        fc.constantFrom(0, 1, 2, 3, 4, 255),
        fc.oneof(fc.constant(undefined), fc.constantFrom(0, 1, 63, 65, 127, 65535, 1_000_001, 2 ** 32 - 1), fc.nat()),
        async (dict, major, lie) => {
          await parseAndRead(npy(dict, major, 24, lie));
        },
      ),
      fuzzParams(300),
    );
  });

  test('the cases reached both outcomes, several error codes, and memory stayed bounded', () => {
    if (process.env.NMSIM_FUZZ_VERBOSE) console.log(outcomes, rssMiB() - rssStart);
    expect(outcomes.ok).toBeGreaterThan(50);
    expect(outcomes.input).toBeGreaterThan(500);
    expect(outcomes.codes.size).toBeGreaterThanOrEqual(4);
    expect(rssMiB() - rssStart).toBeLessThan(512);
  });
});

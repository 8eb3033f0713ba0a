/**
 * Fuzzing the safetensors reader (header parse and the first reads of every tensor) with
 * mutations of the shipped bundle's real files and with inputs built from nothing: every case
 * ends in a result or an input error naming the file (fuzz-kit.ts). 3,500 cases.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSafetensorsHeader } from '../../src/trace/safetensors.js';
import { fileTensorSource } from '../../src/trace/tensor-info.js';
import { REPO_ROOT } from '../helpers/cli.js';
import {
  applyByteEdits,
  applyJsonEdits,
  byteEdit,
  concat,
  expectResultOrInputError,
  fuzzParams,
  jsonEdit,
  memoryFile,
  nastyNumberText,
  newOutcomes,
  rssMiB,
} from './fuzz-kit.js';

const FILE = 'fuzz.safetensors';

interface Real {
  name: string;
  header: Record<string, unknown>;
  data: Uint8Array;
}

/** The shipped files split into their header object and data buffer (read once). */
const REAL: Real[] = [
  path.join(REPO_ROOT, 'traces', 'stories260k', 'dense.safetensors'),
  path.join(REPO_ROOT, 'traces', 'stories260k', '8of16-magnitude-dpts.safetensors'),
  path.join(REPO_ROOT, 'traces', 'stories260k', 'weights.safetensors'),
  path.join(REPO_ROOT, 'test', 'fixtures', 'numpy', 'values.safetensors'),
].map((f) => {
  const b = new Uint8Array(fs.readFileSync(f));
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  return { name: path.basename(f), header: JSON.parse(Buffer.from(b.subarray(8, 8 + n)).toString('utf8')), data: b.subarray(8 + n) };
});

const lengthField = (n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n), true);
  return b;
};

const outcomes = newOutcomes();
let rssStart = 0;
beforeAll(() => {
  rssStart = rssMiB();
});

/** Parses the header, then reads the start of up to four tensors and their first bytes. */
async function parseAndRead(parts: Uint8Array[]): Promise<void> {
  const { fh, bytes } = memoryFile(parts);
  await expectResultOrInputError(outcomes, FILE, async () => {
    const h = await readSafetensorsHeader(fh, FILE, bytes);
    for (const t of h.tensors.slice(0, 4)) {
      const src = fileTensorSource(fh, t);
      if (src.rows > 0 && src.cols > 0) await src.readRowRange(0, 0, Math.min(src.cols, 64));
      if (src.rows * src.cols <= 4096) await src.readRows(0, src.rows);
      await src.readBytes(0, Math.min(t.byteLength, 64));
    }
  });
}

const encode = (text: string) => new TextEncoder().encode(text);
/** an index into REAL (looked up inside each property, so a counterexample prints a number, not a file) */
const real = fc.integer({ min: 0, max: REAL.length - 1 });

describe('safetensors reader under fuzzing', () => {
  test('structural edits of real headers (values, types, deep nesting, unicode and duplicate keys), lengths kept honest: 1,200 cases', async () => {
    await fc.assert(
      fc.asyncProperty(real, fc.array(jsonEdit, { minLength: 1, maxLength: 4 }), async (ri, edits) => {
        const r = REAL[ri];
        const header = encode(applyJsonEdits(r.header, edits));
        await parseAndRead([lengthField(BigInt(header.length)), header, r.data]);
      }),
      fuzzParams(1200),
    );
  });

  test('header-length lies (0, off by one, past the file, 2^32, 2^63, 2^64 − 1 …): 300 cases', async () => {
    const lie = fc.oneof(
      fc.constantFrom(0n, 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 99_999_999n, 100_000_000n, 100_000_001n),
      fc.integer({ min: -16, max: 16 }).map((d) => ({ delta: BigInt(d) })),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    );
    await fc.assert(
      fc.asyncProperty(real, lie, async (ri, l) => {
        const r = REAL[ri];
        const header = encode(JSON.stringify(r.header));
        const n = typeof l === 'bigint' ? l : BigInt(header.length) + l.delta;
        await parseAndRead([lengthField(n), header, r.data]);
      }),
      fuzzParams(300),
    );
  });

  test('byte flips, truncations, insertions and repeats of real files (length field and header included): 800 cases', async () => {
    await fc.assert(
      fc.asyncProperty(real, fc.array(byteEdit, { minLength: 1, maxLength: 6 }), fc.boolean(), async (ri, edits, wholeSmall) => {
        const r = REAL[ri];
        const header = encode(JSON.stringify(r.header));
        const head = concat(lengthField(BigInt(header.length)), header);
        if (wholeSmall && r.data.length < 4096) await parseAndRead([applyByteEdits(concat(head, r.data), edits)]);
        else await parseAndRead([applyByteEdits(head, edits), r.data]);
      }),
      fuzzParams(800),
    );
  });

  test('encodings: a BOM, UTF-16, NUL padding, trailing text, comments: 200 cases', async () => {
    const variant = fc.constantFrom('bom', 'utf16le', 'utf16be', 'nul-pad', 'trailing', 'comment', 'leading-space', 'crlf');
    await fc.assert(
      fc.asyncProperty(real, variant, async (ri, v) => {
        const r = REAL[ri];
        const json = JSON.stringify(r.header);
        let header: Uint8Array;
        if (v === 'bom') header = encode('\ufeff' + json);
        else if (v === 'utf16le') header = new Uint8Array(Buffer.from('\ufeff' + json, 'utf16le'));
        else if (v === 'utf16be') header = new Uint8Array(Buffer.from('\ufeff' + json, 'utf16le').swap16());
        else if (v === 'nul-pad') header = concat(encode(json), new Uint8Array(7));
        else if (v === 'trailing') header = encode(json + ' x');
        else if (v === 'comment') header = encode(json.replace('{', '{ // c\n'));
        else if (v === 'leading-space') header = encode('   ' + json);
        else header = encode(json.replace(/,/g, ',\r\n'));
        await parseAndRead([lengthField(BigInt(header.length)), header, r.data]);
      }),
      fuzzParams(200),
    );
  });

  test('headers built from nothing: random entries with nasty dtypes, shapes and offsets: 500 cases', async () => {
    const num = fc.oneof(fc.integer({ min: -2, max: 70 }), nastyNumberText.map((t) => ({ raw: t })));
    const entry = fc.record({
      key: fc.oneof(fc.constantFrom('x', 'y', '__metadata__', ''), fc.string({ maxLength: 8 })),
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'U8', 'F64', 'I8', 'BOOL', 'f32', ''),
      shape: fc.array(num, { maxLength: 4 }),
      begin: num,
      end: num,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 6 }), fc.integer({ min: 0, max: 600 }), async (entries, dataBytes) => {
        const raw = (v: number | { raw: string }) => (typeof v === 'number' ? String(v) : v.raw);
        const text = `{${entries.map((e) => `${JSON.stringify(e.key)}:{"dtype":${JSON.stringify(e.dtype)},"shape":[${e.shape.map(raw).join(',')}],"data_offsets":[${raw(e.begin)},${raw(e.end)}]}`).join(',')}}`;
        const header = encode(text);
        await parseAndRead([lengthField(BigInt(header.length)), header, new Uint8Array(dataBytes)]);
      }),
      fuzzParams(500),
    );
  });

  test('random bytes and random JSON headers: 500 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j))), async (x) => {
        if (typeof x === 'string') {
          const header = encode(x);
          await parseAndRead([lengthField(BigInt(header.length)), header, new Uint8Array(64)]);
        } else {
          await parseAndRead([x]);
        }
      }),
      fuzzParams(500),
    );
  });

  test('the cases reached both outcomes, many error codes, and memory stayed bounded', () => {
    if (process.env.NMSIM_FUZZ_VERBOSE) console.log(outcomes, rssMiB() - rssStart);
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.input).toBeGreaterThan(1000);
    expect(outcomes.codes.size).toBeGreaterThanOrEqual(6);
    expect(rssMiB() - rssStart).toBeLessThan(512);
  });
});

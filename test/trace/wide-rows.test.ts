/**
 * Rows wider than a chunk are streamed in column ranges, so memory stays bounded by the chunk
 * size whatever the shape: a [1, 2^31] F16 row (once a native abort, exit 134), a [1, 2^40] row
 * (once exit 3) and a [1, 2^29] row (once 3.2 GB in inspect). Files are created sparsely (a
 * header plus ftruncate), so no test writes more than a few bytes of data.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { NmsimError } from '../../src/diagnostics.js';
import { openBundle } from '../../src/trace/bundle.js';
import { float32ToFp16 } from '../../src/trace/dtype.js';
import { inspectBundle } from '../../src/trace/inspect.js';
import { checkMaskRows, packMask, scanMaskRowBytes, newMaskRowState } from '../../src/trace/mask.js';
import { MAX_READ_ELEMENTS, readFully, MAX_READ_CALL_BYTES } from '../../src/trace/tensor-info.js';
import { encodeSafetensorsHeader } from '../../src/trace/safetensors.js';
import { emptyMaskCheck } from '../../src/trace/mask.js';
import { nm, parsePattern } from '../../src/sparsity/pattern.js';
import { CLI, REPO_ROOT } from '../helpers/cli.js';
import { manifestWith, tempDir } from './tmp.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** A sparse safetensors file: the header, then `data` written at the given data-buffer offsets, the rest holes. */
function sparseFile(file: string, entries: { key: string; dtype: string; shape: number[]; byteLength: number }[], writes: [number, Uint8Array][] = []): void {
  const header = encodeSafetensorsHeader(entries);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, header);
    for (const [at, bytes] of writes) fs.writeSync(fd, bytes, 0, bytes.length, header.length + at);
    fs.ftruncateSync(fd, header.length + entries.reduce((s, e) => s + e.byteLength, 0));
  } finally {
    fs.closeSync(fd);
  }
}

const f16 = (...values: number[]) => new Uint8Array(new Uint16Array(values.map(float32ToFp16)).buffer);

/** Runs `script` (an ES module body with `file` and `lib` in scope) in a child node; returns its JSON line. */
function child(script: string, file: string): { status: number | null; out: any; stderr: string } {
  const lib = path.join(REPO_ROOT, 'dist', 'trace');
  const body = `const file = ${JSON.stringify(file)}; const lib = ${JSON.stringify(lib)};\n${script}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', body], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let out: unknown;
  try {
    out = JSON.parse(line);
  } catch {
    out = line;
  }
  return { status: r.status, out, stderr: r.stderr ?? '' };
}

/** inspect a bare file until `stopBytes` have been read, then report how far it got and the peak RSS. */
const PARTIAL_INSPECT = (stopBytes: number) => `
const { openBundle } = await import(lib + '/bundle.js');
const { inspectBundle } = await import(lib + '/inspect.js');
const b = await openBundle(file);
let reached = 0;
try {
  await inspectBundle(b, { onProgress: (bytes) => { reached = bytes; if (bytes >= ${stopBytes}) throw new Error('enough'); } });
} catch (e) { if (e.message !== 'enough') throw e; }
await b.close();
console.log(JSON.stringify({ reached, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
`;

describe('reads are split below the 2 GiB a single read(2) call takes', () => {
  test('readFully asks for at most MAX_READ_CALL_BYTES (1 GiB) per call and reads everything', async () => {
    const lengths: number[] = [];
    const fake = {
      read: async (_buf: Uint8Array, _offset: number, length: number) => {
        lengths.push(length);
        return { bytesRead: length };
      },
    } as unknown as FileHandle;
    const total = 2 ** 31 + 5; // a 2 GiB + 5 request (the buffer is never touched, so never backed by memory)
    await readFully(fake, new Uint8Array(total), total, 0, 'x');
    expect(MAX_READ_CALL_BYTES).toBe(2 ** 30);
    expect(lengths).toEqual([2 ** 30, 2 ** 30, 5]);
  });
});

describe('a [1, 2^31] F16 row', () => {
  const file = path.join(dir, 'wide31.safetensors');
  const cols = 2 ** 31;
  beforeAll(() => {
    // 1.5, −2, 0.25, 65504 as the last four elements of the row, at byte 2^32 − 8 of the data
    sparseFile(file, [{ key: 'x', dtype: 'F16', shape: [1, cols], byteLength: cols * 2 }], [[cols * 2 - 8, f16(1.5, -2, 0.25, 65504)]]);
  });

  test('inspect streams it in chunks: the first 256 MiB read with a peak RSS under 300 MiB (once a native abort)', () => {
    const r = child(PARTIAL_INSPECT(256 * 2 ** 20), file);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.out.reached).toBeGreaterThanOrEqual(256 * 2 ** 20);
    expect(r.out.maxRssMiB).toBeLessThan(300);
  });

  test('readRowRange reads a column range at the end of the row (byte offsets past 2^32)', async () => {
    const b = await openBundle(file);
    try {
      const src = await b.tensor(b.manifest.runs[0].sites[0].tensor);
      expect(Array.from(await src.readRowRange(0, cols - 5, 5))).toEqual([0, 1.5, -2, 0.25, 65504]);
    } finally {
      await b.close();
    }
  });

  test('reading the whole row at once is an input error that names the tensor, not a crash', async () => {
    const b = await openBundle(file);
    try {
      const src = await b.tensor(b.manifest.runs[0].sites[0].tensor);
      expect(MAX_READ_ELEMENTS).toBe(2 ** 30);
      const e = await src.readRows(0, 1).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(NmsimError);
      const d = (e as NmsimError).diagnostics[0];
      expect([(e as NmsimError).kind, d.code, d.file, d.path]).toEqual(['input', 'trace/read-too-large', file, 'x']);
      expect(d.found).toBe(`${cols} elements`);
    } finally {
      await b.close();
    }
  });
});

describe('a [1, 2^40] F16 row (a 2 TiB sparse file)', () => {
  const file = path.join(dir, 'wide40.safetensors');
  const cols = 2 ** 40;
  let sparseOk = true;
  beforeAll(() => {
    try {
      sparseFile(file, [{ key: 'x', dtype: 'F16', shape: [1, cols], byteLength: cols * 2 }], [[cols * 2 - 2, f16(3)]]);
    } catch {
      sparseOk = false; // a file system without 2 TiB sparse files
    }
  });

  test('inspect streams its first 64 MiB with bounded memory (once exit 3: "Invalid typed array length")', () => {
    if (!sparseOk) return;
    const r = child(PARTIAL_INSPECT(64 * 2 ** 20), file);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.out.reached).toBeGreaterThanOrEqual(64 * 2 ** 20);
    expect(r.out.maxRssMiB).toBeLessThan(300);
  });

  test('its last element reads back through readRowRange', async () => {
    if (!sparseOk) return;
    const b = await openBundle(file);
    try {
      const src = await b.tensor(b.manifest.runs[0].sites[0].tensor);
      expect(Array.from(await src.readRowRange(0, cols - 2, 2))).toEqual([0, 3]);
    } finally {
      await b.close();
    }
  });
});

describe('streaming inside rows gives the statistics of reading whole rows', () => {
  /** a bundle: 3 tokens × K = 5000 F16 with a 2:4 mask (some groups over) */
  const k = 5000;
  const tokens = 3;
  let folder: string;
  beforeAll(() => {
    folder = path.join(dir, 'inside-rows');
    fs.mkdirSync(folder);
    const values = Float32Array.from({ length: tokens * k }, (_, i) => ((i * 7919) % 2003) / 100 - 10);
    values[4321] = NaN;
    const keep = Uint8Array.from({ length: tokens * k }, (_, i) => (i % 4 < 2 || i % 997 === 0 ? 1 : 0));
    const packed = packMask(keep, tokens, k);
    const data = f16(...values);
    const header = encodeSafetensorsHeader([
      { key: 'x', dtype: 'F16', shape: [tokens, k], byteLength: data.length },
      { key: 'x.mask', dtype: 'U8', shape: [tokens, k / 8], byteLength: packed.length },
    ]);
    fs.writeFileSync(path.join(folder, 'run.safetensors'), Buffer.concat([header, data, packed]));
    const site = { name: 'layers.0.mlp.down_proj.input', consumers: ['down'], tensor: { file: 'run.safetensors', key: 'x', shape: [tokens, k] }, masks: [{ consumer: 'down', tensor: { file: 'run.safetensors', key: 'x.mask', shape: [tokens, k / 8] } }] };
    fs.writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifestWith([{ id: 'r', config: { pattern: '2:4' }, metrics: [], tokens, sites: [site] }])));
  });

  test('chunks of 64, 1000 and 4999 elements (inside rows) agree with whole-row chunks, masks included', async () => {
    const b = await openBundle(folder);
    try {
      const whole = await inspectBundle(b, { chunkElements: 3 * k });
      for (const chunkElements of [64, 1000, 4999]) {
        const r = await inspectBundle(b, { chunkElements });
        expect(r.runs[0].sites[0].masks).toEqual(whole.runs[0].sites[0].masks);
        const [a, w] = [r.runs[0].sites[0].stats, whole.runs[0].sites[0].stats];
        expect({ ...a, mean: 0, rms: 0 }).toEqual({ ...w, mean: 0, rms: 0 });
        expect(a.mean).toBeCloseTo(w.mean, 9);
        expect(a.rms).toBeCloseTo(w.rms, 9);
      }
      // independently: i % 4 < 2 keeps 2 of every 4; i % 997 == 0 adds a third in the groups where it falls on i % 4 ≥ 2
      let extra = 0;
      for (let i = 0; i < tokens * k; i++) if (i % 997 === 0 && i % 4 >= 2) extra++;
      const m = whole.runs[0].sites[0].masks[0];
      expect([m.groups, m.violatingGroups, m.keptFraction]).toEqual([tokens * (k / 4), extra, (tokens * (k / 2) + extra) / (tokens * k)]);
      expect(whole.runs[0].sites[0].stats.nanCount).toBe(1);
    } finally {
      await b.close();
    }
  });

  test('scanMaskRowBytes over any byte slicing of a row equals checkMaskRows on the whole row', () => {
    const kk = 203; // not a multiple of 8 or of M: a tail group and padding bits
    const keep = Uint8Array.from({ length: kk }, (_, i) => ((i * 31) % 7 < 4 ? 1 : 0));
    const packed = packMask(keep, 1, kk);
    packed[packed.length - 1] |= 0x80; // a padding bit past K
    for (const text of ['2:4', '3:7', '16:32', 'unstructured', 'dense']) {
      const p = text === '2:4' ? nm(2, 4) : parsePattern(text);
      const whole = checkMaskRows(packed, 1, kk, p);
      for (const slice of [1, 3, 8, 25]) {
        const acc = emptyMaskCheck();
        const state = newMaskRowState();
        for (let b = 0; b < packed.length; b += slice) scanMaskRowBytes(packed.subarray(b, Math.min(b + slice, packed.length)), kk, p, acc, state);
        expect([text, slice, acc]).toEqual([text, slice, whole]);
      }
    }
  });
});

describe('through the CLI', () => {
  // [1, 2^28] rather than the 2^29 to halve the time (before the fix inspect held the whole
  // row: ~1.6 GB here, 3.2 GB at 2^29; after it ~100 MiB for either)
  test('nmsim inspect on a [1, 2^28] F16 bundle with a [1, 2^25] mask peaks under 300 MiB RSS and counts the values written', () => {
    const folder = path.join(dir, 'wide28');
    fs.mkdirSync(folder);
    const cols = 2 ** 28;
    const maskBytes = cols / 8;
    const tensorBytes = cols * 2;
    // element 2^27 = 2.0; mask byte 2^24 (elements 2^27 … 2^27+7) = 0xFF: 8 kept, two 2:4 groups over
    const mask = new Uint8Array([0xff]);
    sparseFile(
      path.join(folder, 'run.safetensors'),
      [
        { key: 'x', dtype: 'F16', shape: [1, cols], byteLength: tensorBytes },
        { key: 'x.mask', dtype: 'U8', shape: [1, maskBytes], byteLength: maskBytes },
      ],
      [
        [2 ** 27 * 2, f16(2)],
        [tensorBytes + 2 ** 24, mask],
      ],
    );
    const site = { name: 'layers.0.mlp.down_proj.input', consumers: ['down'], tensor: { file: 'run.safetensors', key: 'x', shape: [1, cols] }, masks: [{ consumer: 'down', tensor: { file: 'run.safetensors', key: 'x.mask', shape: [1, maskBytes] } }] };
    fs.writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifestWith([{ id: 'r', config: { pattern: '2:4' }, metrics: [], tokens: 1, sites: [site] }])));
    // the real CLI, in a child that reports its own peak RSS on exit
    const script = `process.argv = [process.argv[0], ${JSON.stringify(CLI)}, 'inspect', ${JSON.stringify(folder)}, '--json'];
process.on('exit', () => process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n'));
await import(${JSON.stringify(CLI)});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 24, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status).toBe(0);
    const rssMiB = Number(/maxRSS (\d+)/.exec(r.stderr)![1]) / 1024;
    expect(rssMiB).toBeLessThan(300);
    const site0 = JSON.parse(r.stdout).runs[0].sites[0];
    expect([site0.elements_scanned, site0.absmax, site0.max, site0.zero_fraction]).toEqual([cols, 2, 2, (cols - 1) / cols]);
    expect(site0.mean).toBeCloseTo(2 / cols, 20);
    expect(site0.masks[0]).toMatchObject({ groups: cols / 4, violating_groups: 2, kept_fraction: 8 / cols });
  });
});

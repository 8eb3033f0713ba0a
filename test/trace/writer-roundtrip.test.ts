import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { BundleWriter } from '../../src/trace/writer.js';
import { openBundle } from '../../src/trace/bundle.js';
import { FP16_TO_F32, bf16ToFloat32, type DType } from '../../src/trace/dtype.js';
import { packMask } from '../../src/trace/mask.js';
import type { Manifest } from '../../src/trace/manifest.js';
import { NmsimError } from '../../src/diagnostics.js';
import { tempDir, manifestWith } from './tmp.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** float32 values exactly representable in `dtype`, built from random codes (NaN excluded: NaN ≠ NaN). */
function representable(dtype: DType, codes: number[]): Float32Array {
  const out = new Float32Array(codes.length);
  codes.forEach((c, i) => {
    if (dtype === 'F16') out[i] = FP16_TO_F32[c];
    else if (dtype === 'BF16') out[i] = bf16ToFloat32(c);
    else out[i] = new Float32Array(new Uint32Array([c]).buffer)[0];
  });
  return out.map((v) => (Number.isNaN(v) ? 0 : v));
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

async function roundTrip(dtype: DType, tokens: number, k: number, data: Float32Array): Promise<Float32Array> {
  const out = path.join(dir, `rt-${dtype}`);
  const w = new BundleWriter(out);
  const ref = w.addTensor('run.safetensors', 'layers.0.mlp.down_proj.input', data, [tokens, k], dtype);
  await w.finish(manifestWith([{ id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens, sites: [{ name: 'layers.0.mlp.down_proj.input', consumers: ['down'], tensor: ref }] }]) as Manifest);
  const b = await openBundle(out);
  try {
    const src = await b.tensor(b.manifest.runs[0].sites[0].tensor);
    expect([src.rows, src.cols, src.info.dtype]).toEqual([tokens, k, dtype]);
    return await b.readFloat32(b.manifest.runs[0].sites[0].tensor);
  } finally {
    await b.close();
  }
}

describe('BundleWriter → openBundle round trip', () => {
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    test(`every ${dtype}-representable value comes back bit for bit`, async () => {
      const maxCode = dtype === 'F32' ? 0xffffffff : 0xffff;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: maxCode }), { minLength: 45, maxLength: 45 }), async (tokens, k, codes) => {
          const data = representable(dtype, codes.slice(0, tokens * k));
          const back = await roundTrip(dtype, tokens, k, data);
          expect(bits(back.subarray(0, tokens * k))).toEqual(bits(data));
        }),
        { numRuns: 15 },
      );
    });
  }

  test('F16 and BF16 round values to the nearest representable one (ties to even)', async () => {
    // 1 + 2^-11 is halfway between fp16 1 and 1 + 2^-10: ties to even → 1. 1 + 3·2^-11 → 1 + 2^-9 (even).
    // bf16 has 7 fraction bits: 1 + 2^-8 is a tie → 1; 1 + 3·2^-8 → 1 + 2^-6.
    const f16 = await roundTrip('F16', 1, 4, new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, 2 ** -25 * 1.5]));
    expect(Array.from(f16)).toEqual([1, 1 + 2 ** -9, Infinity, 2 ** -24]);
    const bf16 = await roundTrip('BF16', 1, 3, new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, -0.1]));
    expect(Array.from(bf16)).toEqual([1, 1 + 2 ** -6, -0.10009765625]);
  });

  test('masks are written as U8 and read back byte for byte', async () => {
    const tokens = 3;
    const k = 12;
    const keep = new Uint8Array(tokens * k).map((_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    const packed = packMask(keep, tokens, k);
    const out = path.join(dir, 'mask');
    const w = new BundleWriter(out);
    const x = w.addTensor('run.safetensors', 'x', new Float32Array(tokens * k).fill(1), [tokens, k], 'F32');
    const m = w.addTensor('run.safetensors', 'x.mask.q', packed, [tokens, 2], 'U8');
    await w.finish(manifestWith([{ id: 'r', config: { pattern: 'dense' }, metrics: [], tokens, sites: [{ name: 'x', consumers: ['q'], tensor: x, masks: [{ consumer: 'q', tensor: m }] }] }]) as Manifest);
    const b = await openBundle(out);
    expect(Array.from(await b.readMask(m))).toEqual(Array.from(packed));
    await b.close();
  });

  test('a manifest that does not match the written tensors leaves no bundle behind', async () => {
    const out = path.join(dir, 'never');
    const w = new BundleWriter(out);
    const ref = w.addTensor('run.safetensors', 'x', new Float32Array(8), [2, 4], 'F32');
    const wrong = { ...ref, shape: [4, 2] };
    await expect(
      w.finish(manifestWith([{ id: 'r', config: { pattern: 'dense' }, metrics: [], tokens: 4, sites: [{ name: 'x', consumers: ['q'], tensor: wrong }] }]) as Manifest),
    ).rejects.toThrow(NmsimError);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('never'))).toEqual([]);
  });

  test('addTensor refuses data whose length disagrees with the shape', () => {
    const w = new BundleWriter(path.join(dir, 'x'));
    expect(() => w.addTensor('a.safetensors', 'x', new Float32Array(5), [2, 3], 'F32')).toThrow(/6 elements; the data has 5/);
    expect(() => w.addTensor('../a.safetensors', 'x', new Float32Array(6), [2, 3], 'F32')).toThrow(NmsimError);
  });
});

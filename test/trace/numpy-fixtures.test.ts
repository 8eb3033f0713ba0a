/**
 * Reads files written by numpy (test/fixtures/make_numpy_fixtures.py, no nmsim code involved)
 * and matches the values numpy itself read back from them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';
import { openBundle } from '../../src/trace/bundle.js';
import { inspectBundle } from '../../src/trace/inspect.js';
import { unpackMask } from '../../src/trace/mask.js';
import { readNpyHeader } from '../../src/trace/npy.js';
import { fileTensorSource } from '../../src/trace/tensor-info.js';

const FIX = path.join(REPO_ROOT, 'test', 'fixtures', 'numpy');
const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'expected.json'), 'utf8'));

function decodeExpected(values: (number | string)[]): number[] {
  return values.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)));
}

function sameValues(got: Float32Array, want: number[]): void {
  expect(got.length).toBeGreaterThanOrEqual(want.length);
  want.forEach((w, i) => {
    if (Number.isNaN(w)) expect(Number.isNaN(got[i])).toBe(true);
    else expect([i, got[i]]).toEqual([i, w]); // exact: both sides are the stored value
  });
}

describe('files written by numpy', () => {
  test('a .safetensors file with F32, F16 (subnormal, max, −Inf, NaN), BF16 and a packed mask reads back exactly', async () => {
    const b = await openBundle(path.join(FIX, 'values.safetensors'));
    try {
      expect(b.anonymous).toBe(true);
      for (const key of ['a.f32', 'b.f16', 'c.bf16']) {
        const e = expected.values[key];
        const ref = { file: 'values.safetensors', key, shape: e.shape };
        const src = await b.tensor(ref);
        expect([src.rows, src.cols]).toEqual(e.shape);
        sameValues(await b.readFloat32(ref), decodeExpected(e.values));
      }
      const a = await b.readFloat32({ file: 'values.safetensors', key: 'a.f32', shape: [3, 5] });
      expect(Array.from(a, (v) => Object.is(v, -0) || v < 0)).toEqual(expected.values['a.f32'].signbit);
      const m = expected.values['d.mask'];
      const packed = await b.readMask({ file: 'values.safetensors', key: 'd.mask', shape: m.shape });
      expect(Array.from(packed)).toEqual(m.bytes);
      expect(Array.from(unpackMask(packed, m.shape[0], m.k))).toEqual(m.keep);
    } finally {
      await b.close();
    }
  });

  test('.npy files (<f4, <f2, |u1) read back exactly', async () => {
    for (const [file, key] of [['values-f32.npy', 'a.f32'], ['values-f16.npy', 'b.f16']] as const) {
      const b = await openBundle(path.join(FIX, file));
      const site = b.manifest.runs[0].sites[0];
      expect(site.tensor.shape).toEqual(expected.values[key].shape);
      sameValues(await b.readFloat32(site.tensor), decodeExpected(expected.values[key].values));
      await b.close();
    }
    // a U8 .npy is a mask, not a site: read it through the header reader and a tensor source
    const maskFile = path.join(FIX, 'mask-u8.npy');
    const fh = await fs.promises.open(maskFile, 'r');
    const info = await readNpyHeader(fh, maskFile, (await fh.stat()).size);
    expect([info.dtype, info.shape]).toEqual(['U8', expected.values['d.mask'].shape]);
    expect(Array.from(await fileTensorSource(fh, info).readBytes(0, info.byteLength))).toEqual(expected.values['d.mask'].bytes);
    await fh.close();

    const b = await openBundle(path.join(FIX, 'values.safetensors'));
    const files = await b.sha256();
    expect(Object.keys(files)).toEqual(['values.safetensors']);
    expect(files['values.safetensors']).toMatch(/^[0-9a-f]{64}$/);
    await b.close();
  });

  test('inspect statistics of the numpy bundle match numpy’s (mean, RMS, absmax, zeros, NaN/Inf, mask kept fraction and violations)', async () => {
    const b = await openBundle(path.join(FIX, 'bundle'));
    // a tiny chunk forces several chunks per tensor
    const r = await inspectBundle(b, { chunkElements: 7 });
    await b.close();
    const sites = Object.fromEntries(r.runs[0].sites.map((s) => [s.name, s]));
    for (const name of ['layers.0.self_attn.qkv.input', 'layers.0.mlp.down_proj.input']) {
      const e = expected.bundle[name];
      const s = sites[name].stats;
      expect(s.mean).toBeCloseTo(e.mean, 12);
      expect(s.rms).toBeCloseTo(e.rms, 12);
      expect(s.absMax).toBe(e.absmax);
      expect(s.zeroFraction).toBeCloseTo(e.zero_fraction, 15);
      expect([s.nanCount, s.infCount]).toEqual([e.nan_count, e.inf_count]);
    }
    const masks = sites['layers.0.self_attn.qkv.input'].masks;
    for (const mk of masks) {
      const e = expected.bundle['layers.0.self_attn.qkv.input'].masks[mk.consumer];
      expect(mk.keptFraction).toBeCloseTo(e.kept_fraction, 15);
      expect([mk.violatingGroups, mk.groups, mk.satisfiesPattern]).toEqual([e.violating_groups, e.groups, e.violating_groups === 0]);
    }
    expect(masks.map((m) => m.expectedKeptFraction)).toEqual([0.6, 0.6]); // 4:8 on K = 20: 4 + 4 + min(4, 4) of 20
    expect(r.warnings.map((w) => w.code).sort()).toEqual(['trace/mask-violates-pattern', 'trace/non-finite-values']);
  });

  test('a bundle opens from its folder or its manifest.json, and hashes its files as Python’s hashlib does', async () => {
    const b = await openBundle(path.join(FIX, 'bundle', 'manifest.json'));
    expect(b.anonymous).toBe(false);
    expect(b.manifest.runs[0].id).toBe('m4of8');
    expect(await b.sha256()).toEqual(expected.bundle.sha256);
    await b.close();
  });
});

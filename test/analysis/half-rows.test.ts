import { analyzeSite, type RowSource } from '../../src/analysis/site-analysis.js';
import { FP16_TO_F32, bf16ToFloat32, float32ToBf16, float32ToFp16 } from '../../src/trace/dtype.js';
import { NetworkSelector } from '../../src/analysis/network-kernel.js';
import { selectKeep } from '../../src/sparsity/select.js';
import { parsePatternList, type NmPattern } from '../../src/sparsity/pattern.js';
import { halfNanAbove, squareTable } from '../../src/analysis/half-rows.js';
import { activations, plan, siteInput } from './helpers.js';

/** The same half-precision tensor behind readRows (decoded) and readBytes (raw codes). */
function halfSource(codes: Uint16Array, tokens: number, k: number, dtype: 'F16' | 'BF16', withRaw: boolean): RowSource {
  const decode = (c: number) => (dtype === 'F16' ? FP16_TO_F32[c] : bf16ToFloat32(c));
  const src: RowSource = {
    rows: tokens,
    cols: k,
    async readRows(r0, n, out) {
      const t = out && out.length >= n * k ? out : new Float32Array(n * k);
      for (let i = 0; i < n * k; i++) t[i] = decode(codes[r0 * k + i]);
      return t;
    },
  };
  if (withRaw) {
    src.info = { dtype };
    src.readBytes = async (start, count, out) => {
      const t = out && out.length >= count ? out : new Uint8Array(count);
      t.set(new Uint8Array(codes.buffer, codes.byteOffset + start, count));
      return t;
    };
  }
  return src;
}

describe('half-precision rows without decoding', () => {
  test.each(['F16', 'BF16'] as const)('%s codes give exactly the statistics of the decoded float32 rows (zeros, NaN-free ties, tails)', async (dtype) => {
    const tokens = 70;
    const k = 100;
    const x = activations(8, tokens, k, 0.08, false);
    const codes = Uint16Array.from(x, (v) => (dtype === 'F16' ? float32ToFp16(v) : float32ToBf16(v)));
    const p = plan({ patterns: parsePatternList('2:4,4:8,8:16,16:32,1:2'), batchSizes: [1, 2, 4, 8, 16, 32, 64] });
    const viaFloat = await analyzeSite({ ...siteInput(x, tokens, k), source: halfSource(codes, tokens, k, dtype, false) }, p);
    const viaCodes = await analyzeSite({ ...siteInput(x, tokens, k), source: halfSource(codes, tokens, k, dtype, true) }, p);
    expect(viaCodes).toEqual(viaFloat);
  });

  test('NetworkSelector.selectHalf equals selectKeep on F16 codes, NaN codes included', () => {
    const k = 77;
    const pats = parsePatternList('2:4,8:16,16:32') as NmPattern[];
    const sel = new NetworkSelector(k, pats);
    let seed = 5;
    for (let t = 0; t < 30; t++) {
      const codes = Uint16Array.from({ length: k }, () => {
        seed = (seed * 16807) % 2147483647;
        const r = seed % 100;
        return r < 5 ? 0x7e00 | (seed & 0x1ff) : r < 15 ? 0x3c00 | 0x8000 * (seed & 1) : r < 20 ? 0 : seed & 0xffff & ~0x7c00;
      });
      const scores = Float32Array.from(codes, (c) => Math.abs(FP16_TO_F32[c]));
      const x2 = Float64Array.from(codes, (c) => squareTable('F16')[c]);
      sel.selectHalf(codes, 0, x2, halfNanAbove('F16'));
      pats.forEach((p, i) => {
        const ref = new Uint8Array(k);
        selectKeep(scores, k, p, ref);
        const got = Array.from({ length: k }, (_, j) => (sel.words[i][j >>> 5] >>> (j & 31)) & 1);
        expect(got).toEqual(Array.from(ref));
      });
    }
  });
});

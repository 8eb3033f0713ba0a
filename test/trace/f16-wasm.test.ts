import { HalfDecoder, HALF_DECODER_AVAILABLE } from '../../src/trace/f16-wasm.js';
import { FP16_TO_F32, decodeToFloat32 } from '../../src/trace/dtype.js';

const it_ = HALF_DECODER_AVAILABLE ? it : it.skip;

describe('the WebAssembly F16 decoder', () => {
  it_('decodes all 65,536 codes to the lookup table’s float32 bits, NaN payloads included, and to decodeToFloat32’s values', () => {
    const dec = new HalfDecoder(65536);
    const codes = new Uint16Array(dec.codes.buffer, dec.codes.byteOffset, 65536);
    for (let h = 0; h < 65536; h++) codes[h] = h;
    const reference = new Float32Array(65536);
    decodeToFloat32(new Uint8Array(codes.buffer, codes.byteOffset, 2 * 65536).slice(), 'F16', 65536, reference);
    expect(dec.decode(65536)).toBe(true);
    const got = new Uint32Array(dec.values.buffer, dec.values.byteOffset, 65536);
    // the table's stored bits (read as integers: a float read may quiet a signalling NaN)
    const table = new Uint32Array(FP16_TO_F32.buffer);
    const want = new Uint32Array(reference.buffer);
    const differing: number[] = [];
    for (let h = 0; h < 65536; h++) {
      if (got[h] !== table[h]) differing.push(h);
      // decodeToFloat32 copies through float64 values: once optimised, V8 may quiet a
      // signalling NaN, so a NaN need only stay a NaN there; every other code bit for bit
      const isNan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNan ? !Number.isNaN(reference[h]) || !Number.isNaN(dec.values[h]) : got[h] !== want[h]) differing.push(-h);
    }
    expect(differing).toEqual([]);
  });

  it_('gives the binary16 values worked out by hand', () => {
    const dec = new HalfDecoder(9);
    const codes = [0x3c00, 0x0001, 0x03ff, 0x0400, 0x8000, 0xc000, 0x7bff, 0xfbff, 0x3555];
    new Uint16Array(dec.codes.buffer, 0, 9).set(codes);
    expect(dec.decode(9)).toBe(false);
    // 1, 2^-24 (smallest subnormal), 1023·2^-24 (largest subnormal), 2^-14, −0, −2, 65504, −65504, 0.333251953125
    expect(Array.from(dec.values)).toEqual([1, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, -2, 65504, -65504, 0.333251953125]);
    expect(Object.is(dec.values[4], -0)).toBe(true);
  });

  it_('flags a NaN or an infinity wherever it is in the range, and nothing past the range', () => {
    const n = 21;
    const dec = new HalfDecoder(32);
    const codes = new Uint16Array(dec.codes.buffer, 0, 32);
    for (const bad of [0x7c00, 0xfc00, 0x7e00, 0x7c01]) {
      for (let at = 0; at < n; at++) {
        codes.fill(0x3c00);
        codes[at] = bad;
        expect(dec.decode(n)).toBe(true);
      }
    }
    // a non-finite code just past the range (stale bytes of a longer read) is not seen
    codes.fill(0x3c00);
    codes[n] = 0x7c00;
    codes[31] = 0x7e00;
    expect(dec.decode(n)).toBe(false);
    expect(Array.from(dec.values.subarray(0, n))).toEqual(new Array(n).fill(1));
  });
});

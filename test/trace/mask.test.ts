import fc from 'fast-check';
import { checkMaskRows, packMask, unpackMask } from '../../src/trace/mask.js';
import { selectKeep } from '../../src/sparsity/select.js';
import { nm, parsePattern } from '../../src/sparsity/pattern.js';

describe('bit-packed masks', () => {
  test('packMask puts element j in bit j % 8 of byte j / 8, LSB first (as np.packbits bitorder="little")', () => {
    // K = 10: elements 0, 3, 8 kept → byte 0 = 0b00001001 = 9, byte 1 = 0b00000001 = 1
    const keep = new Uint8Array([1, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(packMask(keep, 1, 10))).toEqual([9, 1]);
  });

  test('unpackMask inverts packMask for any tokens × K', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.infiniteStream(fc.boolean()), (tokens, k, bits) => {
        const keep = Uint8Array.from(bits.take(tokens * k), (b) => (b ? 1 : 0));
        const packed = packMask(keep, tokens, k);
        expect(packed.length).toBe(tokens * Math.ceil(k / 8));
        expect(Array.from(unpackMask(packed, tokens, k))).toEqual(Array.from(keep));
      }),
    );
  });

  test('masks chosen by selectKeep never violate their own pattern, and count the kept fraction exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('2:4', '4:8', '8:16', '16:32', '3:7', 'unstructured'),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 70 }),
        fc.infiniteStream(fc.float({ noNaN: true })),
        (text, tokens, k, values) => {
          const p = parsePattern(text);
          const scores = Float32Array.from(values.take(tokens * k), Math.abs);
          const keep = new Uint8Array(tokens * k);
          let kept = 0;
          for (let t = 0; t < tokens; t++) kept += selectKeep(scores, k, p, keep, t * k, t * k);
          const check = checkMaskRows(packMask(keep, tokens, k), tokens, k, p);
          expect(check.violatingGroups).toBe(0);
          expect(check.keptCount).toBe(kept);
          expect(check.elementCount).toBe(tokens * k);
          expect(check.groupCount).toBe(p.kind === 'nm' ? tokens * Math.ceil(k / p.m) : tokens);
        },
      ),
    );
  });

  test('one extra kept element in a full group is one violation; a tail group of r may keep min(N, r)', () => {
    const k = 20; // 8:16 → one full group [0, 16) and a tail of r = 4 that may keep all 4
    const keep = new Uint8Array(k);
    for (let j = 0; j < 8; j++) keep[j] = 1;
    for (let j = 16; j < 20; j++) keep[j] = 1;
    expect(checkMaskRows(packMask(keep, 1, k), 1, k, nm(8, 16)).violatingGroups).toBe(0);
    keep[8] = 1;
    const over = checkMaskRows(packMask(keep, 1, k), 1, k, nm(8, 16));
    expect([over.violatingGroups, over.groupCount, over.keptCount]).toEqual([1, 2, 13]);
    // 2:4 on the same 20: groups 0–3 keep 4, 4–7 keep 4, 8–11 keep 1, 12–15 keep 0, 16–19 keep 4 → 3 over
    expect(checkMaskRows(packMask(keep, 1, k), 1, k, nm(2, 4)).violatingGroups).toBe(3);
  });

  test('bits set past K are reported as padding rows, not counted as kept', () => {
    const packed = new Uint8Array([0b11111111, 0b00000111]); // K = 10: bit 10 is padding
    const check = checkMaskRows(packed, 1, 10, parsePattern('dense'));
    expect(check.keptCount).toBe(10);
    expect(check.paddingBitRows).toBe(1);
  });
});

import { loadTech, type TechLibrary } from '../../src/profile/tech.js';
import { metadataArea, metadataBitsPerValue, groupDecoderCells, decodersPerCore } from '../../src/area/metadata.js';
import { compressionArea, packingCellsPerGroup } from '../../src/area/compression.js';
import { nm, METADATA_ENCODINGS, type MetadataEncoding } from '../../src/sparsity/pattern.js';

let tech: TechLibrary;
beforeAll(async () => {
  tech = await loadTech('nangate45');
});

const BITCELL = 0.346;
const EFF = 0.7;
const geometry = { rows: 8, denseKPerCycle: 8, operandBits: 16, operandBufferBytes: 1024 };

describe('metadata', () => {
  // hand-derived: index N·⌈log₂M⌉, bitmask M, combinatorial ⌈log₂ C(M,N)⌉
  const expected: Array<[number, number, Record<MetadataEncoding, number>]> = [
    [2, 4, { index: 4, bitmask: 4, combinatorial: 3 }],
    [4, 8, { index: 12, bitmask: 8, combinatorial: 7 }],
    [8, 16, { index: 32, bitmask: 16, combinatorial: 14 }],
    [16, 32, { index: 80, bitmask: 32, combinatorial: 30 }],
  ];

  test.each(expected)('%i:%i stores the hand-derived metadata bits per group in every encoding', (n, m, bits) => {
    for (const enc of METADATA_ENCODINGS) {
      // a 1 KiB buffer of 16-bit values holds 512 values = 512/N groups
      const c = metadataArea(geometry, [nm(n, m)], enc, 'mux', tech);
      expect(c.breakdown[0].bits).toBe((512 / n) * bits[enc]);
      expect(c.breakdown[0].areaUm2).toBeCloseTo(((512 / n) * bits[enc] * BITCELL) / EFF, 9);
      expect(metadataBitsPerValue(nm(n, m), enc)).toBe(bits[enc] / n);
    }
  });

  test('a flexible core stores metadata for its hungriest pattern: 16:32 index, 5 bits per value', () => {
    const c = metadataArea(geometry, [nm(2, 4), nm(16, 32)], 'index', 'mux', tech);
    expect(c.breakdown[0].bits).toBe(512 * 5);
  });

  test('lanes on one activation row share decoders: 8 rows × ⌈8/N⌉ group decoders', () => {
    expect(decodersPerCore(nm(2, 4), geometry)).toBe(32);
    expect(decodersPerCore(nm(8, 16), geometry)).toBe(8);
    expect(decodersPerCore(nm(16, 32), geometry)).toBe(8);
  });

  test('index selects need no decoder with plain muxes, and a constant subtract per kept value with sorted ones', () => {
    expect(groupDecoderCells(nm(8, 16), 'index', 'mux')).toEqual({});
    expect(groupDecoderCells(nm(8, 16), 'index', 'sorted-mux')).toEqual({ halfAdder: 32 });
  });

  test('an 8:16 bitmask decoder: 16 × 4-bit prefix count, 8 × 9 × 4 match XORs, 8 × 4 × 9 encoder NANDs', () => {
    expect(groupDecoderCells(nm(8, 16), 'bitmask', 'mux')).toEqual({ fullAdder: 64, xor2: 288, nand2: 288 });
  });

  test('a combinatorial decoder adds 16 conditional 14-bit subtracts for 8:16 before the bitmask decode', () => {
    expect(groupDecoderCells(nm(8, 16), 'combinatorial', 'mux')).toEqual({ fullAdder: 64 + 16 * 14, inv: 16 * 14, mux2: 16 * 14, xor2: 288, nand2: 288 });
  });
});

describe('compression', () => {
  test('a 2:4 packer: mask from two index tags, rank logic, two 3:1 value muxes and a 36-bit output register', () => {
    // mask: 2 decoders × 4 × (2−1) AND2 + 4 × (2−1) OR2 (as AND2 cost); ranks: 4 × 2 FA, 2 × 3 × 2 XOR, 2 × 2 × 3 NAND
    expect(packingCellsPerGroup(nm(2, 4), 'index', 16, false)).toEqual({
      nand2: 8 + 4 + 12,
      inv: 8 + 4,
      fullAdder: 8,
      xor2: 12,
      mux2: 2 * 16 * 2,
      dff: 2 * 16 + 4,
    });
  });

  test('software pruning has no packing hardware; gating adds decompression per row and position', () => {
    const base = { hardwarePacking: false, maskFromUnit: false, units: 1, operandBits: 16, encoding: 'index' as const, rows: 8, denseKPerCycle: 8 };
    expect(compressionArea({ ...base, gating: false }, [nm(2, 4)], tech).areaUm2).toBe(0);
    const gated = compressionArea({ ...base, gating: true }, [nm(2, 4)], tech);
    // 2:4 → rank lands on min(2, 3) = 2 positions: one MUX2 + one AND2 per bit
    expect(gated.areaUm2).toBeCloseTo(64 * 16 * (1.862 + 0.798 + 0.532), 6);
  });
});

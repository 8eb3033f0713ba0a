import { loadTech, type TechLibrary } from '../../src/profile/tech.js';
import { macArrayArea, multiplierCells } from '../../src/area/mac-array.js';
import { MAC_FORMATS } from '../../src/area/datatypes.js';
import { countsAreaUm2, addCounts } from '../../src/area/component.js';
import { arrayMultiplier, rippleAdder } from '../../src/area/gates.js';
import { NmsimError } from '../../src/diagnostics.js';

let n45: TechLibrary;
let a7: TechLibrary;
beforeAll(async () => {
  n45 = await loadTech('nangate45');
  a7 = await loadTech('asap7');
});

describe('MAC array', () => {
  test('an 8×8 array multiplier has 64 ANDs, 48 full adders and 8 half adders', () => {
    expect(arrayMultiplier(8, 8)).toEqual({ nand2: 64, inv: 64, fullAdder: 48, halfAdder: 8 });
  });

  test('a composed int8 multiply-add is within 25% of the Accelergy/Aladdin 45 nm MAC (332.25 µm²)', () => {
    const composed = countsAreaUm2(addCounts(multiplierCells(MAC_FORMATS.int8), rippleAdder(16)), n45);
    // 64 × 1.33 + 48 × 4.256 + 8 × 2.66 + 16 × 4.256 = 378.7 µm²
    expect(composed).toBeCloseTo(64 * 1.33 + 48 * 4.256 + 8 * 2.66 + 16 * 4.256, 6);
    expect(Math.abs(composed - n45.references.int8Mac.value) / n45.references.int8Mac.value).toBeLessThan(0.25);
  });

  test('an fp16 multiplier: 11×11 array, 6-bit exponent add and difference, sign XOR, 25-bit × 5-stage alignment', () => {
    expect(multiplierCells(MAC_FORMATS.fp16)).toEqual({ nand2: 121, inv: 121 + 6, fullAdder: 99 + 6 + 6, halfAdder: 11, xor2: 1, mux2: 125 });
  });

  test('the array is lanes × K multipliers plus per-lane reduction and registers shared by rows and columns', () => {
    const g = { lanes: 64, denseKPerCycle: 8, activationRowsPerCycle: 8, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' as const };
    const c = macArrayArea(g, n45);
    expect(c.breakdown[0].areaUm2).toBeCloseTo(512 * countsAreaUm2(multiplierCells(MAC_FORMATS.fp16), n45), 6);
    expect(c.breakdown[2].cells).toEqual({ dff: 64 * 32 });
    // 8 rows × 8 activations + 8 columns × 8 weights, 16 bits each; 25-bit product per multiplier
    expect(c.breakdown[3].cells).toEqual({ dff: (8 + 8) * 8 * 16 + 512 * 25 });
    expect(c.areaUm2).toBeCloseTo(c.breakdown.reduce((s, i) => s + i.areaUm2, 0), 6);
  });

  test('ASAP7 / Nangate45 area of the same MAC array lands near the Stillmaker–Baas 45→7 nm factor (0.059)', () => {
    const g = { lanes: 64, denseKPerCycle: 8, activationRowsPerCycle: 64, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' as const };
    const ratio = macArrayArea(g, a7).areaUm2 / macArrayArea(g, n45).areaUm2;
    // an independent cross-check, not a calibration: cell-by-cell ratios range 0.048 (FA) to 0.082 (INV)
    expect(ratio).toBeGreaterThan(0.04);
    expect(ratio).toBeLessThan(0.09);
  });

  test('an unmodelled float accumulator width is refused with the key and the valid widths', () => {
    expect(() => macArrayArea({ lanes: 1, denseKPerCycle: 1, activationRowsPerCycle: 1, operandBits: 16, accumulatorBits: 24, macDatatype: 'fp16' }, n45)).toThrow(NmsimError);
    try {
      macArrayArea({ lanes: 1, denseKPerCycle: 1, activationRowsPerCycle: 1, operandBits: 16, accumulatorBits: 24, macDatatype: 'fp16' }, n45);
    } catch (e) {
      expect((e as NmsimError).diagnostics[0]).toMatchObject({ code: 'area/unsupported-accumulator', path: 'tensorCore.accumulatorBits' });
      expect((e as NmsimError).diagnostics[0].hint).toMatch(/16, 32, 64/);
    }
  });
});

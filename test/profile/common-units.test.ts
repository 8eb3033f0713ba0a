/**
 * The mathjs-free conversion of the common units gives exactly what mathjs gives (after the
 * loader's rounding to 12 significant digits), for every unit in its table.
 */
import fc from 'fast-check';
import { COMMON_UNITS, convertCommonUnit, convertQuantity, roundConverted } from '../../src/profile/quantities.js';

describe('common units without mathjs', () => {
  test('property: every unit of the table converts as mathjs converts it', async () => {
    const math = await import('mathjs');
    const pairs = Object.entries(COMMON_UNITS).flatMap(([target, units]) => Object.keys(units).map((u) => [target, u] as const));
    // 32 + the nine byte units of GB (memory.dramCapacity, issue 16)
    expect(pairs.length).toBe(41);
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs),
        fc.integer({ min: 1, max: 999_999 }),
        fc.integer({ min: -6, max: 6 }),
        ([target, u], digits, exponent) => {
          const text = `${digits}e${exponent} ${u}`;
          expect(convertCommonUnit(text, target)).toBe(roundConverted(math.unit(text).toNumber(target)));
        },
      ),
      { seed: 11, numRuns: 400 },
    );
  });

  test('what the shipped profiles write converts without mathjs, and the rest still goes to mathjs', async () => {
    expect(convertCommonUnit('1.41 GHz', 'MHz')).toBe(1410);
    expect(convertCommonUnit('3.35 TB/s', 'GB/s')).toBe(3350);
    expect(convertCommonUnit('50 MiB', 'KiB')).toBe(51200);
    expect(convertCommonUnit('500 ns', 'ns')).toBe(500);
    expect(convertCommonUnit('80 GB', 'GB')).toBe(80);
    expect(convertCommonUnit('80 GiB', 'GB')).toBe(85.89934592);
    // a bit-rate, an unknown unit, an expression: not the fast path's business
    expect(convertCommonUnit('8 Gb/s', 'GB/s')).toBeUndefined();
    expect(convertCommonUnit('1.41 GHzz', 'MHz')).toBeUndefined();
    expect(convertCommonUnit('1 GHz + 1 MHz', 'MHz')).toBeUndefined();
    expect(await convertQuantity('1 GHz + 1 MHz', 'MHz')).toMatch(/not a quantity/);
    expect(await convertQuantity('8 Gb/s', 'GB/s')).toBe(1);
  });
});

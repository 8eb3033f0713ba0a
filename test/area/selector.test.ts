import fc from 'fast-check';
import { loadTech, type TechLibrary } from '../../src/profile/tech.js';
import { selectorArea, candidatePositions, muxInputsPerSlot, stagingWindow } from '../../src/area/selector.js';
import { SELECTOR_STYLES } from '../../src/profile/schema.js';
import { nm } from '../../src/sparsity/pattern.js';

let tech: TechLibrary;
beforeAll(async () => {
  tech = await loadTech('nangate45');
});

const MUX2 = 1.862;
const DFF = 4.522;
const one = { lanes: 1, denseKPerCycle: 8, operandBits: 16, activationRowsPerCycle: 1 };

describe('operand selector', () => {
  test('8:16 with M:1 muxes: 8 multipliers × 16 bits × 15 MUX2 = 1920 MUX2 = 3575.04 µm², plus 8 staged weights', () => {
    const c = selectorArea(one, [nm(8, 16)], 'mux', tech);
    expect(c.breakdown[0].cells).toEqual({ mux2: 1920 });
    expect(c.breakdown[0].areaUm2).toBeCloseTo(1920 * MUX2, 6);
    // the (single) column holds the 16-weight group instead of 8 dense weights: 8 × 16 extra flip-flops
    expect(c.breakdown[1].cells).toEqual({ dff: 128 });
    expect(c.areaUm2).toBeCloseTo(1920 * MUX2 + 128 * DFF, 6);
  });

  test('8:16 with sorted indices: (16 − 8 + 1):1 = 9:1 muxes, 8 × 16 × 8 = 1024 MUX2 = 1906.688 µm²', () => {
    const c = selectorArea(one, [nm(8, 16)], 'sorted-mux', tech);
    expect(c.breakdown[0].cells).toEqual({ mux2: 1024 });
    expect(c.breakdown[0].areaUm2).toBeCloseTo(1906.688, 6);
  });

  test('a sorted rank r of 8:16 can only sit at positions r … r + 8', () => {
    expect([...candidatePositions(nm(8, 16), 8, 3, true)]).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(candidatePositions(nm(8, 16), 8, 3, false).size).toBe(16);
  });

  test('2:4 on K = 8: four groups side by side, 3 sorted candidates each, a 16-weight window', () => {
    expect([...candidatePositions(nm(2, 4), 8, 3, true)]).toEqual([5, 6, 7]);
    expect(muxInputsPerSlot([nm(2, 4)], 8, false)).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    expect(stagingWindow(nm(2, 4), 8)).toBe(16);
  });

  test('16:32 on K = 8: each multiplier serves two consecutive ranks, so 18 sorted candidates', () => {
    // ranks 2i and 2i+1 sit in [2i, 2i+16] ∪ [2i+1, 2i+17]
    expect(muxInputsPerSlot([nm(16, 32)], 8, true)).toEqual(new Array(8).fill(18));
    expect(selectorArea(one, [nm(16, 32)], 'sorted-mux', tech).breakdown[0].cells).toEqual({ mux2: 8 * 17 * 16 });
  });

  test('hierarchical 8:16 picks 4 of 8 two-element blocks: 5:1 block muxes, 32 bits wide, one per 2 multipliers', () => {
    const c = selectorArea(one, [nm(8, 16)], 'hierarchical', tech);
    expect(c.breakdown[0].cells).toEqual({ mux2: 4 * 4 * 32 });
    expect(c.source).toMatch(/exact only for block-structured masks/);
  });

  test('a flexible 2:4 + 4:8 core pays the union of candidate positions: 5 inputs per multiplier', () => {
    // slot 3: 2:4 → {5,6,7}; 4:8 → {3,…,7}
    expect(muxInputsPerSlot([nm(2, 4), nm(4, 8)], 8, true)).toEqual(new Array(8).fill(5));
  });

  test('the inputs per slot are kept per patterns, K and sortedness: calls that differ in one argument each get their own answer, and a caller may change the array it gets', () => {
    // 2:4 unsorted: any of 4 positions; sorted: M − N + 1 = 3; K = 4 → 4 slots; 4:8 unsorted: 8
    const calls: Array<[Parameters<typeof muxInputsPerSlot>, number[]]> = [
      [[[nm(2, 4)], 8, false], new Array(8).fill(4)],
      [[[nm(2, 4)], 8, true], new Array(8).fill(3)],
      [[[nm(2, 4)], 4, false], new Array(4).fill(4)],
      [[[nm(4, 8)], 8, false], new Array(8).fill(8)],
      [[[nm(2, 4), nm(4, 8)], 8, true], new Array(8).fill(5)],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [args, expected] of calls) {
        const got = muxInputsPerSlot(...args);
        expect(got).toEqual(expected);
        got[0] = -1;
      }
    }
  });

  test('muxes scale with lanes and operand width; staged weights with output columns only', () => {
    const a = selectorArea(one, [nm(4, 8)], 'mux', tech);
    const b = selectorArea({ lanes: 64, denseKPerCycle: 8, operandBits: 8, activationRowsPerCycle: 8 }, [nm(4, 8)], 'mux', tech);
    expect(b.breakdown[0].areaUm2).toBeCloseTo(a.breakdown[0].areaUm2 * 32, 6);
    // 8 columns × (16 − 8) weights × 8 bits, shared by the 8 rows
    expect(b.breakdown[1].cells).toEqual({ dff: 8 * 8 * 8 });
  });

  // one activation row per lane (a profile's default)
  const geometry = fc
    .record({
      lanes: fc.integer({ min: 1, max: 64 }),
      denseKPerCycle: fc.constantFrom(2, 4, 8, 16),
      operandBits: fc.constantFrom(4, 8, 16),
    })
    .map((g) => ({ ...g, activationRowsPerCycle: g.lanes }));

  test('property: selector area never shrinks as M grows at N = M/2', () => {
    fc.assert(
      fc.property(geometry, fc.constantFrom(...SELECTOR_STYLES), fc.integer({ min: 1, max: 5 }), (g, style, p) => {
        const small = selectorArea(g, [nm(2 ** (p - 1), 2 ** p)], style, tech).areaUm2;
        const big = selectorArea(g, [nm(2 ** p, 2 ** (p + 1))], style, tech).areaUm2;
        return big >= small;
      }),
      { numRuns: 200 },
    );
  });

  test('property: a selector for a superset of patterns is never smaller', () => {
    const pattern = fc.integer({ min: 1, max: 5 }).chain((e) => fc.integer({ min: 1, max: 2 ** e }).map((n) => nm(n, 2 ** e)));
    fc.assert(
      fc.property(geometry, fc.constantFrom('mux', 'sorted-mux') as fc.Arbitrary<'mux' | 'sorted-mux'>, fc.array(pattern, { minLength: 1, maxLength: 3 }), fc.array(pattern, { minLength: 1, maxLength: 3 }), (g, style, a, extra) => {
        return selectorArea(g, [...a, ...extra], style, tech).areaUm2 >= selectorArea(g, a, style, tech).areaUm2;
      }),
      { numRuns: 200 },
    );
  });

  test('property: a hierarchical selector for a superset of block-divisible patterns is never smaller', () => {
    const pattern = fc.integer({ min: 1, max: 5 }).chain((e) => fc.integer({ min: 1, max: 2 ** (e - 1) }).map((h) => nm(2 * h, 2 ** e)));
    fc.assert(
      fc.property(geometry, fc.array(pattern, { minLength: 1, maxLength: 3 }), fc.array(pattern, { minLength: 1, maxLength: 3 }), (g, a, extra) => {
        return selectorArea(g, [...a, ...extra], 'hierarchical', tech).areaUm2 >= selectorArea(g, a, 'hierarchical', tech).areaUm2;
      }),
      { numRuns: 200 },
    );
  });
});

import fc from 'fast-check';
import { loadTech, type TechLibrary } from '../../src/profile/tech.js';
import { pruningUnitArea, pruningUnitStages, compareAndSwapCells, unitComparators, keyBits } from '../../src/area/pruning-unit.js';
import { PRUNING_NETWORK_KINDS } from '../../src/sparsity/sorting-networks.js';
import { countsAreaUm2 } from '../../src/area/component.js';
import { nm, type NmPattern } from '../../src/sparsity/pattern.js';

let tech: TechLibrary;
beforeAll(async () => {
  tech = await loadTech('nangate45');
});

const FA = 4.256;
const INV = 0.532;
const MUX2 = 1.862;
const DFF = 4.522;

describe('online pruning unit', () => {
  test('a unit for each M of the paper needs 5/19/63/191 Batcher comparators', () => {
    expect([nm(2, 4), nm(4, 8), nm(8, 16), nm(16, 32)].map((p) => unitComparators('batcher', [p]).comparators)).toEqual([5, 19, 63, 191]);
  });

  test('an FP16 compare-and-swap for M = 16 compares 15 magnitude + 4 index bits and swaps 20 bits: 165.452 µm²', () => {
    expect(keyBits(16, 16)).toBe(19);
    const cells = compareAndSwapCells(16, 16);
    expect(cells).toEqual({ fullAdder: 19, inv: 19, mux2: 40 });
    expect(countsAreaUm2(cells, tech)).toBeCloseTo(19 * FA + 19 * INV + 40 * MUX2, 9);
  });

  test('an 8:16 unit at 2 groups per cycle with 10 pipeline ranks: 2 × 63 CAS + 2 × 10 × 16 × 20 flip-flops', () => {
    const c = pruningUnitArea({ network: 'batcher', groupsPerCycle: 2, latencyCycles: 10, operandBits: 16, signedInteger: false }, [nm(8, 16)], tech);
    const cas = 19 * FA + 19 * INV + 40 * MUX2;
    expect(c.areaUm2).toBeCloseTo(2 * 63 * cas + 2 * 10 * 16 * 20 * DFF, 6);
    expect(c.source).toMatch(/63 comparators, depth 10/);
  });

  test('a latency longer than the network depth adds no registers; a shorter one packs stages', () => {
    const base = { network: 'batcher' as const, groupsPerCycle: 1, operandBits: 16, signedInteger: false };
    const deep = pruningUnitArea({ ...base, latencyCycles: 40 }, [nm(8, 16)], tech).areaUm2;
    const exact = pruningUnitArea({ ...base, latencyCycles: 10 }, [nm(8, 16)], tech).areaUm2;
    const short = pruningUnitArea({ ...base, latencyCycles: 5 }, [nm(8, 16)], tech).areaUm2;
    expect(deep).toBe(exact);
    expect(exact - short).toBeCloseTo(5 * 16 * 20 * DFF, 6);
  });

  test('a flexible unit uses the widest Batcher network: 191 comparators cover two 16-sorters and four 8-sorters', () => {
    expect(unitComparators('batcher', [nm(2, 4), nm(8, 16), nm(16, 32)]).comparators).toBe(191);
    expect(unitComparators('selection', [nm(16, 32)]).comparators).toBe(157);
    expect(unitComparators('selection', [nm(8, 16), nm(16, 32)]).comparators).toBe(191);
  });

  test('a radix-select unit for 2:4 has 17 stages (15 magnitude + 2 index bits) of popcount, compare and mask update', () => {
    const c = pruningUnitArea({ network: 'threshold', groupsPerCycle: 1, latencyCycles: 17, operandBits: 16, signedInteger: false }, [nm(2, 4)], tech);
    // per stage: 4 AND2, 4 FA popcount, 3-bit count compare (3 FA + 3 INV), 8 NAND2 mask update
    expect(c.breakdown[0].cells).toEqual({ nand2: 17 * 12, inv: 17 * 7, fullAdder: 17 * 7 });
    // registers: remaining key bits 4 × (17 − s), a 4-bit mask and a 3-bit count, for s = 0 … 16
    expect(c.breakdown[1].cells).toEqual({ dff: 4 * 153 + 17 * 7 });
  });

  test('integer operands pay for an absolute value before comparing', () => {
    const base = { network: 'batcher' as const, groupsPerCycle: 1, latencyCycles: 3, operandBits: 8 };
    const unsigned = pruningUnitArea({ ...base, signedInteger: false }, [nm(2, 4)], tech).areaUm2;
    const signed = pruningUnitArea({ ...base, signedInteger: true }, [nm(2, 4)], tech).areaUm2;
    expect(signed - unsigned).toBeCloseTo(4 * 8 * (1.596 + 2.66), 6);
  });

  test('property: pruning-unit area never shrinks as M grows at N = M/2 (same groups or same elements per cycle)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PRUNING_NETWORK_KINDS),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(8, 16),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
        (network, p, operandBits, sameElements, latency) => {
          const m = 2 ** p;
          // no latency given: one rank per stage, as a profile that omits it gets
          const latencyCycles = (q: NmPattern) => latency ?? pruningUnitStages(network, [q], operandBits);
          const [narrow, wide] = [nm(m / 2, m), nm(m, 2 * m)];
          const small = pruningUnitArea({ network, groupsPerCycle: sameElements ? 64 / m : 1, latencyCycles: latencyCycles(narrow), operandBits, signedInteger: false }, [narrow], tech).areaUm2;
          const big = pruningUnitArea({ network, groupsPerCycle: sameElements ? 64 / (2 * m) : 1, latencyCycles: latencyCycles(wide), operandBits, signedInteger: false }, [wide], tech).areaUm2;
          return big >= small;
        },
      ),
      { numRuns: 300 },
    );
  });
});

import fc from 'fast-check';
import { analyzeSite } from '../../src/analysis/site-analysis.js';
import { NetworkSelector } from '../../src/analysis/network-kernel.js';
import { MagnitudeSelector } from '../../src/analysis/magnitude-kernel.js';
import { compressedSizes } from '../../src/analysis/compressed-size.js';
import { keptPerToken, nm, parsePatternList, type NmPattern, type Pattern } from '../../src/sparsity/pattern.js';
import { plan, siteInput } from './helpers.js';

const row = (values: number[]) => Float32Array.from(values);
const floats = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e4, max: 1e4 });

function bitsInGroup(words: Uint32Array, start: number, len: number): number {
  let c = 0;
  for (let j = start; j < start + len; j++) c += (words[j >>> 5] >>> (j & 31)) & 1;
  return c;
}

describe('analysis properties (fast-check)', () => {
  test('at most N elements are kept in every full group, by both kernels', () => {
    const pats = parsePatternList('1:2,2:4,3:4,4:8,8:16,16:32,3:6,5:12,7:64') as NmPattern[];
    fc.assert(
      fc.property(fc.array(floats, { minLength: 1, maxLength: 150 }), fc.constantFrom(...pats), (values, p) => {
        const x = row(values);
        const k = x.length;
        const bits = new Int32Array(x.buffer);
        const rows = [new Uint8Array(k)];
        new MagnitudeSelector(k, [p]).select(bits, 0, rows);
        for (let g = 0; g + p.m <= k; g += p.m) expect(rows[0].subarray(g, g + p.m).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(p.n);
        if ((p.m & (p.m - 1)) === 0 && p.m <= 32) {
          const sel = new NetworkSelector(k, [p]);
          sel.select(bits, 0, new Float64Array(k));
          for (let g = 0; g + p.m <= k; g += p.m) expect(bitsInGroup(sel.words[0], g, p.m)).toBeLessThanOrEqual(p.n);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('M:M and dense are the identity: error 0, cosine 1, everything kept, for every criterion and mitigation', async () => {
    await fc.assert(
      // multiples of 1/8: x − η + η is exact in float32, so the shift mitigations are exact too
      fc.asyncProperty(fc.array(fc.integer({ min: -4000, max: 4000 }).map((v) => v / 8), { minLength: 8, maxLength: 8 * 6 }).filter((v) => v.length % 8 === 0 && v.some((a) => a !== 0)), async (values) => {
        const k = 8;
        const tokens = values.length / k;
        const x = row(values);
        const res = await analyzeSite(
          siteInput(x, tokens, k, { staticShift: 0.25, consumers: [{ consumer: 'down', amberFactors: new Float32Array(k).fill(1.5) }] }),
          plan({ patterns: parsePatternList('4:4,8:8,dense'), criteria: ['magnitude', 'amber', 'clact'], mitigations: ['none', 'dpts', 'spts', 'affine'] }),
        );
        for (const slots of res.slots) {
          for (const s of slots) {
            expect(s.relErrL2).toBe(0);
            expect(s.keptFraction).toBe(1);
            expect(s.retainedEnergy).toBeCloseTo(1, 12);
            expect(s.cosine).toBeCloseTo(1, 6);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  test('for magnitude, the error never grows with N at fixed M', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(4, 8, 16, 32, 6), fc.array(floats, { minLength: 96, maxLength: 96 }), async (m, values) => {
        const pats: Pattern[] = Array.from({ length: m }, (_, i) => nm(i + 1, m));
        const res = await analyzeSite(siteInput(row(values), 96 / 32, 32), plan({ patterns: pats }));
        const errs = res.slots.map((s) => s[0].relErrL2);
        for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThanOrEqual(errs[i - 1]! + 1e-15);
        expect(errs[errs.length - 1]).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  test('compressed sizes equal the closed forms, computed here independently', () => {
    // C(M, N) by Pascal's triangle (not the multiplicative formula pattern.ts uses)
    const pascal: bigint[][] = [[1n]];
    for (let i = 1; i <= 64; i++) pascal.push(Array.from({ length: i + 1 }, (_, j) => (j === 0 || j === i ? 1n : pascal[i - 1][j - 1] + pascal[i - 1][j])));
    const bitsFor = (v: bigint) => (v <= 1n ? 0 : (v - 1n).toString(2).length);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 50 }), (a, b, k, tokens) => {
        const m = Math.max(a, b);
        const n = Math.min(a, b);
        const groups = Math.ceil(k / m);
        const meta = { index: n * Math.ceil(Math.log2(m)), bitmask: m, combinatorial: bitsFor(pascal[m][n]) };
        for (const c of compressedSizes(nm(n, m), k, tokens, 16)) {
          const vb = c.valueFormat === 'trace' ? 16 : 8;
          expect(c.compressedBits).toBe(tokens * groups * (n * vb + meta[c.encoding]));
          expect(c.denseBits).toBe(tokens * k * vb);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('the closed forms reproduce DESIGN.md: BF16 + index is 56.25 % (2:4) and 65.6 % (16:32) of dense; bitmask 56.25 % for M = 2N', () => {
    const ratio = (p: string, enc: string) => compressedSizes(parsePatternList(p)[0], 4096, 1, 16).find((c) => c.encoding === enc && c.valueFormat === 'trace')!.ratio;
    expect(ratio('2:4', 'index')).toBe(0.5625);
    expect(ratio('16:32', 'index')).toBeCloseTo(0.65625, 12);
    for (const p of ['2:4', '4:8', '8:16', '16:32']) expect(ratio(p, 'bitmask')).toBe(0.5625);
    expect(ratio('8:16', 'combinatorial')).toBe((8 * 16 + 14) / (16 * 16));
  });

  test('union density is monotone in B (random batches: any sizes; consecutive: along a divisor chain) and equals the kept fraction at B = 1', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom('2:4,8:16', '16:32,unstructured', '3:6,1:4'),
        async (tokens, k, seed, pats) => {
          let s = seed;
          const x = Float32Array.from({ length: tokens * k }, () => ((s = (s * 16807) % 2147483647) % 7) - 3);
          const monotone = (vals: (number | null)[]) => {
            const v = vals.filter((a): a is number => a !== null);
            for (let i = 1; i < v.length; i++) expect(v[i]).toBeGreaterThanOrEqual(v[i - 1] - 1e-12);
          };
          const chain = await analyzeSite(siteInput(x, tokens, k), plan({ patterns: parsePatternList(pats), batchSizes: [1, 2, 4, 8, 16, 32, 64], randomBatchesPerSize: 8 }));
          for (const [slot] of chain.slots) {
            const u = slot.unionDensity;
            expect(u[0].consecutive).toBeCloseTo(slot.keptFraction!, 12);
            expect(u[0].random).toBeCloseTo(slot.keptFraction!, 12);
            monotone(u.map((r) => r.consecutive));
            monotone(u.map((r) => r.random));
          }
          const any = await analyzeSite(siteInput(x, tokens, k), plan({ patterns: parsePatternList(pats), batchSizes: [1, 3, 5, 6, 7, 20], randomBatchesPerSize: 8 }));
          for (const [slot] of any.slots) monotone(slot.unionDensity.map((r) => r.random));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('the kept fraction of every criterion and mitigation equals the closed-form effective density', async () => {
    const k = 37;
    const tokens = 9;
    const x = Float32Array.from({ length: tokens * k }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const pats = parsePatternList('2:4,8:16,16:32,3:6,unstructured');
    const res = await analyzeSite(
      siteInput(x, tokens, k, { staticShift: 0.1, consumers: [{ consumer: 'down', amberFactors: Float32Array.from({ length: k }, (_, j) => 1 + j / 10) }] }),
      plan({ patterns: pats, criteria: ['magnitude', 'amber', 'clact'], mitigations: ['none', 'var', 'dpts', 'spts'] }),
    );
    for (const slots of res.slots) {
      for (const s of slots) expect(s.keptFraction).toBe(s.effectiveDensity);
    }
    expect(res.slots[0][0].effectiveDensity).toBe(keptPerToken(pats[0], k) / k);
  });
});

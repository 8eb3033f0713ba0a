import {
  parsePattern,
  parsePatternList,
  formatPattern,
  keptPerToken,
  effectiveDensity,
  metadataBitsPerGroup,
  binomial,
  nm,
} from '../../src/sparsity/pattern.js';
import { NmsimError } from '../../src/diagnostics.js';

describe('pattern', () => {
  test('parsePattern reads N:M, unstructured and dense', () => {
    expect(parsePattern('8:16')).toEqual({ kind: 'nm', n: 8, m: 16 });
    expect(parsePattern(' Unstructured ')).toEqual({ kind: 'unstructured' });
    expect(parsePattern('dense')).toEqual({ kind: 'dense' });
    expect(formatPattern(parsePattern('16:32'))).toBe('16:32');
  });

  test('parsePattern rejects n > m, m > 64 and junk with a usage diagnostic', () => {
    for (const bad of ['16:8', '0:4', '2:128', 'half', '2/4']) {
      let err: unknown;
      try {
        parsePattern(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NmsimError);
      expect((err as NmsimError).kind).toBe('usage');
      expect((err as NmsimError).diagnostics[0].code).toBe('pattern/invalid');
      expect((err as NmsimError).diagnostics[0].hint).toMatch(/8:16/);
    }
  });

  test('parsePatternList keeps order and drops repeats', () => {
    expect(parsePatternList('2:4, 8:16,2:4,unstructured').map(formatPattern)).toEqual(['2:4', '8:16', 'unstructured']);
  });

  test('a tail group of r elements keeps min(N, r)', () => {
    // K = 70 at 8:16: 4 full groups (32 kept) + tail of 6 keeps 6
    expect(keptPerToken(nm(8, 16), 70)).toBe(38);
    // K = 70 at 2:4: 17 full groups (34) + tail of 2 keeps 2
    expect(keptPerToken(nm(2, 4), 70)).toBe(36);
    expect(effectiveDensity(nm(8, 16), 70)).toBeCloseTo(38 / 70, 12);
    expect(keptPerToken(parsePattern('unstructured'), 71)).toBe(35);
    expect(keptPerToken(parsePattern('dense'), 71)).toBe(71);
  });

  test('metadata bits per group match DESIGN.md for every encoding', () => {
    const cases: Array<[number, number, number, number, number]> = [
      // n, m, index, bitmask, combinatorial
      [2, 4, 4, 4, 3],
      [4, 8, 12, 8, 7],
      [8, 16, 32, 16, 14],
      [16, 32, 80, 32, 30],
    ];
    for (const [n, m, idx, bm, comb] of cases) {
      expect(metadataBitsPerGroup(nm(n, m), 'index')).toBe(idx);
      expect(metadataBitsPerGroup(nm(n, m), 'bitmask')).toBe(bm);
      expect(metadataBitsPerGroup(nm(n, m), 'combinatorial')).toBe(comb);
    }
  });

  test('binomial is exact beyond 2^53', () => {
    expect(binomial(4, 2)).toBe(6n);
    expect(binomial(32, 16)).toBe(601080390n);
    expect(binomial(64, 32)).toBe(1832624140942590534n);
  });
});

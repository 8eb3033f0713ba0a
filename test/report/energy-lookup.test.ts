import type { PatternEnergy } from '../../src/review/energy.js';
import { energyLookup, energyOf } from '../../src/report/review-energy.js';
import type { Pattern } from '../../src/sparsity/pattern.js';

const step = (joulesPerToken: number) => ({ tokens: 1, joulesPerToken, joulesPerTokenByComponent: {} as never, averagePowerW: 1 });
const row = (profile: string, pattern: Pattern, joules: number, operand?: 'weight'): PatternEnergy => ({ profile, pattern, ...(operand ? { operand } : {}), prefill: step(joules), decode: [] });

describe('the indexed energy lookup of design-points.csv', () => {
  it('finds the row energyOf\'s linear search finds: the first of (profile, pattern, operand), no operand meaning activation', () => {
    const nm = (n: number, m: number): Pattern => ({ kind: 'nm', n, m });
    const rows = [
      row('a', nm(8, 16), 1),
      row('a', nm(8, 16), 2), // a duplicate: the first wins
      row('a', nm(2, 4), 3, 'weight'),
      row('a', nm(2, 4), 4),
      row('b', { kind: 'dense' }, 5),
      row('b', { kind: 'unstructured' }, 6),
      row('a', nm(16, 32), 7),
    ];
    const lookup = energyLookup(rows);
    const queries: [string, Pattern, 'activation' | 'weight'][] = [];
    for (const profile of ['a', 'b', 'c']) for (const pattern of [nm(8, 16), nm(2, 4), nm(16, 32), nm(4, 8), { kind: 'dense' } as Pattern, { kind: 'unstructured' } as Pattern]) for (const operand of ['activation', 'weight'] as const) queries.push([profile, pattern, operand]);
    for (const [profile, pattern, operand] of queries) expect(lookup(profile, pattern, operand)).toBe(energyOf(rows, profile, pattern, operand));
    // the figures, by hand
    expect(lookup('a', nm(8, 16), 'activation')?.prefill.joulesPerToken).toBe(1);
    expect(lookup('a', nm(2, 4), 'weight')?.prefill.joulesPerToken).toBe(3);
    expect(lookup('a', nm(2, 4), 'activation')?.prefill.joulesPerToken).toBe(4);
    expect(lookup('b', { kind: 'dense' }, 'activation')?.prefill.joulesPerToken).toBe(5);
    expect(lookup('b', { kind: 'dense' }, 'weight')).toBeUndefined();
    expect(lookup('a', nm(4, 8), 'activation')).toBeUndefined();
    expect(energyLookup(undefined)('a', nm(8, 16), 'activation')).toBeUndefined();
  });
});

import { independentUnionDensity } from '../../src/sparsity/union-density.js';

describe('independentUnionDensity', () => {
  test('is 1 − (1 − d)^B: 0.5 at B = 1 and 0.875 at B = 3 for d = ½', () => {
    expect(independentUnionDensity(0.5, 1)).toBe(0.5);
    expect(independentUnionDensity(0.5, 3)).toBe(0.875);
    // d = 0.25, B = 2: 1 − 0.5625
    expect(independentUnionDensity(0.25, 2)).toBe(0.4375);
  });

  test('keeps nothing when no token keeps anything and everything when every token keeps all', () => {
    expect(independentUnionDensity(0, 64)).toBe(0);
    expect(independentUnionDensity(1, 8)).toBe(1);
  });
});

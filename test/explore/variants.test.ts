/**
 * chooseVariants on hand-made points: the least-area variant among those within 1 % of the
 * group's best prefill and decode speed-ups, per core × provisioning × pattern.
 */
import type { CoreVariant, DesignPoint } from '../../src/explore/design-point.js';
import { chooseVariants, SPEEDUP_TOLERANCE } from '../../src/explore/variants.js';
import { point } from '../report/fixture.js';

function variant(label: string, selectorStyle: string, metadataEncoding: string, provisioning: string, areaOverhead: number, prefill: number, base = 'act-8of16'): DesignPoint {
  const v: CoreVariant = { base, selectorStyle, metadataEncoding, provisioning };
  // decode at B = 8 is 0.8 × prefill in the fixture
  return point(label, '8:16', 'magnitude', 'none', 4.0, 'measured-perplexity', areaOverhead, prefill, { variant: v });
}

describe('chooseVariants', () => {
  it('keeps the least-area variant within 1 % of the best speed-up: 0.5 % slower and cheaper wins, 1.5 % slower and cheaper still does not', () => {
    expect(SPEEDUP_TOLERANCE).toBe(0.01);
    const points = [
      variant('act-8of16', 'mux', 'index', 'dense-balanced', 0.24, 1.26),
      variant('act-8of16 · bitmask', 'mux', 'bitmask', 'dense-balanced', 0.17, 1.333), // 0.5 % slower than 1.34
      variant('act-8of16 · combinatorial', 'mux', 'combinatorial', 'dense-balanced', 0.18, 1.34),
      variant('act-8of16 · hierarchical', 'hierarchical', 'index', 'dense-balanced', 0.1, 1.3199), // cheapest, 1.5 % slower
    ];
    const c = chooseVariants(points);
    expect(c.chosen.map((p) => p.profile)).toEqual(['act-8of16 · bitmask']);
    expect(c.rows.map((r) => [r.profile, r.chosen, r.chosenProfile])).toEqual([
      ['act-8of16', false, 'act-8of16 · bitmask'],
      ['act-8of16 · bitmask', true, 'act-8of16 · bitmask'],
      ['act-8of16 · combinatorial', false, 'act-8of16 · bitmask'],
      ['act-8of16 · hierarchical', false, 'act-8of16 · bitmask'],
    ]);
  });

  it('chooses per provisioning: the sparse-balanced variants are their own group, not priced away by the cheaper dense-balanced ones', () => {
    const points = [
      variant('act-8of16', 'mux', 'index', 'dense-balanced', 0.24, 1.26),
      variant('act-8of16 · sorted-mux', 'sorted-mux', 'index', 'dense-balanced', 0.2, 1.26),
      variant('act-8of16 · sparse-balanced', 'mux', 'index', 'sparse-balanced', 0.6, 1.67),
      variant('act-8of16 · sorted-mux · sparse-balanced', 'sorted-mux', 'index', 'sparse-balanced', 0.57, 1.67),
    ];
    expect(chooseVariants(points).chosen.map((p) => p.profile)).toEqual(['act-8of16 · sorted-mux', 'act-8of16 · sorted-mux · sparse-balanced']);
  });

  it('passes a core with one variant (a weight core as written) and a point without a design through, and lists no row for them', () => {
    const weightCore = point('a100-like', '2:4', 'magnitude', 'none', 9, 'measured-perplexity', 0.1, 1.2, { variant: { base: 'a100-like', selectorStyle: 'mux', metadataEncoding: 'index', provisioning: 'dense-balanced' } });
    const bare = point('hand-made', '8:16', 'magnitude', 'none', 4, 'measured-perplexity', 0.1, 1.2);
    const c = chooseVariants([weightCore, bare, variant('act-8of16', 'mux', 'index', 'dense-balanced', 0.24, 1.26), variant('act-8of16 · sorted-mux', 'sorted-mux', 'index', 'dense-balanced', 0.2, 1.26)]);
    expect(c.chosen.map((p) => p.profile)).toEqual(['a100-like', 'hand-made', 'act-8of16 · sorted-mux']);
    expect(c.rows.map((r) => r.profile)).toEqual(['act-8of16', 'act-8of16 · sorted-mux']);
  });

  it('keeps every configuration of the chosen variant (criteria × mitigations share its hardware)', () => {
    const v = { base: 'act-8of16', selectorStyle: 'sorted-mux', metadataEncoding: 'index', provisioning: 'dense-balanced' };
    const own = { ...v, selectorStyle: 'mux' };
    const points = [
      point('act-8of16', '8:16', 'magnitude', 'none', 4, 'measured-perplexity', 0.24, 1.26, { variant: own }),
      point('act-8of16', '8:16', 'magnitude', 'var', 3.9, 'measured-perplexity', 0.24, 1.26, { variant: own }),
      point('act-8of16 · sorted-mux', '8:16', 'magnitude', 'none', 4, 'measured-perplexity', 0.2, 1.26, { variant: v }),
      point('act-8of16 · sorted-mux', '8:16', 'magnitude', 'var', 3.9, 'measured-perplexity', 0.2, 1.26, { variant: v }),
    ];
    const c = chooseVariants(points);
    expect(c.chosen.map((p) => p.id)).toEqual(['act-8of16 · sorted-mux|8:16|magnitude|none', 'act-8of16 · sorted-mux|8:16|magnitude|var']);
    expect(c.rows).toHaveLength(2);
  });
});

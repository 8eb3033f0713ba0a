import { configurationProduct, type PruneSpec } from '../../src/sparsity/configurations.js';
import { formatPattern, parsePatternList } from '../../src/sparsity/pattern.js';
import { CRITERIA, CRITERION_INFO, MITIGATIONS, MITIGATION_INFO, parseCriteria, parseMitigations } from '../../src/sparsity/registry.js';
import { NmsimError } from '../../src/diagnostics.js';

const ids = (specs: PruneSpec[]) => specs.map((s) => `${formatPattern(s.pattern)}/${s.criterion}/${s.mitigation}`);
const axes = { patterns: parsePatternList('2:4,dense,16:32'), criteria: parseCriteria('magnitude,clact'), mitigations: parseMitigations('none,dpts') };

describe('configurationProduct', () => {
  test('capture order: one dense baseline first, then every configuration of 2:4, then of 16:32', () => {
    expect(ids(configurationProduct(axes, { patterns: 'outer', dense: 'once' }))).toEqual([
      'dense/magnitude/none',
      '2:4/magnitude/none', '2:4/magnitude/dpts', '2:4/clact/none', '2:4/clact/dpts',
      '16:32/magnitude/none', '16:32/magnitude/dpts', '16:32/clact/none', '16:32/clact/dpts',
    ]);
  });

  test('analysis order: every pattern, dense included, side by side under one criterion × mitigation', () => {
    expect(ids(configurationProduct(axes, { patterns: 'inner', dense: 'crossed' }))).toEqual([
      '2:4/magnitude/none', 'dense/magnitude/none', '16:32/magnitude/none',
      '2:4/magnitude/dpts', 'dense/magnitude/dpts', '16:32/magnitude/dpts',
      '2:4/clact/none', 'dense/clact/none', '16:32/clact/none',
      '2:4/clact/dpts', 'dense/clact/dpts', '16:32/clact/dpts',
    ]);
  });

  test('the dense baseline comes with withDense or a dense pattern, and never twice', () => {
    const sparse = { ...axes, patterns: parsePatternList('8:16') };
    expect(ids(configurationProduct(sparse, { patterns: 'outer', dense: 'once' }))).toEqual(['8:16/magnitude/none', '8:16/magnitude/dpts', '8:16/clact/none', '8:16/clact/dpts']);
    expect(ids(configurationProduct(sparse, { patterns: 'outer', dense: 'once', withDense: true }))[0]).toBe('dense/magnitude/none');
    expect(ids(configurationProduct({ ...axes, patterns: parsePatternList('dense') }, { patterns: 'outer', dense: 'once', withDense: true }))).toEqual(['dense/magnitude/none']);
  });
});

describe('criterion and mitigation registry', () => {
  test('has one entry per name, under its own name', () => {
    expect(Object.keys(CRITERION_INFO).sort()).toEqual([...CRITERIA].sort());
    expect(Object.keys(MITIGATION_INFO).sort()).toEqual([...MITIGATIONS].sort());
    for (const c of CRITERIA) expect(CRITERION_INFO[c].name).toBe(c);
    for (const m of MITIGATIONS) expect(MITIGATION_INFO[m].name).toBe(m);
  });

  test('states what each needs: amber per consumer, clact a batch, spts a calibrated η, spts and affine calibration', () => {
    expect(CRITERIA.filter((c) => CRITERION_INFO[c].perConsumer)).toEqual(['amber']);
    expect(CRITERIA.filter((c) => CRITERION_INFO[c].batchReduction)).toEqual(['clact']);
    expect(MITIGATIONS.filter((m) => MITIGATION_INFO[m].needsStaticShift)).toEqual(['spts']);
    expect(MITIGATIONS.filter((m) => MITIGATION_INFO[m].needsCalibration)).toEqual(['spts', 'affine']);
    expect(MITIGATIONS.filter((m) => MITIGATION_INFO[m].correctsOutput)).toEqual(['affine']);
  });

  test('parsers keep order, drop repeats, and refuse an unknown name listing the valid ones', () => {
    expect(parseCriteria(' CLACT, magnitude,clact ')).toEqual(['clact', 'magnitude']);
    try {
      parseMitigations('none,shift');
      throw new Error('accepted an unknown mitigation');
    } catch (e) {
      expect(e).toBeInstanceOf(NmsimError);
      expect((e as NmsimError).diagnostics[0]).toMatchObject({ code: 'sparsity/unknown-mitigation', path: '--mitigations', expected: 'none, var, dpts, spts, affine' });
    }
  });
});

import fc from 'fast-check';
import { loadProfile, listShippedProfiles, resolveProfileRef } from '../../src/profile/load.js';
import { loadTech, TECH_NODES, type TechLibrary } from '../../src/profile/tech.js';
import { areaReport, type CoreArea } from '../../src/area/report.js';
import { COMPONENT_NAMES, type ComponentName } from '../../src/area/component.js';
import { SELECTOR_STYLES, type HardwareProfile } from '../../src/profile/schema.js';
import { nm, METADATA_ENCODINGS } from '../../src/sparsity/pattern.js';
import { PRUNING_NETWORK_KINDS } from '../../src/sparsity/sorting-networks.js';

const componentOf = (core: CoreArea, name: ComponentName) => core.components.find((c) => c.name === name)!;

const techs: Record<string, TechLibrary> = {};
const profiles: Record<string, HardwareProfile> = {};
beforeAll(async () => {
  for (const n of TECH_NODES) techs[n] = await loadTech(n);
  for (const name of listShippedProfiles()) {
    const l = await loadProfile(resolveProfileRef(name));
    expect(l.warnings).toEqual([]);
    profiles[name] = l.profile;
  }
});

describe('area report', () => {
  test('every shipped profile yields a report at every node, costing more than its dense core', () => {
    for (const [name, profile] of Object.entries(profiles)) {
      for (const node of TECH_NODES) {
        const r = areaReport(profile, techs[node]);
        expect(r.core.components.map((c) => c.name)).toEqual([...COMPONENT_NAMES]);
        expect(r.core.totalUm2).toBeGreaterThan(r.dense.totalUm2);
        for (const c of r.core.components) expect(c.source.length).toBeGreaterThan(10);
        expect({ name, node, dense: r.dense.components.filter((c) => c.areaUm2 > 0).map((c) => c.name) }).toEqual({ name, node, dense: ['mac_array', 'sram'] });
      }
    }
  });

  test('A100- and H100-like cores prune in software: no pruning unit, no packing, a 4:1 selector', () => {
    for (const name of ['a100-like', 'h100-like']) {
      const r = areaReport(profiles[name], techs.nangate45);
      expect(componentOf(r.core, 'pruning_unit').areaUm2).toBe(0);
      expect(componentOf(r.core, 'compression').areaUm2).toBe(0);
      expect(componentOf(r.core, 'pruning_unit').source).toMatch(/software/);
      expect(componentOf(r.core, 'selector').breakdown[0].item).toMatch(/4:1/);
    }
  });

  test('a gating core selects no weights but decompresses activations back to dense positions', () => {
    const gating: HardwareProfile = { ...profiles['act-8of16'], sparsity: { ...profiles['act-8of16'].sparsity, effect: 'gating' } };
    const r = areaReport(gating, techs.nangate45);
    expect(componentOf(r.core, 'selector').areaUm2).toBe(0);
    const skipping = areaReport(profiles['act-8of16'], techs.nangate45);
    // 8 rows × 8 positions × 16 bits × (min(8, 9) − 1 MUX2 + one AND2)
    const decompression = 64 * 16 * (7 * 1.862 + 0.798 + 0.532);
    expect(componentOf(r.core, 'compression').areaUm2 - componentOf(skipping.core, 'compression').areaUm2).toBeCloseTo(decompression, 6);
  });

  test('overhead is (core − dense) / dense, and chip area is the core × 528', () => {
    const r = areaReport(profiles['act-8of16'], techs.nangate45);
    const sum = r.core.components.reduce((s, c) => s + c.areaUm2, 0);
    expect(r.core.totalUm2).toBeCloseTo(sum, 6);
    expect(r.core.overheadVsDense).toBeCloseTo((sum - r.dense.totalUm2) / r.dense.totalUm2, 12);
    expect(r.core.overheadVsMacArray).toBeCloseTo((sum - r.dense.totalUm2) / componentOf(r.dense, 'mac_array').areaUm2, 12);
    expect(r.chip.coresMm2).toBeCloseTo((sum * 528) / 1e6, 9);
  });

  test('the flexible core\'s per-pattern columns are exactly the act-NofM cores: same throughput, same pruning rate', () => {
    for (const node of TECH_NODES) {
      const flex = areaReport(profiles['act-flex'], techs[node]);
      for (const [i, name] of ['act-2of4', 'act-4of8', 'act-8of16', 'act-16of32'].entries()) {
        const single = areaReport(profiles[name], techs[node]).core;
        for (const c of COMPONENT_NAMES) expect([name, node, c, componentOf(flex.perPattern[i], c).areaUm2]).toEqual([name, node, c, componentOf(single, c).areaUm2]);
      }
    }
  });

  test('16:32 costs more than 8:16, which costs more than 2:4, in every selector style', () => {
    for (const style of SELECTOR_STYLES) {
      const r = areaReport(profiles['act-flex'], techs.nangate45, { selectorStyle: style });
      const totals = r.perPattern.map((c) => c.totalUm2);
      expect([...totals].sort((a, b) => a - b)).toEqual(totals);
    }
  });

  test('sorted indices and hierarchical blocks shrink the 16:32 selector; the rest of the core is unchanged', () => {
    const at = (style: (typeof SELECTOR_STYLES)[number]) => areaReport(profiles['act-16of32'], techs.nangate45, { selectorStyle: style }).core;
    const [mux, sorted, hier] = [at('mux'), at('sorted-mux'), at('hierarchical')];
    expect(componentOf(sorted, 'selector').areaUm2).toBeLessThan(componentOf(mux, 'selector').areaUm2);
    expect(componentOf(hier, 'selector').areaUm2).toBeLessThan(componentOf(sorted, 'selector').areaUm2);
    expect(componentOf(hier, 'mac_array').areaUm2).toBe(componentOf(mux, 'mac_array').areaUm2);
    expect(componentOf(hier, 'pruning_unit').areaUm2).toBe(componentOf(mux, 'pruning_unit').areaUm2);
  });

  test('property: a core supporting a superset of patterns is never smaller, component by component', () => {
    const pattern = fc.integer({ min: 1, max: 6 }).chain((e) => fc.integer({ min: 1, max: 2 ** e }).map((n) => nm(n, 2 ** e)));
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 3 }),
        fc.array(pattern, { minLength: 1, maxLength: 2 }),
        fc.constantFrom(...SELECTOR_STYLES),
        fc.constantFrom(...METADATA_ENCODINGS),
        fc.constantFrom(...PRUNING_NETWORK_KINDS),
        fc.constantFrom('act-flex', 'a100-like'),
        (a, extra, selectorStyle, metadataEncoding, network, name) => {
          const opts = { selectorStyle, metadataEncoding, network };
          const small = areaReport(profiles[name], techs.nangate45, { ...opts, patterns: a }).core;
          const big = areaReport(profiles[name], techs.nangate45, { ...opts, patterns: [...a, ...extra] }).core;
          for (const c of COMPONENT_NAMES) if (componentOf(big, c).areaUm2 < componentOf(small, c).areaUm2 - 1e-9) return false;
          return big.totalUm2 >= small.totalUm2 - 1e-9;
        },
      ),
      { numRuns: 300 },
    );
  });
});

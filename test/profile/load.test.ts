import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadProfile, listShippedProfiles, resolveProfileRef } from '../../src/profile/load.js';
import { convertQuantity } from '../../src/profile/quantities.js';
import { SHIPPED_PROFILE_DIR } from '../../src/profile/paths.js';
import { NmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { goodProfile } from './fixture.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-profile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function write(doc: unknown, ext = '.yaml'): string {
  const f = path.join(tmp, `p${counter++}${ext}`);
  fs.writeFileSync(f, ext === '.json' ? JSON.stringify(doc) : stringify(doc));
  return f;
}

async function diagnosticsOf(file: string): Promise<Diagnostic[]> {
  try {
    await loadProfile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(NmsimError);
    return (e as NmsimError).diagnostics;
  }
  throw new Error(`expected ${file} to be rejected`);
}

describe('shipped profiles', () => {
  test('the nine shipped profiles are the ones the issues name (issue 13 adds the sparse-balanced act-8of16-sb and act-16of32-sb)', () => {
    expect(listShippedProfiles()).toEqual(['a100-like', 'act-16of32-sb', 'act-16of32', 'act-2of4', 'act-4of8', 'act-8of16-sb', 'act-8of16', 'act-flex', 'h100-like']);
  });

  test('every shipped profile validates with no warnings', async () => {
    const loaded = await Promise.all(listShippedProfiles().map((name) => loadProfile(path.join(SHIPPED_PROFILE_DIR, `${name}.yaml`))));
    expect(loaded).toHaveLength(9);
    for (const l of loaded) expect({ name: l.profile.name, warnings: l.warnings }).toEqual({ name: l.profile.name, warnings: [] });
  });

  test('A100-like peak dense FP16 is 312 TFLOPS: 432 cores × 256 FMA × 2 × 1410 MHz', async () => {
    const { profile, spec } = await loadProfile(resolveProfileRef('a100-like'));
    expect(profile.clockMHz).toBe(1410);
    const tc = profile.tensorCore;
    const tflops = (tc.count * tc.lanes * tc.denseKPerCycle * 2 * profile.clockMHz * 1e6) / 1e12;
    expect(Math.abs(tflops - 312) / 312).toBeLessThan(0.005);
    expect(spec.memory.dramBandwidthGBps).toBe(2039);
    // 2039 GB/s at 1410 MHz: 2039e9 / 1410e6 = 1446.10 bytes per cycle
    expect(profile.memory.dramBytesPerCycle).toBeCloseTo(2039e9 / 1410e6, 9);
    expect(spec.sparsity.patterns).toEqual(['2:4']);
    expect(profile.sparsity.patterns).toEqual([{ kind: 'nm', n: 2, m: 4 }]);
    expect(profile.sparsity.onlinePruning.kind).toBe('software');
  });

  test('H100-like peak dense FP16 is 989.4 TFLOPS at 1830 MHz and DRAM reads 3.35 TB/s', async () => {
    const { profile, spec } = await loadProfile(resolveProfileRef('h100-like'));
    const tc = profile.tensorCore;
    const tflops = (tc.count * tc.lanes * tc.denseKPerCycle * 2 * profile.clockMHz * 1e6) / 1e12;
    expect(Math.abs(tflops - 989.4) / 989.4).toBeLessThan(0.001);
    expect(spec.memory.dramBandwidthGBps).toBe(3350);
    expect(spec.memory.buffers[2]).toEqual({ name: 'l2', sizeKiB: 51200, bandwidthBytesPerCycle: 5120, shared: true });
    // normalized: 50 MiB = 52,428,800 bytes; 500 ns at 1.83 GHz = 915 cycles
    expect(profile.memory.buffers[2]).toEqual({ name: 'l2', bytes: 52_428_800, bandwidthBytesPerCycle: 5120, shared: true });
    expect(profile.memory.dramLatencyCycles).toBe(915);
  });

  test('the act-* cores share the H100-like dense geometry and prune 32 elements per cycle', async () => {
    const h100 = (await loadProfile(resolveProfileRef('h100-like'))).profile;
    for (const [name, m] of [['act-2of4', 4], ['act-4of8', 8], ['act-8of16', 16], ['act-16of32', 32], ['act-flex', 32]] as const) {
      const { profile } = await loadProfile(resolveProfileRef(name));
      expect(profile.tensorCore).toEqual(h100.tensorCore);
      expect(profile.clockMHz).toBe(h100.clockMHz);
      const unit = profile.sparsity.onlinePruning;
      expect(unit.kind === 'hardware' && [unit.groupsPerCycle * m, unit.elementsPerCyclePerCore]).toEqual([32, 32]);
    }
  });

  test('a profile named by a shipped name or a path resolves, and an unknown name lists the shipped ones', () => {
    expect(resolveProfileRef('act-8of16')).toBe(path.join(SHIPPED_PROFILE_DIR, 'act-8of16.yaml'));
    try {
      resolveProfileRef('b200-like');
      throw new Error('not rejected');
    } catch (e) {
      expect((e as NmsimError).diagnostics[0].hint).toMatch(/act-8of16/);
      // a profile is an input file: one that is not there is bad input (exit 1), like a missing trace
      expect((e as NmsimError).kind).toBe('input');
    }
  });
});

describe('quantities written with units', () => {
  test('1.41 GHz is 1410 MHz, 2.04 TB/s is 2040 GB/s, 1 MiB is 1024 KiB', async () => {
    expect(await convertQuantity('1.41 GHz', 'MHz')).toBe(1410);
    expect(await convertQuantity('2.04 TB/s', 'GB/s')).toBe(2040);
    expect(await convertQuantity('1 MiB', 'KiB')).toBe(1024);
    expect(await convertQuantity('0.6 us', 'ns')).toBe(600);
  });

  test('a bare number, a wrong dimension and junk are refused with a reason', async () => {
    expect(await convertQuantity(1410, 'MHz')).toMatch(/no unit/);
    expect(await convertQuantity('192 KiB', 'MHz')).toMatch(/cannot be converted/);
    expect(await convertQuantity('fast', 'MHz')).toMatch(/not a quantity/);
  });

  test('the loader converts every bare quantity once, into the unit-suffixed key', async () => {
    const { spec, warnings } = await loadProfile(write(goodProfile()));
    expect(warnings).toEqual([]);
    expect(spec.clockMHz).toBe(1500);
    expect(spec.memory.dramBandwidthGBps).toBe(100);
    expect(spec.memory.dramLatencyNs).toBe(300);
    expect(spec.memory.buffers[0].sizeKiB).toBe(32);
    expect('clock' in spec).toBe(false);
  });

  test('property: a clock written in GHz loads as the same number of MHz (JSON and YAML)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), fc.boolean(), async (mhz, json) => {
        const doc = goodProfile();
        doc.clock = `${mhz / 1000} GHz`;
        const { profile } = await loadProfile(write(doc, json ? '.json' : '.yaml'));
        expect(profile.clockMHz).toBe(mhz);
      }),
      { numRuns: 25 },
    );
  });

  test('property: a resolved profile written back out loads to itself', async () => {
    const { spec, profile } = await loadProfile(write(goodProfile()));
    const again = await loadProfile(write(spec, '.json'));
    expect(again.spec).toEqual(spec);
    expect(again.profile).toEqual(profile);
  });
});

describe('bad profiles give diagnostics with the key path', () => {
  test('pattern "16:8" names sparsity.patterns[1] and says how to write a pattern', async () => {
    const doc = goodProfile();
    doc.sparsity.patterns = ['2:4', '16:8'];
    const ds = await diagnosticsOf(write(doc));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: 'profile/invalid-pattern', path: 'sparsity.patterns[1]' });
    expect(ds[0].message).toMatch(/n \(16\) must be between 1 and m \(8\)/);
    expect(ds[0].hint).toMatch(/8:16/);
    expect(ds[0].file).toMatch(/\.yaml$/);
  });

  test('"dense" and "unstructured" are not native N:M patterns', async () => {
    const doc = goodProfile();
    doc.sparsity.patterns = ['unstructured'];
    const ds = await diagnosticsOf(write(doc));
    expect(ds[0]).toMatchObject({ code: 'profile/invalid-pattern', path: 'sparsity.patterns[0]' });
  });

  test('an unknown key lists the valid keys at its level, including the unit forms', async () => {
    const doc = goodProfile();
    doc.clok = '1 GHz';
    doc.memory.buffers[0].sise = 3;
    const ds = await diagnosticsOf(write(doc));
    const top = ds.find((d) => d.path === 'clok')!;
    expect(top.code).toBe('profile/unknown-key');
    expect(top.hint).toMatch(/clockMHz/);
    expect(top.hint).toMatch(/clock \(with units\)/);
    const buf = ds.find((d) => d.path === 'memory.buffers[0].sise')!;
    expect(buf.hint).toMatch(/sizeKiB/);
    expect(buf.hint).toMatch(/size \(with units\)/);
  });

  test('a wrong selector style lists the valid names', async () => {
    const doc = goodProfile();
    doc.sparsity.selectorStyle = 'crossbar';
    const ds = await diagnosticsOf(write(doc));
    expect(ds[0]).toMatchObject({ code: 'profile/invalid-value', path: 'sparsity.selectorStyle', found: '"crossbar"' });
    expect(ds[0].hint).toBe('valid names: mux, sorted-mux, hierarchical.');
  });

  test('a missing key is named with its path', async () => {
    const doc = goodProfile();
    delete doc.tensorCore.lanes;
    const ds = await diagnosticsOf(write(doc));
    expect(ds[0]).toMatchObject({ code: 'profile/missing-key', path: 'tensorCore.lanes' });
  });

  test('a size written in GHz, a bare number under a unit key and a doubled quantity are refused', async () => {
    const doc = goodProfile();
    doc.memory.buffers[0].size = '1.41 GHz';
    doc.memory.dramLatency = 300;
    doc.clockMHz = 1500;
    const ds = await diagnosticsOf(write(doc));
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ['profile/duplicate-quantity', 'clock'],
      ['profile/bad-unit', 'memory.dramLatency'],
      ['profile/bad-unit', 'memory.buffers[0].size'],
    ]);
    expect(ds[2].hint).toMatch(/sizeKiB/);
  });

  test('an unknown tech file is named with the shipped ones', async () => {
    const doc = goodProfile();
    doc.tech = 'tsmc3';
    const ds = await diagnosticsOf(write(doc));
    expect(ds[0]).toMatchObject({ code: 'profile/unknown-tech', path: 'tech' });
    expect(ds[0].hint).toMatch(/nangate45.*asap7|asap7.*nangate45/);
  });

  test('broken YAML is reported with its line, a missing file with its path', async () => {
    const f = path.join(tmp, 'broken.yaml');
    fs.writeFileSync(f, 'name: x\ntensorCore: [1, 2\n');
    const ds = await diagnosticsOf(f);
    expect(ds[0].code).toBe('profile/bad-yaml');
    expect(ds[0].message).toMatch(/line \d/);
    const missing = await diagnosticsOf(path.join(tmp, 'nope.yaml'));
    expect(missing[0].code).toBe('profile/not-found');
  });

  test('a hardware pruning unit without its rate loads with a warning that names the key', async () => {
    const doc = goodProfile();
    delete doc.sparsity.onlinePruning.groupsPerCycle;
    const { warnings } = await loadProfile(write(doc));
    expect(warnings.map((w) => w.path)).toEqual(['sparsity.onlinePruning.groupsPerCycle']);
    expect(warnings[0].severity).toBe('warning');
  });
});

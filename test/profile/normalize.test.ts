/**
 * Issue 12: a profile is normalized once, at load — every default resolved (and listed in
 * `defaulted`), every unit converted — so the models read plain numbers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadProfile, listShippedProfiles, resolveProfileRef } from '../../src/profile/load.js';
import { PROFILE_DEFAULTS } from '../../src/profile/defaults.js';
import { limitKey } from '../../src/profile/limits.js';
import { withDesignChoices } from '../../src/profile/normalize.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { nm } from '../../src/sparsity/pattern.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { goodProfile, tempDir, writeSpec } from './fixture.js';

const dir = tempDir('nmsim-normalize-');
let n = 0;

/** goodProfile (16 lanes, 4 rows, 2:4 + 8:16, Batcher unit at 2 groups/cycle, latency 10) with keys removed or changed */
async function load(edit: (doc: any) => void) {
  const doc = goodProfile();
  edit(doc);
  return loadProfile(writeSpec(dir, `p${n++}.yaml`, doc));
}

const hardwareUnit = (p: HardwareProfile) => {
  const u = p.sparsity.onlinePruning;
  if (u.kind !== 'hardware') throw new Error(`expected a hardware unit, found ${u.kind}`);
  return u;
};

describe('profile normalization', () => {
  test('every shipped profile normalizes without warnings, defaulting only documented keys', async () => {
    for (const name of listShippedProfiles()) {
      const { profile, warnings } = await loadProfile(resolveProfileRef(name));
      expect({ name, warnings }).toEqual({ name, warnings: [] });
      for (const key of profile.defaulted) expect(Object.keys(PROFILE_DEFAULTS)).toContain(limitKey(key));
    }
  });

  /** For each documented default: remove the key, and what the normalized profile holds. */
  const OMITTED: Record<keyof typeof PROFILE_DEFAULTS, { remove: (doc: any) => void; read: (p: HardwareProfile) => unknown; expected: unknown; path: string }> = {
    sources: { remove: (d) => delete d.sources, read: (p) => p.sources, expected: [], path: 'sources' },
    'tensorCore.activationRowsPerCycle': {
      remove: (d) => delete d.tensorCore.activationRowsPerCycle,
      read: (p) => p.tensorCore.activationRowsPerCycle,
      expected: 16, // lanes
      path: 'tensorCore.activationRowsPerCycle',
    },
    'sparsity.onlinePruning.network': {
      remove: (d) => delete d.sparsity.onlinePruning.network,
      read: (p) => hardwareUnit(p).network,
      expected: 'batcher',
      path: 'sparsity.onlinePruning.network',
    },
    'sparsity.onlinePruning.groupsPerCycle': {
      remove: (d) => delete d.sparsity.onlinePruning.groupsPerCycle,
      read: (p) => [hardwareUnit(p).groupsPerCycle, hardwareUnit(p).elementsPerCyclePerCore],
      expected: [1, 16], // one group of the widest native M (8:16) per cycle
      path: 'sparsity.onlinePruning.groupsPerCycle',
    },
    'sparsity.onlinePruning.latencyCycles': {
      remove: (d) => delete d.sparsity.onlinePruning.latencyCycles,
      read: (p) => hardwareUnit(p).latencyCycles,
      expected: 10, // Batcher for M = 16 = 2^4: 4·5/2 stages
      path: 'sparsity.onlinePruning.latencyCycles',
    },
    'sparsity.provisioning': {
      remove: (d) => delete d.sparsity.provisioning,
      read: (p) => [p.sparsity.provisioning, p.sparsity.bandwidthScale],
      expected: ['dense-balanced', 1],
      path: 'sparsity.provisioning',
    },
    'tensorCore.perSm': {
      remove: (d) => delete d.tensorCore.perSm,
      read: (p) => p.tensorCore.perSm,
      expected: 1,
      path: 'tensorCore.perSm',
    },
    'execution.mainloopEfficiency': {
      remove: (d) => delete d.execution?.mainloopEfficiency,
      read: (p) => p.execution.mainloopEfficiency,
      expected: 1,
      path: 'execution.mainloopEfficiency',
    },
    'execution.sparseMainloopEfficiency': {
      remove: (d) => delete d.execution?.sparseMainloopEfficiency,
      read: (p) => p.execution.sparseMainloopEfficiency,
      expected: 1, // mainloopEfficiency, itself defaulted
      path: 'execution.sparseMainloopEfficiency',
    },
    'execution.dramEfficiency': {
      remove: (d) => delete d.execution?.dramEfficiency,
      read: (p) => p.execution.dramEfficiency,
      expected: 1,
      path: 'execution.dramEfficiency',
    },
    'execution.attentionEfficiency': {
      remove: (d) => delete d.execution?.attentionEfficiency,
      read: (p) => p.execution.attentionEfficiency,
      expected: 1,
      path: 'execution.attentionEfficiency',
    },
    'execution.kernelLaunchNs': {
      remove: (d) => delete d.execution?.kernelLaunchNs,
      read: (p) => p.execution.kernelLaunchNs,
      expected: 2000,
      path: 'execution.kernelLaunchNs',
    },
    'memory.buffers[].shared': {
      remove: (d) => delete d.memory.buffers[0].shared,
      read: (p) => p.memory.buffers[0].shared,
      expected: false,
      path: 'memory.buffers[0].shared',
    },
  };

  test.each(Object.entries(OMITTED))('a profile without %s gets the documented default', async (_key, c) => {
    const { profile } = await load(c.remove);
    expect(c.read(profile)).toEqual(c.expected);
    expect(profile.defaulted).toContain(c.path);
  });

  test('a profile that gives every key has nothing defaulted but the buffer’s shared flag it leaves out', async () => {
    const { profile } = await load((d) => {
      d.sources = ['datasheet'];
      d.tensorCore.perSm = 2;
      d.sparsity.provisioning = 'dense-balanced';
      d.execution = { mainloopEfficiency: 0.9, sparseMainloopEfficiency: 0.7, dramEfficiency: 0.8, attentionEfficiency: 0.6, kernelLaunchNs: 1500 };
    });
    expect(profile.defaulted).toEqual(['memory.buffers[0].shared']);
    expect(profile.execution).toEqual({ mainloopEfficiency: 0.9, sparseMainloopEfficiency: 0.7, dramEfficiency: 0.8, attentionEfficiency: 0.6, kernelLaunchNs: 1500 });
  });

  test('the latency default is the depth of the profile’s own network: Batcher/bitonic/selection 10 and threshold 19 for 8:16 FP16', async () => {
    const latency = async (network: string, patterns: string[]) =>
      hardwareUnit(
        (
          await load((d) => {
            d.sparsity.patterns = patterns;
            d.sparsity.onlinePruning = { kind: 'hardware', network, groupsPerCycle: 2 };
          })
        ).profile,
      ).latencyCycles;
    // M = 16 = 2^4: Batcher and bitonic 4·5/2 = 10 stages; top-8-of-16 selection keeps Batcher's depth
    expect(await latency('batcher', ['8:16'])).toBe(10);
    expect(await latency('bitonic', ['8:16'])).toBe(10);
    expect(await latency('selection', ['8:16'])).toBe(10);
    // top-1 of 16: a 4-round tournament; several patterns share a full Batcher sort instead
    expect(await latency('selection', ['1:16'])).toBe(4);
    expect(await latency('selection', ['1:16', '2:4'])).toBe(10);
    // radix select: one stage per key bit, 15 FP16 magnitude + 4 index bits
    expect(await latency('threshold', ['8:16'])).toBe(19);
    // M = 32 = 2^5: 5·6/2 = 15
    expect(await latency('batcher', ['2:4', '16:32'])).toBe(15);
  });

  test('units are resolved once: 32 KiB is 32,768 bytes, 100 GB/s at 1.5 GHz is 66.7 bytes per cycle, 300 ns is 450 cycles', async () => {
    const { profile } = await load(() => {});
    expect(profile.clockHz).toBe(1.5e9);
    expect(profile.memory.buffers[0].bytes).toBe(32768);
    expect(profile.memory.dramBytesPerCycle).toBeCloseTo(100e9 / 1.5e9, 12);
    expect(profile.memory.dramLatencyCycles).toBe(450);
    expect(profile.sparsity.patterns).toEqual([nm(2, 4), nm(8, 16)]);
  });

  test('more activation rows than lanes warns and is modelled as one row per lane', async () => {
    const { profile, warnings } = await load((d) => (d.tensorCore.activationRowsPerCycle = 32));
    expect(profile.tensorCore.activationRowsPerCycle).toBe(16);
    expect(warnings.map((w) => [w.code, w.path])).toEqual([['profile/inconsistent', 'tensorCore.activationRowsPerCycle']]);
    expect(warnings[0].message).toMatch(/16 rows are modelled/);
  });

  test('a chip whose SMs × tensor cores per SM is not tensorCore.count warns (the per-SM share would use the wrong count); a consistent one does not', async () => {
    const chip = (sms: number, perSm: number) => ({ dieAreaMm2: 100, sms, physicalSms: 40, tensorCoresPerSm: perSm, source: 'test' });
    const bad = await load((d) => (d.chip = chip(32, 2)));
    expect(bad.warnings.map((w) => [w.code, w.path])).toEqual([['profile/inconsistent', 'chip.tensorCoresPerSm']]);
    expect(bad.warnings[0].message).toMatch(/32 SMs × 2 = 64/);
    const good = await load((d) => (d.chip = chip(d.tensorCore.count / 4, 4)));
    expect(good.warnings).toEqual([]);
    expect(good.profile.chip).toMatchObject({ dieAreaMm2: 100, tensorCoresPerSm: 4 });
  });

  test('a pattern listed twice warns and is kept once', async () => {
    const { profile, warnings } = await load((d) => (d.sparsity.patterns = ['8:16', '2:4', ' 8:16']));
    expect(profile.sparsity.patterns).toEqual([nm(8, 16), nm(2, 4)]);
    expect(warnings.map((w) => [w.code, w.path])).toEqual([['profile/duplicate-pattern', 'sparsity.patterns[2]']]);
  });

  test('a hierarchical selector warns at each pattern that does not split into blocks of 2, by its place in the file', async () => {
    const { warnings } = await load((d) => {
      d.sparsity.selectorStyle = 'hierarchical';
      d.sparsity.patterns = ['2:4', '3:8', '2:4', '4:6'];
    });
    expect(warnings.map((w) => [w.code, w.path])).toEqual([
      ['profile/duplicate-pattern', 'sparsity.patterns[2]'],
      ['profile/inconsistent', 'sparsity.patterns[1]'],
    ]);
    expect(warnings[1].message).toMatch(/3:8 \(or denseKPerCycle\) does not split/);
  });

  test('the warning for a missing latency states the cycles assumed', async () => {
    const { warnings } = await load((d) => delete d.sparsity.onlinePruning.latencyCycles);
    expect(warnings.map((w) => w.path)).toEqual(['sparsity.onlinePruning.latencyCycles']);
    expect(warnings[0].message).toMatch(/\(10 cycles\)/);
  });
});

describe('what-if design choices (nmsim area --pattern/--network)', () => {
  test('a defaulted latency follows the new network and patterns; a given one stays', async () => {
    const defaulted = (await load((d) => delete d.sparsity.onlinePruning.latencyCycles)).profile;
    expect(hardwareUnit(withDesignChoices(defaulted, { patterns: [nm(16, 32)] })).latencyCycles).toBe(15);
    // threshold over groups of 32: 15 magnitude + 5 index bits
    expect(hardwareUnit(withDesignChoices(defaulted, { patterns: [nm(16, 32)], network: 'threshold' })).latencyCycles).toBe(20);
    const given = (await load((d) => (d.sparsity.onlinePruning.latencyCycles = 7))).profile;
    expect(hardwareUnit(withDesignChoices(given, { patterns: [nm(16, 32)], network: 'threshold' })).latencyCycles).toBe(7);
  });

  test('the unit keeps its rate in elements per cycle: 2 groups of 16 become 1 group of 32', async () => {
    const { profile } = await load(() => {});
    const wide = hardwareUnit(withDesignChoices(profile, { patterns: [nm(16, 32)] }));
    expect(wide.elementsPerCyclePerCore).toBe(32);
  });
});

describe('documented defaults', () => {
  test('hardware-profiles/README.md has a row with the default of every key that has one', () => {
    const rows = fs
      .readFileSync(path.join(REPO_ROOT, 'hardware-profiles', 'README.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    for (const [key, d] of Object.entries(PROFILE_DEFAULTS)) {
      const row = rows.find((r) => r.startsWith(`| \`${key.replace('[]', '[i]')}\` | ${d.value} | ${d.when} |`));
      expect({ key, row }).toEqual({ key, row: expect.stringContaining(d.source) });
    }
  });
});

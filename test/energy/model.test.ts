import { emptyActivity, addActivity, denseEquivalentMacs, type ActivityCounts } from '../../src/energy/activity.js';
import { activityEnergy, perToken, ratiosVsDense } from '../../src/energy/model.js';
import { eventEnergies, type EventEnergies } from '../../src/energy/event-energies.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { loadTech } from '../../src/profile/tech.js';

/** Round numbers so every expected value below is mental arithmetic. */
const EV: EventEnergies = {
  macPj: 2,
  gatedMacPj: 0.1,
  levels: [
    { name: 'rf', component: 'registerFile', readPjPerByte: 0.5, writePjPerByte: 0.5 },
    { name: 'smem', component: 'sram', readPjPerByte: 1, writePjPerByte: 2 },
    { name: 'l2', component: 'l2', readPjPerByte: 4, writePjPerByte: 4 },
  ],
  dramPjPerByte: 30,
  selectorPjPerOperation: 0.05,
  metadataPjPerBit: 0.02,
  pruningPjPerComparison: 0.3,
  staticW: 50,
  sources: { mac: '', registerFile: '', sram: '', l2: '', dram: '', selector: '', metadata: '', pruningUnit: '', static: '' },
};

function counts(over: Partial<ActivityCounts>): ActivityCounts {
  return { ...emptyActivity(), ...over };
}

describe('energy model on hand-made counts', () => {
  test('each component is its events times its energy: 1e12 MACs at 2 pJ are 2 J, 1e9 DRAM bytes at 30 pJ are 0.03 J, 50 W for 10 ms is 0.5 J', () => {
    const a = counts({
      macsIssued: 1e12,
      bytesByLevel: { rf: { read: 2e9, write: 0 }, smem: { read: 1e9, write: 1e9 }, l2: { read: 1e9, write: 5e8 }, dram: { read: 8e8, write: 2e8 } },
      selectorOperations: 1e10,
      metadataBits: 1e10,
      pruningComparisons: 1e9,
      seconds: 0.01,
    });
    const b = activityEnergy(a, EV, 400);
    expect(b.joulesByComponent.mac).toBeCloseTo(2, 12);
    expect(b.joulesByComponent.registerFile).toBeCloseTo(1e-3, 12); // 2e9 × 0.5 pJ
    expect(b.joulesByComponent.sram).toBeCloseTo(3e-3, 12); // 1e9 × 1 + 1e9 × 2 pJ
    expect(b.joulesByComponent.l2).toBeCloseTo(6e-3, 12); // 1.5e9 × 4 pJ
    expect(b.joulesByComponent.dram).toBeCloseTo(0.03, 12); // 1e9 × 30 pJ
    expect(b.joulesByComponent.selector).toBeCloseTo(5e-4, 12);
    expect(b.joulesByComponent.metadata).toBeCloseTo(2e-4, 12);
    expect(b.joulesByComponent.pruningUnit).toBeCloseTo(3e-4, 12);
    expect(b.joulesByComponent.static).toBeCloseTo(0.5, 12);
    const total = 2 + 1e-3 + 3e-3 + 6e-3 + 0.03 + 5e-4 + 2e-4 + 3e-4 + 0.5;
    expect(b.totalJ).toBeCloseTo(total, 12);
    expect(b.averagePowerW).toBeCloseTo(total / 0.01, 9); // 254 W
    expect(b.tdpFraction).toBeCloseTo(total / 0.01 / 400, 9);
    expect(b.warnings).toEqual([]);
  });

  test('gating saves MAC energy but not time; skipping saves MAC energy and static energy; both against the same dense work', () => {
    // dense: 1e12 MACs in 10 ms. 8:16: half the MACs pruned
    const dense = activityEnergy(counts({ macsIssued: 1e12, seconds: 0.01 }), EV);
    const gating = activityEnergy(counts({ macsIssued: 1e12, macsGated: 5e11, seconds: 0.01 }), EV);
    const skipping = activityEnergy(counts({ macsIssued: 5e11, macsSkipped: 5e11, seconds: 0.005 }), EV);
    expect(dense.totalJ).toBeCloseTo(2 + 0.5, 12);
    expect(gating.totalJ).toBeCloseTo(5e11 * 2e-12 + 5e11 * 0.1e-12 + 0.5, 12); // 1.05 + 0.5
    expect(skipping.totalJ).toBeCloseTo(1 + 0.25, 12);
    expect(gating.seconds).toBe(dense.seconds);
    expect(ratiosVsDense(dense, gating).speedup).toBe(1);
    expect(ratiosVsDense(dense, gating).perfPerWatt).toBeCloseTo(2.5 / 1.55, 12);
    expect(ratiosVsDense(dense, skipping)).toEqual({ perfPerWatt: 2, speedup: 2 });
    expect(ratiosVsDense(dense, skipping, { dense: 100, sparse: 125 }).perfPerMm2).toBeCloseTo(1.6, 12);
  });

  test('a run above the TDP is warned about, with the power it averages', () => {
    const b = activityEnergy(counts({ macsIssued: 1e12, seconds: 0.001 }), EV, 400); // 2.05 J in 1 ms = 2050 W
    expect(b.averagePowerW).toBeCloseTo(2050, 9);
    expect(b.warnings.map((w) => w.code)).toEqual(['energy/above-tdp']);
    expect(b.warnings[0].message).toContain('2050 W');
  });

  test('tokens per joule is the inverse of joules per token', () => {
    const b = activityEnergy(counts({ macsIssued: 1e12, seconds: 0.01 }), EV);
    expect(perToken(b, 5)).toEqual({ joulesPerToken: 0.5, tokensPerJoule: 2 });
  });

  test('adding activities sums every count and every level, the second one times a layer count', () => {
    const a = counts({ macsIssued: 10, macsSkipped: 2, bytesByLevel: { rf: { read: 1, write: 2 } }, seconds: 1 });
    const b = counts({ macsIssued: 1, macsGated: 1, bytesByLevel: { rf: { read: 1, write: 0 }, dram: { read: 5, write: 1 } }, seconds: 0.5 });
    const s = addActivity(a, b, 3);
    expect(s.macsIssued).toBe(13);
    expect(s.macsGated).toBe(3);
    expect(denseEquivalentMacs(s)).toBe(15);
    expect(s.bytesByLevel).toEqual({ rf: { read: 4, write: 2 }, dram: { read: 15, write: 3 } });
    expect(s.seconds).toBe(2.5);
  });
});

describe('per-event energies from the tech files', () => {
  test('a100-like (asap7): an FP16 MAC with FP32 accumulation is (1.1 + 0.9) pJ × 0.0943, a 64 KiB register-file byte 10 pJ × √8 × 0.0943 / 8, HBM2 31.2 pJ per byte, 60 W static', async () => {
    const loaded = await loadProfile(resolveProfileRef('a100-like'));
    const ev = eventEnergies(loaded.profile, await loadTech(loaded.profile.tech, loaded.techDirs));
    expect(ev.macPj).toBeCloseTo(2.0 * 0.0943, 9);
    expect(ev.gatedMacPj).toBeCloseTo(2.0 * 0.0943 * 0.0468, 9);
    const rf = ev.levels[0];
    expect(rf.component).toBe('registerFile');
    expect(rf.readPjPerByte).toBeCloseTo((10 * Math.sqrt(8) * 0.0943) / 8, 9);
    expect(ev.levels[1]).toMatchObject({ name: 'smem', component: 'sram' });
    expect(ev.levels[1].readPjPerByte).toBeCloseTo((10 * Math.sqrt(6) * 0.0943) / 8, 9);
    // L2: a 1 MiB bank (10 pJ × √128 × 0.0943 / 8) plus wire 8 bits × 0.064 pJ/bit/mm × half the side of 40 MiB of
    // N7 bit cells at the whole-cache efficiency 0.3536 (area/sram.ts; was ÷ 0.7 before issue 16)
    const l2AreaMm2 = (40 * 2 ** 20 * 8 * 0.027) / 0.3536 / 1e6;
    expect(ev.levels[2].readPjPerByte).toBeCloseTo((10 * Math.sqrt(128) * 0.0943) / 8 + 8 * 0.064 * Math.sqrt(l2AreaMm2) * 0.5, 9);
    expect(ev.dramPjPerByte).toBeCloseTo(31.2, 12);
    expect(ev.staticW).toBe(176);
    expect(ev.selectorPjPerOperation).toBe(0); // dense: no N:M events priced
  });

  test('a profile without power figures leaks at the tech file’s mW/mm² over the modelled silicon, and draws nothing without its area', async () => {
    const loaded = await loadProfile(resolveProfileRef('act-8of16'));
    const tech = await loadTech(loaded.profile.tech, loaded.techDirs);
    const { power, ...bare } = loaded.profile;
    expect(power!.staticW).toBe(259);
    // 5nm: 43.5 mW/mm² for logic and SRAM; 100 mm² of cores + 10 mm² of L2 → 4.785 W
    const ev = eventEnergies(bare, tech, undefined, { logic: 100, sram: 10 });
    expect(ev.staticW).toBeCloseTo(110 * 0.0435, 9);
    expect(ev.sources.static).toMatch(/leakage of the modelled silicon only/);
    expect(eventEnergies(bare, tech).staticW).toBe(0);
    expect(eventEnergies(loaded.profile, tech, undefined, { logic: 100, sram: 10 }).staticW).toBe(259);
  });

  test('an int8 MAC is Horowitz’s 8-bit multiply plus 32-bit add (0.2 + 0.1 pJ at 45 nm), and its source names those, not the FP16 multiply', async () => {
    const loaded = await loadProfile(resolveProfileRef('act-8of16'));
    const tc = { ...loaded.profile.tensorCore, macDatatype: 'int8' as const, operandBits: 8 };
    const tech = await loadTech('nangate45');
    const ev = eventEnergies({ ...loaded.profile, tensorCore: tc }, tech);
    expect(ev.macPj).toBeCloseTo(0.3, 12);
    expect(ev.sources.mac).toMatch(/int8Mult 0\.2 pJ \+ int32Add 0\.1 pJ/);
    expect(ev.sources.mac).not.toMatch(/16b FP mult/);
  });

  test('a BF16 multiply is costed as FP16’s × (8/11)², said as an assumption', async () => {
    const loaded = await loadProfile(resolveProfileRef('act-8of16'));
    const ev = eventEnergies({ ...loaded.profile, tensorCore: { ...loaded.profile.tensorCore, macDatatype: 'bf16' as const } }, await loadTech('nangate45'));
    expect(ev.macPj).toBeCloseTo(1.1 * (8 / 11) ** 2 + 0.9, 12);
    expect(ev.sources.mac).toMatch(/assumption/);
  });

  test('an 8:16 mux selector picks from 16 candidates: 15 MUX2 per operand bit, each toggling half the time', async () => {
    const loaded = await loadProfile(resolveProfileRef('act-8of16'));
    const tech = await loadTech(loaded.profile.tech, loaded.techDirs);
    const ev = eventEnergies(loaded.profile, tech, { kind: 'nm', n: 8, m: 16 });
    const e = tech.energy!;
    expect(ev.selectorPjPerOperation).toBeCloseTo(15 * 16 * 0.5 * (e.cellsPj.mux2.value + e.cellLoadPj.value), 12);
    // 5nm: nangate45 × 0.0943 × 0.8452; MUX2 2.856 fJ + 1.21 fJ load at 45 nm
    expect(ev.selectorPjPerOperation).toBeCloseTo(15 * 16 * 0.5 * (0.002856 + 0.00121) * 0.0943 * 0.8452, 6);
  });
});

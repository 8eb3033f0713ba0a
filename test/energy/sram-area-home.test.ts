/**
 * Issue 16 (left alone at issue 13): one home for SRAM area. The energy model sizes a shared
 * level's wire (half the side of its array) from the SRAM's area; that area must be the area
 * module's calibrated one (area/sram.ts: a whole cache at the tech file's cacheEfficiency), the
 * same mm² `nmsim area` reports as the chip's shared SRAM — not a second definition at the raw
 * bit cell ÷ arrayEfficiency (0.7). Expected values from the tech files' numbers by hand.
 */
import { eventEnergies } from '../../src/energy/event-energies.js';
import { areaReport } from '../../src/area/report.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { loadTech } from '../../src/profile/tech.js';

describe('one home for SRAM area', () => {
  test('a100-like’s 40 MiB L2 is 25.6 mm² (N7 cell 0.027 µm² ÷ cache efficiency 0.3536) in both the area report and the L2’s wire energy', async () => {
    const loaded = await loadProfile(resolveProfileRef('a100-like'));
    const tech = await loadTech(loaded.profile.tech, loaded.techDirs);
    // 40 MiB × 8 bits × 0.027 µm² ÷ 0.3536 (asap7.yaml sram.cacheEfficiency, calibrated on the 7 nm V-Cache die) = 25.62 mm²
    const l2AreaMm2 = (40 * 2 ** 20 * 8 * 0.027) / 0.3536 / 1e6;
    expect(l2AreaMm2).toBeCloseTo(25.62, 2);
    expect(areaReport(loaded.profile, tech).chip.sharedSramMm2).toBeCloseTo(l2AreaMm2, 9);
    // L2 read: a 1 MiB bank (10 pJ × √128 × 0.0943 / 8) + 8 bits × 0.064 pJ/bit/mm × half the side of that area
    const ev = eventEnergies(loaded.profile, tech);
    expect(ev.levels[2].name).toBe('l2');
    expect(ev.levels[2].readPjPerByte).toBeCloseTo((10 * Math.sqrt(128) * 0.0943) / 8 + 8 * 0.064 * Math.sqrt(l2AreaMm2) * 0.5, 9);
  });

  test('h100-like’s 50 MiB L2 at 5 nm: 0.021 µm² ÷ 0.3536 = 31.1 mm² in both', async () => {
    const loaded = await loadProfile(resolveProfileRef('h100-like'));
    const tech = await loadTech(loaded.profile.tech, loaded.techDirs);
    const l2AreaMm2 = (50 * 2 ** 20 * 8 * 0.021) / 0.3536 / 1e6;
    expect(areaReport(loaded.profile, tech).chip.sharedSramMm2).toBeCloseTo(l2AreaMm2, 9);
    const ev = eventEnergies(loaded.profile, tech);
    const bank = ev.levels[2].readPjPerByte - 8 * tech.energy!.wirePjPerBitMm.value * Math.sqrt(l2AreaMm2) * 0.5;
    // what is left is the 1 MiB bank's read, the same for any L2 of at least 1 MiB at this node
    const bigger = eventEnergies({ ...loaded.profile, memory: { ...loaded.profile.memory, buffers: loaded.profile.memory.buffers.map((b) => (b.shared ? { ...b, bytes: 4 * b.bytes } : b)) } }, tech);
    const bankBigger = bigger.levels[2].readPjPerByte - 8 * tech.energy!.wirePjPerBitMm.value * Math.sqrt(4 * l2AreaMm2) * 0.5;
    expect(bank).toBeGreaterThan(0);
    expect(bankBigger).toBeCloseTo(bank, 9);
  });
});

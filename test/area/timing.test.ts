/**
 * Issue 13, timing: from the tech file's FO4 and flip-flop delays, the selector's mux depth and
 * the pruning network's depth give the pipeline stages at the profile's clock, their register
 * area and their latency. Expected values derived by hand from the cited delays.
 */
import { pipelineTiming } from '../../src/area/timing.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { loadTech } from '../../src/profile/tech.js';

const load = async (name: string) => {
  const { profile, techDirs } = await loadProfile(resolveProfileRef(name));
  return { profile, tech: await loadTech(profile.tech, techDirs) };
};

describe('pipeline timing of the sparse datapath', () => {
  test('act-8of16 at 1830 MHz (5 nm: FO4 17.0 ps, clock-to-Q 61.5 + setup 9.1 ps): a 16:1 selector fits one stage; the 10-rank Batcher unit needs 15', async () => {
    const { profile, tech } = await load('act-8of16');
    const t = pipelineTiming(profile, profile.sparsity.patterns, tech)!;
    const cyclePs = 1e12 / 1.83e9; // 546.4 ps
    expect(t.budgetPs).toBeCloseTo(cyclePs - 61.5 - 9.1, 9);
    const [selector, unit] = t.paths;
    // 16 candidates: ⌈log₂16⌉ = 4 MUX2 levels × 2 FO4 × 17 ps = 136 ps < 475.9 ps
    expect(selector).toMatchObject({ name: 'selector', logicDepthFo4: 8, stages: 1, latencyCycles: 0, registerBits: 0 });
    // 19-bit keys (15 magnitude + 4 index): 19 carries × 2 FO4 + a 2-FO4 swap = 40 FO4 per rank; 10 ranks = 400 FO4 = 6800 ps
    expect(unit.logicDepthFo4).toBe(400);
    expect(unit.delayPs).toBeCloseTo(6800, 6);
    expect(unit.stages).toBe(Math.ceil(6800 / (cyclePs - 70.6))); // 15
    expect(unit.stages).toBe(15);
    expect(unit.profileLatencyCycles).toBe(10);
    // 5 ranks beyond the profile's 10 × 2 units × 16 wires × (16 + 4) bits
    expect(unit.registerBits).toBe(5 * 2 * 16 * 20);
    expect(unit.registerAreaUm2).toBeCloseTo(3200 * tech.cells.dff.areaUm2, 9);
  });
  test('the clock matters: at 5 GHz a 32-input selection needs a second stage where a 4-input one does not', async () => {
    const wide = await load('act-16of32');
    const narrow = await load('act-2of4');
    const fast = (p: typeof wide.profile) => ({ ...p, clockHz: 5e9 });
    // 200 ps cycle − 70.6 ps = 129.4 ps: 32:1 is 5 levels = 10 FO4 = 170 ps → 2 stages; 4:1 is 4 FO4 = 68 ps → 1
    const w = pipelineTiming(fast(wide.profile), wide.profile.sparsity.patterns, wide.tech)!.paths.find((p) => p.name === 'selector')!;
    const n = pipelineTiming(fast(narrow.profile), narrow.profile.sparsity.patterns, narrow.tech)!.paths.find((p) => p.name === 'selector')!;
    expect([w.stages, w.latencyCycles]).toEqual([2, 1]);
    expect(w.registerBits).toBe(wide.profile.tensorCore.lanes * wide.profile.tensorCore.denseKPerCycle * 16);
    expect([n.stages, n.latencyCycles, n.registerBits]).toEqual([1, 0, 0]);
    // at the shipped 1830 MHz both fit one stage
    expect(pipelineTiming(wide.profile, wide.profile.sparsity.patterns, wide.tech)!.paths[0].stages).toBe(1);
  });
  test('a tech file without timing data (nangate45) gives no timing, rather than invented delays', async () => {
    const { profile } = await load('act-8of16');
    const tech = await loadTech('nangate45');
    expect(pipelineTiming(profile, profile.sparsity.patterns, tech)).toBeUndefined();
  });
});

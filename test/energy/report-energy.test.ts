import { emptyActivity } from '../../src/energy/activity.js';
import type { EventEnergies } from '../../src/energy/event-energies.js';
import { activityEnergy, ratiosVsDense } from '../../src/energy/model.js';
import type { ComparisonEnergy, StepEnergy } from '../../src/energy/step-energy.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { energyBreakdownText, energyJson, energySummaryText } from '../../src/report/energy.js';

const EV: EventEnergies = {
  macPj: 2,
  gatedMacPj: 0.1,
  levels: [],
  dramPjPerByte: 30,
  selectorPjPerOperation: 0.05,
  metadataPjPerBit: 0.02,
  pruningPjPerComparison: 0.3,
  staticW: 50,
  sources: { mac: 'm', registerFile: 'r', sram: 's', l2: 'l', dram: 'd', selector: 'x', metadata: 'y', pruningUnit: 'p', static: 'st' },
};
const profile = { power: { tdpW: 400, idleW: 40, staticW: 50, source: 'test' } } as HardwareProfile;

function step(pattern: string, macs: number, skipped: number, seconds: number): StepEnergy {
  const activity = { ...emptyActivity(), macsIssued: macs, macsSkipped: skipped, bytesByLevel: { dram: { read: 1e9, write: 0 } }, seconds };
  const breakdown = activityEnergy(activity, EV, 400);
  return { pattern, activity, events: EV, breakdown, tokens: 10, joulesPerToken: breakdown.totalJ / 10, tokensPerJoule: 10 / breakdown.totalJ };
}

// dense: 2 J MAC + 0.03 J DRAM + 0.5 J static = 2.53 J in 10 ms; 8:16 skipping: 1 + 0.03 + 0.25 = 1.28 J in 5 ms
const dense = step('dense', 1e12, 0, 0.01);
const s816 = step('8:16', 5e11, 5e11, 0.005);
// 253 / 400 = 0.6325 prints 63.2% (63.24999… in binary)
const e: ComparisonEnergy = { dense, patterns: [{ ...s816, vsDense: ratiosVsDense(dense.breakdown, s816.breakdown, { dense: 100, sparse: 125 }) }] };

describe('energy renderers', () => {
  test('the summary gives mJ per token, tokens per joule, average power, share of TDP and the ratios vs dense', () => {
    expect(energySummaryText(e, profile)).toBe(
      [
        'energy per step (static 50 W at operating clocks, TDP 400 W):',
        'pattern  mJ/token  tokens/J  avg W  of TDP  perf/W vs dense  perf/mm² vs dense',
        'dense       253.0      3.95    253   63.2%           1.000×             1.000×',
        '8:16        128.0      7.81    256   64.0%           1.977×             1.600×',
      ].join('\n'),
    );
  });

  test('the breakdown lists every component in mJ per token with its share, and the totals', () => {
    const lines = energyBreakdownText(e).split('\n');
    expect(lines[0]).toBe('energy by component (mJ per token, share):');
    expect(lines[1]).toMatch(/^component\s+dense\s+8:16$/);
    expect(lines[2]).toMatch(/^MAC\s+200\.0 \(79%\)\s+100\.0 \(78%\)$/);
    expect(lines[6]).toMatch(/^DRAM\s+3\.000 \(1%\)\s+3\.000 \(2%\)$/);
    expect(lines[10]).toMatch(/^static\s+50\.00 \(20%\)\s+25\.00 \(20%\)$/);
    expect(lines[11]).toMatch(/^total\s+253\.0\s+128\.0$/);
  });

  test('the JSON has snake_case keys with units and 6 significant digits', () => {
    const j = energyJson(e, profile, 'asap7');
    expect(j.results[1]).toMatchObject({ pattern: '8:16', total_j: 1.28, time_s: 0.005, average_power_w: 256, tdp_fraction: 0.64, joules_per_token: 0.128, perf_per_watt_vs_dense: 1.97656, perf_per_mm2_vs_dense: 1.6 });
    expect(j.results[1].by_component_j).toEqual({ mac_j: 1, register_file_j: 0, sram_j: 0, l2_j: 0, dram_j: 0.03, selector_j: 0, metadata_j: 0, pruning_unit_j: 0, static_j: 0.25 });
    expect(j.results[0].perf_per_mm2_vs_dense).toBe(1);
    expect([j.tdp_w, j.idle_w, j.static_w]).toEqual([400, 40, 50]);
  });
});

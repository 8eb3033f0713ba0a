/**
 * Energy renderers: the `energy` JSON section of `nmsim simulate --json` (snake_case keys with
 * units) and the text tables — a per-pattern summary (J/token, tokens/J, average power vs TDP,
 * perf/W vs dense) and the breakdown by component. Numbers in JSON keep 6 significant digits
 * (energies span µJ on tiny models to J on 8B ones), so two runs print identical files.
 */
import type { ActivityCounts } from '../energy/activity.js';
import { ENERGY_COMPONENTS, type EnergyComponent } from '../energy/event-energies.js';
import type { ComparisonEnergy, StepEnergy } from '../energy/step-energy.js';
import type { HardwareProfile } from '../profile/schema.js';
import { fixed, percent, textTable } from './format.js';

const SIGNIFICANT_DIGITS = 6;
const sig = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(SIGNIFICANT_DIGITS)) : null);
const snake = (c: EnergyComponent) => c.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

/** "register file" for registerFile: the component's name in tables. */
export const COMPONENT_LABELS: Record<EnergyComponent, string> = {
  mac: 'MAC',
  registerFile: 'register file',
  sram: 'SRAM buffers',
  l2: 'L2',
  dram: 'DRAM',
  selector: 'selectors',
  metadata: 'metadata',
  pruningUnit: 'pruning unit',
  static: 'static',
};

function activityJson(a: ActivityCounts) {
  return {
    macs_issued: sig(a.macsIssued),
    macs_skipped: sig(a.macsSkipped),
    macs_gated: sig(a.macsGated),
    bytes_by_level: Object.fromEntries(Object.entries(a.bytesByLevel).map(([k, v]) => [k, { read_bytes: sig(v.read), write_bytes: sig(v.write) }])),
    metadata_bits: sig(a.metadataBits),
    selector_operations: sig(a.selectorOperations),
    pruning_comparisons: sig(a.pruningComparisons),
    software_prune_bytes: sig(a.softwarePruneBytes),
  };
}

function stepJson(s: StepEnergy, vsDense?: { perfPerWatt: number; speedup: number; perfPerMm2?: number }) {
  const b = s.breakdown;
  return {
    pattern: s.pattern,
    total_j: sig(b.totalJ),
    time_s: sig(b.seconds),
    average_power_w: sig(b.averagePowerW),
    tdp_fraction: b.tdpFraction === undefined ? null : sig(b.tdpFraction),
    tokens: s.tokens,
    joules_per_token: sig(s.joulesPerToken),
    tokens_per_joule: sig(s.tokensPerJoule),
    perf_per_watt_vs_dense: vsDense ? sig(vsDense.perfPerWatt) : 1,
    perf_per_mm2_vs_dense: !vsDense ? 1 : vsDense.perfPerMm2 === undefined ? null : sig(vsDense.perfPerMm2),
    by_component_j: Object.fromEntries(ENERGY_COMPONENTS.map((c) => [`${snake(c)}_j`, sig(b.joulesByComponent[c])])),
    activity: activityJson(s.activity),
  };
}

/** The `energy` section of `simulate --json`. */
export function energyJson(e: ComparisonEnergy, profile: HardwareProfile, techName: string) {
  return {
    tech: techName,
    tdp_w: profile.power?.tdpW ?? null,
    idle_w: profile.power?.idleW ?? null,
    static_w: profile.power?.staticW ?? null,
    power_source: profile.power?.source ?? null,
    sources: Object.fromEntries(ENERGY_COMPONENTS.map((c) => [snake(c), e.dense.events.sources[c]])),
    results: [stepJson(e.dense), ...e.patterns.map((p) => stepJson(p, p.vsDense))],
  };
}

/** millijoules, 4 significant digits */
const mj = (j: number) => (j === 0 ? '0' : Number.isFinite(j) ? (j * 1e3).toPrecision(4) : '');

/** Per pattern: J (mJ) per token, tokens per J, average power and its share of the TDP, perf/W and perf/mm² vs dense (dense core vs the profile's core). */
export function energySummaryText(e: ComparisonEnergy, profile: HardwareProfile): string {
  const all: Array<StepEnergy & { vsDense?: { perfPerWatt: number; perfPerMm2?: number } }> = [e.dense, ...e.patterns];
  const tdp = profile.power?.tdpW;
  const rows = all.map((s) => [
    s.pattern,
    mj(s.joulesPerToken),
    fixed(s.tokensPerJoule, s.tokensPerJoule >= 100 ? 0 : 2),
    fixed(s.breakdown.averagePowerW, 0),
    s.breakdown.tdpFraction === undefined ? '-' : percent(s.breakdown.tdpFraction),
    `${fixed(s.vsDense?.perfPerWatt ?? 1, 3)}×`,
    s.vsDense?.perfPerMm2 === undefined ? (s.vsDense ? '-' : '1.000×') : `${fixed(s.vsDense.perfPerMm2, 3)}×`,
  ]);
  const head = profile.power
    ? `energy per step (static ${profile.power.staticW} W at operating clocks, TDP ${tdp} W):`
    : `energy per step (the profile gives no power figures: static ${Number(e.dense.events.staticW.toPrecision(3))} W, the modelled silicon's leakage only; no TDP check):`;
  return [head, textTable([['pattern', 'mJ/token', 'tokens/J', 'avg W', 'of TDP', 'perf/W vs dense', 'perf/mm² vs dense'], ...rows])].join('\n');
}

/** Energy by component, mJ per token and share of the total, one column per pattern. */
export function energyBreakdownText(e: ComparisonEnergy): string {
  const all: StepEnergy[] = [e.dense, ...e.patterns];
  const rows = ENERGY_COMPONENTS.map((c) => [
    COMPONENT_LABELS[c],
    ...all.map((s) => `${mj(s.breakdown.joulesByComponent[c] / s.tokens)} (${percent(s.breakdown.joulesByComponent[c] / s.breakdown.totalJ, 0)})`),
  ]);
  const total = ['total', ...all.map((s) => mj(s.joulesPerToken))];
  return ['energy by component (mJ per token, share):', textTable([['component', ...all.map((s) => s.pattern)], ...rows, total])].join('\n');
}

/**
 * Renders an area report: a component × core table with the source of every component, and
 * the snake_case JSON form (`area_um2`, `source` on every component). Pure: returns strings
 * and plain objects; the CLI prints them.
 */
import type { AreaComponent } from '../area/component.js';
import { COMPONENT_NAMES } from '../area/component.js';
import type { AreaReport, CoreArea } from '../area/report.js';
import { groupedNumber, PRECISION, rounded, textTable } from './format.js';

const round3 = (x: number): number => rounded(x, PRECISION.jsonMeasure);
const round6 = (x: number): number => rounded(x, PRECISION.jsonRatio);

function fmtUm2(x: number): string {
  return groupedNumber(Math.round(x), 0);
}
function fmtPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(PRECISION.percentText)}%`;
}
/** Shares of an SM or a die are small: two decimals ("+0.31%"). */
function fmtSmallPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`;
}

/** Columns: dense, each pattern, and the whole pattern set when it has more than one. */
export function reportColumns(r: AreaReport): CoreArea[] {
  return r.perPattern.length > 1 ? [r.dense, ...r.perPattern, r.core] : [r.dense, r.core];
}

export function formatAreaTable(r: AreaReport, opts: { detail?: boolean } = {}): string {
  const cols = reportColumns(r);
  const head = ['component (µm²)', ...cols.map((c) => (c === r.core && cols.length > 2 ? `${c.label.replace(/ \+ /g, '+')} core` : c.label))];
  const rows: string[][] = [head];
  for (const name of COMPONENT_NAMES) rows.push([name, ...cols.map((c) => fmtUm2(c.components.find((x) => x.name === name)!.areaUm2))]);
  rows.push(['total', ...cols.map((c) => fmtUm2(c.totalUm2))]);
  rows.push(['overhead vs dense core', ...cols.map((c) => fmtPct(c.overheadVsDense))]);
  rows.push(['overhead vs dense MAC array', ...cols.map((c) => fmtPct(c.overheadVsMacArray))]);
  if (r.chip.die) {
    const d = r.chip.die;
    rows.push([`overhead, ${d.tensorCoresPerSm} cores vs SM`, ...cols.map((c) => fmtSmallPct(c.overheadVsSm ?? 0))]);
    rows.push([`overhead, ${r.chip.tensorCores} cores vs die`, ...cols.map((c) => fmtSmallPct(c.overheadVsDie ?? 0))]);
  }
  const widths = head.map((_, i) => rows.reduce((w, row) => Math.max(w, row[i].length), 0));
  const lines = textTable(rows).split('\n');
  const out: string[] = [];
  out.push(`area of one tensor core — profile ${r.profile}, tech ${r.tech}${r.techDerivation ? ` (${r.techDerivation})` : ''}`);
  out.push(
    `selector ${r.selectorStyle}, metadata ${r.metadataEncoding}, pruning ${r.pruning.kind}${r.pruning.network ? ` (${r.pruning.network}, ${r.pruning.elementsPerCycle} elements/cycle)` : ''}; every column has the same dense throughput`,
  );
  out.push('');
  out.push(lines[0]);
  out.push(widths.map((w) => '─'.repeat(w)).join('  '));
  out.push(...lines.slice(1));
  out.push('');
  out.push(
    `chip: ${r.chip.tensorCores} tensor cores = ${r.chip.coresMm2.toFixed(PRECISION.chipMm2Text)} mm² (dense ${r.chip.denseCoresMm2.toFixed(PRECISION.chipMm2Text)} mm²), plus ${r.chip.sharedSramMm2.toFixed(PRECISION.chipMm2Text)} mm² shared SRAM`,
  );
  if (r.chip.die) {
    const d = r.chip.die;
    out.push(
      `die: ${d.dieMm2} mm², ${d.physicalSms} SMs on the die (${d.sms} enabled) × ${d.tensorCoresPerSm} tensor cores; ${r.core.label} additions ${fmtUm2(r.core.overheadUm2)} µm² per core = ${d.overheadMm2.toFixed(PRECISION.chipMm2Text)} mm² per chip, ${fmtSmallPct(r.core.overheadVsSm ?? 0)} of an SM (die ÷ ${d.physicalSms} = ${d.smMm2.toFixed(2)} mm², an upper bound on the SM), ${fmtSmallPct(r.core.overheadVsDie ?? 0)} of the die; the modelled tensor cores and their buffers are ${(100 * d.coresVsDie).toFixed(1)}% of the die`,
    );
  }
  if (r.timing) {
    const t = r.timing;
    out.push(`timing at ${t.clockMHz} MHz: ${t.cyclePs.toFixed(0)} ps cycle, ${t.budgetPs.toFixed(0)} ps of logic per stage after the flip-flop, FO4 ${t.fo4Ps} ps`);
    for (const p of t.paths) {
      const vsProfile = p.profileLatencyCycles !== undefined ? ` (profile: ${p.profileLatencyCycles})` : '';
      out.push(
        `  ${p.name.padEnd(13)} ${p.path}: ${p.logicDepthFo4} FO4 = ${p.delayPs.toFixed(0)} ps → ${p.stages} stage(s), ${p.latencyCycles} cycle(s) of latency${vsProfile}, ${p.registerBits.toLocaleString('en-US')} extra register bits = ${fmtUm2(p.registerAreaUm2)} µm² per core`,
      );
    }
  }
  out.push('');
  out.push(`sources (${r.core.label} column):`);
  for (const c of r.core.components) out.push(`  ${c.name.padEnd(13)} ${c.source}`);
  if (opts.detail) {
    out.push('');
    out.push(`breakdown (${r.core.label} column):`);
    for (const c of r.core.components) {
      for (const i of c.breakdown) out.push(`  ${c.name.padEnd(13)} ${fmtUm2(i.areaUm2).padStart(10)}  ${i.item}`);
    }
  }
  return out.join('\n');
}

function componentJson(c: AreaComponent) {
  return {
    name: c.name,
    area_um2: round3(c.areaUm2),
    source: c.source,
    breakdown: c.breakdown.map((i) => ({
      item: i.item,
      area_um2: round3(i.areaUm2),
      ...(i.cells ? { cells: Object.fromEntries(Object.entries(i.cells).map(([k, v]) => [k, round3(v as number)])) } : {}),
      ...(i.bits !== undefined ? { sram_bits: i.bits } : {}),
    })),
  };
}

function coreJson(c: CoreArea) {
  return {
    label: c.label,
    patterns: c.patterns,
    total_area_um2: round3(c.totalUm2),
    overhead_area_um2: round3(c.overheadUm2),
    overhead_vs_dense_fraction: round6(c.overheadVsDense),
    overhead_vs_mac_array_fraction: round6(c.overheadVsMacArray),
    ...(c.overheadVsSm !== undefined ? { overhead_vs_sm_fraction: round6(c.overheadVsSm) } : {}),
    ...(c.overheadVsDie !== undefined ? { overhead_vs_die_fraction: round6(c.overheadVsDie) } : {}),
    components: c.components.map(componentJson),
  };
}

export function areaReportJson(r: AreaReport) {
  return {
    profile: r.profile,
    tech: r.tech,
    ...(r.techDerivation ? { tech_derivation: r.techDerivation } : {}),
    selector_style: r.selectorStyle,
    metadata_encoding: r.metadataEncoding,
    pruning: {
      kind: r.pruning.kind,
      ...(r.pruning.network ? { network: r.pruning.network, elements_per_cycle: r.pruning.elementsPerCycle } : {}),
    },
    dense: coreJson(r.dense),
    core: coreJson(r.core),
    per_pattern: r.perPattern.map(coreJson),
    chip: {
      tensor_cores: r.chip.tensorCores,
      dense_cores_mm2: round6(r.chip.denseCoresMm2),
      cores_mm2: round6(r.chip.coresMm2),
      shared_sram_mm2: round6(r.chip.sharedSramMm2),
      ...(r.chip.die
        ? {
            die_area_mm2: r.chip.die.dieMm2,
            sms: r.chip.die.sms,
            physical_sms: r.chip.die.physicalSms,
            tensor_cores_per_sm: r.chip.die.tensorCoresPerSm,
            sm_area_mm2: round6(r.chip.die.smMm2),
            sm_area_basis: 'die area ÷ physical SMs (an upper bound on one SM)',
            overhead_um2_per_core: round3(r.core.overheadUm2),
            overhead_mm2: round6(r.chip.die.overheadMm2),
            overhead_vs_sm_fraction: round6(r.core.overheadVsSm ?? 0),
            overhead_vs_die_fraction: round6(r.core.overheadVsDie ?? 0),
            cores_vs_die_fraction: round6(r.chip.die.coresVsDie),
            source: r.chip.die.source,
          }
        : {}),
    },
    timing: r.timing
      ? {
          clock_mhz: r.timing.clockMHz,
          cycle_ps: round3(r.timing.cyclePs),
          budget_ps: round3(r.timing.budgetPs),
          fo4_ps: r.timing.fo4Ps,
          source: r.timing.source,
          paths: r.timing.paths.map((p) => ({
            name: p.name,
            path: p.path,
            logic_depth_fo4: p.logicDepthFo4,
            delay_ps: round3(p.delayPs),
            stages: p.stages,
            latency_cycles: p.latencyCycles,
            ...(p.profileLatencyCycles !== undefined ? { profile_latency_cycles: p.profileLatencyCycles } : {}),
            register_bits: p.registerBits,
            register_area_um2: round3(p.registerAreaUm2),
          })),
        }
      : null,
  };
}

/**
 * `nmsim simulate` output: the JSON document (snake_case keys with units) and the text tables.
 * Numbers in JSON are rounded to stable precision (format.ts PRECISION) so two runs print
 * identical files.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { Activity } from '../perf/activity.js';
import type { GemmSim } from '../perf/gemm-pipeline.js';
import type { IoTotals } from '../perf/io-model.js';
import type { Comparison, ModelSim } from '../perf/model-sim.js';
import type { OpSim } from '../perf/non-gemm.js';
import { densePeakTflops } from '../perf/hardware-view.js';
import type { HardwareProfile } from '../profile/schema.js';
import type { ModelShape } from '../workload/model-shape.js';
import { diagnosticToJson } from '../diagnostics.js';
import * as C from '../perf/constants.js';
import { DEFAULT_KERNEL_LAUNCH_NS } from '../profile/defaults.js';
import { fixed, patternText, PRECISION, rounded, textTable } from './format.js';

const r3 = (x: number) => rounded(x, PRECISION.jsonMeasure);
const r6 = (x: number) => rounded(x, PRECISION.jsonRatio);
const int = (x: number) => Math.round(x);

function ioJson(io: IoTotals) {
  return {
    site_activations_written_bytes: int(io.siteActivationsWrittenBytes),
    site_activations_read_bytes: int(io.siteActivationsReadBytes),
    metadata_bytes: int(io.metadataBytes),
    weights_bytes: int(io.weightsBytes),
    kv_cache_bytes: int(io.kvCacheBytes),
    other_activations_bytes: int(io.otherActivationsBytes),
    pruning_pass_bytes: int(io.pruningPassBytes),
    total_bytes: int(io.totalBytes),
  };
}

/** Activity counts (perf/activity.ts) in snake_case: MACs and operations as integers, bytes by level. */
function activityJson(a: Activity) {
  return {
    macs_issued: int(a.macsIssued),
    macs_skipped: int(a.macsSkipped),
    macs_gated: int(a.macsGated),
    bytes_by_level: Object.fromEntries(Object.entries(a.bytesByLevel).map(([k, v]) => [k, { read_bytes: int(v.read), write_bytes: int(v.write) }])),
    activation_value_bytes: int(a.activationValueBytes),
    activation_metadata_bytes: int(a.activationMetadataBytes),
    weight_bytes: int(a.weightBytes),
    weight_metadata_bytes: int(a.weightMetadataBytes),
    output_bytes: int(a.outputBytes),
    reload_bytes: int(a.reloadBytes),
    metadata_bits: int(a.metadataBits),
    selector_operations: int(a.selectorOperations),
    pruning_comparisons: int(a.pruningComparisons),
    software_prune_bytes: int(a.softwarePruneBytes),
    cycles: int(a.cycles),
    time_us: r3(a.seconds * 1e6),
  };
}

export function gemmJson(g: GemmSim, clockHz: number, dense?: GemmSim) {
  const timeS = g.cycles / clockHz;
  return {
    name: g.name,
    rows_tokens: g.rowsTokens,
    k_in: g.kIn,
    n_out: g.nOut,
    cycles: int(g.cycles),
    roofline_cycles: int(g.rooflineCycles),
    roofline_bound: g.rooflineBound,
    time_us: r3(timeS * 1e6),
    tflops: r3(g.denseEquivalentFlops / timeS / 1e12),
    speedup: dense ? r6(dense.cycles / g.cycles) : 1,
    utilization_fraction: r6(g.utilization),
    bottleneck: g.bottleneck,
    binding: g.binding,
    compute_cycles: int(g.computeCycles),
    stall_cycles: Object.fromEntries(Object.entries(g.stallCycles).map(([k, v]) => [k, int(v)])),
    buffer_stall_cycles_by_level: Object.fromEntries(Object.entries(g.bufferStallByLevel).map(([k, v]) => [k, int(v)])),
    tile: { rows_tokens: g.tile.rowsTokens, cols_out: g.tile.colsOut, k_step_elements: g.tile.kStepElements },
    tiles: g.tiles,
    waves: g.waves,
    weight_row_fraction: r6(g.weightRowFraction),
    bytes: {
      activation_values_bytes: int(g.bytes.activationValues),
      activation_metadata_bytes: int(g.bytes.activationMetadata),
      weights_bytes: int(g.bytes.weights),
      outputs_bytes: int(g.bytes.outputs),
      reload_bytes: int(g.bytes.reloads),
      dram_total_bytes: int(g.bytes.dramTotal),
    },
    activity: activityJson(g.activity),
  };
}

function opJson(o: OpSim) {
  return {
    name: o.name,
    cycles: int(o.cycles),
    roofline_cycles: int(o.rooflineCycles),
    bound: o.bound,
    binding: o.binding,
    bytes_read: int(o.bytesRead),
    bytes_written: int(o.bytesWritten),
    kv_cache_bytes: int(o.kvCacheBytes),
    pruning_groups: int(o.pruningGroups),
    pruning_cycles: int(o.pruningCycles),
  };
}

function simJson(s: ModelSim, clockHz: number, dense: ModelSim, extra: Record<string, unknown>) {
  return {
    pattern: s.pattern,
    runs_as: s.plan.mode === 'dense' ? 'dense' : `${s.plan.mode} ${s.plan.runPattern ? patternText(s.plan.runPattern) : ''}`.trim(),
    reason: s.plan.reason,
    pruning: s.plan.pruning,
    compatible_fraction: s.plan.mode === 'compatible' ? r6(s.plan.compatibleFraction) : null,
    compatible_source: s.plan.compatibleSource ?? null,
    ...extra,
    cycles: int(s.cycles),
    roofline_cycles: int(s.rooflineCycles),
    gemm_cycles: int(s.gemmCycles),
    non_gemm_cycles: int(s.nonGemmCycles),
    time_ms: r6(s.timeS * 1e3),
    tflops: r3(s.tflops),
    bottleneck: s.bottleneck,
    cycles_by_binding: Object.fromEntries(Object.entries(s.cyclesByBinding).map(([k, v]) => [k, int(v)])),
    activity: activityJson(s.activity),
    weight_rows: s.weightRows ? { fraction: r6(s.weightRows.fraction), batch_tokens: s.weightRows.batch, source: s.weightRows.source } : null,
    io: {
      per_step: ioJson(s.io.perStep),
      per_layer: ioJson(s.io.perLayer),
      per_token: ioJson(s.io.perToken),
      total_bytes_by_encoding: Object.fromEntries(Object.entries(s.ioByEncoding).map(([k, v]) => [k, int(v.totalBytes)])),
    },
    layers: s.layers.map((l, i) => ({
      layer_count: l.layerCount,
      attention: l.attention,
      cycles_per_layer: int(l.cycles),
      gemms: l.gemms.map((g, j) => gemmJson(g, clockHz, dense.layers[i].gemms[j])),
      non_gemm: l.nonGemm.map(opJson),
    })),
    head: {
      gemms: s.head.gemms.map((g, j) => gemmJson(g, clockHz, dense.head.gemms[j])),
      non_gemm: s.head.nonGemm.map(opJson),
    },
  };
}

export const SIMULATE_ASSUMPTIONS = [
  `operand reuse inside the MAC array per ${C.MMA_FRAGMENT_ROWS_TOKENS}×${C.MMA_FRAGMENT_COLS_OUT}×${C.MMA_FRAGMENT_K_ELEMENTS} fragment (PTX mma.m16n8k16)`,
  `default tile ${C.DEFAULT_TILE_ROWS_TOKENS}×${C.DEFAULT_TILE_COLS_OUT}×${C.DEFAULT_TILE_K_ELEMENTS}, shrunk to fit buffers[0] with ${C.OPERAND_BUFFER_STAGES} operand stages (assumption)`,
  `kernel launch gap per operator: the profile's execution.kernelLaunchNs (default ${DEFAULT_KERNEL_LAUNCH_NS} ns, assumption)`,
  "GEMM main loops and DRAM streams at the profile's execution efficiencies (default 1: the peak)",
  `software pruning: ${C.SOFTWARE_PRUNE_KERNELS_PER_SITE} kernels per site through memory (cuSPARSELt prune + compress)`,
  `vector units ${C.VECTOR_FLOPS_PER_CYCLE_PER_TENSOR_CORE} flop/cycle per tensor core (assumption from the A100 SM layout)`,
  'DRAM traffic: each operand once while the smaller fits half the shared buffer, else re-streamed',
  'prefill: one sequence, causal attention, logits for the last position; decode: B sequences at context L',
  'q, k, v (and gate, up) unfused: each reads its input site',
];

export interface SimulateMeta {
  model: ModelShape;
  profile: HardwareProfile;
  /** the profile file read */
  profileFile: string;
  warnings: readonly Diagnostic[];
}

function modelJson(m: ModelShape) {
  return {
    id: m.id,
    name: m.name,
    source: m.source,
    hidden_size: m.hiddenSize,
    intermediate_size: m.intermediateSize,
    num_layers: m.numLayers,
    num_heads: m.numHeads,
    num_kv_heads: m.numKvHeads,
    head_dim: m.headDim,
    vocab_size: m.vocabSize,
  };
}

export function comparisonJson(c: Comparison, meta: SimulateMeta) {
  const clockHz = c.hw.clockHz;
  const dense = c.dense;
  const p = meta.profile;
  return {
    ok: true,
    model: modelJson(meta.model),
    profile: { name: p.name, file: meta.profileFile, clock_mhz: p.clockMHz, peak_dense_tflops: r3(densePeakTflops(p)), illustrative: p.illustrative },
    phase:
      c.phase.kind === 'prefill'
        ? { kind: 'prefill', tokens: c.phase.tokens }
        : { kind: 'decode', batch_tokens: c.phase.batch, context_tokens: c.phase.contextTokens },
    assumptions: SIMULATE_ASSUMPTIONS,
    warnings: meta.warnings.map(diagnosticToJson),
    results: [
      simJson(dense, clockHz, dense, { speedup: 1, gemm_speedup: 1, io_savings_fraction: 0, activation_io_savings_fraction: 0, weight_io_savings_fraction: 0 }),
      ...c.patterns.map((p) =>
        simJson(p.sim, clockHz, dense, {
          speedup: r6(p.speedup),
          gemm_speedup: r6(p.gemmSpeedup),
          io_savings_fraction: r6(p.ioSavings),
          activation_io_savings_fraction: r6(p.activationIoSavings),
          weight_io_savings_fraction: r6(p.weightIoSavings),
        }),
      ),
    ],
  };
}

const table = textTable;
const mb = (b: number) => fixed(b / 1e6, PRECISION.megabytesText);
const pct = (x: number) => `${(x * 100).toFixed(PRECISION.percentText)}%`;

/** "Llama-3.1-8B on act-flex (989.4 TFLOP/s dense peak), decode B=1 L=4096" */
export function comparisonTitle(c: Comparison, model: ModelShape, profile: HardwareProfile): string {
  const phase = c.phase.kind === 'prefill' ? `prefill T=${c.phase.tokens}` : `decode B=${c.phase.batch} L=${c.phase.contextTokens}`;
  return `${model.name} on ${profile.name} (${densePeakTflops(profile).toFixed(PRECISION.tflopsText)} TFLOP/s dense peak), ${phase}`;
}

export function comparisonText(c: Comparison, title: string): string {
  const lines: string[] = [title, ''];
  const all = [{ sim: c.dense, speedup: 1, gemmSpeedup: 1, ioSavings: 0 }, ...c.patterns];
  lines.push(
    table([
      ['pattern', 'runs as', 'time ms', 'speedup', 'GEMM speedup', 'TFLOP/s', 'MB/step', 'I/O saved', 'weight rows', 'bottleneck'],
      ...all.map((p) => [
        p.sim.pattern,
        p.sim.plan.mode === 'dense' ? 'dense' : `${p.sim.plan.mode}${p.sim.plan.mode === 'compatible' && p.sim.plan.runPattern?.kind === 'nm' ? ` ${patternText(p.sim.plan.runPattern)}` : ''}`,
        (p.sim.timeS * 1e3).toFixed(PRECISION.timeMsText),
        `${p.speedup.toFixed(PRECISION.speedup)}×`,
        `${p.gemmSpeedup.toFixed(PRECISION.speedup)}×`,
        p.sim.tflops.toFixed(PRECISION.tflopsText),
        mb(p.sim.io.perStep.totalBytes),
        pct(p.ioSavings),
        p.sim.weightRows ? p.sim.weightRows.fraction.toFixed(PRECISION.densityText) : '-',
        `${p.sim.bottleneck} ${pct(p.sim.cyclesByBinding[p.sim.bottleneck] / p.sim.cycles)}`,
      ]),
    ]),
  );
  const rowSource = c.patterns.find((p) => p.sim.weightRows)?.sim.weightRows?.source;
  if (rowSource) lines.push('', `weight rows fetched per decode step: ${rowSource}`);
  const l0 = c.dense.layers[0];
  lines.push('', `per GEMM, one ${l0.attention}-attention layer (cycles; bottleneck):`);
  lines.push(
    table([
      ['gemm', 'rows×K→N', 'dense', ...c.patterns.map((p) => p.sim.pattern)],
      ...l0.gemms.map((g, j) => [
        g.name,
        `${g.rowsTokens}×${g.kIn}→${g.nOut}`,
        `${Math.round(g.cycles)} ${g.binding}`,
        ...c.patterns.map((p) => {
          const s = p.sim.layers[0].gemms[j];
          return `${Math.round(s.cycles)} ${s.binding} ${(g.cycles / s.cycles).toFixed(PRECISION.speedupText)}×`;
        }),
      ]),
    ]),
  );
  lines.push('', `time split, dense: GEMMs ${pct(c.dense.gemmCycles / c.dense.cycles)}, other operators ${pct(c.dense.nonGemmCycles / c.dense.cycles)}; roofline ${(c.dense.rooflineCycles / c.hw.clockHz * 1e3).toFixed(PRECISION.timeMsText)} ms`);
  return lines.join('\n');
}

/** `simulate --gemm`: one GEMM, dense and per pattern, as a table. */
export function singleGemmText(title: string, rows: readonly { pattern: string; runsAs: string; sim: GemmSim }[], clockHz: number): string {
  const dense = rows[0].sim;
  const table = textTable([
    ['pattern', 'runs as', 'time µs', 'TFLOP/s', 'speedup', 'utilization', 'bottleneck'],
    ...rows.map((r) => {
      const t = r.sim.cycles / clockHz;
      return [
        r.pattern,
        r.runsAs,
        (t * 1e6).toFixed(PRECISION.timeMsText),
        (r.sim.denseEquivalentFlops / t / 1e12).toFixed(PRECISION.tflopsText),
        `${(dense.cycles / r.sim.cycles).toFixed(PRECISION.speedup)}×`,
        `${(r.sim.utilization * 100).toFixed(PRECISION.percentText)}%`,
        r.sim.binding,
      ];
    }),
  ]);
  return `${title}\n\n${table}\n`;
}

/**
 * Whole-model performance for one step of a phase, per pattern, and the comparison against
 * dense (speed-ups include Amdahl's law: attention, norms, activations, the LM head and any
 * pruning passes are in the total).
 *
 *   workload (shapes) ─┬─ plan (native / compatible / dense) ─▶ GEMM tile pipelines
 *   profile ───────────┘                                      ─▶ non-GEMM operators (+ pruning unit / passes)
 *                                                             ─▶ totals, roofline, I/O
 */
import type { Diagnostic } from '../diagnostics.js';
import type { HardwareProfile } from '../profile/schema.js';
import { effectiveDensity, formatPattern, METADATA_ENCODINGS, type MetadataEncoding, type Pattern } from '../sparsity/pattern.js';
import type { GemmOp, LayerWorkload, ModelWorkload } from '../workload/layer-ops.js';
import { planPattern, planWeightPattern, type ExecutionPlan } from './execution-plan.js';
import { runsSparse, simulateGemm, type GemmSim } from './gemm-pipeline.js';
import { hardwareView, type HardwareView } from './hardware-view.js';
import { modelIo, type IoTotals } from './io-model.js';
import { isMeasuredFor, unionDensity, type MeasuredSparsity } from './measured-sparsity.js';
import { simulateNonGemm, simulateSoftwarePrunePass, type OpSim } from './non-gemm.js';
import { sumActivity, type Activity } from './activity.js';

export interface LayerSim {
  layerCount: number;
  attention: string;
  gemms: GemmSim[];
  nonGemm: OpSim[];
  /** one layer of this kind */
  cycles: number;
  rooflineCycles: number;
}

export interface ModelSim {
  pattern: string;
  plan: ExecutionPlan;
  /** decode with row skipping: the fraction of weight rows fetched and where it comes from */
  weightRows?: { fraction: number; batch: number; source: string };
  layers: LayerSim[];
  head: { gemms: GemmSim[]; nonGemm: OpSim[] };
  cycles: number;
  rooflineCycles: number;
  gemmCycles: number;
  nonGemmCycles: number;
  timeS: number;
  denseEquivalentFlops: number;
  /** dense-equivalent TFLOP/s (the work of the dense model per unit time) */
  tflops: number;
  io: { perStep: IoTotals; perLayer: IoTotals; perToken: IoTotals };
  ioByEncoding: Record<MetadataEncoding, IoTotals>;
  /**
   * The phase step's binding resource: the binding (GemmSim.binding, OpSim.binding) that holds
   * the most cycles of the step, and the cycles each binding holds
   */
  bottleneck: string;
  cyclesByBinding: Record<string, number>;
  /** activity counts of the whole step (every layer × its count, and the head): activity.ts */
  activity: Activity;
  warnings: Diagnostic[];
}

export interface PatternComparison {
  sim: ModelSim;
  /** dense cycles / pattern cycles, whole model step */
  speedup: number;
  /** the same over the seven pruned projections only (no Amdahl dilution) */
  gemmSpeedup: number;
  /** 1 − pattern bytes / dense bytes (per step) */
  ioSavings: number;
  /** 1 − pattern site-activation bytes / dense (written + read) */
  activationIoSavings: number;
  weightIoSavings: number;
}

export interface Comparison {
  profile: string;
  model: string;
  phase: ModelWorkload['phase'];
  hw: HardwareView;
  dense: ModelSim;
  patterns: PatternComparison[];
}

function sumCycles(list: { cycles: number }[]): number {
  return list.reduce((s, x) => s + x.cycles, 0);
}
function sumRoofline(list: { rooflineCycles: number }[]): number {
  return list.reduce((s, x) => s + x.rooflineCycles, 0);
}

/** One decoder layer under a plan: its GEMMs, its other operators and, for software pruning, the passes over each site it produces. */
function simulateLayer(l: LayerWorkload, plan: ExecutionPlan, hw: HardwareView, profile: HardwareProfile, gemmOf: (g: GemmOp) => GemmSim): LayerSim {
  const gemms = l.gemms.map(gemmOf);
  const nonGemm = l.nonGemm.map((op) => simulateNonGemm(op, plan, hw, profile));
  if (plan.mode !== 'dense' && plan.pruning === 'software') {
    for (const op of l.nonGemm) {
      const s = op.producesSite;
      if (s) nonGemm.push(simulateSoftwarePrunePass(s.site, s.rowsTokens, s.k, plan, hw));
    }
  }
  const all = [...gemms, ...nonGemm];
  return { layerCount: l.layerCount, attention: l.attention, gemms, nonGemm, cycles: sumCycles(all), rooflineCycles: sumRoofline(all) };
}

/**
 * GEMM results kept across steps (model-sim.ts stepGemms): a caller that simulates many steps of
 * one workload on related profiles — the review's design-axis variants of a core — passes one,
 * so a dense GEMM (the dense baseline, a pattern the core runs dense, the LM head under any plan)
 * is simulated once per hardware view and shape. Keys hold every input simulateGemm reads.
 */
export interface GemmMemo {
  /** the hardware views seen, as text (every field but the name), each with a short id */
  views: Map<string, number>;
  /** the plans seen, as text, each with a short id (`d` stands for a GEMM that runs dense) */
  plans: Map<string, number>;
  sims: Map<string, GemmSim>;
}

export function gemmMemo(): GemmMemo {
  return { views: new Map(), plans: new Map(), sims: new Map() };
}

/** The id of `text` in `ids`, a new one the first time. */
function idOf(ids: Map<string, number>, text: string): number {
  let id = ids.get(text);
  if (id === undefined) {
    id = ids.size;
    ids.set(text, id);
  }
  return id;
}

/**
 * simulateGemm for the GEMMs of one step (one plan, one hardware view): a GEMM whose key is one
 * already simulated — in this step (k and v, gate and up, q and o when the heads span the hidden
 * size, every projection of a second layer kind) or, through `memo`, in an earlier step — gets
 * that result under its own name. simulateGemm reads of a GemmOp only its rows, K, N and whether
 * it has a site (not which one, not its name), of the view every field but the name (only an
 * error text reads it), and of the plan nothing unless the GEMM runs sparse (gemm-pipeline.ts
 * runsSparse); so the key is the view's text, the plan's text or `d` (dense), the shape and the
 * row fraction (the texts by their ids in the memo). A copy's nested records are its own (nothing is shared between two GemmSims).
 */
function stepGemms(plan: ExecutionPlan, hw: HardwareView, memo: GemmMemo = gemmMemo()): (g: GemmOp, weightRowFraction: number) => GemmSim {
  const { name: _name, ...view } = hw;
  const viewId = idOf(memo.views, JSON.stringify(view));
  let planId: number | undefined;
  return (g, weightRowFraction) => {
    const planPart = runsSparse(g, plan) ? (planId ??= idOf(memo.plans, JSON.stringify(plan))) : 'd';
    const key = `${viewId}|${planPart}|${g.rowsTokens}|${g.kIn}|${g.nOut}|${weightRowFraction}`;
    const first = memo.sims.get(key);
    if (!first) {
      const sim = simulateGemm(g, plan, hw, weightRowFraction);
      memo.sims.set(key, sim);
      return sim;
    }
    return copyGemmSim(first, g.name);
  };
}

/** A GemmSim under another name, its nested records copied. */
function copyGemmSim(s: GemmSim, name: string): GemmSim {
  const bytesByLevel: GemmSim['activity']['bytesByLevel'] = {};
  for (const [level, b] of Object.entries(s.activity.bytesByLevel)) bytesByLevel[level] = { ...b };
  return {
    ...s,
    name,
    tile: { ...s.tile },
    stallCycles: { ...s.stallCycles },
    bufferStallByLevel: { ...s.bufferStallByLevel },
    bytes: { ...s.bytes },
    activity: { ...s.activity, bytesByLevel },
  };
}

/** A warning per layer kind whose smallest tile does not fit the operand buffer (its cycles are optimistic). */
function tileWarnings(layers: readonly LayerSim[], hw: HardwareView): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const l of layers) {
    const g = l.gemms.find((x) => !x.tile.fits);
    if (g) {
      out.push({
        code: 'perf/tile-exceeds-buffer',
        severity: 'warning',
        message: `the smallest ${g.tile.rowsTokens}×${g.tile.colsOut} tile needs ${g.tile.bufferBytes} bytes, more than the ${hw.localBuffer.name} buffer holds; cycles are optimistic.`,
      });
    }
  }
  return out;
}

/** Which GEMM operand carries the pattern: activations pruned online (default), or weights pruned offline (planWeightPattern). */
export type SparseOperand = 'activation' | 'weight';

/** How a step runs `pattern` (execution-plan.ts) and the measured structure it uses (`measured` when it is the pattern's). */
function stepPlan(profile: HardwareProfile, pattern: Pattern, measured: MeasuredSparsity | undefined, operand: SparseOperand): { plan: ExecutionPlan; own: MeasuredSparsity | undefined } {
  // weight masks are fixed offline: no measured activation structure applies to them
  const own = operand === 'activation' && measured && isMeasuredFor(measured, pattern) ? measured : undefined;
  return { own, plan: operand === 'weight' ? planWeightPattern(profile, pattern) : planPattern(profile, pattern, own) };
}

/**
 * The plan compareModel's step for `pattern` runs under (the same phase-independent choice, the
 * measured structure picked from the list as compareModel picks it): a caller that drops the
 * patterns a core runs dense (review/serving.ts) can leave them out before simulating.
 */
export function comparisonPlan(profile: HardwareProfile, pattern: Pattern, measured?: readonly MeasuredSparsity[], operand: SparseOperand = 'activation'): ExecutionPlan {
  return stepPlan(profile, pattern, measured?.find((x) => isMeasuredFor(x, pattern)), operand).plan;
}

/** One step of `w` under `pattern`; `memo` (gemmMemo) carries GEMM results across steps, else each step simulates its own. */
export function simulateModel(w: ModelWorkload, profile: HardwareProfile, pattern: Pattern, measured?: MeasuredSparsity, operand: SparseOperand = 'activation', memo?: GemmMemo): ModelSim {
  const hw = hardwareView(profile);
  const { own, plan } = stepPlan(profile, pattern, measured, operand);
  const warnings = [...plan.warnings];
  const rowSkip = plan.mode !== 'dense' && plan.rowSkipping && w.phase.kind === 'decode';
  let weightRows: ModelSim['weightRows'];
  const rowFraction = (g: GemmOp): number => {
    if (!rowSkip || !g.site) return 1;
    const u = unionDensity(effectiveDensity(pattern, g.kIn), g.rowsTokens, own);
    return u.density;
  };
  if (rowSkip) {
    const k = w.model.hiddenSize;
    const u = unionDensity(effectiveDensity(pattern, k), w.rowsTokens, own);
    weightRows = { fraction: u.density, batch: w.rowsTokens, source: u.source };
  }
  const gemmOf = stepGemms(plan, hw, memo);
  const layers = w.layers.map((l) => simulateLayer(l, plan, hw, profile, (g) => gemmOf(g, rowFraction(g))));
  const head = {
    gemms: w.head.gemms.map((g) => gemmOf(g, 1)),
    nonGemm: w.head.nonGemm.map((op) => simulateNonGemm(op, plan, hw, profile)),
  };
  const headCycles = sumCycles([...head.gemms, ...head.nonGemm]);
  const cycles = layers.reduce((s, l) => s + l.layerCount * l.cycles, 0) + headCycles;
  const rooflineCycles = layers.reduce((s, l) => s + l.layerCount * l.rooflineCycles, 0) + sumRoofline([...head.gemms, ...head.nonGemm]);
  const gemmCycles = layers.reduce((s, l) => s + l.layerCount * sumCycles(l.gemms), 0) + sumCycles(head.gemms);
  const flops =
    layers.reduce((s, l) => s + l.layerCount * l.gemms.reduce((t, g) => t + g.denseEquivalentFlops, 0), 0) +
    head.gemms.reduce((t, g) => t + g.denseEquivalentFlops, 0);
  const timeS = cycles / hw.clockHz;
  // the I/O under each encoding, and under the profile's own (`io`) the same call's result. A
  // dense plan stores nothing compressed, so its I/O reads no encoding: computed once, copied
  const ioOf = new Map<MetadataEncoding, ReturnType<typeof modelIo>>();
  const ioIn = (enc: MetadataEncoding) => {
    let io = ioOf.get(enc);
    if (!io) {
      const same = plan.mode === 'dense' ? ioOf.values().next().value : undefined;
      io = same ? { perStep: { ...same.perStep }, perLayer: { ...same.perLayer }, perToken: { ...same.perToken } } : modelIo(w, plan, hw.operandBytes, enc, rowFraction);
      ioOf.set(enc, io);
    }
    return io;
  };
  const io = ioIn(profile.sparsity.metadataEncoding);
  const ioByEncoding = {} as Record<MetadataEncoding, IoTotals>;
  for (const enc of METADATA_ENCODINGS) ioByEncoding[enc] = enc === profile.sparsity.metadataEncoding ? { ...io.perStep } : ioIn(enc).perStep;
  warnings.push(...tileWarnings(layers, hw));
  const cyclesByBinding: Record<string, number> = {};
  const tally = (x: { cycles: number; binding: string }, times: number) => (cyclesByBinding[x.binding] = (cyclesByBinding[x.binding] ?? 0) + times * x.cycles);
  for (const l of layers) for (const x of [...l.gemms, ...l.nonGemm]) tally(x, l.layerCount);
  for (const x of [...head.gemms, ...head.nonGemm]) tally(x, 1);
  const bottleneck = Object.entries(cyclesByBinding).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const activity = sumActivity(
    hw.levels.map((l) => l.name),
    [
      ...layers.flatMap((l) => [...l.gemms, ...l.nonGemm].map((x) => ({ activity: x.activity, times: l.layerCount }))),
      ...[...head.gemms, ...head.nonGemm].map((x) => ({ activity: x.activity })),
    ],
  );
  return {
    pattern: formatPattern(pattern),
    plan,
    ...(weightRows ? { weightRows } : {}),
    layers,
    head,
    cycles,
    rooflineCycles,
    gemmCycles,
    nonGemmCycles: cycles - gemmCycles,
    timeS,
    denseEquivalentFlops: flops,
    tflops: flops / timeS / 1e12,
    io,
    ioByEncoding,
    bottleneck,
    cyclesByBinding,
    activity,
    warnings,
  };
}

function projectionCycles(s: ModelSim): number {
  return s.layers.reduce((t, l) => t + l.layerCount * sumCycles(l.gemms), 0);
}

/** Dense baseline plus each pattern, with speed-ups and I/O savings against the baseline. */
export function compareModel(w: ModelWorkload, profile: HardwareProfile, patterns: Pattern[], measured?: MeasuredSparsity[], operand: SparseOperand = 'activation', memo?: GemmMemo): Comparison {
  const dense = simulateModel(w, profile, { kind: 'dense' }, undefined, 'activation', memo);
  const siteBytes = (io: IoTotals) => io.siteActivationsReadBytes + io.siteActivationsWrittenBytes;
  const out: PatternComparison[] = patterns
    .filter((p) => p.kind !== 'dense')
    .map((p) => {
      const m = measured?.find((x) => isMeasuredFor(x, p));
      const sim = simulateModel(w, profile, p, m, operand, memo);
      const d = dense.io.perStep;
      const s = sim.io.perStep;
      return {
        sim,
        speedup: dense.cycles / sim.cycles,
        gemmSpeedup: projectionCycles(dense) / projectionCycles(sim),
        ioSavings: 1 - s.totalBytes / d.totalBytes,
        activationIoSavings: 1 - siteBytes(s) / siteBytes(d),
        weightIoSavings: 1 - s.weightsBytes / d.weightsBytes,
      };
    });
  return { profile: profile.name, model: w.model.name, phase: w.phase, hw: hardwareView(profile), dense, patterns: out };
}

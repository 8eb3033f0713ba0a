/**
 * The sweep: every profile × configuration becomes a design point when the core can exploit
 * the pattern (natively, or through a compatible pattern, wider or narrower). A pattern the core would
 * run dense is not a design point — pruning would cost accuracy and buy nothing — it is
 * listed as skipped, with the reason, so the report can say so.
 *
 * The models are passed in as functions (area per profile, execution estimate per profile ×
 * pattern, accuracy per configuration), so the join is pure and testable on hand-made numbers.
 */
import type { Pattern } from '../sparsity/pattern.js';
import type { Accuracy, CoreChip, DecodeAtBatch, DesignPoint } from './design-point.js';
import { designPointId, patternKey, sortDesignPoints } from './design-point.js';
import type { MeasuredWeightRun, SweepConfig } from './accuracy.js';

export interface ProfileCost {
  profile: string;
  areaUm2: number;
  denseAreaUm2: number;
  /** (areaUm2 − denseAreaUm2) × tensor cores per SM ÷ the SM's area, when the profile gives its chip */
  areaOverheadVsSmFraction?: number;
  /** the same on every tensor core ÷ the die area, when the profile gives its chip */
  areaOverheadVsDieFraction?: number;
  /** the chip the core sits on (tensor cores, die, node, provisioning) */
  chip?: CoreChip;
}

export interface ExecutionEstimate {
  native: boolean;
  /** the pattern the core executes (dense: it cannot exploit the pattern) */
  executedAs: Pattern;
  prefillSpeedup: number;
  /** the prefill step's binding resource (perf ModelSim.bottleneck), when the model named one */
  prefillBottleneck?: string;
  /** the dense prefill step's binding resource on the same core */
  densePrefillBottleneck?: string;
  /** one entry per decode batch of the workload, ascending by batchTokens */
  decode: DecodeAtBatch[];
}

export interface WorkloadPoint {
  model: string;
  prefillTokens: number;
  /** decode batch sizes B, ascending, distinct */
  decodeBatches: number[];
  decodeContextTokens: number;
}

export interface SweepInput {
  configs: readonly SweepConfig[];
  profiles: readonly ProfileCost[];
  accuracy: (config: SweepConfig) => Accuracy | undefined;
  /** the analysis proxy of a configuration, attached beside a measured accuracy (optional) */
  proxy?: (config: SweepConfig) => Accuracy | undefined;
  execution: (profile: string, pattern: Pattern) => ExecutionEstimate;
  workload: WorkloadPoint;
  /** measured weight runs (the baseline of today's cores); each becomes a point on every core that runs its pattern on weights */
  weightRuns?: readonly MeasuredWeightRun[];
  /** a weight run's accuracy (its measured perplexity) */
  weightAccuracy?: (run: MeasuredWeightRun) => Accuracy;
  /** how a profile runs a weight pattern (executedAs dense: the core does not take it on weights) */
  weightExecution?: (profile: string, pattern: Pattern) => ExecutionEstimate | undefined;
}

export interface SkippedPoint extends SweepConfig {
  profile: string;
  reason: 'runs-dense' | 'no-accuracy';
}

export interface SweepResult {
  points: DesignPoint[];
  skipped: SkippedPoint[];
  /** weight runs no swept core runs on weights (no design point; they stay in the bundle's run table) */
  weightRunsWithoutCore?: MeasuredWeightRun[];
}

/** One candidate design point: a profile with an activation configuration, or with a measured weight run. */
export type SweepCandidate =
  | { profile: ProfileCost; operand: 'activation'; config: SweepConfig }
  | { profile: ProfileCost; operand: 'weight'; run: MeasuredWeightRun };

/**
 * Every candidate of the sweep in its one deterministic order: profile by profile (input
 * order), its activation configurations (input order), then the weight runs (input order).
 * The sweep evaluates them in this order; a split of the sweep can cut this list by index.
 */
export function sweepCandidates(input: Pick<SweepInput, 'configs' | 'profiles' | 'weightRuns'>): SweepCandidate[] {
  const out: SweepCandidate[] = [];
  for (const profile of input.profiles) {
    for (const config of input.configs) out.push({ profile, operand: 'activation', config });
    for (const run of input.weightRuns ?? []) out.push({ profile, operand: 'weight', run });
  }
  return out;
}

function pointOf(input: SweepInput, prof: ProfileCost, exec: ExecutionEstimate, c: { pattern: Pattern; criterion: DesignPoint['criterion']; mitigation: DesignPoint['mitigation'] }, operand: DesignPoint['operand'], accuracy: Accuracy, proxy: Accuracy | undefined): DesignPoint {
  return {
    id: designPointId(prof.profile, c.pattern, c.criterion, c.mitigation, operand),
    profile: prof.profile,
    operand,
    pattern: c.pattern,
    criterion: c.criterion,
    mitigation: c.mitigation,
    native: exec.native,
    executedAs: exec.executedAs,
    accuracy,
    ...(proxy && proxy.kind === 'proxy-rel-err' ? { proxy } : {}),
    model: input.workload.model,
    prefillTokens: input.workload.prefillTokens,
    decodeContextTokens: input.workload.decodeContextTokens,
    prefillSpeedup: exec.prefillSpeedup,
    ...(exec.prefillBottleneck ? { prefillBottleneck: exec.prefillBottleneck } : {}),
    ...(exec.densePrefillBottleneck ? { densePrefillBottleneck: exec.densePrefillBottleneck } : {}),
    decode: exec.decode.map((d) => ({ ...d })),
    areaUm2: prof.areaUm2,
    denseAreaUm2: prof.denseAreaUm2,
    areaOverheadFraction: prof.areaUm2 / prof.denseAreaUm2 - 1,
    ...(prof.areaOverheadVsSmFraction !== undefined ? { areaOverheadVsSmFraction: prof.areaOverheadVsSmFraction } : {}),
    ...(prof.areaOverheadVsDieFraction !== undefined ? { areaOverheadVsDieFraction: prof.areaOverheadVsDieFraction } : {}),
    ...(prof.chip ? { chip: { ...prof.chip } } : {}),
  };
}

export function sweep(input: SweepInput): SweepResult {
  const points: DesignPoint[] = [];
  const skipped: SkippedPoint[] = [];
  const execCache = new Map<string, ExecutionEstimate>();
  const execOf = (operand: DesignPoint['operand'], profile: string, pattern: Pattern): ExecutionEstimate => {
    const key = `${operand}|${profile}|${patternKey(pattern)}`;
    let exec = execCache.get(key);
    if (!exec) {
      exec = operand === 'weight' ? (input.weightExecution?.(profile, pattern) ?? RUNS_DENSE) : input.execution(profile, pattern);
      execCache.set(key, exec);
    }
    return exec;
  };
  const weightRunsWithCore = new Set<MeasuredWeightRun>();
  for (const cand of sweepCandidates(input)) {
    const prof = cand.profile;
    if (cand.operand === 'weight') {
      const run = cand.run;
      const exec = execOf('weight', prof.profile, run.pattern);
      // a core that does not take the pattern on weights: no point (and no note per core: only activation cores do that)
      if (exec.executedAs.kind === 'dense' || !input.weightAccuracy) continue;
      weightRunsWithCore.add(run);
      points.push(pointOf(input, prof, exec, { pattern: run.pattern, criterion: run.criterion, mitigation: 'none' }, 'weight', input.weightAccuracy(run), undefined));
      continue;
    }
    const c = cand.config;
    const exec = execOf('activation', prof.profile, c.pattern);
    if (exec.executedAs.kind === 'dense') {
      skipped.push({ profile: prof.profile, ...c, reason: 'runs-dense' });
      continue;
    }
    const accuracy = input.accuracy(c);
    if (!accuracy) {
      skipped.push({ profile: prof.profile, ...c, reason: 'no-accuracy' });
      continue;
    }
    const proxy = accuracy.kind === 'measured-perplexity' ? input.proxy?.(c) : undefined;
    points.push(pointOf(input, prof, exec, c, 'activation', accuracy, proxy));
  }
  return { points: sortDesignPoints(points), skipped, weightRunsWithoutCore: (input.weightRuns ?? []).filter((r) => !weightRunsWithCore.has(r)) };
}

/** What a core that does not take sparse weights does with a weight pattern. */
const RUNS_DENSE: ExecutionEstimate = { native: false, executedAs: { kind: 'dense' }, prefillSpeedup: 1, decode: [] };

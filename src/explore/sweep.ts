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
import type { Accuracy, DecodeAtBatch, DesignPoint } from './design-point.js';
import { designPointId, patternKey, sortDesignPoints } from './design-point.js';
import type { SweepConfig } from './accuracy.js';

export interface ProfileCost {
  profile: string;
  areaUm2: number;
  denseAreaUm2: number;
  /** (areaUm2 − denseAreaUm2) × tensor cores per SM ÷ the SM's area, when the profile gives its chip */
  areaOverheadVsSmFraction?: number;
  /** the same on every tensor core ÷ the die area, when the profile gives its chip */
  areaOverheadVsDieFraction?: number;
}

export interface ExecutionEstimate {
  native: boolean;
  /** the pattern the core executes (dense: it cannot exploit the pattern) */
  executedAs: Pattern;
  prefillSpeedup: number;
  /** the prefill step's binding resource (perf ModelSim.bottleneck), when the model named one */
  prefillBottleneck?: string;
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
}

export interface SkippedPoint extends SweepConfig {
  profile: string;
  reason: 'runs-dense' | 'no-accuracy';
}

export interface SweepResult {
  points: DesignPoint[];
  skipped: SkippedPoint[];
}

export function sweep(input: SweepInput): SweepResult {
  const points: DesignPoint[] = [];
  const skipped: SkippedPoint[] = [];
  for (const prof of input.profiles) {
    const execByPattern = new Map<string, ExecutionEstimate>();
    for (const c of input.configs) {
      let exec = execByPattern.get(patternKey(c.pattern));
      if (!exec) {
        exec = input.execution(prof.profile, c.pattern);
        execByPattern.set(patternKey(c.pattern), exec);
      }
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
      points.push({
        id: designPointId(prof.profile, c.pattern, c.criterion, c.mitigation),
        profile: prof.profile,
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
        decode: exec.decode.map((d) => ({ ...d })),
        areaUm2: prof.areaUm2,
        denseAreaUm2: prof.denseAreaUm2,
        areaOverheadFraction: prof.areaUm2 / prof.denseAreaUm2 - 1,
        ...(prof.areaOverheadVsSmFraction !== undefined ? { areaOverheadVsSmFraction: prof.areaOverheadVsSmFraction } : {}),
        ...(prof.areaOverheadVsDieFraction !== undefined ? { areaOverheadVsDieFraction: prof.areaOverheadVsDieFraction } : {}),
      });
    }
  }
  return { points: sortDesignPoints(points), skipped };
}

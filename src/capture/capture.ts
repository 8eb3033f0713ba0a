/**
 * Real pruned runs: the dense model and every requested configuration evaluated with the
 * perplexity protocol on one token stream, each optionally recording its sites' inputs and
 * masks for the first traceTokens positions.
 *
 *   eval stream ─┬─ dense ───────────────────────────────────────┐
 *                ├─ activation spec: [calibrate spts/affine on    │
 *                │    the calibration stream] → pruning hooks ────┼─▶ CapturedRun (perplexity,
 *                └─ weight spec: [wanda: input norms of the dense │    recordings, weight masks)
 *                     model on the calibration stream] → pruned   │
 *                     weights (weight-runs.ts), dense hooks ──────┘
 * Pure computation (no file system); capture-bundle.ts writes the bundle.
 */
import type { ModelWeights } from './checkpoint.js';
import { evaluatePerplexity, type PerplexityResult, type WindowHooksFactory } from './perplexity.js';
import { evaluatePerplexityThreaded, type PoolOptions } from './perplexity-pool.js';
import { calibrateAffine, calibrateInputNorms, calibrateStaticShifts } from './calibrate.js';
import { createPruningHooks, isDenseSpec, modelAmberFactors, runId, type Calibration, type RunSpec } from './prune-hooks.js';
import { createRecorder, type SiteRecording } from './recorder.js';
import { pruneModelWeights, weightMaskStats, weightRunId, type WeightMask, type WeightMaskStats, type WeightRunSpec } from './weight-runs.js';
import { CRITERION_INFO, MITIGATION_INFO } from '../sparsity/registry.js';
import { WEIGHT_CRITERION_INFO } from '../sparsity/weight-registry.js';

/** A run of a capture: an activation configuration (dense included) or a weight one. */
export type CaptureSpec = RunSpec | WeightRunSpec;

export function isWeightSpec(s: CaptureSpec): s is WeightRunSpec {
  return 'operand' in s && s.operand === 'weight';
}

/** "dense", "8of16-magnitude-none", "weight-2of4-wanda". */
export function captureRunId(s: CaptureSpec): string {
  return isWeightSpec(s) ? weightRunId(s) : runId(s);
}

export interface CapturedRun {
  id: string;
  spec: CaptureSpec;
  result: PerplexityResult;
  /** spts: η per site name */
  staticShift?: Map<string, number>;
  calibrationSeconds: number;
  recordings: SiteRecording[];
  /** weight runs: the keep-mask of every consumer's weight */
  weightMasks?: WeightMask[];
  /** weight runs: what the masks keep, checked against the pattern */
  weightMaskStats?: WeightMaskStats;
  /** wanda weight runs: ‖X_j‖₂ per site name, the norms the scores used */
  inputNorms?: Map<string, Float32Array>;
}

export interface CaptureOptions {
  evalStream: Int32Array;
  /** stream position of each evaluated story's BOS: runs then record per-story NLL */
  evalStoryStarts?: readonly number[];
  /** needed when a spec uses spts, affine or wanda */
  calibStream?: Int32Array;
  /** the runs, dense included where wanted (usually first) */
  specs: CaptureSpec[];
  traceTokens: number;
  /** stream positions a weight run records (default traceTokens); its sites are listed even at 0 */
  weightTraceTokens?: number;
  /** called after each evaluation window: (run index, windows done, windows per run) */
  onProgress?: (run: number, done: number, total: number) => void;
  /** called when a run is complete */
  onRun?: (run: CapturedRun) => void;
}

export function needsCalibration(spec: CaptureSpec): boolean {
  if (isWeightSpec(spec)) return spec.pattern.kind !== 'dense' && WEIGHT_CRITERION_INFO[spec.criterion].needsInputNorms;
  return !isDenseSpec(spec) && MITIGATION_INFO[spec.mitigation].needsCalibration;
}

/**
 * One run, ready to evaluate: the model it evaluates, its per-window hooks, what the worker pool
 * needs to evaluate it instead (absent when the run records: the recorder observes in this
 * thread), and how its result becomes the CapturedRun.
 */
interface PlannedRun {
  evalModel: ModelWeights;
  hooksFor: WindowHooksFactory | undefined;
  pool?: Pick<PoolOptions, 'spec' | 'amber' | 'calibration'>;
  finish(result: PerplexityResult): CapturedRun;
}

/** Plans the runs one at a time (calibrations computed once, on first need, as before). */
function runPlanner(model: ModelWeights, opts: CaptureOptions): (spec: CaptureSpec) => PlannedRun {
  const amber = opts.specs.some((s) => !isWeightSpec(s) && CRITERION_INFO[s.criterion].perConsumer && !isDenseSpec(s)) ? modelAmberFactors(model) : undefined;
  let shifts: Map<string, number> | undefined;
  let inputNorms: Map<string, Float32Array> | undefined;
  const calibStream = (spec: CaptureSpec): Int32Array => {
    if (!opts.calibStream) throw new Error(`captureRuns: ${captureRunId(spec)} needs a calibration stream`);
    return opts.calibStream;
  };
  return (spec) => {
    const started = performance.now();
    if (isWeightSpec(spec)) {
      const norms = needsCalibration(spec) ? (inputNorms ??= calibrateInputNorms(model, calibStream(spec))) : undefined;
      const pruned = pruneModelWeights(model, spec, norms);
      const calibrationSeconds = (performance.now() - started) / 1000;
      const traceTokens = opts.weightTraceTokens ?? opts.traceTokens;
      const recorder = createRecorder(model.config, traceTokens);
      const dense: RunSpec = { pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' };
      return {
        evalModel: pruned.model,
        hooksFor: traceTokens > 0 ? (start) => createPruningHooks(pruned.model, dense, { observe: recorder.observerFor(start) }) : undefined,
        pool: traceTokens > 0 ? undefined : {},
        finish: (result) => ({
          id: weightRunId(spec),
          spec,
          result,
          calibrationSeconds,
          recordings: recorder.recordings(),
          weightMasks: pruned.masks,
          weightMaskStats: weightMaskStats(pruned.masks, spec.pattern),
          ...(norms ? { inputNorms: norms } : {}),
        }),
      };
    }
    const calibration: Calibration = {};
    if (needsCalibration(spec)) {
      if (MITIGATION_INFO[spec.mitigation].needsStaticShift) calibration.staticShift = shifts ??= calibrateStaticShifts(model, calibStream(spec));
      else calibration.affine = calibrateAffine(model, calibStream(spec), spec, amber);
    }
    const calibrationSeconds = (performance.now() - started) / 1000;
    const recorder = createRecorder(model.config, opts.traceTokens);
    return {
      evalModel: model,
      hooksFor: (start) => createPruningHooks(model, spec, { amber, calibration, observe: opts.traceTokens > 0 ? recorder.observerFor(start) : undefined }),
      pool: opts.traceTokens > 0 ? undefined : { spec, amber, calibration },
      finish: (result) => ({
        id: runId(spec),
        spec,
        result,
        staticShift: calibration.staticShift,
        calibrationSeconds,
        recordings: opts.traceTokens > 0 ? recorder.recordings() : [],
      }),
    };
  };
}

export function captureRuns(model: ModelWeights, opts: CaptureOptions): CapturedRun[] {
  const plan = runPlanner(model, opts);
  const runs: CapturedRun[] = [];
  opts.specs.forEach((spec, index) => {
    const planned = plan(spec);
    const onWindow = (done: number, total: number) => opts.onProgress?.(index, done, total);
    const run = planned.finish(evaluatePerplexity(planned.evalModel, opts.evalStream, planned.hooksFor, onWindow, opts.evalStoryStarts));
    opts.onRun?.(run);
    runs.push(run);
  });
  return runs;
}

/**
 * captureRuns with the runs that record nothing evaluated on `threads` worker threads
 * (perplexity-pool.ts: the same bits for any thread count); runs that record, and every run when
 * threads ≤ 1, are evaluated in this thread exactly as captureRuns does. Needs the built
 * JavaScript (the workers load dist/capture/perplexity-worker.js).
 */
export async function captureRunsThreaded(model: ModelWeights, opts: CaptureOptions, threads: number): Promise<CapturedRun[]> {
  const plan = runPlanner(model, opts);
  const runs: CapturedRun[] = [];
  for (const [index, spec] of opts.specs.entries()) {
    const planned = plan(spec);
    const onWindow = (done: number, total: number) => opts.onProgress?.(index, done, total);
    const result =
      threads > 1 && planned.pool
        ? await evaluatePerplexityThreaded(planned.evalModel, opts.evalStream, { ...planned.pool, threads, storyStarts: opts.evalStoryStarts, onWindow })
        : evaluatePerplexity(planned.evalModel, opts.evalStream, planned.hooksFor, onWindow, opts.evalStoryStarts);
    const run = planned.finish(result);
    opts.onRun?.(run);
    runs.push(run);
  }
  return runs;
}

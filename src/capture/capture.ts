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
import { evaluatePerplexity, type PerplexityResult } from './perplexity.js';
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

export function captureRuns(model: ModelWeights, opts: CaptureOptions): CapturedRun[] {
  const amber = opts.specs.some((s) => !isWeightSpec(s) && CRITERION_INFO[s.criterion].perConsumer && !isDenseSpec(s)) ? modelAmberFactors(model) : undefined;
  let shifts: Map<string, number> | undefined;
  let inputNorms: Map<string, Float32Array> | undefined;
  const calibStream = (spec: CaptureSpec): Int32Array => {
    if (!opts.calibStream) throw new Error(`captureRuns: ${captureRunId(spec)} needs a calibration stream`);
    return opts.calibStream;
  };
  const runs: CapturedRun[] = [];
  opts.specs.forEach((spec, index) => {
    const started = performance.now();
    const onWindow = (done: number, total: number) => opts.onProgress?.(index, done, total);
    let run: CapturedRun;
    if (isWeightSpec(spec)) {
      const norms = needsCalibration(spec) ? (inputNorms ??= calibrateInputNorms(model, calibStream(spec))) : undefined;
      const pruned = pruneModelWeights(model, spec, norms);
      const calibrationSeconds = (performance.now() - started) / 1000;
      const traceTokens = opts.weightTraceTokens ?? opts.traceTokens;
      const recorder = createRecorder(model.config, traceTokens);
      const dense: RunSpec = { pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' };
      const result = evaluatePerplexity(
        pruned.model,
        opts.evalStream,
        traceTokens > 0 ? (start) => createPruningHooks(pruned.model, dense, { observe: recorder.observerFor(start) }) : undefined,
        onWindow,
        opts.evalStoryStarts,
      );
      run = {
        id: weightRunId(spec),
        spec,
        result,
        calibrationSeconds,
        recordings: recorder.recordings(),
        weightMasks: pruned.masks,
        weightMaskStats: weightMaskStats(pruned.masks, spec.pattern),
        ...(norms ? { inputNorms: norms } : {}),
      };
    } else {
      const calibration: Calibration = {};
      if (needsCalibration(spec)) {
        if (MITIGATION_INFO[spec.mitigation].needsStaticShift) calibration.staticShift = shifts ??= calibrateStaticShifts(model, calibStream(spec));
        else calibration.affine = calibrateAffine(model, calibStream(spec), spec, amber);
      }
      const calibrationSeconds = (performance.now() - started) / 1000;
      const recorder = createRecorder(model.config, opts.traceTokens);
      const result = evaluatePerplexity(
        model,
        opts.evalStream,
        (start) => createPruningHooks(model, spec, { amber, calibration, observe: opts.traceTokens > 0 ? recorder.observerFor(start) : undefined }),
        onWindow,
        opts.evalStoryStarts,
      );
      run = {
        id: runId(spec),
        spec,
        result,
        staticShift: calibration.staticShift,
        calibrationSeconds,
        recordings: opts.traceTokens > 0 ? recorder.recordings() : [],
      };
    }
    opts.onRun?.(run);
    runs.push(run);
  });
  return runs;
}

/**
 * Real pruned runs: the dense model and every requested configuration evaluated with the
 * perplexity protocol on one token stream, each optionally recording its sites' inputs and
 * masks for the first traceTokens positions.
 *
 *   eval stream ─┬─ dense ───────────────────────────────┐
 *                └─ spec: [calibrate spts/affine on the   ├─▶ CapturedRun (perplexity, recordings)
 *                          calibration stream] → hooks ───┘
 * Pure computation (no file system); capture-bundle.ts writes the bundle.
 */
import type { ModelWeights } from './checkpoint.js';
import { evaluatePerplexity, type PerplexityResult } from './perplexity.js';
import { calibrateAffine, calibrateStaticShifts } from './calibrate.js';
import { createPruningHooks, isDenseSpec, modelAmberFactors, runId, type Calibration, type RunSpec } from './prune-hooks.js';
import { createRecorder, type SiteRecording } from './recorder.js';
import { CRITERION_INFO, MITIGATION_INFO } from '../sparsity/registry.js';

export interface CapturedRun {
  id: string;
  spec: RunSpec;
  result: PerplexityResult;
  /** spts: η per site name */
  staticShift?: Map<string, number>;
  calibrationSeconds: number;
  recordings: SiteRecording[];
}

export interface CaptureOptions {
  evalStream: Int32Array;
  /** needed when a spec uses spts or affine */
  calibStream?: Int32Array;
  /** the runs, dense included where wanted (usually first) */
  specs: RunSpec[];
  traceTokens: number;
  /** called after each evaluation window: (run index, windows done, windows per run) */
  onProgress?: (run: number, done: number, total: number) => void;
  /** called when a run is complete */
  onRun?: (run: CapturedRun) => void;
}

export function needsCalibration(spec: RunSpec): boolean {
  return !isDenseSpec(spec) && MITIGATION_INFO[spec.mitigation].needsCalibration;
}

export function captureRuns(model: ModelWeights, opts: CaptureOptions): CapturedRun[] {
  const amber = opts.specs.some((s) => CRITERION_INFO[s.criterion].perConsumer && !isDenseSpec(s)) ? modelAmberFactors(model) : undefined;
  let shifts: Map<string, number> | undefined;
  const runs: CapturedRun[] = [];
  opts.specs.forEach((spec, index) => {
    const started = performance.now();
    const calibration: Calibration = {};
    if (needsCalibration(spec)) {
      if (!opts.calibStream) throw new Error(`captureRuns: ${runId(spec)} needs a calibration stream`);
      if (MITIGATION_INFO[spec.mitigation].needsStaticShift) calibration.staticShift = shifts ??= calibrateStaticShifts(model, opts.calibStream);
      else calibration.affine = calibrateAffine(model, opts.calibStream, spec, amber);
    }
    const calibrationSeconds = (performance.now() - started) / 1000;
    const recorder = createRecorder(model.config, opts.traceTokens);
    const result = evaluatePerplexity(
      model,
      opts.evalStream,
      (start) => createPruningHooks(model, spec, { amber, calibration, observe: opts.traceTokens > 0 ? recorder.observerFor(start) : undefined }),
      (done, total) => opts.onProgress?.(index, done, total),
    );
    const run: CapturedRun = {
      id: runId(spec),
      spec,
      result,
      staticShift: calibration.staticShift,
      calibrationSeconds,
      recordings: opts.traceTokens > 0 ? recorder.recordings() : [],
    };
    opts.onRun?.(run);
    runs.push(run);
  });
  return runs;
}

/**
 * `nmsim capture` and `nmsim generate` as text and JSON (snake_case keys with units).
 */
import { isWeightSpec, type CapturedRun } from '../capture/capture.js';
import type { WeightMaskStats } from '../capture/weight-runs.js';
import type { RunSpec } from '../capture/prune-hooks.js';
import { DEFAULT_PRECISION, type Precision } from '../capture/precision.js';
import { formatPattern } from '../sparsity/pattern.js';
import { fixed, PRECISION } from './format.js';

/** What a weight run's masks keep, in capture --json. */
function weightMasksJson(w: WeightMaskStats) {
  return {
    weights: w.weights,
    elements: w.elements,
    kept: w.kept,
    kept_fraction: w.keptFraction,
    expected_kept_fraction: w.expectedKeptFraction,
    groups: w.groups,
    violating_groups: w.violatingGroups,
    satisfies_pattern: w.satisfiesPattern,
  };
}

/** One captured run in capture --json. */
export function capturedRunJson(r: CapturedRun) {
  const spec = r.spec;
  const dense = spec.pattern.kind === 'dense';
  const weight = isWeightSpec(spec);
  return {
    id: r.id,
    operand: dense ? null : weight ? 'weight' : 'activation',
    pattern: formatPattern(spec.pattern),
    criterion: dense ? null : spec.criterion,
    mitigation: dense ? null : weight ? 'none' : spec.mitigation,
    perplexity: r.result.perplexity,
    mean_nll_nats: r.result.meanNllNats,
    scored_tokens: r.result.scoredTokens,
    eval_s: r.result.seconds,
    eval_tokens_per_s: r.result.tokensPerSecond,
    calibration_s: r.calibrationSeconds,
    recorded_tokens: r.recordings.length > 0 ? Math.min(...r.recordings.map((s) => s.tokens)) : 0,
    weight_masks: r.weightMaskStats ? weightMasksJson(r.weightMaskStats) : null,
  };
}

/** "  weights kept 0.5012 (pattern 0.5012), every group within 2:4" for a weight run, else "". */
function weightMaskText(r: CapturedRun): string {
  const w = r.weightMaskStats;
  if (!w || !isWeightSpec(r.spec)) return '';
  const pattern = formatPattern(r.spec.pattern);
  const verdict = w.satisfiesPattern ? `every group at its ${pattern} quota` : `${w.violatingGroups} of ${w.groups} groups break ${pattern}`;
  return `  weights kept ${fixed(w.keptFraction, PRECISION.fraction)} (pattern ${fixed(w.expectedKeptFraction, PRECISION.fraction)}), ${verdict}`;
}

export interface CaptureSummary {
  /** the checkpoint's file name */
  model: string;
  /** "stories.txt stories 0–99" */
  evaluated: string;
  range: { offset: number; count: number };
  calibration?: string;
  clactBatchTokens: number;
  /** the bundle folder written, if any */
  bundle?: string;
  /** the evaluation's arithmetic (`--precision`); absent = 'f64', the float64 reference */
  precision?: Precision;
  runs: readonly CapturedRun[];
}

export function captureJson(c: CaptureSummary) {
  return {
    ok: true,
    model: c.model,
    evaluated: c.evaluated,
    stories_offset: c.range.offset,
    stories_count: c.range.count,
    calibration: c.calibration ?? null,
    clact_batch_tokens: c.clactBatchTokens,
    bundle: c.bundle ?? null,
    precision: c.precision ?? DEFAULT_PRECISION,
    runs: c.runs.map(capturedRunJson),
  };
}

/** The perplexity of every run, one line each, and where the bundle went. */
export function captureText(c: CaptureSummary): string {
  const arithmetic = c.precision === 'f32' ? '; float32 arithmetic (--precision f32): not the float64 reference\'s bits' : '';
  const lines = [`perplexity on ${c.evaluated} (${c.runs[0]?.result.scoredTokens ?? 0} scored tokens${arithmetic})`];
  for (const r of c.runs) lines.push(`  ${r.id.padEnd(32)} ${fixed(r.result.perplexity, PRECISION.capturePerplexity)}${weightMaskText(r)}`);
  if (c.bundle) lines.push(`bundle written to ${c.bundle}`);
  return lines.join('\n') + '\n';
}

/** The line a finished run prints while a capture goes on (logs without a progress bar). */
export function captureRunLine(r: CapturedRun): string {
  return `  ${r.id.padEnd(32)} ppl ${fixed(r.result.perplexity, PRECISION.capturePerplexity)}  (${r.result.tokensPerSecond.toFixed(0)} tok/s)\n`;
}

export interface GenerateSummary {
  run: string;
  spec: RunSpec;
  prompt: string;
  text: string;
  promptIds: readonly number[];
  ids: readonly number[];
  steps: number;
  seconds: number;
}

export function generateJson(g: GenerateSummary) {
  const dense = g.spec.pattern.kind === 'dense';
  return {
    ok: true,
    run: g.run,
    pattern: formatPattern(g.spec.pattern),
    criterion: dense ? null : g.spec.criterion,
    mitigation: dense ? null : g.spec.mitigation,
    prompt: g.prompt,
    text: g.text,
    prompt_ids: g.promptIds,
    generated_ids: g.ids,
    steps: g.steps,
    elapsed_s: g.seconds,
    tokens_per_s: g.steps / g.seconds,
  };
}

/** Generation speed, for stderr beside the generated text. */
export function generateSpeedLine(g: Pick<GenerateSummary, 'steps' | 'seconds'>): string {
  return `${g.steps} steps in ${g.seconds.toFixed(2)} s (${(g.steps / g.seconds).toFixed(0)} tok/s)\n`;
}

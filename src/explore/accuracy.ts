/**
 * Accuracy of a configuration: measured perplexity from a bundle run that used exactly this
 * configuration (pattern, criterion, mitigation), else the analysis proxy (element-weighted
 * relative L2 error of the pruned linear inputs, model level), always labelled which.
 */
import { inputError, type Diagnostic } from '../diagnostics.js';
import { runOperand, type Consumer, type Manifest, type Metric, type Run } from '../trace/manifest.js';
import type { Criterion, Mitigation } from '../sparsity/registry.js';
import { formatPattern, parsePattern, samePattern, type Pattern } from '../sparsity/pattern.js';
import type { PruneSpec } from '../sparsity/configurations.js';
import type { WeightCriterion } from '../sparsity/weight-registry.js';
import type { Accuracy } from './design-point.js';
import { bootstrapPerplexity, type PerStoryNll } from './uncertainty.js';

/** One swept configuration: the one PruneSpec of sparsity/configurations.ts. */
export type SweepConfig = PruneSpec;

/** One model-level proxy figure from the analysis (AnalysisResult.runs[].configs[].model). */
export interface ProxyAccuracy extends SweepConfig {
  relErrL2: number;
  /** e.g. 'analysis of traces/stories260k run "dense"' */
  source: string;
}

export interface MeasuredRun extends SweepConfig {
  runId: string;
  perplexity: number;
  dataset: string;
  scoredTokens: number;
  /** the perplexity story by story (metrics[].per_story), when the bundle recorded it */
  perStory?: PerStoryNll;
}

/**
 * An activation run's configuration in canonical form. A run that omits criterion/mitigation is
 * read as magnitude and none (the paper's baseline, and what `nmsim capture` records by default).
 * A weight run ("operand": "weight") has no activation configuration: callers skip it.
 */
export function runConfig(run: Run): SweepConfig {
  const pattern = parsePattern(run.config.pattern);
  const criterion = run.config.criterion ?? 'magnitude';
  if (runOperand(run.config) === 'weight' || criterion === 'wanda') throw new Error(`runConfig: run "${run.id}" pruned weights, not activations`);
  return { pattern, criterion, mitigation: run.config.mitigation ?? 'none' };
}

/**
 * Run i's perplexity metric, if it recorded one. A perplexity below 1 (or not finite) cannot be
 * exp of a mean NLL ≥ 0: the manifest is refused, naming the run.
 */
function perplexityMetric(run: Manifest['runs'][number], i: number, file: string | undefined): Manifest['runs'][number]['metrics'][number] | undefined {
  const j = run.metrics.findIndex((m) => m.metric.toLowerCase() === 'perplexity');
  if (j < 0) return undefined;
  const metric = run.metrics[j];
  if (!(Number.isFinite(metric.value) && metric.value >= 1)) {
    throw inputError({
      code: 'review/impossible-perplexity',
      file,
      path: `runs[${i}].metrics[${j}].value`,
      message: `run "${run.id}" records a perplexity of ${metric.value}; a perplexity is exp(mean NLL) ≥ 1.`,
      expected: 'a finite number ≥ 1',
      found: String(metric.value),
      hint: 'was another metric (accuracy, NLL, an error) stored under "perplexity"?',
    });
  }
  return metric;
}

/**
 * Every activation run of the manifest that recorded a perplexity, in manifest order (a weight
 * run's perplexity is not the accuracy of the activation configuration of the same pattern, so
 * weight runs are left out until the review pairs them with weight-sparse cores). A perplexity below 1
 * (or not finite) cannot be exp of a mean NLL ≥ 0: the manifest is refused, naming the run.
 */
export function measuredRuns(manifest: Manifest, file?: string): MeasuredRun[] {
  const out: MeasuredRun[] = [];
  manifest.runs.forEach((run, i) => {
    if (runOperand(run.config) === 'weight') return;
    const metric = perplexityMetric(run, i, file);
    if (!metric) return;
    out.push({ ...runConfig(run), runId: run.id, perplexity: metric.value, dataset: metric.dataset, scoredTokens: metric.tokens, ...perStoryOf(metric) });
  });
  return out;
}

/** A recorded mask keeping more than its run's pattern allows (trace/mask.ts checkMaskRows). */
export interface MaskViolation {
  /** the first site and consumer found breaking the pattern */
  site: string;
  consumer: Consumer;
  violatingGroups: number;
  groups: number;
}

export interface MeasuredScreen {
  /** the runs one accuracy axis may hold, in manifest order */
  usable: MeasuredRun[];
  /** what was left out or looks wrong, in words for the report */
  notes: string[];
  warnings: Diagnostic[];
}

function configText(r: SweepConfig): string {
  return r.pattern.kind === 'dense' ? 'dense' : `${formatPattern(r.pattern)} ${r.criterion}+${r.mitigation}`;
}

const ppl = (v: number) => v.toFixed(4);

/**
 * Which measured perplexities a review may compare (a perplexity depends on the text it is
 * measured on, so one axis holds one text):
 * - runs whose recorded masks break their pattern are left out (their perplexity is another
 *   configuration's);
 * - only runs on the same text — dataset and scored tokens — as the dense run (else as the most
 *   runs) are kept;
 * - a configuration measured twice keeps the first run in manifest order (named when the values
 *   differ);
 * - a pruned run measured better than dense, and measured runs the sweep does not include, are
 *   named. Nothing is dropped or used silently.
 */
export function screenMeasuredRuns(measured: readonly MeasuredRun[], swept: readonly SweepConfig[], violations: ReadonlyMap<string, MaskViolation> = new Map(), runIndex?: ReadonlyMap<string, number>): MeasuredScreen {
  const notes: string[] = [];
  const warnings: Diagnostic[] = [];
  let runs = measured.filter((r) => {
    const v = violations.get(r.runId);
    if (!v) return true;
    const what = `Run "${r.runId}" (${configText(r)}): its recorded masks keep more than the pattern allows in ${v.violatingGroups} of ${v.groups} groups (first at ${v.site}, consumer ${v.consumer}), so its perplexity is not that of ${formatPattern(r.pattern)}; left out.`;
    notes.push(what);
    warnings.push({ code: 'review/mask-violates-pattern', severity: 'warning', path: `runs[${runIndex?.get(r.runId) ?? measured.indexOf(r)}]`, message: what, hint: `check the exporter; \`nmsim inspect\` lists the masks that break their pattern` });
    return false;
  });
  // one text: the dense run's, else the one most runs share (first in manifest order on ties)
  const textOf = (r: MeasuredRun) => `${r.dataset}\u0000${r.scoredTokens}`;
  if (runs.length > 0) {
    const dense = runs.find((r) => r.pattern.kind === 'dense');
    const counts = new Map<string, number>();
    for (const r of runs) counts.set(textOf(r), (counts.get(textOf(r)) ?? 0) + 1);
    const text = dense ? textOf(dense) : [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const other = runs.filter((r) => textOf(r) !== text);
    if (other.length > 0) {
      const ref = runs.find((r) => textOf(r) === text)!;
      notes.push(
        `Measured perplexities are compared only on one text, that of ${dense ? 'the dense run' : 'most runs'} (${ref.dataset}, ${ref.scoredTokens} scored tokens); left out: ${other.map((r) => `run "${r.runId}" (${configText(r)}, ${r.dataset}, ${r.scoredTokens} tokens)`).join(', ')}.`,
      );
      runs = runs.filter((r) => textOf(r) === text);
    }
  }
  // one run per configuration: the first
  const usable: MeasuredRun[] = [];
  for (const r of runs) {
    const same = runs.filter((x) => sameConfig(x, r));
    if (same[0] !== r) continue;
    usable.push(r);
    if (same.some((x) => x.perplexity !== r.perplexity)) {
      notes.push(`${configText(r)} is measured by ${same.length} runs with different perplexities: ${same.map((x) => `"${x.runId}" ${ppl(x.perplexity)}`).join(', ')}; the first in manifest order is used.`);
    }
  }
  const dense = usable.find((r) => r.pattern.kind === 'dense');
  if (dense) {
    for (const r of usable) {
      if (r.pattern.kind !== 'dense' && r.perplexity < dense.perplexity) {
        notes.push(`Run "${r.runId}" (${configText(r)}) measured perplexity ${ppl(r.perplexity)}, below the dense run's ${ppl(dense.perplexity)}: pruning half the activations rarely helps; check that run.`);
      }
    }
  }
  const outside = usable.filter((r) => r.pattern.kind !== 'dense' && !swept.some((c) => sameConfig(c, r)));
  if (outside.length > 0) {
    notes.push(`Measured runs outside this review's sweep (not shown): ${outside.map((r) => `${configText(r)} ("${r.runId}")`).join(', ')}; add them with --patterns, --criteria and --mitigations.`);
  }
  return { usable, notes, warnings };
}

export function sameConfig(a: SweepConfig, b: SweepConfig): boolean {
  return samePattern(a.pattern, b.pattern) && a.criterion === b.criterion && a.mitigation === b.mitigation;
}

/**
 * Looks the configuration up: first measured run wins (a bundle records each configuration
 * once; if it records it twice the manifest order decides, deterministically).
 */
export function accuracyFor(config: SweepConfig, measured: readonly MeasuredRun[], proxies: readonly ProxyAccuracy[], bundleLabel: string): Accuracy | undefined {
  const m = measured.find((r) => sameConfig(r, config));
  if (m) {
    return { value: m.perplexity, kind: 'measured-perplexity', source: `${bundleLabel} run "${m.runId}": perplexity on ${m.dataset} (${m.scoredTokens} tokens)`, ...uncertaintyOf(m) };
  }
  const p = proxies.find((r) => sameConfig(r, config));
  if (p) return { value: p.relErrL2, kind: 'proxy-rel-err', source: p.source };
  return undefined;
}

/** The analysis proxy of a configuration alone (also where a measured run exists). */
export function proxyFor(config: SweepConfig, proxies: readonly ProxyAccuracy[]): Accuracy | undefined {
  const p = proxies.find((r) => sameConfig(r, config));
  return p ? { value: p.relErrL2, kind: 'proxy-rel-err', source: p.source } : undefined;
}

/**
 * A measured weight run ("operand": "weight"): the linear weights pruned once, offline, to a
 * pattern by a weight criterion. Its perplexity is the accuracy of that weight pattern on a core
 * that runs it on weights; it has no activation masks, so no analysis proxy.
 */
export interface MeasuredWeightRun {
  runId: string;
  pattern: Pattern;
  criterion: WeightCriterion;
  perplexity: number;
  dataset: string;
  scoredTokens: number;
  perStory?: PerStoryNll;
}

/**
 * Every weight run of the manifest that recorded a perplexity, in manifest order, on the same
 * text as the activation runs the review compares (`text`: their dataset and scored tokens; a
 * weight run on another text is named in the notes and left out). A configuration measured twice
 * keeps the first run. Perplexities below 1 are refused as in measuredRuns.
 */
export function measuredWeightRuns(manifest: Manifest, text: { dataset: string; scoredTokens: number } | undefined, file?: string): { runs: MeasuredWeightRun[]; notes: string[] } {
  const all: MeasuredWeightRun[] = [];
  manifest.runs.forEach((run, i) => {
    if (runOperand(run.config) !== 'weight') return;
    const metric = perplexityMetric(run, i, file);
    if (!metric) return;
    // manifest-check guarantees a weight run's criterion is a weight criterion (magnitude when absent)
    const criterion = (run.config.criterion ?? 'magnitude') as WeightCriterion;
    all.push({ runId: run.id, pattern: parsePattern(run.config.pattern), criterion, perplexity: metric.value, dataset: metric.dataset, scoredTokens: metric.tokens, ...perStoryOf(metric) });
  });
  const notes: string[] = [];
  const sameText = text ? all.filter((r) => r.dataset === text.dataset && r.scoredTokens === text.scoredTokens) : all;
  const other = all.filter((r) => !sameText.includes(r));
  if (other.length > 0 && text) {
    notes.push(`Weight runs measured on another text than the activation runs (${text.dataset}, ${text.scoredTokens} scored tokens) are left out: ${other.map((r) => `run "${r.runId}" (${r.dataset}, ${r.scoredTokens} tokens)`).join(', ')}.`);
  }
  const runs = sameText.filter((r, i) => sameText.findIndex((x) => samePattern(x.pattern, r.pattern) && x.criterion === r.criterion) === i);
  return { runs, notes };
}

/** A weight run's perplexity as a design point's accuracy. */
export function weightAccuracy(run: MeasuredWeightRun, bundleLabel: string): Accuracy {
  return { value: run.perplexity, kind: 'measured-perplexity', source: `${bundleLabel} run "${run.runId}": perplexity with ${formatPattern(run.pattern)} weights (${run.criterion}) on ${run.dataset} (${run.scoredTokens} tokens); no proxy: a weight run has no activation masks to analyse`, ...uncertaintyOf(run) };
}

function perStoryOf(metric: Metric): { perStory?: PerStoryNll } {
  return metric.per_story ? { perStory: { nllSumsNats: metric.per_story.nll_sums_nats, tokens: metric.per_story.tokens } } : {};
}

// one bootstrap per measured run, however many design points (profiles, selector variants) share it
const intervals = new WeakMap<object, readonly [number, number]>();

/**
 * The run's bootstrap 95 % interval (explore/uncertainty.ts, seeded: the same on every rerun) and
 * its per-story data for paired comparisons, when the bundle recorded per-story NLL.
 */
function uncertaintyOf(run: { perStory?: PerStoryNll }): Pick<Accuracy, 'interval' | 'perStory'> {
  if (!run.perStory) return {};
  let interval = intervals.get(run);
  if (!interval) intervals.set(run, (interval = bootstrapPerplexity(run.perStory).interval));
  return { interval, perStory: run.perStory };
}

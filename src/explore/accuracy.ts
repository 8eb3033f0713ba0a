/**
 * Accuracy of a configuration: measured perplexity from a bundle run that used exactly this
 * configuration (pattern, criterion, mitigation), else the analysis proxy (element-weighted
 * relative L2 error of the pruned linear inputs, model level), always labelled which.
 */
import type { Manifest, Run } from '../trace/manifest.js';
import type { Criterion, Mitigation } from '../sparsity/prune.js';
import { formatPattern, parsePattern } from '../sparsity/pattern.js';
import type { Accuracy } from './design-point.js';

export interface SweepConfig {
  pattern: string;
  criterion: Criterion;
  mitigation: Mitigation;
}

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
}

/**
 * A run's configuration in canonical form. A run that omits criterion/mitigation is read as
 * magnitude and none (the paper's baseline, and what `nmsim capture` records by default).
 */
export function runConfig(run: Run): SweepConfig {
  const pattern = formatPattern(parsePattern(run.config.pattern));
  return { pattern, criterion: run.config.criterion ?? 'magnitude', mitigation: run.config.mitigation ?? 'none' };
}

/** Every run of the manifest that recorded a perplexity, in manifest order. */
export function measuredRuns(manifest: Manifest): MeasuredRun[] {
  const out: MeasuredRun[] = [];
  for (const run of manifest.runs) {
    const metric = run.metrics.find((m) => m.metric.toLowerCase() === 'perplexity');
    if (!metric) continue;
    out.push({ ...runConfig(run), runId: run.id, perplexity: metric.value, dataset: metric.dataset, scoredTokens: metric.tokens });
  }
  return out;
}

export function sameConfig(a: SweepConfig, b: SweepConfig): boolean {
  return a.pattern === b.pattern && a.criterion === b.criterion && a.mitigation === b.mitigation;
}

/**
 * Looks the configuration up: first measured run wins (a bundle records each configuration
 * once; if it records it twice the manifest order decides, deterministically).
 */
export function accuracyFor(config: SweepConfig, measured: readonly MeasuredRun[], proxies: readonly ProxyAccuracy[], bundleLabel: string): Accuracy | undefined {
  const m = measured.find((r) => sameConfig(r, config));
  if (m) {
    return { value: m.perplexity, kind: 'measured-perplexity', source: `${bundleLabel} run "${m.runId}": perplexity on ${m.dataset} (${m.scoredTokens} tokens)` };
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

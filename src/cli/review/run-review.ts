/**
 * `nmsim review` without the printing: gathers inputs, runs the models, returns ReviewData.
 *
 *   profiles ─ loadProfile ─┬─ loadTech ─ areaReport ──────────────▶ area per profile
 *                           └─ compareModel (prefill, decode) ──────▶ speed-up, I/O per pattern
 *   bundles ─ openBundle ─ analyze(dense run) ─▶ proxies, measured sparsity, union density, I/O
 *                        └ manifest runs ──────▶ measured perplexity
 *   ─▶ sweep ─▶ buildReview (fronts, summary, recommendation) ─▶ ReviewData
 */
import * as path from 'node:path';
import { analyze, type AnalysisProgress } from '../../analysis/analyze.js';
import { checkBatchSizes } from '../../analysis/plan.js';
import { areaReport } from '../../area/report.js';
import { NmsimError, inputError, type Diagnostic } from '../../diagnostics.js';
import { accuracyFor, measuredRuns, proxyFor, runConfig, screenMeasuredRuns, type MeasuredRun, type SweepConfig } from '../../explore/accuracy.js';
import { maskViolations } from './masks.js';
import { ioFootprintTable } from '../../explore/io-savings.js';
import { buildReview } from '../../explore/review.js';
import { sweep, type ExecutionEstimate, type ProfileCost } from '../../explore/sweep.js';
import { loadTech, type TechLibrary } from '../../profile/tech.js';
import type { AccuracyReference, IoSavingsRow, ReviewBundle, ReviewData } from '../../report/review-data.js';
import { formatPattern, parsePattern, type Pattern } from '../../sparsity/pattern.js';
import type { Criterion, Mitigation } from '../../sparsity/registry.js';
import { MANIFEST_FILE } from '../../trace/bundle.js';
import { TOOL_VERSION } from '../../version.js';
import { catalogModel } from '../../workload/catalog.js';
import { modelFromManifest } from '../../workload/from-manifest.js';
import { areaBreakdownRows, profileCost, type AreaReportLike } from './area.js';
import { perfAssumptions, reviewConventions, techAssumptions } from './assumptions.js';
import { defaultBundlePaths, loadProfilesHashed, openBundlesHashed, profileFiles, type OpenedBundle } from './inputs.js';
import { ioSavingsRows, measuredSparsityFrom, proxiesFrom, unionDensityRows } from './measure.js';
import { estimateProfile, workloadText, type ReviewWorkload } from './performance.js';

export const DEFAULT_REVIEW_MODEL = 'llama3.1-8b';
export const DEFAULT_PREFILL_TOKENS = 2048;
/** decode batches the review reports: a single stream (where activation sparsity pays) and a small serving batch */
export const DEFAULT_DECODE_BATCHES = [1, 8];
export const DEFAULT_DECODE_CONTEXT_TOKENS = 4096;
export const DEFAULT_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64];

export interface ReviewOptions {
  /** bundle folders or files; empty = every bundle under traces/ */
  traces: string[];
  /** profile files, folders or shipped names; empty = every shipped profile */
  profiles: string[];
  /** catalog model id for speed-ups and I/O, or "bundle" for the bundle's own shapes */
  model: string;
  patterns: Pattern[];
  criteria: Criterion[];
  mitigations: Mitigation[];
  prefillTokens: number;
  /** decode batch sizes B, ascending, distinct; the largest is the decode objective */
  decodeBatches: number[];
  decodeContextTokens: number;
  batchSizes: number[];
  title?: string;
}

/** Fractions of the progress bar per stage. */
export interface ReviewProgress {
  stage(name: string, fraction: number): void;
}

export interface ReviewOutcome {
  data: ReviewData;
  timingsMs: Record<string, number>;
  warnings: Diagnostic[];
  primaryBundle: string;
}

function bundleSummary(b: OpenedBundle, measured: readonly MeasuredRun[]): ReviewBundle {
  const m = b.bundle.manifest;
  return {
    path: b.path,
    model: m.model.name,
    checkpoint: m.source.checkpoint,
    files: b.files,
    runs: m.runs.map((run) => {
      const c = runConfig(run);
      const mr = measured.find((x) => x.runId === run.id);
      const dense = c.pattern === 'dense';
      return {
        id: run.id,
        pattern: c.pattern,
        criterion: dense ? '—' : c.criterion,
        mitigation: dense ? '—' : c.mitigation,
        ...(mr ? { perplexity: mr.perplexity, perplexityDataset: mr.dataset, scoredTokens: mr.scoredTokens } : {}),
      };
    }),
  };
}

export async function runReview(opts: ReviewOptions, progress?: ReviewProgress): Promise<ReviewOutcome> {
  const timingsMs: Record<string, number> = {};
  const warnings: Diagnostic[] = [];
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timingsMs[name] = now - t;
    t = now;
  };

  // a wrong --model or an unbounded analysis input fails before any work: the decode batches are
  // measured with the review's own batch sizes, within the analysis plan's bounds
  const catalogShape = opts.model === 'bundle' ? undefined : catalogModel(opts.model);
  checkBatchSizes(opts.decodeBatches, '--decode-batches', '--decode-batches 1,8');
  checkBatchSizes([...opts.batchSizes, ...opts.decodeBatches], '--decode-batches', '--decode-batches 1,8');

  // inputs
  const bundlePaths = opts.traces.length > 0 ? opts.traces : defaultBundlePaths();
  if (bundlePaths.length === 0) {
    throw inputError({ code: 'review/no-bundles', message: 'no trace bundle to review: traces/ holds none and --traces was not given.', hint: 'pass --traces traces/stories260k (a folder with manifest.json), or capture one with `nmsim capture`.' });
  }
  progress?.stage('loading profiles', 0.02);
  const { profiles, warnings: profileWarnings } = await loadProfilesHashed(profileFiles(opts.profiles));
  warnings.push(...profileWarnings);
  progress?.stage('opening bundles', 0.08);
  const bundles = await openBundlesHashed(bundlePaths);
  lap('load_inputs_ms');
  try {
    const measuredByBundle = bundles.map((b) => measuredRuns(b.bundle.manifest, path.join(b.path, MANIFEST_FILE)));
    // the bundle with the most measured runs carries the accuracy axis (ties: first by path)
    let primaryIndex = 0;
    measuredByBundle.forEach((m, i) => {
      if (m.length > measuredByBundle[primaryIndex].length) primaryIndex = i;
    });
    const primary = bundles[primaryIndex];
    const notes: string[] = [];
    // the perplexities one axis may hold: one text, one run per configuration, masks that obey
    // their pattern; everything left out or suspicious is named in the notes
    const patternsSwept = opts.patterns.map(formatPattern).filter((p) => p !== 'dense');
    const sweptConfigs: SweepConfig[] = patternsSwept.flatMap((pattern) => opts.criteria.flatMap((criterion) => opts.mitigations.map((mitigation) => ({ pattern, criterion, mitigation }))));
    const rawMeasured = measuredByBundle[primaryIndex];
    const screen = screenMeasuredRuns(
      rawMeasured,
      sweptConfigs,
      await maskViolations(primary.bundle, new Set(rawMeasured.map((r) => r.runId))),
      new Map(primary.bundle.manifest.runs.map((r, i) => [r.id, i])),
    );
    const measured = screen.usable;
    notes.push(...screen.notes);
    warnings.push(...screen.warnings.map((w) => ({ ...w, file: path.join(primary.path, MANIFEST_FILE) })));
    if (bundles.length > 1) {
      notes.push(`Accuracy comes from ${primary.path} (the bundle with the most measured runs); ${bundles.filter((_, i) => i !== primaryIndex).map((b) => b.path).join(', ')} listed as inputs only — review each with --traces to compare them.`);
    }

    // analysis of the primary bundle's dense run, in two passes: the sparsity structure
    // (union density over every batch size, compatibility, compressed sizes) needs only the
    // magnitude selection; the accuracy proxies need every configuration but no decode batches
    // (about a quarter less work than one pass computing everything for every configuration)
    progress?.stage('analysing traces', 0.1);
    const analysis = await analyze(
      primary.bundle,
      // the decode batches are measured too, so every decode figure uses a measured union density
      { patterns: opts.patterns, criteria: ['magnitude'], mitigations: ['none'], batchSizes: [...new Set([...opts.batchSizes, ...opts.decodeBatches])].sort((a, b) => a - b), runs: [] },
      (p: AnalysisProgress) => progress?.stage(`analysing ${p.site}`, 0.1 + 0.1 * (p.totalRows === 0 ? 1 : p.doneRows / p.totalRows)),
    );
    // spts needs a calibrated static shift per site; a bundle that records none cannot give an
    // spts proxy, so it is left out of the proxy pass with one note instead of a warning per site
    const hasStaticShifts = primary.bundle.manifest.runs.some((r) => r.sites.some((s) => s.static_shift !== undefined));
    const proxyMitigations = hasStaticShifts ? opts.mitigations : opts.mitigations.filter((m) => m !== 'spts');
    if (proxyMitigations.length < opts.mitigations.length) {
      notes.push(`spts has no accuracy proxy: ${primary.path} records no calibrated static shift (sites[].static_shift); spts points appear only where the bundle measured an spts run.`);
    }
    const proxyAnalysis = await analyze(
      primary.bundle,
      { patterns: opts.patterns, criteria: opts.criteria, mitigations: proxyMitigations, batchSizes: [1], randomBatchesPerSize: 0, runs: [] },
      (p: AnalysisProgress) => progress?.stage(`analysing ${p.site}`, 0.2 + 0.5 * (p.totalRows === 0 ? 1 : p.doneRows / p.totalRows)),
    );
    // a site with no finite row has no statistics: the review refuses rather than score it
    const errors = dedupeDiagnostics([...analysis.errors, ...proxyAnalysis.errors]);
    if (errors.length > 0) throw new NmsimError(errors);
    warnings.push(...dedupeDiagnostics([...analysis.warnings, ...proxyAnalysis.warnings]));
    const nonfinite = analysis.runs[0]?.nonfinite;
    if (nonfinite && nonfinite.rows > 0) {
      const sites = nonfinite.sites.map((s) => `${s.site} (${s.rows} row${s.rows === 1 ? '' : 's'}, first at [${s.firstRow}, ${s.firstColumn}])`).join('; ');
      notes.push(
        `${nonfinite.rows} of the ${nonfinite.tokenRows} token rows of the analysed sites held NaN or Inf (${nonfinite.values} value${nonfinite.values === 1 ? '' : 's'}) and were left out of every statistic: ${sites}. The proxies, union densities and I/O figures are those of the finite rows.`,
      );
    }
    lap('analysis_ms');
    const proxies = proxiesFrom(proxyAnalysis, primary.path);
    const measuredSparsity = measuredSparsityFrom(analysis);

    // workload for speed-ups
    const shape = catalogShape ?? modelFromManifest(primary.bundle.manifest.model, primary.path);
    const workload: ReviewWorkload = { shape, prefillTokens: opts.prefillTokens, decodeBatches: [...opts.decodeBatches], decodeContextTokens: opts.decodeContextTokens };
    notes.push(
      `Speed-ups and I/O are modelled on ${shape.id}'s shapes with the sparsity structure measured on ${primary.path} (decode weight-row union density for B = ${opts.decodeBatches.join(', ')}, compatibility between patterns): an assumption that ${primary.bundle.manifest.model.name}'s masks are as correlated as ${shape.id}'s would be.`,
    );
    const workloadLine = `accuracy from ${primary.bundle.manifest.model.name} (${primary.path}); ${workloadText(workload)}`;

    // hardware models per profile
    const patterns = opts.patterns.map(formatPattern).filter((p) => p !== 'dense');
    const techCache = new Map<string, TechLibrary>();
    const reports: AreaReportLike[] = [];
    const costs: ProfileCost[] = [];
    const estimates = new Map<string, Map<string, ExecutionEstimate>>();
    for (const [i, p] of profiles.entries()) {
      progress?.stage(`modelling ${p.loaded.profile.name}`, 0.7 + (0.2 * i) / profiles.length);
      const techKey = `${p.loaded.profile.tech}|${p.loaded.techDirs.join('|')}`;
      let tech = techCache.get(techKey);
      if (!tech) {
        tech = await loadTech(p.loaded.profile.tech, p.loaded.techDirs);
        techCache.set(techKey, tech);
      }
      const report = areaReport(p.loaded.profile, tech);
      reports.push(report);
      costs.push(profileCost(report));
      estimates.set(p.loaded.profile.name, estimateProfile(p.loaded.profile, patterns, workload, measuredSparsity).byPattern);
    }
    lap('models_ms');

    const result = sweep({
      configs: sweptConfigs,
      profiles: costs,
      accuracy: (c) => accuracyFor(c, measured, proxies, primary.path),
      proxy: (c) => proxyFor(c, proxies),
      execution: (profile, pattern) => estimates.get(profile)!.get(pattern)!,
      workload: { model: shape.id, prefillTokens: opts.prefillTokens, decodeBatches: [...opts.decodeBatches], decodeContextTokens: opts.decodeContextTokens },
    });

    const references: AccuracyReference[] = [];
    const dense = measured.find((m) => m.pattern === 'dense');
    if (dense) references.push({ label: 'dense', kind: 'measured-perplexity', value: dense.perplexity, source: `${primary.path} run "${dense.runId}"` });
    const unstructured = measured.filter((m) => m.pattern === 'unstructured').sort((a, b) => a.perplexity - b.perplexity)[0];
    if (unstructured) {
      references.push({ label: `unstructured 50% (${unstructured.criterion}+${unstructured.mitigation})`, kind: 'measured-perplexity', value: unstructured.perplexity, source: `${primary.path} run "${unstructured.runId}"` });
    }

    let ioSavings: IoSavingsRow[] = ioSavingsRows(analysis, primary.label);
    if (ioSavings.length === 0) {
      ioSavings = ioFootprintTable(patterns, 16).map((r) => ({ ...r, source: 'closed form (N·16 + metadata bits) / (M·16)' }));
    }
    const techs = [...techCache.values()];
    const data = buildReview({
      title: opts.title ?? `Design review: ${primary.bundle.manifest.model.name} on ${profiles.length} hardware profiles`,
      toolVersion: TOOL_VERSION,
      workload: workloadLine,
      decodeBatches: [...opts.decodeBatches],
      profiles: profiles.map((p) => ({
        name: p.loaded.profile.name,
        path: p.path,
        sha256: p.sha256,
        description: p.loaded.profile.description.trim().replace(/\s+/g, ' '),
        patterns: p.loaded.profile.sparsity.patterns.map(formatPattern),
        illustrative: p.loaded.profile.illustrative,
      })),
      bundles: bundles.map((b, i) => bundleSummary(b, measuredByBundle[i])),
      sweep: result,
      accuracyReferences: references,
      ioSavings,
      areaBreakdown: areaBreakdownRows(reports, patterns),
      unionDensity: unionDensityRows(analysis),
      unionDensitySource: `${primary.path} run "${analysis.runs[0]?.runId ?? '?'}", magnitude selection, aligned consecutive batches`,
      assumptions: [...reviewConventions(analysis.conventions, workloadText(workload)), ...techAssumptions(techs), ...perfAssumptions()],
      notes,
    });
    lap('sweep_ms');
    return { data, timingsMs, warnings, primaryBundle: primary.path };
  } finally {
    await Promise.all(bundles.map((b) => b.bundle.close()));
  }
}

function dedupeDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.code}|${d.file ?? ''}|${d.path ?? ''}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses and checks the pattern list for the review: N:M and unstructured (dense is the baseline). */
export function reviewPatterns(text: string): Pattern[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parsePattern(s, { path: '--patterns' }))
    .filter((p) => p.kind !== 'dense');
}

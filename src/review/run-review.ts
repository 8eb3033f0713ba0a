/**
 * The design review as a library: trace bundles and hardware profiles in, ReviewData out
 * (report/ renders it, the CLI prints it). Named steps:
 *
 *   options ─ resolveReviewOptions ─▶ every default filled, the model and decode batches checked
 *   profiles ─ loadProfilesHashed, bundles ─ openBundlesHashed
 *   ─ prepareReview: choosePrimary ─▶ screenAccuracy: manifest runs, masks checked ─▶ measured perplexities
 *                    └ analysePrimary: analysis of the dense run ─▶ proxies, measured sparsity,
 *                                                                  union density, I/O (ReviewCommon)
 *   ─ evaluatePoints (points.ts): per profile loadTech ─ areaReport, estimateProfile (perf/simulate),
 *                    energy; per design point (profile × configuration) the sweep's record
 *   ─ assembleReview: buildReview (fronts, summary, recommendation) ─▶ ReviewData
 *
 * `nmsim review --shard i/n --analysis PARTS` runs prepareReview and evaluatePoints over one
 * block of points; `nmsim merge` runs assembleReview over every block (shard.ts).
 *
 * Reads files only through its loaders (inputs.ts: default paths, profiles, bundles, hashes;
 * masks.ts: recorded masks); everything after them is pure.
 */
import { configurationProduct } from '../sparsity/configurations.js';
import * as path from 'node:path';
import type { AnalysisProgress } from '../analysis/analyze.js';
import { checkBatchSizes, defaultPlan } from '../analysis/plan.js';
import type { AnalysisPlan, AnalysisResult } from '../analysis/types.js';
import { DEFAULT_DECODE_BATCHES, DEFAULT_DECODE_CONTEXT_TOKENS, DEFAULT_MODEL, DEFAULT_PATTERNS, DEFAULT_PREFILL_TOKENS, DEFAULT_UNION_BATCH_SIZES } from '../defaults.js';
import { NmsimError, inputError, type Diagnostic } from '../diagnostics.js';
import { measuredRuns, measuredWeightRuns, proxyFor, runConfig, screenMeasuredRuns, type MeasuredRun, type MeasuredWeightRun, type SweepConfig } from '../explore/accuracy.js';
import { distinctPatterns, patternKey, sortDesignPoints } from '../explore/design-point.js';
import { chooseVariants, type VariantChoice } from '../explore/variants.js';
import { ioFootprintTable } from '../explore/io-savings.js';
import { parsePattern, samePattern, type Pattern } from '../sparsity/pattern.js';
import { CRITERIA, MITIGATIONS, type Criterion, type Mitigation } from '../sparsity/registry.js';
import { MANIFEST_FILE } from '../trace/bundle.js';
import { countNoun } from '../plural.js';
import { runOperand, type Run } from '../trace/manifest.js';
import { TOOL_VERSION } from '../version.js';
import { catalogModel } from '../workload/catalog.js';
import { modelFromManifest } from '../workload/from-manifest.js';
import type { ModelShape } from '../workload/model-shape.js';
import { perfAssumptions, reviewConventions } from './assumptions.js';
import { analysisCacheKey, cached, codeFingerprint, type CacheKeyInput, type CacheStatus, type DeferredStores } from './cache.js';
import { defaultBundlePaths, loadProfilesHashed, openBundlesHashed, profileFiles, type HashedProfile, type OpenedBundle } from './inputs.js';
import { maskViolationsCached } from './masks.js';
import { summariseAnalysis, type AnalysisSummary } from './measure.js';
import { workloadText, type ReviewWorkload } from './performance.js';
import type { AccuracyReference, IoSavingsRow, ReviewBundle, ReviewBundleRun, ReviewData } from './review-data.js';
import { assembleReview, type PointInputs, type PointRecords, type ReviewCommon } from './points.js';
import { accuracyLookupsCached, evaluatePointsCached, servingForCached, type ProfileCacheStatus } from './profile-cache.js';
import { defaultOverrides, evaluateSensitivity, sensitivityVariants, type SetOverride } from './sensitivity.js';
import { DEFAULT_COMPARISON } from '../explore/recommend.js';
import { defaultAxes, designVariants, refuseSweptSetKeys, type DesignAxes } from './axes.js';
import { DEFAULT_SERVING, DEFAULT_TPOT_TARGET_MS, servingAssumption, type PrefillSims, type ServingMix } from './serving.js';

export interface ReviewOptions {
  /** bundle folders; empty or absent = every bundle under the package's traces/ */
  traces?: string[];
  /** profile files, folders or shipped names; empty or absent = every shipped profile */
  profiles?: string[];
  /** catalog model id for speed-ups and I/O, or "bundle" for the bundle's own shapes (default llama3.1-8b) */
  model?: string;
  /** sparse patterns to sweep (dense is always the baseline); default: the paper's and unstructured */
  patterns?: Pattern[];
  /** default: every criterion */
  criteria?: Criterion[];
  /** default: every mitigation */
  mitigations?: Mitigation[];
  prefillTokens?: number;
  /** decode batch sizes B (tokens per step); the largest is the decode objective (default 1, 8) */
  decodeBatches?: number[];
  decodeContextTokens?: number;
  /** decode batches whose union density is measured on the trace, besides decodeBatches (default 1 … 64, for the chart) */
  batchSizes?: number[];
  title?: string;
  /** the pair the recommendation compares, [narrower, wider]; default [8:16, 16:32] */
  compare?: [Pattern, Pattern];
  /** folder of the analysis cache (cache.ts); absent = no cache */
  cacheDir?: string;
  /** the sensitivity sweep (sensitivity.ts): --set overrides, or 'default' (memory bandwidths, clock, selector style, node); absent = none */
  sensitivity?: SetOverride[] | 'default';
  /** prompt:output mix of the serving metrics (serving.ts; default 2048:256) */
  serving?: ServingMix;
  /** time-per-output-token target of the serving metrics, ms (default 50) */
  tpotTargetMs?: number;
  /** the design axes swept on every activation core (axes.ts); default every selector style, metadata encoding and provisioning */
  axes?: DesignAxes;
}

/** ReviewOptions with every default filled in and checked. */
export type ResolvedReviewOptions = Required<Omit<ReviewOptions, 'title' | 'compare' | 'cacheDir' | 'sensitivity' | 'serving' | 'tpotTargetMs'>> &
  Pick<ReviewOptions, 'title' | 'compare' | 'cacheDir' | 'sensitivity' | 'serving' | 'tpotTargetMs'>;

/** Fractions of the progress bar per stage. */
export interface ReviewProgress {
  stage(name: string, fraction: number): void;
}

export interface ReviewOutcome {
  data: ReviewData;
  /** wall time per step, for run.json (the only run-dependent output) */
  timingsMs: Record<string, number>;
  warnings: Diagnostic[];
  primaryBundle: string;
  /** whether the analysis came from the cache ('off': no cache folder given) */
  analysisCache: CacheStatus;
  /**
   * per profile (profile order): whether its design points and its serving rows came from the cache
   * (profile-cache.ts); `pointsRenamed`: its missed points entry taken from another core's, renamed (POINTS_ALIAS_ENTRY)
   */
  profileCache: { points: ProfileCacheStatus; serving: ProfileCacheStatus; pointsRenamed: boolean[] };
}

/**
 * Fills every default and checks what can be checked before any file is read: a catalog model
 * (unless "bundle"), decode batches within the analysis plan's bounds (each is measured on the
 * trace), a pattern list without dense.
 */
export function resolveReviewOptions(opts: ReviewOptions = {}): ResolvedReviewOptions {
  const decodeBatches = [...new Set(opts.decodeBatches ?? DEFAULT_DECODE_BATCHES)].sort((a, b) => a - b);
  const batchSizes = [...(opts.batchSizes ?? DEFAULT_UNION_BATCH_SIZES)];
  const model = opts.model ?? DEFAULT_MODEL;
  if (model !== 'bundle') catalogModel(model);
  checkBatchSizes(decodeBatches, '--decode-batches', '--decode-batches 1,8');
  checkBatchSizes([...batchSizes, ...decodeBatches], '--decode-batches', '--decode-batches 1,8');
  return {
    traces: opts.traces ?? [],
    profiles: opts.profiles ?? [],
    model,
    patterns: (opts.patterns ?? DEFAULT_PATTERNS).filter((p) => p.kind !== 'dense'),
    criteria: opts.criteria ?? [...CRITERIA],
    mitigations: opts.mitigations ?? [...MITIGATIONS],
    prefillTokens: opts.prefillTokens ?? DEFAULT_PREFILL_TOKENS,
    decodeBatches,
    decodeContextTokens: opts.decodeContextTokens ?? DEFAULT_DECODE_CONTEXT_TOKENS,
    batchSizes,
    axes: opts.axes ?? defaultAxes(),
    ...(opts.title !== undefined ? { title: opts.title } : {}),
    ...(opts.compare !== undefined ? { compare: opts.compare } : {}),
    ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
    ...(opts.sensitivity !== undefined ? { sensitivity: opts.sensitivity } : {}),
    ...(opts.serving !== undefined ? { serving: opts.serving } : {}),
    ...(opts.tpotTargetMs !== undefined ? { tpotTargetMs: opts.tpotTargetMs } : {}),
  };
}

/** Wall time per named step. */
function stopwatch(): { timingsMs: Record<string, number>; lap(name: string): void } {
  const timingsMs: Record<string, number> = {};
  let t = performance.now();
  return {
    timingsMs,
    lap(name) {
      const now = performance.now();
      timingsMs[name] = now - t;
      t = now;
    },
  };
}

/** The bundle folders to review: the ones given, else every bundle under traces/. */
export function bundlePathsOf(opts: ResolvedReviewOptions): string[] {
  const paths = opts.traces.length > 0 ? opts.traces : defaultBundlePaths();
  if (paths.length === 0) {
    throw inputError({ code: 'review/no-bundles', message: 'no trace bundle to review: traces/ holds none and --traces was not given.', hint: 'pass --traces traces/stories260k (a folder with manifest.json), or capture one with `nmsim capture`.' });
  }
  return paths;
}

/** Every swept configuration: pattern × criterion × mitigation. */
function sweptConfigs(opts: ResolvedReviewOptions): SweepConfig[] {
  return configurationProduct(opts, { patterns: 'outer', dense: 'crossed' });
}

export interface Primary {
  bundle: OpenedBundle;
  index: number;
  /** every bundle's runs with a perplexity, in bundle order */
  measuredByBundle: MeasuredRun[][];
  notes: string[];
}

/** The bundle with the most measured runs carries the accuracy axis (ties: the first by path). */
export function choosePrimary(bundles: readonly OpenedBundle[]): Primary {
  const measuredByBundle = bundles.map((b) => measuredRuns(b.bundle.manifest, path.join(b.path, MANIFEST_FILE)));
  let index = 0;
  measuredByBundle.forEach((m, i) => {
    if (m.length > measuredByBundle[index].length) index = i;
  });
  const notes =
    bundles.length > 1
      ? [`Accuracy comes from ${bundles[index].path} (the bundle with the most measured runs); ${bundles.filter((_, i) => i !== index).map((b) => b.path).join(', ')} listed as inputs only — review each with --traces to compare them.`]
      : [];
  return { bundle: bundles[index], index, measuredByBundle, notes };
}

/**
 * The perplexities one accuracy axis may hold: one text, one run per configuration, masks that
 * obey their pattern; everything left out or suspicious is named in the notes.
 */
async function screenAccuracy(primary: OpenedBundle, raw: readonly MeasuredRun[], swept: readonly SweepConfig[], cacheDir: string | undefined): Promise<{ measured: MeasuredRun[]; notes: string[]; warnings: Diagnostic[] }> {
  const screen = screenMeasuredRuns(
    raw,
    swept,
    (await maskViolationsCached(cacheDir, primary, new Set(raw.map((r) => r.runId)))).value,
    new Map(primary.bundle.manifest.runs.map((r, i) => [r.id, i])),
  );
  const file = path.join(primary.path, MANIFEST_FILE);
  return { measured: screen.usable, notes: screen.notes, warnings: screen.warnings.map((w) => ({ ...w, file })) };
}

interface PrimaryAnalysis {
  /** magnitude selection, every union batch: the sparsity structure */
  structure: AnalysisResult;
  /** every configuration, no decode batches: the accuracy proxies */
  proxies: AnalysisResult;
  notes: string[];
  warnings: Diagnostic[];
}

/** The two analysis plans of the review (analysePrimary), and the note on spts. */
export interface ReviewAnalysisPlans {
  structure: Partial<AnalysisPlan>;
  proxies: Partial<AnalysisPlan>;
  notes: string[];
}

/**
 * The analysis of the primary bundle's dense run, in two passes: the sparsity structure (union
 * density over every batch size, compatibility, compressed sizes) needs only the magnitude
 * selection; the accuracy proxies need every configuration but no decode batches (about a
 * quarter less work than one pass computing everything for every configuration).
 */
export function reviewAnalysisPlans(primary: OpenedBundle, opts: ResolvedReviewOptions, structurePatterns: readonly Pattern[]): ReviewAnalysisPlans {
  const notes: string[] = [];
  // the decode batches are measured too, so every decode figure uses a measured union density
  const batchSizes = [...new Set([...opts.batchSizes, ...opts.decodeBatches])].sort((a, b) => a - b);
  // spts needs a calibrated static shift per site; a bundle that records none cannot give an
  // spts proxy, so it is left out of the proxy pass with one note instead of a warning per site
  const hasStaticShifts = primary.bundle.manifest.runs.some((r) => r.sites.some((s) => s.static_shift !== undefined));
  const proxyMitigations = hasStaticShifts ? opts.mitigations : opts.mitigations.filter((m) => m !== 'spts');
  if (proxyMitigations.length < opts.mitigations.length) {
    notes.push(`spts has no accuracy proxy: ${primary.path} records no calibrated static shift (sites[].static_shift); spts points appear only where the bundle measured an spts run.`);
  }
  return {
    structure: { patterns: [...structurePatterns], criteria: ['magnitude'], mitigations: ['none'], batchSizes, runs: [] },
    proxies: { patterns: opts.patterns, criteria: opts.criteria, mitigations: proxyMitigations, batchSizes: [1], randomBatchesPerSize: 0, runs: [] },
    notes,
  };
}

/** Both analyses of the review, computed elsewhere (the merge of `nmsim review --shard` parts: review/shard.ts). */
export interface ReviewAnalyses {
  structure: AnalysisResult;
  proxies: AnalysisResult;
}

async function analysePrimary(primary: OpenedBundle, opts: ResolvedReviewOptions, structurePatterns: readonly Pattern[], progress?: ReviewProgress, given?: ReviewAnalyses): Promise<PrimaryAnalysis> {
  const at = (start: number, span: number) => (p: AnalysisProgress) => progress?.stage(`analysing ${p.site}`, start + span * (p.totalRows === 0 ? 1 : p.doneRows / p.totalRows));
  progress?.stage('analysing traces', 0.1);
  const plans = reviewAnalysisPlans(primary, opts, structurePatterns);
  const notes = [...plans.notes];
  // loaded here, not with the review: a rerun whose analysis comes from the cache never loads the analysis kernels
  const analyse = async (plan: Partial<AnalysisPlan>, onProgress: (p: AnalysisProgress) => void) => (await import('../analysis/analyze.js')).analyze(primary.bundle, plan, onProgress);
  const structure = given?.structure ?? (await analyse(plans.structure, at(0.1, 0.1)));
  const proxies = given?.proxies ?? (await analyse(plans.proxies, at(0.2, 0.5)));
  // a site with no finite row has no statistics: the review refuses rather than score it
  const errors = dedupeDiagnostics([...structure.errors, ...proxies.errors]);
  if (errors.length > 0) throw new NmsimError(errors);
  const nonfinite = structure.runs[0]?.nonfinite;
  if (nonfinite && nonfinite.rows > 0) {
    const sites = nonfinite.sites.map((s) => `${s.site} (${s.rows} row${s.rows === 1 ? '' : 's'}, first at [${s.firstRow}, ${s.firstColumn}])`).join('; ');
    notes.push(
      `${nonfinite.rows} of the ${nonfinite.tokenRows} token rows of the analysed sites held NaN or Inf (${nonfinite.values} value${nonfinite.values === 1 ? '' : 's'}) and were left out of every statistic: ${sites}. The proxies, union densities and I/O figures are those of the finite rows.`,
    );
  }
  return { structure, proxies, notes, warnings: dedupeDiagnostics([...structure.warnings, ...proxies.warnings]) };
}

/**
 * What analysePrimary is a function of, for the cache key: the bundle (path, root, every file's
 * hash), its arguments and the analysis defaults it leaves to resolvePlan (seed, random batches…).
 */
async function analysisKeyInput(primary: OpenedBundle, opts: ResolvedReviewOptions, structurePatterns: readonly Pattern[]): Promise<CacheKeyInput> {
  return {
    toolVersion: TOOL_VERSION,
    code: await codeFingerprint(),
    bundle: { path: primary.path, root: path.resolve(primary.bundle.root), files: primary.files },
    plan: { structurePatterns, patterns: opts.patterns, criteria: opts.criteria, mitigations: opts.mitigations, batchSizes: opts.batchSizes, decodeBatches: opts.decodeBatches, analysisDefaults: defaultPlan() },
  };
}

/**
 * The patterns whose sparsity structure is measured: the swept ones and every N:M pattern a
 * swept core runs natively (in that order). A core runs a pattern it does not list through the
 * cheapest native pattern its data fits (perf/execution-plan.ts), and the fraction that fits is
 * measured only against analysed patterns — so the natives are analysed too, as in the
 * analysis `nmsim simulate --measured` reads (`nmsim analyze`'s default patterns).
 */
export function structurePatternsOf(opts: ResolvedReviewOptions, profiles: readonly HashedProfile[]): Pattern[] {
  const swept = new Set(opts.patterns.map(patternKey));
  const natives = distinctPatterns(profiles.flatMap((p) => p.loaded.profile.sparsity.patterns)).filter((p) => !swept.has(patternKey(p)));
  return [...opts.patterns, ...natives];
}

/** The workload the speed-ups are modelled on, and the note that says whose masks they assume. */
function reviewWorkload(opts: ResolvedReviewOptions, primary: OpenedBundle): { workload: ReviewWorkload; note: string } {
  const bundleModel = primary.bundle.manifest.model;
  const shape: ModelShape = opts.model === 'bundle' ? modelFromManifest(bundleModel, primary.path) : catalogModel(opts.model);
  return {
    workload: { shape, prefillTokens: opts.prefillTokens, decodeBatches: [...opts.decodeBatches], decodeContextTokens: opts.decodeContextTokens },
    note: `Speed-ups and I/O are modelled on ${shape.id}'s shapes with the sparsity structure measured on ${primary.path} (decode weight-row union density for B = ${opts.decodeBatches.join(', ')}, compatibility between patterns): an assumption that ${bundleModel.name}'s masks are as correlated as ${shape.id}'s would be.`,
  };
}

/**
 * The primary bundle's measured weight runs on the text of its activation runs (the dense run's,
 * else the first measured run's): one perplexity axis holds one text.
 */
function weightRunsOf(primary: OpenedBundle, measured: readonly MeasuredRun[]): { runs: MeasuredWeightRun[]; notes: string[] } {
  const ref = measured.find((m) => m.pattern.kind === 'dense') ?? measured[0];
  return measuredWeightRuns(primary.bundle.manifest, ref ? { dataset: ref.dataset, scoredTokens: ref.scoredTokens } : undefined, path.join(primary.path, MANIFEST_FILE));
}

/**
 * A configuration's accuracy, computed once per configuration: its bootstrap interval
 * (explore/uncertainty.ts) is the same for every profile, and the cache keys ask for it too
 * (review/profile-cache.ts), so a review asked ten times for each (issue 16). Pure: the same
 * value, shared.
 */
function memoByConfig<T>(f: (c: SweepConfig) => T): (c: SweepConfig) => T {
  const memo = new Map<SweepConfig, T>();
  return (c) => {
    if (!memo.has(c)) memo.set(c, f(c));
    return memo.get(c) as T;
  };
}

/** Dense and the best unstructured run, drawn as reference lines (no swept core runs them sparsely). */
function accuracyReferences(measured: readonly MeasuredRun[], bundlePath: string): AccuracyReference[] {
  const references: AccuracyReference[] = [];
  const dense = measured.find((m) => m.pattern.kind === 'dense');
  if (dense) references.push({ label: 'dense', kind: 'measured-perplexity', value: dense.perplexity, source: `${bundlePath} run "${dense.runId}"` });
  const unstructured = measured.filter((m) => m.pattern.kind === 'unstructured').sort((a, b) => a.perplexity - b.perplexity)[0];
  if (unstructured) {
    references.push({ label: `unstructured 50% (${unstructured.criterion}+${unstructured.mitigation})`, kind: 'measured-perplexity', value: unstructured.perplexity, source: `${bundlePath} run "${unstructured.runId}"` });
  }
  return references;
}

/** Compressed activation I/O measured on the trace, else the closed form at 16-bit values. */
function ioSavingsOf(summary: AnalysisSummary, patterns: readonly Pattern[]): IoSavingsRow[] {
  const measured = summary.ioSavings.filter((r) => patterns.some((q) => samePattern(q, r.pattern)));
  return measured.length > 0 ? measured : ioFootprintTable(patterns, 16).map((r) => ({ ...r, source: 'closed form (N·16 + metadata bits) / (M·16)' }));
}

function bundleSummary(b: OpenedBundle, measured: readonly MeasuredRun[]): ReviewBundle {
  const m = b.bundle.manifest;
  return {
    path: b.path,
    model: m.model.name,
    checkpoint: m.source.checkpoint,
    files: b.files,
    runs: m.runs.map((run) => {
      if (runOperand(run.config) === 'weight') return weightBundleRun(run);
      const c = runConfig(run);
      const mr = measured.find((x) => x.runId === run.id);
      return {
        id: run.id,
        pattern: c.pattern,
        ...(c.pattern.kind === 'dense' ? {} : { criterion: c.criterion, mitigation: c.mitigation }),
        ...(mr ? { perplexity: mr.perplexity, perplexityDataset: mr.dataset, scoredTokens: mr.scoredTokens } : {}),
      };
    }),
  };
}

/** A weight run in the bundle's run table (explore/accuracy.ts runConfig reads activation runs only). */
function weightBundleRun(run: Run): ReviewBundleRun {
  const metric = run.metrics.find((x) => x.metric.toLowerCase() === 'perplexity');
  return {
    id: run.id,
    pattern: parsePattern(run.config.pattern),
    operand: 'weight',
    criterion: run.config.criterion ?? 'magnitude',
    mitigation: 'none',
    ...(metric ? { perplexity: metric.value, perplexityDataset: metric.dataset, scoredTokens: metric.tokens } : {}),
  };
}

/** The default title: "Design review: stories260K on 7 hardware profiles" (1 hardware profile). */
export function reviewTitle(modelName: string, profileCount: number): string {
  return `Design review: ${modelName} on ${countNoun(profileCount, 'hardware profile')}`;
}

/**
 * `analyses`: both analyses already computed (the merge of review shards); they must be those
 * of reviewAnalysisPlans on the same inputs (review/shard.ts checks the job). Given analyses
 * bypass the cache. `defer`: the design points' and serving rows' missed cache entries are written
 * when the caller flushes it (cache.ts DeferredStores; `nmsim review` does while the charts
 * rasterise), not before this returns; absent, before.
 */
export async function runReview(options: ReviewOptions = {}, progress?: ReviewProgress, analyses?: ReviewAnalyses, defer?: DeferredStores): Promise<ReviewOutcome> {
  const clock = stopwatch();
  const opts = resolveReviewOptions(options);
  const bundlePaths = bundlePathsOf(opts);
  progress?.stage('loading profiles', 0.02);
  const { profiles, warnings: profileWarnings } = await loadProfilesHashed(profileFiles(opts.profiles), opts.cacheDir);
  // every --set value is validated before any trace is read; a swept design axis is not an assumption
  if (Array.isArray(opts.sensitivity)) refuseSweptSetKeys(opts.sensitivity.map((o) => o.key), opts.axes);
  const variants = opts.sensitivity === undefined ? undefined : await sensitivityVariants(profiles, opts.sensitivity === 'default' ? defaultOverrides(profiles, opts.axes) : opts.sensitivity);
  progress?.stage('opening bundles', 0.08);
  const bundles = await openBundlesHashed(bundlePaths, opts.cacheDir);
  clock.lap('load_inputs_ms');
  try {
    // the serving rows wait for the variant choice (withChosenServing): only the chosen variants' are shown
    const unserved = await prepareReview(opts, profiles, bundles, progress, analyses, 'after-choice');
    clock.lap('analysis_ms');
    // the prefill steps the points simulate, for the serving rows of the same perf views (serving.ts PrefillSims)
    const prefillSims: PrefillSims = new Map();
    // per profile through the cache: a rerun with one profile changed evaluates that profile only
    const evaluated = await evaluatePointsCached({ ...unserved.inputs, prefillSims }, opts.cacheDir, (name, f) => progress?.stage(`modelling ${name}`, 0.7 + 0.2 * f), defer);
    const records: PointRecords = { points: evaluated.records.flatMap((r) => r.points), profiles: evaluated.records.flatMap((r) => r.profiles), energy: evaluated.records.flatMap((r) => r.energy) };
    clock.lap('models_ms');
    const prepared = await withChosenServing(unserved, opts, records, prefillSims, defer);
    prefillSims.clear();
    clock.lap('serving_ms');
    // the variant choice withChosenServing made over these records, not made again
    const assembled = assembleReview(prepared.common, [records], prepared.variantChoice);
    clock.lap('sweep_ms');
    progress?.stage('sensitivity', 0.9);
    const data = variants === undefined ? assembled : { ...assembled, sensitivity: await evaluateSensitivity(prepared, assembled, records, variants, opts.compare ?? DEFAULT_COMPARISON) };
    if (variants !== undefined) clock.lap('sensitivity_ms');
    return {
      data,
      timingsMs: clock.timingsMs,
      warnings: [...profileWarnings, ...prepared.warnings, ...evaluated.warnings],
      primaryBundle: prepared.primaryBundle,
      analysisCache: prepared.analysisCache,
      profileCache: { points: evaluated.status, serving: prepared.servingCache, pointsRenamed: evaluated.renamed },
    };
  } finally {
    await Promise.all(bundles.map((b) => b.bundle.close()));
  }
}

/** Everything the review knows before it evaluates a design point (prepareReview). */
export interface PreparedReview {
  /** what evaluatePoints needs (points.ts) */
  inputs: PointInputs;
  /** the report's fields no design point changes */
  common: ReviewCommon;
  /** the accuracy screen's, the cache's and the analysis's warnings (not the profiles') */
  warnings: Diagnostic[];
  primaryBundle: string;
  analysisCache: CacheStatus;
  /** per reviewed profile: whether its serving rows came from the cache */
  servingCache: ProfileCacheStatus;
  /** the profiles as loaded (inputs.profiles holds their variants on the design axes) and the axes */
  loadedProfiles: readonly HashedProfile[];
  axes: DesignAxes;
  /** withChosenServing's variant choice over the records it was given (assembleReview takes it for the same records) */
  variantChoice?: VariantChoice;
}

/**
 * The review up to its design points: accuracy screen, analysis (given, cached or run),
 * proxies, workload, and the fields of the report that depend on no point. `bundles` stay open
 * (the caller closes them).
 */
export async function prepareReview(
  opts: ResolvedReviewOptions,
  profiles: readonly HashedProfile[],
  bundles: readonly OpenedBundle[],
  progress?: ReviewProgress,
  analyses?: ReviewAnalyses,
  /** 'now': every design-axis variant's serving rows (a point shard: its merge has no analysis to compute them from); 'after-choice': none yet, withChosenServing adds the chosen variants' */
  serving: 'now' | 'after-choice' = 'now',
): Promise<PreparedReview> {
  const configs = sweptConfigs(opts);
  // every activation core × the swept design axes; provisioning twins (act-8of16-sb) left out
  const variants = designVariants(profiles, opts.axes);
  const reviewed = profiles.filter((h) => !variants.twins.includes(h.loaded.profile.name));
  const primary = choosePrimary(bundles);
  const p = primary.bundle;
  const accuracy = await screenAccuracy(p, primary.measuredByBundle[primary.index], configs, analyses === undefined ? opts.cacheDir : undefined);
  const structurePatterns = structurePatternsOf(opts, profiles);
  const cachedAnalysis = await cached(
    analyses === undefined ? opts.cacheDir : undefined,
    async () => analysisCacheKey(await analysisKeyInput(p, opts, structurePatterns)),
    // the cache keeps what the review reads of the analysis (measure.ts), not the analysis itself
    async () => summariseAnalysis(await analysePrimary(p, opts, structurePatterns, progress, analyses), p.path, p.label),
  );
  const analysis = cachedAnalysis.value;
  const proxies = analysis.proxies;
  const { workload, note: workloadNote } = reviewWorkload(opts, p);
  const weights = weightRunsOf(p, accuracy.measured);
  const measured = analysis.measured;
  // every configuration's and weight run's accuracy (bootstrap intervals) through the cache, one object each
  const lookups = await accuracyLookupsCached(analyses === undefined ? opts.cacheDir : undefined, { configs, measured: accuracy.measured, proxies, weightRuns: weights.runs, bundleLabel: p.path });
  // 'now' (a point shard): every design-axis variant's serving rows, so a merge of shards has them (per
  // reviewed profile through the cache; assembleReview keeps the chosen variants'); 'after-choice' (runReview):
  // none here, withChosenServing computes the chosen variants' rows once the points are known
  const servingCached =
    serving === 'now'
      ? await servingForCached(opts.cacheDir, variants, opts.patterns, workload.shape, measured, opts.serving ?? DEFAULT_SERVING, opts.tpotTargetMs ?? DEFAULT_TPOT_TARGET_MS, distinctPatterns(weights.runs.map((r) => r.pattern)))
      : undefined;
  const inputs: PointInputs = {
    profiles: variants.profiles,
    designs: variants.designs,
    baseIndex: variants.baseIndex,
    configs,
    patterns: opts.patterns,
    workload,
    workloadPoint: { model: workload.shape.id, prefillTokens: opts.prefillTokens, decodeBatches: [...opts.decodeBatches], decodeContextTokens: opts.decodeContextTokens },
    measured,
    accuracy: lookups.accuracy,
    proxy: memoByConfig((c) => proxyFor(c, proxies)),
    weightRuns: weights.runs,
    weightPatterns: distinctPatterns(weights.runs.map((r) => r.pattern)),
    weightAccuracy: lookups.weightAccuracy,
  };
  const common: ReviewCommon = {
    title: opts.title ?? reviewTitle(p.bundle.manifest.model.name, reviewed.length),
    toolVersion: TOOL_VERSION,
    workload: `accuracy from ${p.bundle.manifest.model.name} (${p.path}); ${workloadText(workload)}`,
    decodeBatches: [...opts.decodeBatches],
    profiles: reviewed.map((h) => ({
      name: h.loaded.profile.name,
      path: h.path,
      sha256: h.sha256,
      description: h.loaded.profile.description.trim().replace(/\s+/g, ' '),
      patterns: [...h.loaded.profile.sparsity.patterns],
      illustrative: h.loaded.profile.illustrative,
    })),
    bundles: bundles.map((b, i) => bundleSummary(b, primary.measuredByBundle[i])),
    accuracyReferences: accuracyReferences(accuracy.measured, p.path),
    ioSavings: ioSavingsOf(analysis, opts.patterns),
    unionDensity: analysis.unionDensity.filter((r) => opts.patterns.some((q) => samePattern(q, r.pattern))),
    unionDensitySource: `${p.path} run "${analysis.structureRunId ?? '?'}", magnitude selection, aligned consecutive batches`,
    patterns: [...opts.patterns],
    assumptionsBefore: reviewConventions(analysis.conventions, workloadText(workload)),
    assumptionsAfter: servingCached ? [...perfAssumptions(), servingAssumption(servingCached.serving)] : perfAssumptions(),
    ...(servingCached ? { serving: servingCached.serving } : {}),
    notes: [...accuracy.notes, ...weights.notes, ...primary.notes, ...analysis.notes, workloadNote, ...variants.notes],
    weightRuns: weights.runs,
    ...(opts.compare ? { compare: opts.compare } : {}),
  };
  return {
    inputs,
    common,
    warnings: [...accuracy.warnings, ...cachedAnalysis.warnings, ...lookups.warnings, ...analysis.warnings, ...(servingCached?.warnings ?? [])],
    primaryBundle: p.path,
    analysisCache: cachedAnalysis.status,
    servingCache: servingCached?.status ?? [],
    loadedProfiles: profiles,
    axes: opts.axes,
  };
}

/**
 * `prepared` (prepareReview 'after-choice') with the serving rows of the variants the review chooses
 * from `records` (explore/variants.ts chooseVariants, as assembleReview chooses): the rows
 * assembleReview's servingOfChosen keeps, and no others computed (a rerun's changed profile costs
 * its chosen variants' rows, not its 18 variants'). The serving assumption row goes last, as
 * prepareReview 'now' puts it. Per loaded profile through the cache, keyed on the choice too
 * (`defer`: its missed entries written when that is flushed).
 */
export async function withChosenServing(prepared: PreparedReview, opts: ResolvedReviewOptions, records: PointRecords, prefillSims?: PrefillSims, defer?: DeferredStores): Promise<PreparedReview> {
  const variantChoice = chooseVariants(sortDesignPoints(records.points.flatMap((r) => (r.point ? [r.point] : []))));
  const chosen = variantChoice.rows;
  const { inputs } = prepared;
  const servingCached = await servingForCached(opts.cacheDir, inputs, opts.patterns, inputs.workload.shape, inputs.measured, opts.serving ?? DEFAULT_SERVING, opts.tpotTargetMs ?? DEFAULT_TPOT_TARGET_MS, inputs.weightPatterns, chosen, prefillSims, defer);
  const serving = servingCached.serving;
  return {
    ...prepared,
    common: { ...prepared.common, assumptionsAfter: [...prepared.common.assumptionsAfter, servingAssumption(serving)], serving },
    warnings: [...prepared.warnings, ...servingCached.warnings],
    servingCache: servingCached.status,
    variantChoice,
  };
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

/**
 * nmsim public API, by layer (DESIGN.md §3): specs and traces in, pure models in the middle,
 * renderers out. The four entry points: analyze (a trace's sparsity statistics), simulate (a
 * model step on a profile), areaReport (a core's silicon), runReview (the whole design review).
 *
 *   profile/ + trace/ ─▶ analysis/ ─▶ perf/ · area/ ─▶ explore/ ─▶ review/ ─▶ report/
 */

// errors as data, shared defaults
export { NmsimError, isNmsimError, inputError, usageError, formatDiagnostic, diagnosticToJson, type Diagnostic, type ErrorKind } from './diagnostics.js';
export { DEFAULT_MODEL, DEFAULT_PREFILL_TOKENS, DEFAULT_DECODE_CONTEXT_TOKENS, DEFAULT_DECODE_BATCHES, DEFAULT_PATTERNS, DEFAULT_PATTERNS_TEXT, DEFAULT_UNION_BATCH_SIZES } from './defaults.js';
export { TOOL_VERSION } from './version.js';

// sparsity: the one N:M definition, criteria and mitigations
export { parsePattern, parsePatternList, formatPattern, samePattern, nm, keptPerToken, effectiveDensity, metadataBitsPerGroup, PAPER_PATTERNS, METADATA_ENCODINGS, type Pattern, type NmPattern, type MetadataEncoding } from './sparsity/pattern.js';
export { CRITERIA, MITIGATIONS, CRITERION_INFO, MITIGATION_INFO, parseCriteria, parseMitigations, type Criterion, type Mitigation, type PruneContext } from './sparsity/registry.js';
export { OPERANDS, WEIGHT_CRITERIA, WEIGHT_CRITERION_INFO, parseOperands, parseRunCriteria, criteriaByOperand, type Operand, type WeightCriterion } from './sparsity/weight-registry.js';
export { pruneWeight, type PrunedWeight, type WeightPruneContext } from './sparsity/weight-prune.js';
export { configurationProduct, type PruneSpec } from './sparsity/configurations.js';
export { pruneMatrix } from './sparsity/prune.js';
export { selectKeep } from './sparsity/select.js';
export { rowFootprint, footprintRatio, type RowFootprint } from './sparsity/footprint.js';
export { independentUnionDensity } from './sparsity/union-density.js';
export { selectionNetwork, networkDepthStages, networkComparators, PRUNING_NETWORK_KINDS, type PruningNetworkKind } from './sparsity/sorting-networks.js';

// trace: bundles of activations from real pruned runs
export { openBundle, MANIFEST_FILE, type TraceBundle } from './trace/bundle.js';
export { BundleWriter, TRACE_BUNDLE_OUTPUT } from './trace/writer.js';
export { inspectBundle, inspectBytes, type InspectReport } from './trace/inspect.js';
export { TRACE_FORMAT, TRACE_FORMAT_VERSION, ManifestSchema, type Manifest, type Run, type Site } from './trace/manifest.js';

// capture: real pruned runs of llama2.c checkpoints, with perplexity
export { parseCheckpoint, loadCheckpoint, type ModelConfig, type ModelWeights } from './capture/checkpoint.js';
export { loadTokenizer, encode, decode, type Tokenizer } from './capture/tokenizer.js';
export { loadStories, selectStories, formatStoryRange, type StoryRange } from './capture/stories.js';
export { encodeStories, encodeStream, evaluatePerplexity, type PerplexityResult, type PerStoryNllResult } from './capture/perplexity.js';
export { createPruningHooks, runId, type RunSpec, type Calibration } from './capture/prune-hooks.js';
export { calibrateStaticShifts, calibrateAffine, calibrateInputNorms } from './capture/calibrate.js';
export { captureRuns, captureRunsThreaded, needsCalibration, isWeightSpec, captureRunId, type CapturedRun, type CaptureOptions, type CaptureSpec } from './capture/capture.js';
export { defaultThreads } from './capture/perplexity-pool.js';
export { PRECISIONS, DEFAULT_PRECISION, isPrecision, withPrecision, type Precision } from './capture/precision.js';
export { pruneModelWeights, weightMaskStats, weightRunId, type WeightRunSpec, type WeightMask, type WeightMaskStats } from './capture/weight-runs.js';
export { readInputFile } from './capture/input-file.js';
export { writeCaptureBundle, sha256Hex } from './capture/capture-bundle.js';
export { generateGreedy, type GenerateResult } from './capture/generate.js';
export { SITE_KINDS, SITE_CONSUMERS, siteInputDim } from './capture/sites.js';

// analysis: streaming statistics over traces
export { analyze, plannedRows, type AnalyzeOptions, type AnalysisProgress } from './analysis/analyze.js';
export { defaultPlan, resolvePlan, parseBatchSizes, parseNonfinitePolicy, DEFAULT_BATCH_SIZES, DEFAULT_RANDOM_SEED, MAX_BATCH_SIZE } from './analysis/plan.js';
export { measuredSparsityFor } from './analysis/measured-sparsity.js';
export { NONFINITE_POLICIES, type AnalysisResult, type AnalysisPlan, type ConfigResult } from './analysis/types.js';
export { analyzeShard, parseShard, MAX_SHARDS, type AnalysisShard, type ShardSpec, type ShardOptions } from './analysis/shard.js';
export { mergeAnalysisShards, type ShardPart } from './analysis/merge.js';

// hardware: profiles and tech files, workloads, performance, area
export { loadProfile, listShippedProfiles, resolveProfileRef, type LoadedProfile } from './profile/load.js';
export { normalizeProfile, withDesignChoices, type DesignChoices } from './profile/normalize.js';
export { PROFILE_DEFAULTS } from './profile/defaults.js';
export { loadTech, TECH_NODES, type TechLibrary } from './profile/tech.js';
export { SELECTOR_STYLES, type HardwareProfile, type ProfileSpec } from './profile/schema.js';
export { MODEL_IDS, MODEL_CATALOG, catalogModel, isModelId, type ModelId } from './workload/catalog.js';
export { loadModelRef } from './workload/load-model.js';
export { modelWorkload, PHASES, type Phase } from './workload/layer-ops.js';
export type { ModelShape } from './workload/model-shape.js';
export { simulate, comparisonWarnings, type SimulateInput } from './perf/simulate.js';
export type { Comparison, ModelSim, PatternComparison } from './perf/model-sim.js';
export { planPattern, type ExecutionPlan } from './perf/execution-plan.js';
export { densePeakTflops } from './perf/hardware-view.js';
export { loadMeasuredSparsity, measuredSparsityFromJson, MAX_MEASURED_FILE_BYTES } from './perf/measured-file.js';
export type { MeasuredSparsity } from './perf/measured-sparsity.js';
export { areaReport, type AreaReport, type AreaOptions, type CoreArea } from './area/report.js';
export { planWeightPattern } from './perf/execution-plan.js';
export { simulateGemm, type GemmSim } from './perf/gemm-pipeline.js';
export { hardwareView, type HardwareView } from './perf/hardware-view.js';
export { addActivity, emptyActivity, sumActivity, DRAM_LEVEL, type Activity, type LevelBytes } from './perf/activity.js';
export { loadCorpus, SHIPPED_CORPUS_DIR, type Corpus, type ValidationRow } from './validation/corpus.js';
export { validate, type ValidationResult, type RowResult, type GroupSummary } from './validation/predict.js';

// energy: activity counts × per-event energies (tech files) → J/token, power vs TDP, gating vs skipping
export { emptyActivity as emptyActivityCounts, addActivity as addActivityCounts, denseEquivalentMacs, type ActivityCounts } from './energy/activity.js';
export { eventEnergies, ENERGY_COMPONENTS, type EnergyComponent, type EventEnergies } from './energy/event-energies.js';
export { activityEnergy, perToken, ratiosVsDense, type EnergyBreakdown, type RatiosVsDense } from './energy/model.js';
export { stepEnergy, comparisonEnergy, simulationEnergy, type StepEnergy, type ComparisonEnergy, type EnergyAreas } from './energy/step-energy.js';

// explore: design points, exact Pareto fronts, the recommendation as data
export { sortDesignPoints, accuracyOf, activationPoints, isWeightPoint, type DesignPoint, type Accuracy, type AccuracyKind, type DecodeAtBatch } from './explore/design-point.js';
export { paretoFront, type Objective, type ParetoResult } from './explore/pareto.js';
export { designFront, headlineAccuracyKind, OBJECTIVE_NAMES, type ObjectiveName } from './explore/objectives.js';
export { sweep, sweepCandidates, type SweepCandidate, type SweepInput, type SweepResult } from './explore/sweep.js';
export { summarizeByPattern, weightBaselinePoint, type PatternSummary } from './explore/summary.js';
export { recommend, type Recommendation, type WeightComparison } from './explore/recommend.js';

// review: the design review as a library (inputs → analysis → perf/area → explore → ReviewData)
export { runReview, resolveReviewOptions, type ReviewOptions, type ResolvedReviewOptions, type ReviewOutcome, type ReviewProgress, type ReviewAnalyses } from './review/run-review.js';
export { reviewShard, mergeReviewShards, reviewPointsShard, mergeReviewPoints, type ReviewShard, type ReviewPointsShard } from './review/shard.js';
export { shardBlock, designPointCount, evaluatePoints, assembleReview, type PointBlock, type PointRecords } from './review/points.js';
export { parseSetArgs, applyOverride, defaultOverrides, sensitivityVariants, pairDeltas, rankSensitivity, evaluateSensitivity, type SetOverride, type SensitivityVariant, type PairDeltas, type SensitivityResult } from './review/sensitivity.js';
export { parseAxes, defaultAxes, designVariants, sweepsAxes, AXIS_NAMES, AXIS_VALUES, type DesignAxes, type DesignVariant, type DesignVariants } from './review/axes.js';
export { chooseVariants, SPEEDUP_TOLERANCE, type VariantRow, type VariantChoice } from './explore/variants.js';
export { servingFor, servingForProfile, pickAtTarget, parseServingMix, parseTpotTarget, bestCoreSeries, DEFAULT_SERVING, DEFAULT_TPOT_TARGET_MS, SERVING_BATCHES, type ServingMix, type ServingResult, type ServingRow, type ServingStep, type ServingPick } from './review/serving.js';
export { defaultBundlePaths, profileFiles } from './review/inputs.js';
export { CACHE_DIR_ENV, CACHE_FOLDER, DeferredStores, defaultCacheDir } from './review/cache.js';
export { buildReview } from './review/build.js';
export type { ReviewData } from './review/review-data.js';

// report: every renderer (strings and files; the CLI prints them)
export { writeReviewReport, renderReport, REPORT_FILES, type WrittenReport } from './report/write-report.js';
export { startPngWorkers } from './report/png.js';
export { recommendationText } from './report/recommendation.js';
export { designPointsCsv } from './report/design-points-csv.js';
export { analysisJson } from './report/analysis-json.js';
export { formatAnalysis } from './report/analysis-text.js';
export { formatAreaTable, areaReportJson } from './report/area-report.js';
export { comparisonJson, comparisonText } from './report/simulate.js';
export { energyJson, energySummaryText, energyBreakdownText } from './report/energy.js';
export { toSnakeCase } from './report/snake-case.js';

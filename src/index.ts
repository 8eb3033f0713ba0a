/**
 * nmsim public API. Pipeline (DESIGN.md §3):
 *
 *   hardware-profiles/*.yaml ─ profile/ ─▶ HardwareProfile
 *   traces/<bundle>/         ─ trace/   ─▶ TraceBundle ─ analysis/ ─▶ per-site statistics
 *   workload/ + perf/ + area/ ─▶ cycles, bytes, µm²  ─ explore/ ─▶ design points, Pareto fronts
 *   report/ ─▶ CSV · SVG/PNG · design-review.md/.html · run.json
 */

// errors as data
export * from './diagnostics.js';

// sparsity: the one N:M definition, criteria and mitigations
export * from './sparsity/pattern.js';
export * from './sparsity/select.js';
export * from './sparsity/prune.js';
export * from './sparsity/criteria/magnitude.js';
export * from './sparsity/criteria/amber.js';
export * from './sparsity/criteria/clact.js';
export * from './sparsity/mitigation/var.js';
export * from './sparsity/mitigation/shift.js';
export * from './sparsity/mitigation/affine.js';

// trace: bundle format, readers, writer
export * from './trace/manifest.js';
export * from './trace/dtype.js';
export * from './trace/tensor-info.js';
export * from './trace/safetensors.js';
export * from './trace/npy.js';
export * from './trace/mask.js';
export * from './trace/manifest-check.js';
export * from './trace/anonymous.js';
export * from './trace/bundle.js';
export * from './trace/writer.js';
export * from './trace/bundle-files.js';
export * from './trace/tensor-stats.js';
export * from './trace/inspect.js';
export * from './trace/json-schema.js';


// capture: llama2.c engine, real pruned runs
export * from './capture/checkpoint.js';
export * from './capture/tokenizer.js';
export * from './capture/sites.js';
export { matmulXWt } from './capture/matmul.js';
export * from './capture/forward.js';
export * from './capture/generate.js';
export * from './capture/stories.js';
export * from './capture/perplexity.js';
export * from './capture/prune-hooks.js';
export * from './capture/calibrate.js';
export * from './capture/recorder.js';
export * from './capture/capture.js';
export * from './capture/capture-bundle.js';


// analysis: streaming statistics over traces
export * from './analysis/types.js';
export { analyze, chooseRuns, plannedRows, CONVENTIONS as ANALYSIS_CONVENTIONS, type AnalysisProgress, type AnalyzeOptions } from './analysis/analyze.js';
export { defaultPlan, resolvePlan, parseBatchSizes, DEFAULT_PATTERNS, DEFAULT_BATCH_SIZES } from './analysis/plan.js';
export { analyzeSite, configurations, type RowSource, type SiteInput, type ConsumerInput, type Configuration, type SiteResult } from './analysis/site-analysis.js';
export { measuredSparsityFor } from './analysis/measured-sparsity.js';
export { compressedSizes, metadataBitsPerToken, valueSlotsPerToken, VALUE_FORMATS, type CompressedSize } from './analysis/compressed-size.js';
export { independentUnionDensity, consecutiveCoverage } from './analysis/union-density.js';
export { csvTables } from './report/analysis-tables.js';
export { toSnakeCase } from './report/snake-case.js';


// profile + area: hardware profiles, tech files, area model
export * from './profile/schema.js';
export { loadProfile, loadProfiles, listShippedProfiles, resolveProfileRef, profilePatterns, type LoadedProfile } from './profile/load.js';
export { loadTech, loadTechFile, techSearchDirs, listShippedTech, findTechFile, CELL_NAMES, TECH_NODES, type CellName, type TechNode, type TechLibrary, type ResolvedCell } from './profile/tech.js';
export { convertQuantity, PROFILE_QUANTITIES } from './profile/quantities.js';
export * from './area/component.js';
export { MAC_FORMATS, FLOAT_ACCUMULATORS, type NumberFormat } from './area/datatypes.js';
export { macArrayArea, multiplierCells, laneReductionCells, productBits, type MacGeometry } from './area/mac-array.js';
export { selectorArea, candidatePositions, muxInputsPerSlot, stagingWindow, hierarchicalApplies, HIERARCHICAL_BLOCK, type SelectorStyle, type SelectorGeometry } from './area/selector.js';
export { metadataArea, metadataBitsPerValue, groupDecoderCells, decodersPerCore, type MetadataGeometry } from './area/metadata.js';
export { pruningUnitArea, compareAndSwapCells, unitComparators, keyBits, PRUNING_NETWORK_KINDS, type PruningNetworkKind, type PruningUnitSpec } from './area/pruning-unit.js';
export { selectionNetwork, batcherOddEvenMergeSort, bitonicSort, comparatorCount, networkDepth, applyNetwork, NETWORK_KINDS, type ComparatorNetwork, type Comparator, type NetworkKind } from './area/sorting-networks.js';
export { compressionArea, packingCellsPerGroup, type CompressionSpec } from './area/compression.js';
export { sramArea, sramAreaUm2 } from './area/sram.js';
export { areaReport, componentOf, type AreaReport, type AreaOptions, type CoreArea } from './area/report.js';
export { formatAreaTable, areaReportJson, reportColumns } from './report/area-report.js';


// workload + perf: model shapes, GEMMs, performance and I/O model
export * from './workload/model-shape.js';
export * from './workload/catalog.js';
export * from './workload/from-manifest.js';
export * from './workload/load-model.js';
export * from './workload/layer-ops.js';
export * from './perf/measured-sparsity.js';
export * from './perf/measured-file.js';
export * from './perf/hardware-view.js';
export * from './perf/execution-plan.js';
export * from './perf/activation-bytes.js';
export * from './perf/tiling.js';
export * from './perf/operand-traffic.js';
export * from './perf/gemm-pipeline.js';
export * from './perf/non-gemm.js';
export * from './perf/io-model.js';
export * from './perf/model-sim.js';


// explore + report: sweeps, Pareto fronts, design review
export * from './explore/design-point.js';
export * from './explore/pareto.js';
export * from './explore/objectives.js';
export * from './explore/accuracy.js';
export * from './explore/sweep.js';
export * from './explore/summary.js';
export * from './explore/recommend.js';
export * from './explore/io-savings.js';
export * from './review/build.js';
export type * from './review/review-data.js';
export { renderReport, runJson, writeReviewReport, REPORT_FILES } from './report/write-report.js';
export { designPointsCsv, designPointsHeader, decodeColumns, DESIGN_POINT_COLUMNS } from './report/design-points-csv.js';
export { renderPng, chartFontFiles } from './report/png.js';
export { CHART_STEMS, HEADLINE_CHART, renderCharts } from './report/charts/index.js';

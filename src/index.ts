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


// capture: llama2.c engine, real pruned runs


// analysis: streaming statistics over traces


// profile + area: hardware profiles, tech files, area model


// workload + perf: model shapes, GEMMs, performance and I/O model


// explore + report: sweeps, Pareto fronts, design review
export * from './explore/design-point.js';
export * from './explore/pareto.js';
export * from './explore/objectives.js';
export * from './explore/accuracy.js';
export * from './explore/sweep.js';
export * from './explore/summary.js';
export * from './explore/recommend.js';
export * from './explore/io-savings.js';
export * from './explore/review.js';
export type * from './report/review-data.js';
export { renderReport, runJson, writeReviewReport, REPORT_FILES } from './report/write-report.js';
export { designPointsCsv, DESIGN_POINT_COLUMNS } from './report/design-points-csv.js';
export { renderPng, chartFontFiles } from './report/png.js';
export { CHART_STEMS, HEADLINE_CHART, renderCharts } from './report/charts/index.js';

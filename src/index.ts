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


// profile + area: hardware profiles, tech files, area model


// workload + perf: model shapes, GEMMs, performance and I/O model


// explore + report: sweeps, Pareto fronts, design review

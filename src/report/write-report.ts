/**
 * Writes a design-review report folder. Pipeline:
 *
 *   ReviewData ─▶ renderCharts (SVG) ─▶ renderPng ─┐
 *              ─▶ designPointsCsv                   ├─▶ all bytes in memory ─▶ claim.write(out)
 *              ─▶ reviewDocument ─▶ md / html ───────┘
 *
 * The output folder is claimed first (io/output-folder.ts: only a new, empty or earlier report
 * folder, never one with a user's file), every byte is produced, then the folder is written into
 * a temporary sibling and swapped in: a failed run leaves the previous report as it was.
 * Every file but run.json is a pure function of ReviewData (byte-identical across runs);
 * run.json adds timings.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { claimOutputFolder, type ClaimOptions } from '../io/output-folder.js';
import type { OutputKind } from '../io/output-kind.js';
import { CHART_STEMS, HEADLINE_CHART, accuracyAxisLabel, renderCharts } from './charts/index.js';
import { ENERGY_CHART_STEMS, renderEnergyCharts } from './charts/energy.js';
import { designPointsCsv } from './design-points-csv.js';
import { DESIGN_VARIANTS_CSV, designVariantsCsv } from './design-variants-csv.js';
import { toHtml, toMarkdown } from './document.js';
import { cachedPng, pngCacheReady } from './png-cache.js';
import { startPngWorkers } from './png.js';
import { pruneCache } from '../review/cache.js';
import { TORNADO_STEM, tornadoChart } from './charts/tornado.js';
import { pairText } from './review-sensitivity.js';
import { decodeBaseline, decodeServingChart, UNION_GAP_STEM, unionGapChart } from './charts/decode.js';
import { weightBaselineRow } from './review-baseline.js';
import { DECODE_CHART_STEM } from './review-serving.js';
import type { ReviewData, RunRecord } from '../review/review-data.js';
import { reviewDocument } from './review-document.js';
import { validateReviewData } from './validate.js';

export const REPORT_FILES = {
  csv: 'design-points.csv',
  markdown: 'design-review.md',
  html: 'design-review.html',
  run: 'run.json',
} as const;

export const RUN_JSON_FORMAT = 'nmsim-review-run';

export interface ReportFiles {
  /** file name → content, in the order they are listed in run.json */
  files: Map<string, string | Uint8Array>;
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Renders every deterministic report file in memory (everything but run.json).
 * `pngCacheDir`: where charts' PNGs are kept by their SVG's hash (png-cache.ts); absent = every chart rasterised.
 * `whileRasterising`: run once every chart is drawn and the tables written, before the PNGs are
 * awaited: work for the main thread while the rasterising threads finish (`nmsim review` writes
 * the cache entries it deferred, review/cache.ts DeferredStores).
 */
export async function renderReport(data: ReviewData, pngCacheDir?: string, whileRasterising?: () => Promise<void>): Promise<Map<string, string | Uint8Array>> {
  // each chart's PNG is started as soon as its SVG exists and awaited at the end: the rasterising
  // (off the main thread, png-cache.ts) overlaps drawing the other charts and writing the tables
  const renderPng = (svg: string) => ({ png: cachedPng(svg, pngCacheDir) });
  validateReviewData(data);
  // the rasterising threads boot while the charts are drawn (issue 16: their start was on the tail)
  startPngWorkers();
  // every chart's PNG is then looked up (and a miss handed to a thread) the moment its SVG exists
  if (pngCacheDir !== undefined) await pngCacheReady();
  const files = new Map<string, string | Uint8Array | Promise<Uint8Array>>();
  // the tables' places are kept first (a Map keeps a key's place when its value is set later, and
  // run.json lists the files in this order), their text written after the charts are handed out
  files.set(REPORT_FILES.csv, '');
  // every variant of the design axes, when the review swept any (review/axes.ts)
  const withVariants = data.variants !== undefined && data.variants.length > 0;
  if (withVariants) files.set(DESIGN_VARIANTS_CSV, '');
  // each chart's PNG is started the moment the chart is drawn, before the next one is; the files
  // keep the order they always had (every chart's .svg then its .png, the charts in their order)
  const chartPngs = new Map<string, Promise<Uint8Array>>();
  const drawn = (stem: string, svg: string) => chartPngs.set(stem, renderPng(svg).png);
  const place = (charts: Record<string, string>) => {
    for (const [stem, svg] of Object.entries(charts)) {
      files.set(`${stem}.svg`, svg);
      files.set(`${stem}.png`, chartPngs.get(stem) ?? renderPng(svg).png);
    }
  };
  const svgs = await renderCharts(data, undefined, drawn);
  place(svgs);
  // the energy charts, when the review priced energy (review/energy.ts)
  const energySvgs: Record<string, string> = data.energy && data.energy.length > 0 ? await renderEnergyCharts(data, accuracyAxisLabel(data.headline.accuracyKind), undefined, drawn) : {};
  place(energySvgs);
  // the sensitivity tornado, only when the review swept assumptions (review/sensitivity.ts)
  const sensitivitySvgs: Record<string, string> = data.sensitivity ? { [TORNADO_STEM]: await tornadoChart(data.sensitivity, pairText(data.sensitivity)) } : {};
  place(sensitivitySvgs);
  // the decode chart of the serving metrics (review/serving.ts), its PNG started before the union-gap chart is drawn
  const servingSvgs: Record<string, string> = {};
  if (data.serving && data.serving.rows.length > 0) drawn(DECODE_CHART_STEM, (servingSvgs[DECODE_CHART_STEM] = await decodeServingChart(data.serving, decodeBaseline(weightBaselineRow(data), data.serving))));
  if (data.serving && data.unionDensity.length > 0) servingSvgs[UNION_GAP_STEM] = await unionGapChart(data.unionDensity, data.unionDensitySource);
  place(servingSvgs);
  files.set(REPORT_FILES.csv, designPointsCsv(data.points, data.headline.frontIds, data.speedupFrontIds, data.decodeBatches, data.energy));
  if (withVariants) files.set(DESIGN_VARIANTS_CSV, designVariantsCsv(data.variants!, data.decodeBatches));
  const blocks = reviewDocument(data);
  files.set(REPORT_FILES.markdown, toMarkdown(blocks));
  files.set(REPORT_FILES.html, toHtml(data.title, blocks, { ...svgs, ...energySvgs, ...sensitivitySvgs, ...servingSvgs }));
  await whileRasterising?.();
  // the PNGs in their places, in the same order (all awaited together: a failed one rejects once)
  const entries = [...files];
  const values = await Promise.all(entries.map(([, value]) => value));
  return new Map(entries.map(([name], i) => [name, values[i]]));
}

/** run.json: inputs with hashes, tool version, output hashes, and (only here) timings. */
export function runJson(data: ReviewData, files: Map<string, string | Uint8Array>, run: RunRecord): string {
  const doc = {
    format: RUN_JSON_FORMAT,
    tool: 'nmsim',
    tool_version: run.toolVersion,
    command: run.command,
    workload: data.workload,
    inputs: {
      profiles: data.profiles.map((p) => ({ name: p.name, path: p.path, sha256: p.sha256 })),
      bundles: data.bundles.map((b) => ({ path: b.path, files: b.files.map((f) => ({ path: f.path, sha256: f.sha256 })) })),
    },
    outputs: [...files.entries()].map(([name, content]) => ({ file: name, sha256: sha256(content) })),
    design_points: data.points.length,
    timings_ms: Object.fromEntries(Object.entries(run.timingsMs).map(([k, v]) => [k, Math.round(v)])),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Every file a review report folder holds (the marker aside). */
export function reportFileNames(): string[] {
  return [...Object.values(REPORT_FILES), DESIGN_VARIANTS_CSV, ...[...CHART_STEMS, ...ENERGY_CHART_STEMS, TORNADO_STEM, DECODE_CHART_STEM, UNION_GAP_STEM].flatMap((s) => [`${s}.svg`, `${s}.png`])];
}

/**
 * A report folder written before the output marker existed: its run.json is an nmsim review
 * run.json, and the files it owns are the report files run.json lists as its outputs (a
 * one-line run.json proves nothing; anything else in the folder is someone else's).
 */
async function legacyReportFiles(dir: string, files: readonly string[]): Promise<readonly string[] | undefined> {
  if (!files.includes(REPORT_FILES.run)) return undefined;
  try {
    const run = JSON.parse(await fs.readFile(path.join(dir, REPORT_FILES.run), 'utf8'));
    if (run?.format !== RUN_JSON_FORMAT || run?.tool !== 'nmsim' || !Array.isArray(run.outputs)) return undefined;
    const names = new Set(reportFileNames());
    const listed = new Set(run.outputs.map((o: { file?: unknown }) => o?.file));
    return files.filter((f) => f === REPORT_FILES.run || (names.has(f) && listed.has(f)));
  } catch {
    return undefined;
  }
}

/** The output kind of `nmsim review --out` (io/output-folder.ts: replaced only when it is one). */
export const REVIEW_REPORT_OUTPUT: OutputKind = { id: 'review-report', label: 'review report', legacyFiles: legacyReportFiles };

export interface WrittenReport {
  outDir: string;
  files: string[];
  headlinePng: string;
  /** notes from the output folder (e.g. a restored earlier report), when the caller gave no onWarning */
  warnings: Diagnostic[];
}

/**
 * `opts.cacheDir`: the review's cache folder, where chart PNGs are kept by their SVG's hash
 * (png-cache.ts). `opts.whileRasterising`: renderReport's, run while the charts rasterise.
 */
export async function writeReviewReport(outDir: string, data: ReviewData, run: RunRecord, opts: ClaimOptions & { cacheDir?: string; whileRasterising?: () => Promise<void> } = {}): Promise<WrittenReport> {
  const claim = await claimOutputFolder(outDir, REVIEW_REPORT_OUTPUT, opts);
  try {
    const started = performance.now();
    const files = await renderReport(data, opts.cacheDir, opts.whileRasterising);
    const timingsMs = { ...run.timingsMs, render_ms: performance.now() - started };
    const runText = runJson(data, files, { ...run, timingsMs });
    await claim.write(async (tmp) => {
      for (const [name, content] of files) await fs.writeFile(path.join(tmp, name), content);
      await fs.writeFile(path.join(tmp, REPORT_FILES.run), runText);
    });
    // the cache keeps the newest entries of each kind; this review's own (used since the process
    // began, less 2 s for file systems with coarse timestamps) always stay
    if (opts.cacheDir !== undefined) await pruneCache(opts.cacheDir, performance.timeOrigin - 2000);
    return {
      outDir,
      files: [...files.keys(), REPORT_FILES.run],
      headlinePng: path.join(outDir, `${HEADLINE_CHART}.png`),
      warnings: claim.warnings,
    };
  } finally {
    await claim.release();
  }
}

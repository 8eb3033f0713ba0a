/**
 * Writes a design-review report folder. Pipeline:
 *
 *   ReviewData ─▶ renderCharts (SVG) ─▶ renderPng ─┐
 *              ─▶ designPointsCsv                   ├─▶ all bytes in memory ─▶ writeDirAtomic(out)
 *              ─▶ reviewDocument ─▶ md / html ───────┘
 *
 * Every byte is produced before the folder is touched, then the folder is written into a
 * temporary sibling and swapped in: a failed run leaves the previous report as it was.
 * Every file but run.json is a pure function of ReviewData (byte-identical across runs);
 * run.json adds timings.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { usageError } from '../diagnostics.js';
import { writeDirAtomic } from '../io/atomic.js';
import { CHART_STEMS, HEADLINE_CHART, renderCharts } from './charts/index.js';
import { designPointsCsv } from './design-points-csv.js';
import { toHtml, toMarkdown } from './document.js';
import { renderPng } from './png.js';
import type { ReviewData, RunRecord } from './review-data.js';
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

/** Renders every deterministic report file in memory (everything but run.json). */
export async function renderReport(data: ReviewData): Promise<Map<string, string | Uint8Array>> {
  validateReviewData(data);
  const files = new Map<string, string | Uint8Array>();
  files.set(REPORT_FILES.csv, designPointsCsv(data.points, data.headline.frontIds, data.speedupFrontIds, data.decodeBatches));
  const svgs = await renderCharts(data);
  for (const stem of CHART_STEMS) {
    files.set(`${stem}.svg`, svgs[stem]);
    files.set(`${stem}.png`, (await renderPng(svgs[stem])).png);
  }
  const blocks = reviewDocument(data);
  files.set(REPORT_FILES.markdown, toMarkdown(blocks));
  files.set(REPORT_FILES.html, toHtml(data.title, blocks, svgs));
  return files;
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

/**
 * Refuses to replace a folder that is not an earlier nmsim report (writeDirAtomic swaps the
 * whole folder, so `--out ~/Documents` must not be accepted).
 */
async function assertReplaceable(outDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(outDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') {
      throw usageError({ code: 'report/out-not-folder', file: outDir, message: `--out ${outDir} is a file, not a folder.`, hint: 'give a folder path, e.g. reports/review.' });
    }
    throw e;
  }
  if (entries.length === 0) return;
  let isReport = false;
  try {
    const run = JSON.parse(await fs.readFile(path.join(outDir, REPORT_FILES.run), 'utf8'));
    isReport = run?.format === RUN_JSON_FORMAT;
  } catch {
    isReport = false;
  }
  if (!isReport) {
    throw usageError({
      code: 'report/out-not-a-report',
      file: outDir,
      message: `--out ${outDir} exists and is not an nmsim review report; refusing to replace it.`,
      expected: 'a new folder, an empty folder, or an earlier report folder (with run.json)',
      hint: 'choose another --out, e.g. reports/review.',
    });
  }
}

export interface WrittenReport {
  outDir: string;
  files: string[];
  headlinePng: string;
}

export async function writeReviewReport(outDir: string, data: ReviewData, run: RunRecord): Promise<WrittenReport> {
  await assertReplaceable(outDir);
  const started = performance.now();
  const files = await renderReport(data);
  const timingsMs = { ...run.timingsMs, render_ms: performance.now() - started };
  const runText = runJson(data, files, { ...run, timingsMs });
  await writeDirAtomic(outDir, async (tmp) => {
    for (const [name, content] of files) await fs.writeFile(path.join(tmp, name), content);
    await fs.writeFile(path.join(tmp, REPORT_FILES.run), runText);
  });
  return {
    outDir,
    files: [...files.keys(), REPORT_FILES.run],
    headlinePng: path.join(outDir, `${HEADLINE_CHART}.png`),
  };
}

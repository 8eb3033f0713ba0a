/**
 * SVG → PNG with resvg. Fonts are passed explicitly from the npm package dejavu-fonts-ttf and
 * system fonts are not loaded: without a font resvg silently drops every glyph, and system
 * fonts would make the PNG depend on the machine.
 */
import { createRequire } from 'node:module';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CHART_FONT_FAMILY } from './charts/frame.js';
import type { PngReply, PngRequest } from './png-worker.js';
import { startWorker } from '../worker-exec-argv.js';

export const PNG_ZOOM = 2;

/** Absolute paths of the DejaVu Sans regular and bold faces shipped by dejavu-fonts-ttf. */
export function chartFontFiles(): string[] {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return [path.join(dir, 'DejaVuSans.ttf'), path.join(dir, 'DejaVuSans-Bold.ttf')];
}

export interface PngOptions {
  /** false renders with no fonts at all (every glyph disappears) — only for tests */
  withFonts?: boolean;
  zoom?: number;
}

export interface RenderedPng {
  png: Uint8Array;
  widthPx: number;
  heightPx: number;
  /** RGBA, row-major */
  pixels: Uint8Array;
}

/** resvg's options for a chart: the zoom, a white background, the DejaVu faces only (or none). */
export function resvgOptions(opts: PngOptions = {}): ResvgRenderOptions {
  const withFonts = opts.withFonts ?? true;
  return {
    fitTo: { mode: 'zoom', value: opts.zoom ?? PNG_ZOOM },
    background: '#ffffff',
    font: withFonts
      ? { loadSystemFonts: false, fontFiles: chartFontFiles(), defaultFontFamily: CHART_FONT_FAMILY, sansSerifFamily: CHART_FONT_FAMILY }
      : { loadSystemFonts: false, fontFiles: [], defaultFontFamily: '' },
    logLevel: 'off',
  };
}

export async function renderPng(svg: string, opts: PngOptions = {}): Promise<RenderedPng> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, resvgOptions(opts));
  const img = resvg.render();
  return { png: new Uint8Array(img.asPng()), widthPx: img.width, heightPx: img.height, pixels: new Uint8Array(img.pixels) };
}

/**
 * Worker threads a process rasterises on (png-worker.ts): two, or one on a one-CPU machine. A
 * review's last charts (the decode chart, the energy charts) are drawn after the others, and
 * rasterising them (~90 ms a chart at zoom 2) was a tail with the main thread idle: with a
 * second thread the tail's charts are drawn two at a time (issue 16).
 */
export const PNG_WORKERS = Math.max(1, Math.min(2, availableParallelism()));

interface PngWorkerState {
  worker: Worker;
  pending: Map<number, { resolve: (png: Uint8Array) => void; reject: (e: Error) => void }>;
  /** charts this worker was handed (pngWorkerLoad) */
  served: number;
}

/** The pool, started on the first PNG; each worker referenced only while one of its PNGs is pending. */
let pngWorkers: PngWorkerState[] = [];
let nextPngId = 0;

/** Compiled code can start the workers; under ts-jest (a .ts module) the PNG is drawn by renderAsync instead. */
function pngWorkerScript(): URL | null {
  return import.meta.url.endsWith('.js') ? new URL('./png-worker.js', import.meta.url) : null;
}

function startPngWorker(script: URL): PngWorkerState {
  const worker = startWorker(script);
  const state: PngWorkerState = { worker, pending: new Map(), served: 0 };
  const failAll = (e: Error) => {
    for (const p of state.pending.values()) p.reject(e);
    state.pending.clear();
    pngWorkers = pngWorkers.filter((w) => w !== state);
  };
  worker.on('message', (m: PngReply) => {
    const p = state.pending.get(m.id);
    if (!p) return;
    state.pending.delete(m.id);
    if (state.pending.size === 0) worker.unref();
    if ('png' in m) p.resolve(m.png);
    else p.reject(new Error(`resvg could not rasterise a chart: ${m.error}`));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the PNG worker thread exited (code ${code})`)));
  worker.unref();
  return state;
}

/** Starts the pool's missing workers (unreferenced: an idle worker never holds the process open). */
function ensurePngWorkers(script: URL): void {
  while (pngWorkers.length < PNG_WORKERS) pngWorkers.push(startPngWorker(script));
}

/**
 * Starts the PNG workers now (none under ts-jest, where they cannot run), so that their start (a
 * thread, node's bootstrap, loading resvg: ~50–60 ms each) overlaps the caller's drawing instead
 * of delaying its first PNG (report/write-report.ts renderReport). Unreferenced: an idle worker
 * never holds the process open.
 */
export function startPngWorkers(): void {
  const script = pngWorkerScript();
  if (script !== null) ensurePngWorkers(script);
}

/** Charts handed to each live PNG worker so far (tests: started together, they are spread over the pool). */
export function pngWorkerLoad(): number[] {
  return pngWorkers.map((w) => w.served);
}

/**
 * renderPng(svg, opts).png, rasterised off the main thread: compiled code hands the SVG to a
 * worker thread of the pool (PNG_WORKERS; png-worker.ts: parse, draw and PNG encoding there), so a review goes on drawing
 * its other charts and writing its tables meanwhile; under ts-jest resvg's renderAsync draws on
 * libuv's pool and encodes here. Same options, same bytes (test/report/png-cache.test.ts,
 * test/report/png-worker.test.ts).
 */
export async function renderPngOffThread(svg: string, opts: PngOptions = {}): Promise<Uint8Array> {
  const script = pngWorkerScript();
  if (script === null) {
    const { renderAsync } = await import('@resvg/resvg-js');
    const img = await renderAsync(svg, resvgOptions(opts));
    return new Uint8Array(img.asPng());
  }
  ensurePngWorkers(script);
  // the worker with the fewest charts pending (the first on a tie): charts started together alternate
  const state = pngWorkers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  const id = nextPngId++;
  const done = new Promise<Uint8Array>((resolve, reject) => state.pending.set(id, { resolve, reject }));
  state.served++;
  state.worker.ref();
  state.worker.postMessage({ id, svg, options: resvgOptions(opts) } satisfies PngRequest);
  return done;
}

/**
 * SVG → PNG with resvg. Fonts are passed explicitly from the npm package dejavu-fonts-ttf and
 * system fonts are not loaded: without a font resvg silently drops every glyph, and system
 * fonts would make the PNG depend on the machine.
 */
import { createRequire } from 'node:module';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import * as path from 'node:path';
import { CHART_FONT_FAMILY } from './charts/frame.js';

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
 * renderPng(svg, opts).png, rasterised off the main thread: resvg's renderAsync parses and draws
 * on libuv's thread pool, so a review goes on drawing its other charts and writing its tables
 * meanwhile (rerun16d; the same options, the same bytes — test/report/png-cache.test.ts).
 */
export async function renderPngOffThread(svg: string, opts: PngOptions = {}): Promise<Uint8Array> {
  const { renderAsync } = await import('@resvg/resvg-js');
  const img = await renderAsync(svg, resvgOptions(opts));
  return new Uint8Array(img.asPng());
}

/** Ink counts in a rendered chart PNG (the tests that check text and markers are really drawn). */
import { PNG_ZOOM, type RenderedPng } from '../../src/report/png.js';

/** A rectangle in chart coordinates (SVG px; the PNG is PNG_ZOOM times larger). */
export interface ChartRegion {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Pixels in `r` darker than mid-grey (the sum of R, G and B below 3 × 160). */
export function darkPixels(img: RenderedPng, r: ChartRegion): number {
  let n = 0;
  for (let y = Math.round(r.y0 * PNG_ZOOM); y < r.y1 * PNG_ZOOM; y++) {
    for (let x = Math.round(r.x0 * PNG_ZOOM); x < r.x1 * PNG_ZOOM; x++) {
      const i = (y * img.widthPx + x) * 4;
      if (img.pixels[i] + img.pixels[i + 1] + img.pixels[i + 2] < 3 * 160) n++;
    }
  }
  return n;
}

/** darkPixels as a share of the rectangle's pixels. */
export function darkShare(img: RenderedPng, r: ChartRegion): number {
  return darkPixels(img, r) / ((r.x1 - r.x0) * (r.y1 - r.y0) * PNG_ZOOM * PNG_ZOOM);
}

/**
 * Issue 14, the weight baseline on the scatter charts: weight points are diamonds with their own
 * legend entry ("weights 2:4, wanda", drawn with a font in the PNG), hover details that say
 * "weights 2:4, wanda", only the most accurate weight run per pattern (a worse criterion would
 * only stretch the axis), never on a front; a review without weight points draws none of it.
 */
import { bestWeightPoints, renderCharts } from '../../src/report/charts/index.js';
import { renderPng } from '../../src/report/png.js';
import type { ReviewData } from '../../src/review/review-data.js';
import { fixtureReviewData, fixtureWeightPoint } from './fixture.js';
import { darkShare } from '../helpers/png-ink.js';


function withWeights(): ReviewData {
  const data = fixtureReviewData();
  const wanda = fixtureWeightPoint('a100-like', 'wanda', 6.1, 1.32);
  return { ...data, points: [...data.points, fixtureWeightPoint('a100-like', 'magnitude', 11.6, 1.32), wanda], weightBaselineId: wanda.id };
}

describe('weight points on the scatter charts', () => {
  let svgs: Record<string, string>;
  beforeAll(async () => {
    svgs = await renderCharts(withWeights());
  }, 60_000);

  it.each(['accuracy-vs-area', 'accuracy-vs-speedup'])('%s draws the wanda weight point as a diamond with hover details "weights 2:4, wanda", and leaves the magnitude run out', (stem) => {
    const svg = svgs[stem];
    const diamonds = [...svg.matchAll(/<path class="point weight-point" data-point="([^"]+)" d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+L[\d.]+,[\d.]+L[\d.]+,[\d.]+Z"[^>]*data-config="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(diamonds).toEqual([['a100-like|2:4|wanda|none|weight', 'a100-like · weights 2:4, wanda']]);
    expect(svg).toContain('weights 2:4, wanda');
    expect(svg).toMatch(/<title>a100-like · weights 2:4, wanda\n/);
    expect(svg).not.toContain('a100-like|2:4|magnitude|none|weight');
    // the baseline is labelled beside its marker
    expect(svg).toContain('>2:4 weights a100-like</text>');
  });

  it('has a legend entry for the weight marker whose text the PNG draws with a font', async () => {
    const svg = svgs['accuracy-vs-area'];
    const legend = svg.match(/<g class="legend" transform="translate\(([\d.]+),([\d.]+)\)">(.*?)<\/g>/)!;
    const [lx, ly] = [Number(legend[1]), Number(legend[2])];
    const entry = legend[3].match(/<path d="M6,([\d.]+)L[^"]*"[^>]*><\/path><text x="20" y="([\d.]+)">weights 2:4, wanda<\/text>/)!;
    expect(entry).not.toBeNull();
    const y = Number(entry[2]);
    const band = { x0: lx + 20, y0: ly + y - 11, x1: lx + 120, y1: ly + y + 3 };
    const withFonts = await renderPng(svg);
    const noFonts = await renderPng(svg, { withFonts: false });
    expect(darkShare(noFonts, band)).toBe(0);
    expect(darkShare(withFonts, band)).toBeGreaterThan(0.03);
  }, 60_000);

  it('keeps the most accurate weight run of each pattern, on every core it is on', () => {
    const data = withWeights();
    const h100 = fixtureWeightPoint('h100-like', 'wanda', 6.1, 1.28);
    expect([...bestWeightPoints([...data.points, h100])].sort()).toEqual(['a100-like|2:4|wanda|none|weight', 'h100-like|2:4|wanda|none|weight']);
  });

  it('draws no diamond and no weight legend without weight points', async () => {
    const plain = await renderCharts(fixtureReviewData());
    for (const stem of ['accuracy-vs-area', 'accuracy-vs-speedup'] as const) {
      expect(plain[stem]).not.toContain('weight-point');
      expect(plain[stem]).not.toContain('weights');
    }
  }, 60_000);
});

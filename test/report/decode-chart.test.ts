/**
 * Issue 16, the decode chart (report/charts/decode.ts): the weight baseline — 2:4 weights on
 * today's core — is its own series of diamonds with a legend entry, and a batch that does not fit
 * in the core's DRAM is a grey ring off its pattern's line. Positions are checked against the
 * chart's own axis (pixel y falls as the speed-up rises), sizes against bytes derived by hand.
 */
import * as path from 'node:path';
import { loadProfile } from '../../src/profile/load.js';
import { decodeBaseline, decodeServingChart } from '../../src/report/charts/decode.js';
import { CHART_WIDTH_PX, textWidthPx } from '../../src/report/charts/frame.js';
import { renderPng } from '../../src/report/png.js';
import { servingFor } from '../../src/review/serving.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { fixtureWeightPoint } from './fixture.js';
import { darkShare } from '../helpers/png-ink.js';

async function serving() {
  const profile = (await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'))).profile;
  return servingFor([profile], [parsePattern('8:16')], MODEL_CATALOG['llama3.1-8b'], [], { promptTokens: 2048, outputTokens: 256 }, 50, [1, 8, 256]);
}

/** centre y of a diamond path "M cx,top L right,cy L cx,bottom L left,cy Z" */
const diamondY = (d: string) => Number(/L[\d.]+,([\d.]+)L/.exec(d)![1]);

describe('the decode chart', () => {
  it('draws the weight baseline as diamonds at its decode batches, with its legend entry', async () => {
    const point = fixtureWeightPoint('a100-like', 'wanda', 60.821, 1.31);
    point.decode = [
      { batchTokens: 1, speedup: 1.55, ioSavingsFraction: 0.4 },
      { batchTokens: 8, speedup: 1.41, ioSavingsFraction: 0.4 },
    ];
    const baseline = decodeBaseline({ label: "2:4 weights on today's core", point })!;
    expect(baseline.label).toBe('2:4 weights, a100-like');
    const svg = await decodeServingChart(await serving(), baseline);
    const diamonds = [...svg.matchAll(/<path class="point weight-point" tabindex="0" data-batch="(\d+)" d="([^"]+)"/g)];
    expect(diamonds.map((m) => m[1])).toEqual(['1', '8']);
    // 1.55× sits higher on the chart (smaller y) than 1.41×
    expect(diamondY(diamonds[0][2])).toBeLessThan(diamondY(diamonds[1][2]));
    expect(svg).toContain('<path class="weight-baseline"');
    expect(svg).toContain('>2:4 weights, a100-like</text>');
    expect(svg).toContain('decode speed-up 1.55× (weights pruned offline');
    // its decode is the design point's, at the review's --context (4096 on the fixture), not the serving mix's 2176: said on the chart
    expect(svg).toContain('<title>2:4 weights, a100-like · B = 1, context 4096\n');
    expect(svg).toMatch(/the review's weight baseline at B = 1, 8, context[\s\S]{0,40}4096/);
  });

  it('draws the baseline’s legend entry — a diamond and its text — in the PNG, inside the chart', async () => {
    const point = fixtureWeightPoint('a100-like', 'wanda', 60.821, 1.31);
    const svg = await decodeServingChart(await serving(), decodeBaseline({ label: "2:4 weights on today's core", point }));
    const legend = svg.match(/<g class="legend" transform="translate\(([\d.]+),([\d.]+)\)">(.*?)<\/g>/)!;
    const [lx, ly] = [Number(legend[1]), Number(legend[2])];
    const entry = legend[3].match(/<path d="M6,[\d.]+L[^"]*"[^>]*><\/path><text x="20" y="([\d.]+)">2:4 weights, a100-like<\/text>/)!;
    expect(entry).not.toBeNull();
    const y = Number(entry[1]);
    // the legend's text is the chart's 12 px (frame.ts); its conservative width must end inside the chart
    expect(lx + 20 + textWidthPx('2:4 weights, a100-like', 12)).toBeLessThanOrEqual(CHART_WIDTH_PX);
    const band = { x0: lx + 20, y0: ly + y - 11, x1: lx + 120, y1: ly + y + 3 };
    const withFonts = await renderPng(svg);
    const noFonts = await renderPng(svg, { withFonts: false });
    expect(darkShare(noFonts, band)).toBe(0);
    expect(darkShare(withFonts, band)).toBeGreaterThan(0.03);
    // the marker: the diamond left of the text is black in both
    const marker = { x0: lx + 2, y0: ly + y - 6, x1: lx + 10, y1: ly + y + 2 };
    expect(darkShare(noFonts, marker)).toBeGreaterThan(0.3);
  }, 60_000);

  it('has no baseline series or legend entry without a weight baseline', async () => {
    const svg = await decodeServingChart(await serving());
    expect(svg).not.toContain('weight-point');
    expect(svg).not.toContain('weights, ');
  });

  it('greys the batch that does not fit in 80 GB and keeps it off the pattern’s line', async () => {
    const svg = await decodeServingChart(await serving());
    const noFit = [...svg.matchAll(/<circle class="point no-fit" tabindex="0" data-pattern="8:16" data-batch="(\d+)"/g)].map((m) => m[1]);
    expect(noFit).toEqual(['256']);
    // 16,060,522,496 B of weights + 131,072 B per token × 2,304 tokens × 256 = 93,369,933,824 B
    expect(svg).toContain('does not fit: weights + KV cache 93.4 GB &gt; 80.0 GB of device memory');
    expect(svg).toContain('>does not fit in DRAM</text>');
    // the 8:16 line joins B = 1 and 8 only: one move and one line segment
    const line = /<path d="(M[^"]+)" fill="none" stroke="[^"]+" stroke-width="2"/.exec(svg)![1];
    expect(line.match(/[ML]/g)).toEqual(['M', 'L']);
  });
});

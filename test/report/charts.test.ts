/**
 * What a reader of the review's charts saw go wrong, each checked on the rendered SVG (and PNG
 * where the problem is what is drawn): the speed-up axis, labels off the front, hover details,
 * the cut subtitle, totals without separators, and error bars from an accuracy interval.
 */
import { readFileSync } from 'node:fs';
import { renderCharts } from '../../src/report/charts/index.js';
import { CHART_WIDTH_PX, textWidthPx } from '../../src/report/charts/frame.js';
import { chartFontFiles, PNG_ZOOM, renderPng } from '../../src/report/png.js';
import { nm } from '../../src/sparsity/pattern.js';
import type { ReviewData } from '../../src/review/review-data.js';
import { fixtureReviewData } from './fixture.js';
import { parseXml } from './xml.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type El = any;

function elements(root: El, selector: (e: El) => boolean): El[] {
  const out: El[] = [];
  const walk = (e: El) => {
    for (const c of Array.from(e.children ?? []) as El[]) {
      if (selector(c)) out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

const byClass = (root: El, cls: string) => elements(root, (e) => (e.getAttribute('class') ?? '').split(' ').includes(cls));
const texts = (root: El) => elements(root, (e) => e.tagName === 'text').map((t) => t.textContent as string);

/**
 * An axis' ticks as [value, pixel] pairs, read off the SVG (value from the label, pixel from the
 * transform, less the half pixel d3-axis adds outside a browser so 1 px lines fall on pixel centres).
 */
const D3_AXIS_OFFSET_PX = 0.5;
function ticks(svg: El, axis: 'x-axis' | 'y-axis'): [number, number][] {
  const g = byClass(svg, axis)[0];
  return byClass(g, 'tick').map((t: El) => {
    const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(t.getAttribute('transform'))!;
    const value = Number((elements(t, (e) => e.tagName === 'text')[0].textContent as string).replace(/[,×%]/g, ''));
    return [value, Number(axis === 'x-axis' ? m[1] : m[2]) - D3_AXIS_OFFSET_PX];
  });
}

async function chart(data: ReviewData, stem: keyof Awaited<ReturnType<typeof renderCharts>>): Promise<El> {
  const svgs = await renderCharts(data);
  return (await parseXml(svgs[stem])).documentElement;
}

describe('accuracy-vs-speedup', () => {
  it('starts its speed-up axis at 1× when every point lies between 1.12× and 1.26× (a 2 % gap must not fill the chart)', async () => {
    const data = fixtureReviewData();
    const speeds = [1.12, 1.15, 1.26, 1.2, 1.18, 1.22];
    data.points = data.points.map((p, i) => ({ ...p, prefillSpeedup: speeds[i] }));
    const svg = await chart(data, 'accuracy-vs-speedup');
    const xs = ticks(svg, 'x-axis');
    const [firstValue, firstPx] = xs.reduce((a, b) => (b[0] < a[0] ? b : a));
    expect(firstValue).toBe(1);
    expect(firstPx).toBe(0); // the axis begins at 1×, the left edge of the plot
    // and the largest point still fits: the last tick is at or past 1.26
    expect(Math.max(...xs.map((t) => t[0]))).toBeGreaterThanOrEqual(1.25);
  });

  it('keeps slow-downs visible: a point at 0.9× puts the axis below 1', async () => {
    const data = fixtureReviewData();
    data.points = data.points.map((p, i) => ({ ...p, prefillSpeedup: i === 0 ? 0.9 : 1.2 }));
    const xs = ticks(await chart(data, 'accuracy-vs-speedup'), 'x-axis');
    expect(Math.min(...xs.map((t) => t[0]))).toBeLessThanOrEqual(0.9);
  });
});

describe('labels and hover details on scatter points', () => {
  it('labels a point the recommendation names even when it is off the front of that chart', async () => {
    const data = fixtureReviewData();
    // the recommendation compares 8:16 magnitude+var (act-8of16) with 16:32 magnitude+var (act-16of32);
    // put only the 8:16 point on the speed-up front
    expect(data.recommendation.outcome).toBe('front');
    data.speedupFrontIds = [data.points[1].id];
    const svg = await chart(data, 'accuracy-vs-speedup');
    const labels = texts(byClass(svg, 'point-labels')[0]);
    expect(labels).toEqual(expect.arrayContaining(['8:16 act-8of16', '16:32 act-16of32']));
    // a point that is neither on the front nor named stays unlabelled (its details are on hover)
    expect(labels).toHaveLength(2);
  });

  it('gives every point a <title> with configuration, accuracy, area and speed-ups, and the same as data attributes', async () => {
    const data = fixtureReviewData();
    const svg = await chart(data, 'accuracy-vs-area');
    const circles = elements(byClass(svg, 'points')[0], (e) => e.tagName === 'circle');
    expect(circles).toHaveLength(4); // the four measured points of the fixture
    const p = circles.find((c: El) => c.getAttribute('data-config') === 'act-8of16 · 8:16 magnitude+var');
    expect(p).toBeDefined();
    const title = elements(p, (e) => e.tagName === 'title')[0].textContent as string;
    // fixture: perplexity 3.9, area 110,000 µm² (+10 %), prefill 1.6×, decode 1.6·0.92 = 1.472× (B = 1), 1.6·0.8 = 1.28× (B = 8)
    for (const s of ['act-8of16', '8:16 magnitude+var', 'measured perplexity 3.9000', '110,000 µm²', '+10.00%', 'prefill 1.60×', '1.47× (B = 1)', '1.28× (B = 8)', 'on the Pareto front']) {
      expect({ s, found: title.includes(s) }).toEqual({ s, found: true });
    }
    expect(p.getAttribute('data-accuracy')).toBe('3.9000');
    expect(p.getAttribute('data-area-um2')).toBe('110,000');
    expect(p.getAttribute('data-prefill-speedup')).toBe('1.60×');
    for (const c of circles) expect(elements(c, (e) => e.tagName === 'title')).toHaveLength(1);
  });

  it('names the bottleneck and the accuracy interval in the details when the data has them', async () => {
    const data = fixtureReviewData();
    data.points[1] = { ...data.points[1], accuracy: { ...data.points[1].accuracy, interval: [3.85, 3.96] }, bottleneck: 'DRAM bandwidth' } as ReviewData['points'][number];
    const svg = await chart(data, 'accuracy-vs-area');
    const p = elements(byClass(svg, 'points')[0], (e) => e.tagName === 'circle').find((c: El) => c.getAttribute('data-config') === 'act-8of16 · 8:16 magnitude+var');
    const title = elements(p, (e) => e.tagName === 'title')[0].textContent as string;
    expect(title).toContain('3.9000 (95 % interval 3.8500–3.9600)');
    expect(title).toContain('bottleneck: DRAM bandwidth');
    expect(p.getAttribute('data-interval')).toBe('3.8500–3.9600');
    expect(p.getAttribute('data-bottleneck')).toBe('DRAM bandwidth');
  });

  it('draws an error bar from the lower to the upper bound of an accuracy interval, on the accuracy axis scale', async () => {
    const data = fixtureReviewData();
    data.points[3] = { ...data.points[3], accuracy: { ...data.points[3].accuracy, interval: [3.6, 3.82] } };
    const svg = await chart(data, 'accuracy-vs-area');
    const bars = elements(byClass(svg, 'error-bars')[0], (e) => e.tagName === 'line' && e.getAttribute('class') === 'error-bar');
    expect(bars).toHaveLength(1);
    const ys = ticks(svg, 'y-axis');
    // the y scale from two ticks: linear, value → pixel
    const [[v0, p0], [v1, p1]] = [ys[0], ys[ys.length - 1]];
    const y = (v: number) => p0 + ((v - v0) * (p1 - p0)) / (v1 - v0);
    const [y1, y2] = [Number(bars[0].getAttribute('y1')), Number(bars[0].getAttribute('y2'))].sort((a, b) => b - a);
    expect(Math.abs(y1 - y(3.6))).toBeLessThan(0.02);
    expect(Math.abs(y2 - y(3.82))).toBeLessThan(0.02);
    // points without an interval get none
    expect(bars[0].getAttribute('data-point')).toBe(data.points[3].id);
    // and the legend says what the bars are, only when there are some
    expect(texts(byClass(svg, 'legend')[0])).toContain('95 % interval');
    expect(texts(byClass(await chart(fixtureReviewData(), 'accuracy-vs-area'), 'legend')[0])).not.toContain('95 % interval');
  });

  it('does not let front labels overlap: crowded points get label boxes that do not intersect', async () => {
    const data = fixtureReviewData();
    // six front points within a few pixels of each other, each on its own core
    data.points = data.points.map((p, i) => ({ ...p, profile: `core-${i}`, id: `core-${i}|${p.id}`, accuracy: { ...p.accuracy, kind: 'measured-perplexity', value: 3.7 + i * 0.002 }, areaOverheadFraction: 0.15 + i * 0.001 }));
    data.headline.frontIds = data.points.map((p) => p.id);
    const svg = await chart(data, 'accuracy-vs-area');
    const labels = elements(byClass(svg, 'point-labels')[0], (e) => e.tagName === 'text');
    expect(labels.length).toBeGreaterThanOrEqual(1);
    // DejaVu Sans 10 px: ≤ 6.2 px per character, 10 px ascent (a conservative box)
    const boxes = labels.map((t: El) => {
      const x = Number(t.getAttribute('x'));
      const yb = Number(t.getAttribute('y'));
      return { x0: x, x1: x + (t.textContent as string).length * 6.2, y0: yb - 10, y1: yb + 2 };
    });
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
        expect({ i, j, overlap }).toEqual({ i, j, overlap: false });
      }
    }
    // every point is still reachable: each has its details
    expect(elements(byClass(svg, 'points')[0], (e) => e.tagName === 'title')).toHaveLength(6);
    // a label moved off its point's line (baseline not 8 px above any point) is joined to its point
    // by a leader that starts on the rim of a front marker (r = 6)
    const circles = elements(byClass(svg, 'points')[0], (e) => e.tagName === 'circle').map((c: El) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]);
    const moved = labels.filter((t: El) => !circles.some(([, cy]) => Math.abs(Number(t.getAttribute('y')) - (cy - 8)) < 0.02));
    const leaders = elements(byClass(svg, 'label-leaders')[0], (e) => e.tagName === 'line');
    expect(leaders).toHaveLength(moved.length);
    expect(leaders.length).toBeGreaterThan(0); // six points a few pixels apart: some labels had to move
    for (const l of leaders) {
      const [x1, y1] = [Number(l.getAttribute('x1')), Number(l.getAttribute('y1'))];
      const rim = Math.min(...circles.map(([cx, cy]) => Math.abs(Math.hypot(x1 - cx, y1 - cy) - 6)));
      expect(rim).toBeLessThan(0.05);
    }
  });
});

describe('hover details on the other charts', () => {
  const titles = (svg: El) => elements(svg, (e) => e.tagName === 'title').map((t: El) => t.textContent as string);

  it('each union-density marker names its pattern, batch, measured and independence densities and the gap', async () => {
    const svg = await chart(fixtureReviewData(), 'union-density');
    const marks = elements(svg, (e) => e.tagName === 'circle' && e.getAttribute('class') === 'point');
    expect(marks).toHaveLength(4); // 8:16 at B = 1, 2, 4, 8
    // fixture at B = 2: measured 1 − 0.5² · 1.2 = 0.700, independence 1 − 0.5² = 0.750, gap −5.0 pp
    expect(titles(svg)).toContain('8:16 · decode batch B = 2\nmeasured union density 0.700\nindependence 1 − (1 − d)^B 0.750 (measured -5.0 pp)');
  });

  it('each bar segment names its group, series and value', async () => {
    // fixture: 16:32 selector 20,000 µm²; 8:16 bitmask saves 1 − 0.5625 = 43.75 % (one decimal: 43.8 %)
    expect(titles(await chart(fixtureReviewData(), 'area-breakdown'))).toContain('16:32 · selector: 20,000 µm²');
    expect(titles(await chart(fixtureReviewData(), 'io-savings'))).toContain('8:16 · bitmask: 43.8%');
  });
});

describe('area-breakdown', () => {
  const LONG = ['h100-like-datacenter', 'act-4of8-sorted-mux', 'act-8of16-hierarchical', 'act-16of32-hierarchical', 'act-flex-combinatorial'];
  const longData = () => {
    const data = fixtureReviewData();
    const patterns = [nm(2, 4), nm(4, 8), nm(8, 16), nm(16, 32), nm(16, 32)];
    data.areaBreakdown = LONG.slice(0, 4).flatMap((profile, i) => [
      { pattern: patterns[i], profile, core: 'profile' as const, component: 'mac_array', areaUm2: 1_000_000, source: 'fixture' },
      { pattern: patterns[i], profile, core: 'profile' as const, component: 'selector', areaUm2: 12_345 * (i + 1), source: 'fixture' },
    ]);
    data.areaBreakdown.push({ pattern: { kind: 'unstructured' }, profile: LONG[4], core: 'single-pattern-variant', component: 'mac_array', areaUm2: 1_000_000, source: 'fixture' });
    return data;
  };

  it('shows every core of its subtitle in full (no "…"), even with five long core names', async () => {
    const svg = await chart(longData(), 'area-breakdown');
    const subtitle = byClass(svg, 'subtitle')
      .map((t: El) => t.textContent as string)
      .join(' ');
    expect(subtitle).not.toContain('…');
    for (const core of LONG) expect({ core, shown: subtitle.includes(core) }).toEqual({ core, shown: true });
  });

  it('draws the subtitle inside the chart: no ink in the 4 px at its right edge', async () => {
    const svgText = (await renderCharts(longData()))['area-breakdown'];
    const png = await renderPng(svgText);
    const svg = (await parseXml(svgText)).documentElement;
    const lines = byClass(svg, 'subtitle');
    const lastY = Math.max(...lines.map((t: El) => Number(t.getAttribute('y'))));
    let ink = 0;
    for (let y = 30 * PNG_ZOOM; y < (lastY + 4) * PNG_ZOOM; y++) {
      for (let x = (CHART_WIDTH_PX - 4) * PNG_ZOOM; x < CHART_WIDTH_PX * PNG_ZOOM; x++) {
        const i = (y * png.widthPx + x) * 4;
        if (png.pixels[i] + png.pixels[i + 1] + png.pixels[i + 2] < 3 * 200) ink++;
      }
    }
    expect(ink).toBe(0);
    // and the wrapped lines sit above the plot: the first gridline is below the last subtitle line
    const plot = byClass(svg, 'plot')[0];
    const top = Number(/translate\([-\d.]+,([-\d.]+)\)/.exec(plot.getAttribute('transform'))![1]);
    expect(top).toBeGreaterThan(lastY + 4);
  });

  it('writes bar totals with thousands separators', async () => {
    const svg = await chart(fixtureReviewData(), 'area-breakdown');
    // fixture: 100,000 + 10,000 and 100,000 + 20,000 µm²
    expect(texts(svg)).toEqual(expect.arrayContaining(['110,000', '120,000']));
    expect(texts(svg)).not.toContain('110000');
  });
});

/**
 * The advance widths of DejaVu Sans read straight from the TTF (tables cmap format 4, hhea,
 * hmtx), an implementation independent of the chart code, to check its width estimate.
 */
function dejavuAdvanceEm(fontFile: string): (ch: string) => number {
  const d = readFileSync(fontFile);
  const tables = new Map<string, number>();
  for (let i = 0; i < d.readUInt16BE(4); i++) tables.set(d.toString('latin1', 12 + 16 * i, 16 + 16 * i), d.readUInt32BE(20 + 16 * i));
  const head = tables.get('head')!;
  const unitsPerEm = d.readUInt16BE(head + 18);
  const metrics = d.readUInt16BE(tables.get('hhea')! + 34);
  const hmtx = tables.get('hmtx')!;
  const cmap = tables.get('cmap')!;
  let sub = -1;
  for (let i = 0; i < d.readUInt16BE(cmap + 2); i++) {
    if (d.readUInt16BE(cmap + 4 + 8 * i) === 3 && d.readUInt16BE(cmap + 6 + 8 * i) === 1) sub = cmap + d.readUInt32BE(cmap + 8 + 8 * i);
  }
  const segX2 = d.readUInt16BE(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const offsets = deltas + segX2;
  const glyph = (c: number): number => {
    for (let i = 0; i < segX2 / 2; i++) {
      if (c > d.readUInt16BE(ends + 2 * i) || c < d.readUInt16BE(starts + 2 * i)) continue;
      const ro = d.readUInt16BE(offsets + 2 * i);
      const delta = d.readInt16BE(deltas + 2 * i);
      if (ro === 0) return (c + delta) & 0xffff;
      const g = d.readUInt16BE(offsets + 2 * i + ro + 2 * (c - d.readUInt16BE(starts + 2 * i)));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  return (ch) => d.readUInt16BE(hmtx + 4 * Math.min(glyph(ch.codePointAt(0)!), metrics - 1)) / unitsPerEm;
}

describe('the chart text width estimate', () => {
  it('is never below DejaVu Sans\'s own advance width, for every printable ASCII character and the symbols the charts use', () => {
    const advance = dejavuAdvanceEm(chartFontFiles()[0]);
    // spot checks against the font: digits 1303/2048, space 651/2048, m 1995/2048
    expect([advance('0'), advance(' '), advance('m')].map((v) => Math.round(v * 2048))).toEqual([1303, 651, 1995]);
    const chars = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), '·', '—', '–', '×', 'µ', '²', '−', '…'];
    const under = chars.filter((c) => textWidthPx(c, 1) < advance(c) - 1e-9).map((c) => `${c} ${advance(c).toFixed(3)} > ${textWidthPx(c, 1)}`);
    expect(under).toEqual([]);
  });
});

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHART_STEMS, CHART_TITLES } from '../../src/report/charts/index.js';
import { CHART_HEIGHT_PX, CHART_WIDTH_PX, MARGIN_PX } from '../../src/report/charts/frame.js';
import { PNG_ZOOM, renderPng, type RenderedPng } from '../../src/report/png.js';
import { writeReviewReport, REPORT_FILES } from '../../src/report/write-report.js';
import { isNmsimError } from '../../src/diagnostics.js';
import { fixtureReviewData } from './fixture.js';
import { parseXml } from './xml.js';
import { darkPixels, type ChartRegion } from '../helpers/png-ink.js';

let tmp: string;
let first: string;
let second: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-report-'));
  first = path.join(tmp, 'first');
  second = path.join(tmp, 'second');
  await writeReviewReport(first, fixtureReviewData(), { toolVersion: '0.1.0', command: 'test', timingsMs: { load_ms: 1 } });
  await writeReviewReport(second, fixtureReviewData(), { toolVersion: '0.1.0', command: 'test', timingsMs: { load_ms: 2 } });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const EXPECTED_FILES = [
  '.nmsim-output.json',
  'accuracy-vs-area.png',
  'accuracy-vs-area.svg',
  'accuracy-vs-speedup.png',
  'accuracy-vs-speedup.svg',
  'area-breakdown.png',
  'area-breakdown.svg',
  'design-points.csv',
  'design-review.html',
  'design-review.md',
  'io-savings.png',
  'io-savings.svg',
  'run.json',
  'union-density.png',
  'union-density.svg',
];

/** Text labels each chart must carry (titles, axis labels, legend entries from the fixture). */
const EXPECTED_LABELS: Record<string, string[]> = {
  'accuracy-vs-area': [CHART_TITLES['accuracy-vs-area'], 'measured perplexity (lower is better)', 'area overhead vs the same core without sparsity support (%)', '8:16', '16:32', 'Pareto front', '8:16 act-8of16', '16:32 act-16of32', 'dense: 3.495'],
  'accuracy-vs-speedup': [CHART_TITLES['accuracy-vs-speedup'], 'prefill speed-up vs dense on the same core (×)', 'Pareto front'],
  'io-savings': [CHART_TITLES['io-savings'], 'index', 'bitmask', '37.5%', '43.8%', '34.4%'],
  'area-breakdown': [CHART_TITLES['area-breakdown'], 'mac_array', 'selector', '110,000', '120,000'],
  'union-density': ['Decode: weight rows fetched vs batch size', '8:16', 'measured', 'independence', 'decode batch B (tokens)'],
};

describe('report folder', () => {
  it('holds exactly the fixed file names and no temporary leftovers beside it', async () => {
    expect((await fs.readdir(first)).sort()).toEqual(EXPECTED_FILES);
    expect((await fs.readdir(tmp)).sort()).toEqual(['first', 'second']);
  });

  it('two writes of the same data give byte-identical files; run.json differs only in timings', async () => {
    for (const f of EXPECTED_FILES) {
      const a = await fs.readFile(path.join(first, f));
      const b = await fs.readFile(path.join(second, f));
      if (f === REPORT_FILES.run) {
        const ja = JSON.parse(a.toString());
        const jb = JSON.parse(b.toString());
        expect(ja.timings_ms.load_ms).toBe(1);
        expect(jb.timings_ms.load_ms).toBe(2);
        delete ja.timings_ms;
        delete jb.timings_ms;
        expect(ja).toEqual(jb);
      } else {
        expect({ f, same: a.equals(b) }).toEqual({ f, same: true });
      }
    }
  });

  it('run.json records the tool version, the input hashes and the hash of every output', async () => {
    const run = JSON.parse(await fs.readFile(path.join(first, 'run.json'), 'utf8'));
    expect(run.tool_version).toBe('0.1.0');
    expect(run.inputs.profiles.map((p: { sha256: string }) => p.sha256)).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
    const { createHash } = await import('node:crypto');
    for (const o of run.outputs as { file: string; sha256: string }[]) {
      const bytes = await fs.readFile(path.join(first, o.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(o.sha256);
    }
    expect(run.outputs).toHaveLength(EXPECTED_FILES.length - 2); // all but run.json and the output marker
  });
});

describe.each(CHART_STEMS)('chart %s', (stem) => {
  it('is well-formed SVG with its expected text labels', async () => {
    const text = await fs.readFile(path.join(first, `${stem}.svg`), 'utf8');
    const doc = await parseXml(text);
    const root = doc.documentElement;
    expect(root.tagName).toBe('svg');
    expect(root.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(root.getAttribute('width')).toBe(String(CHART_WIDTH_PX));
    const texts: string[] = Array.from(root.getElementsByTagName('text')).map((t) => (t as { textContent: string }).textContent);
    for (const label of EXPECTED_LABELS[stem]) expect({ stem, label, found: texts.includes(label) }).toEqual({ stem, label, found: true });
    expect(text).not.toMatch(/NaN|undefined|Infinity/);
    expect(text).not.toMatch(/\bid="/); // no generated ids: nothing to vary between runs
  });

  it('has a PNG that really contains drawn text (vs a font-less render, which draws none)', async () => {
    const svg = await fs.readFile(path.join(first, `${stem}.svg`), 'utf8');
    const png = await fs.readFile(path.join(first, `${stem}.png`));
    const withFonts = await renderPng(svg);
    const noFonts = await renderPng(svg, { withFonts: false });
    // the written PNG is the font render
    expect(Buffer.from(withFonts.png).equals(png)).toBe(true);
    expect([withFonts.widthPx, withFonts.heightPx]).toEqual([CHART_WIDTH_PX * PNG_ZOOM, CHART_HEIGHT_PX * PNG_ZOOM]);
    // text-only regions: the title band above the plot and the y-label strip left of the axis ticks
    const regions = [
      { x0: MARGIN_PX.left, y0: 8, x1: 500, y1: 30 },
      { x0: 6, y0: MARGIN_PX.top + 40, x1: 28, y1: CHART_HEIGHT_PX - MARGIN_PX.bottom - 40 },
    ];
    for (const r of regions) {
      const inked = (img: RenderedPng) => darkPixels(img, r);
      const area = (r.x1 - r.x0) * (r.y1 - r.y0) * PNG_ZOOM * PNG_ZOOM;
      expect(inked(noFonts)).toBe(0); // without a font nothing is drawn there
      expect(inked(withFonts) / area).toBeGreaterThan(0.03); // glyphs cover > 3 % of the band
      expect(differingPixels(withFonts, noFonts, r) / area).toBeGreaterThan(0.03);
    }
  });
});

function differingPixels(a: RenderedPng, b: RenderedPng, r: ChartRegion): number {
  let n = 0;
  for (let y = r.y0 * PNG_ZOOM; y < r.y1 * PNG_ZOOM; y++) {
    for (let x = r.x0 * PNG_ZOOM; x < r.x1 * PNG_ZOOM; x++) {
      const i = (y * a.widthPx + x) * 4;
      if (Math.abs(a.pixels[i] - b.pixels[i]) + Math.abs(a.pixels[i + 1] - b.pixels[i + 1]) + Math.abs(a.pixels[i + 2] - b.pixels[i + 2]) > 30) n++;
    }
  }
  return n;
}

describe('atomic writes', () => {
  it('a failed review leaves the previous report byte-for-byte untouched, with no temporary folder left', async () => {
    const before = await snapshot(first);
    const broken = fixtureReviewData();
    broken.points[2] = { ...broken.points[2], areaUm2: NaN };
    let caught: unknown;
    try {
      await writeReviewReport(first, broken, { toolVersion: '0.1.0', command: 'test', timingsMs: {} });
    } catch (e) {
      caught = e;
    }
    expect(isNmsimError(caught)).toBe(true);
    if (isNmsimError(caught)) {
      expect(caught.diagnostics[0].code).toBe('report/non-finite-value');
      expect(caught.diagnostics[0].path).toBe('points[2].areaUm2 (act-16of32|16:32|magnitude|none)');
    }
    expect(await snapshot(first)).toEqual(before);
    expect((await fs.readdir(tmp)).sort()).toEqual(['first', 'second']);
  });

  it('refuses to replace a folder that is not an nmsim report', async () => {
    const other = path.join(tmp, 'not-a-report');
    await fs.mkdir(other);
    await fs.writeFile(path.join(other, 'thesis.tex'), 'precious');
    let caught: unknown;
    try {
      await writeReviewReport(other, fixtureReviewData(), { toolVersion: '0.1.0', command: 'test', timingsMs: {} });
    } catch (e) {
      caught = e;
    }
    expect(isNmsimError(caught) && caught.diagnostics[0].code).toBe('output/not-nmsim-output');
    expect(await fs.readFile(path.join(other, 'thesis.tex'), 'utf8')).toBe('precious');
    await fs.rm(other, { recursive: true });
  });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await fs.readdir(dir)).sort()) out[f] = (await fs.readFile(path.join(dir, f))).toString('base64');
  return out;
}

describe('design-review.html', () => {
  it('is self-contained: every chart inline as SVG, one inline script, no links or network references', async () => {
    const html = await fs.readFile(path.join(first, 'design-review.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(CHART_STEMS.length);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script [^>]*>|<link|<img|src=|@import|url\(|fetch\(|XMLHttpRequest/i);
    const urls = html.match(/https?:\/\/[^"'\s)]+/g) ?? [];
    expect([...new Set(urls)]).toEqual(['http://www.w3.org/2000/svg']);
  });
});

describe('design-points.csv', () => {
  it('has snake_case headers with units and fixed-precision values', async () => {
    const csv = await fs.readFile(path.join(first, 'design-points.csv'), 'utf8');
    const lines = csv.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    const header = lines[0].split(',');
    for (const h of header) expect(h).toMatch(/^[a-z0-9_]+$/);
    expect(header).toEqual(expect.arrayContaining(['area_um2', 'area_overhead_fraction', 'prefill_speedup', 'perplexity', 'proxy_rel_err_l2']));
    const row = Object.fromEntries(header.map((h, i) => [h, lines[2].split(',')[i]]));
    expect(row).toMatchObject({
      profile: 'act-16of32',
      pattern: '16:32',
      mitigation: 'var',
      perplexity: '3.7000',
      proxy_rel_err_l2: '',
      prefill_speedup: '1.550',
      // fixture: decode B = 1 is 0.92 × prefill (1.55 × 0.92 = 1.426), B = 8 is 0.8 × prefill (1.240); I/O 0.45 and 0.30
      decode_speedup_b1: '1.426',
      decode_io_savings_fraction_b1: '0.4500',
      decode_speedup_b8: '1.240',
      decode_io_savings_fraction_b8: '0.3000',
      area_um2: '120000.0',
      area_overhead_fraction: '0.2000',
      on_accuracy_area_front: 'true',
    });
  });
});

describe('the XML check used above', () => {
  it('rejects a malformed SVG, so "well-formed" is a real check', async () => {
    await expect(parseXml('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>')).rejects.toThrow(/not well-formed/);
    await expect(parseXml('<svg xmlns="http://www.w3.org/2000/svg"><text>a & b</text></svg>')).rejects.toThrow(/not well-formed/);
  });
});

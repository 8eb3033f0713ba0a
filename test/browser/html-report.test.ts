/**
 * The interactive HTML report in a real browser: Debian's headless Chromium driven by
 * puppeteer-core (no browser download). Loads the fixture's report from a file:// URL and checks
 * that it loads with no console error and no request beyond the file itself, that clicking a
 * header sorts the rows by the numbers in them, that the filter box hides rows, and that
 * hovering a chart point shows its details. Skips, saying why, where chromium or puppeteer-core
 * is missing (.ci/run installs chromium with apt where it can). One browser, one page: ~3 s.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- page functions run in the browser, outside the project's types */
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderCharts } from '../../src/report/charts/index.js';
import { toHtml } from '../../src/report/document.js';
import { reviewDocument } from '../../src/report/review-document.js';
import { fixtureReviewData } from '../report/fixture.js';

const CHROMIUM = process.env.NMSIM_CHROMIUM ?? '/usr/bin/chromium';
/** this machine's network is closed: chromium's background services must not even try */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the test uses of puppeteer-core (its default export's types do not line up under NodeNext). */
interface Puppeteer {
  launch(options: object): Promise<any>;
}

async function loadPuppeteer(): Promise<Puppeteer | null> {
  try {
    const mod = (await import('puppeteer-core')) as unknown as { default?: Puppeteer } & Puppeteer;
    return mod.default ?? mod;
  } catch {
    return null;
  }
}

const puppeteer = await loadPuppeteer();
const skipReason = !existsSync(CHROMIUM)
  ? `no chromium at ${CHROMIUM} (apt-get install chromium, or set NMSIM_CHROMIUM)`
  : puppeteer === null
    ? 'puppeteer-core is not installed (npm ci installs it as a dev dependency)'
    : '';
const describeBrowser = skipReason ? describe.skip : describe;
// jest does not print the names of a suite that is skipped whole: say why here
if (skipReason) process.stderr.write(`test/browser/html-report.test.ts skipped: ${skipReason}\n`);

type Page = any;
/** The few DOM shapes the page functions use (the project compiles without the DOM library). */
interface El {
  hidden: boolean;
  textContent: string | null;
  tagName: string;
  value: string;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number };
  dispatchEvent(e: unknown): boolean;
}
interface Row extends El {
  cells: El[];
}


describeBrowser(`design-review.html in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let tmp = '';
  let fileUrl = '';
  let browser: any;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-browser-'));
    const data = fixtureReviewData();
    const html = toHtml(data.title, reviewDocument(data), await renderCharts(data));
    const file = path.join(tmp, 'design-review.html');
    await fs.writeFile(file, html);
    fileUrl = pathToFileURL(file).href;
    browser = await puppeteer!.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: path.join(tmp, 'profile'),
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
    page = await browser.newPage();
    page.on('console', (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e: Error) => consoleErrors.push(`page error: ${e.message}`));
    page.on('request', (r: { url(): string }) => requests.push(r.url()));
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(fileUrl, { waitUntil: 'load', timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  /** the area column (µm²) of the area-breakdown table, as numbers, in displayed order, visible rows only */
  const areaColumn = (p: Page): Promise<number[]> =>
    p.$$eval('#chart-area-breakdown + .table-block table.data tbody tr', (rows: Row[]) =>
      rows.filter((r) => !r.hidden).map((r) => Number((r.cells[3].textContent ?? '').replace(/[^\d.]/g, ''))),
    );

  it('loads with no console error and requests nothing but the file itself', async () => {
    expect(consoleErrors).toEqual([]);
    expect([...new Set(requests)]).toEqual([fileUrl]);
    expect(await page.title()).toBe('Design review: fixture');
  });

  it('has a table of contents whose every link lands on a heading of the page', async () => {
    const targets: { href: string; found: boolean }[] = await page.$$eval('nav.toc a', (as: El[]) =>
      as.map((a) => ({ href: a.getAttribute('href') ?? '', found: (globalThis as any).document.getElementById((a.getAttribute('href') ?? '').slice(1))?.tagName.startsWith('H') ?? false })),
    );
    // the fixture's sections: Recommendation, Summary per pattern, Charts (5 charts), Inputs (Hardware profiles, Trace bundles), Assumptions and sources, Notes, Files, Sources: 8 + 7
    expect(targets.map((t) => t.href)).toEqual(expect.arrayContaining(['#recommendation', '#summary-per-pattern', '#charts', '#accuracy-vs-area-overhead-pareto-front', '#sources']));
    expect(targets.length).toBe(15);
    for (const t of targets) expect(t).toEqual({ href: t.href, found: true });
  });

  it('sorts a table by the numbers in a column when its header is clicked, ascending then descending', async () => {
    // fixture rows in document order: mac_array 100,000, selector 10,000, mac_array 100,000, selector 20,000 µm²
    expect(await areaColumn(page)).toEqual([100_000, 10_000, 100_000, 20_000]);
    const header = '#chart-area-breakdown + .table-block table.data thead th:nth-child(4)';
    await page.click(header);
    // numeric order: as text "10,000.0" < "100,000.0" < "20,000.0" would put 20,000 last
    expect(await areaColumn(page)).toEqual([10_000, 20_000, 100_000, 100_000]);
    expect(await page.$eval(header, (th: El) => th.getAttribute('aria-sort'))).toBe('ascending');
    await page.click(header);
    expect(await areaColumn(page)).toEqual([100_000, 100_000, 20_000, 10_000]);
    expect(await page.$eval(header, (th: El) => th.getAttribute('aria-sort'))).toBe('descending');
  });

  it('hides the rows the filter box does not match, and shows them again when it is cleared', async () => {
    const input = '#chart-area-breakdown + .table-block input.table-filter';
    await page.type(input, 'selector');
    const visible = await page.$$eval('#chart-area-breakdown + .table-block table.data tbody tr', (rows: Row[]) =>
      rows.filter((r) => !r.hidden).map((r) => r.cells[2].textContent),
    );
    expect(visible).toEqual(['selector', 'selector']);
    expect(await page.$eval('#chart-area-breakdown + .table-block .filter-count', (e: El) => e.textContent)).toBe('2 of 4 rows');
    await page.$eval(input, (e: El) => {
      e.value = '';
      e.dispatchEvent(new (globalThis as any).Event('input'));
    });
    expect(await areaColumn(page)).toHaveLength(4);
  });

  it('shows a chart point\'s details when the pointer is on it, and hides them when it leaves', async () => {
    const point = '#chart-accuracy-vs-area circle.point[data-config="act-8of16 · 8:16 magnitude+var"]';
    expect(await page.$eval('#point-details', (e: El) => e.hidden)).toBe(true);
    await page.hover(point);
    const details = await page.$eval('#point-details', (e: El) => ({ hidden: e.hidden, text: e.textContent ?? '', shown: e.getBoundingClientRect().width > 0 }));
    expect(details.hidden).toBe(false);
    expect(details.shown).toBe(true);
    // fixture: perplexity 3.9, 110,000 µm² (+10 %), prefill 1.6×, on the headline front
    for (const s of ['act-8of16 · 8:16 magnitude+var', 'measured perplexity 3.9000', 'area 110,000 µm² (+10.00%', 'prefill 1.60×', 'on the Pareto front']) {
      expect({ s, found: details.text.includes(s) }).toEqual({ s, found: true });
    }
    await page.mouse.move(2, 2);
    expect(await page.$eval('#point-details', (e: El) => e.hidden)).toBe(true);
  });

  it('shows the same details when a chart point gets the keyboard focus', async () => {
    // an SVG element: puppeteer's page.focus takes HTML elements only
    await page.$eval('#chart-accuracy-vs-speedup circle.point[data-config="act-16of32 · 16:32 magnitude+var"]', (e: El & { focus(): void }) => e.focus());
    const text = await page.$eval('#point-details', (e: El) => (e.hidden ? '' : (e.textContent ?? '')));
    // fixture: 16:32 magnitude+var, perplexity 3.7, 120,000 µm² (+20 %), prefill 1.55×
    for (const s of ['act-16of32 · 16:32 magnitude+var', 'measured perplexity 3.7000', 'area 120,000 µm² (+20.00%', 'prefill 1.55×']) {
      expect({ s, found: text.includes(s) }).toEqual({ s, found: true });
    }
    await page.$eval('#chart-accuracy-vs-speedup circle.point[data-config="act-16of32 · 16:32 magnitude+var"]', (e: El & { blur(): void }) => e.blur());
    expect(await page.$eval('#point-details', (e: El) => e.hidden)).toBe(true);
  });

  it('links each folded source reference to its entry in the numbered source list', async () => {
    const refs: { href: string; text: string; target: string }[] = await page.$$eval('a.source-ref', (as: El[]) =>
      as.map((a) => ({ href: a.getAttribute('href') ?? '', text: a.textContent ?? '', target: (globalThis as any).document.getElementById((a.getAttribute('href') ?? '').slice(1))?.textContent ?? '' })),
    );
    // fixture: four area rows cite "fixture", one assumption cites "Nangate 45 nm MUX2_X1"
    expect(refs.map((r) => `${r.text} ${r.target}`)).toEqual(['[1] fixture', '[1] fixture', '[1] fixture', '[1] fixture', '[2] Nangate 45 nm MUX2_X1']);
    expect(consoleErrors).toEqual([]);
  });
});

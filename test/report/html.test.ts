/**
 * The interactive HTML report as text (the browser test, test/browser, runs it): one
 * self-contained file whose table of contents, sortable/filterable tables, point details and
 * folded sources are all in the bytes, written the same way every time.
 */
import { renderCharts } from '../../src/report/charts/index.js';
import { OPEN_SOURCES_MAX, foldSources, toHtml, toMarkdown, type Block } from '../../src/report/document.js';
import { reviewDocument } from '../../src/report/review-document.js';
import { fixtureReviewData } from './fixture.js';

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('folded sources', () => {
  /** 30 rows citing one source and 2 citing another, across two tables */
  const blocks: Block[] = [
    { kind: 'table', headers: ['cell', 'area', 'source'], numeric: [false, true, false], sourceColumn: 2, rows: Array.from({ length: 30 }, (_, i) => [`c${i}`, String(i), 'Nangate 45 nm open cell library']) },
    { kind: 'table', headers: ['constant', 'source'], sourceColumn: 1, rows: [['a', 'ASAP7 7.5-track'], ['b', 'Nangate 45 nm open cell library'], ['c', '—']] },
  ];

  it('number each distinct citation once, in order of first use, and leave "—" alone', () => {
    const { blocks: out, sources } = foldSources(blocks);
    expect(sources).toEqual(['Nangate 45 nm open cell library', 'ASAP7 7.5-track']);
    const t0 = out[0] as Extract<Block, { kind: 'table' }>;
    const t1 = out[1] as Extract<Block, { kind: 'table' }>;
    expect(new Set(t0.rows.map((r) => r[2]))).toEqual(new Set(['[1]']));
    expect(t1.rows.map((r) => r[1])).toEqual(['[2]', '[1]', '—']);
    // the input is not changed
    expect((blocks[0] as Extract<Block, { kind: 'table' }>).rows[0][2]).toBe('Nangate 45 nm open cell library');
  });

  it('print a citation cited in 31 rows once in the Markdown and once in the HTML', () => {
    const md = toMarkdown(blocks);
    expect(count(md, 'Nangate 45 nm open cell library')).toBe(1);
    expect(md.endsWith('## Sources\n\n1. Nangate 45 nm open cell library\n2. ASAP7 7.5-track\n')).toBe(true);
    const html = toHtml('t', blocks, {});
    expect(count(html, 'Nangate 45 nm open cell library')).toBe(1);
    expect(count(html, '<a class="source-ref" href="#source-1">[1]</a>')).toBe(31);
    expect(html).toContain('<li id="source-2">ASAP7 7.5-track</li>');
  });

  it(`fold a list longer than ${OPEN_SOURCES_MAX} into a closed <details>, and keep a short one open`, () => {
    const many: Block[] = [{ kind: 'table', headers: ['x', 'source'], sourceColumn: 1, rows: Array.from({ length: OPEN_SOURCES_MAX + 1 }, (_, i) => [`x${i}`, `source ${i}`]) }];
    expect(toHtml('t', many, {})).toContain(`<details class="sources">\n<summary>${OPEN_SOURCES_MAX + 1} sources, cited as [n] in the tables above</summary>`);
    expect(toHtml('t', blocks, {})).toContain('<details class="sources" open>\n<summary>2 sources, cited as [n] in the tables above</summary>');
  });
});

describe('the HTML page', () => {
  it('has a table of contents linking every section and subsection, with unique ids', () => {
    const blocks: Block[] = [
      { kind: 'heading', level: 1, text: 'Review' },
      { kind: 'paragraph', text: 'intro' },
      { kind: 'heading', level: 2, text: 'Notes' },
      { kind: 'heading', level: 3, text: 'Accuracy vs area (Pareto front)' },
      { kind: 'heading', level: 2, text: 'Notes' },
    ];
    const html = toHtml('t', blocks, {});
    const nav = html.slice(html.indexOf('<nav'), html.indexOf('</nav>'));
    expect(nav.match(/href="#[^"]+"/g)).toEqual(['href="#notes"', 'href="#accuracy-vs-area-pareto-front"', 'href="#notes-2"']);
    for (const id of ['notes', 'accuracy-vs-area-pareto-front', 'notes-2']) expect(count(html, `id="${id}"`)).toBe(1);
    // after the title and its paragraph, before the first section
    expect(html.indexOf('<p>intro</p>')).toBeLessThan(html.indexOf('<nav'));
    expect(html.indexOf('<nav')).toBeLessThan(html.indexOf('<h2 id="notes">'));
  });

  it('marks numeric columns for numeric sorting and gives each table its own filter box', () => {
    const html = toHtml('t', [{ kind: 'table', headers: ['pattern', 'area'], numeric: [false, true], rows: [['8:16', '10.00%']] }], {});
    expect(html).toContain('<thead><tr><th>pattern</th><th data-type="number">area</th></tr></thead>');
    expect(html).toContain('<input type="search" class="table-filter" aria-controls="table-1"');
    expect(html).toContain('<table class="data" id="table-1">');
  });

  it('forbids every request with a Content-Security-Policy and references no URL but the SVG namespace', async () => {
    const data = fixtureReviewData();
    const html = toHtml(data.title, reviewDocument(data), await renderCharts(data));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`);
    expect([...new Set(html.match(/https?:\/\/[^"'\s)]+/g))]).toEqual(['http://www.w3.org/2000/svg']);
    // the hover details travel inside the inline SVG: one <title> per plotted point (4 measured
    // points × 2 scatters, and the 4 union-density markers of 8:16)
    expect(count(html, '<circle class="point"')).toBe(12);
    expect(count(html, '<title>act-')).toBe(8);
    expect(count(html, '<title>8:16 · decode batch B = ')).toBe(4);
  });

  it('is the same bytes when rendered twice', async () => {
    const render = async () => {
      const data = fixtureReviewData();
      return toHtml(data.title, reviewDocument(data), await renderCharts(data));
    };
    expect(await render()).toBe(await render());
  });
});

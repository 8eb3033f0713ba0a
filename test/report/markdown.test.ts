import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHtml, toMarkdown, type Block } from '../../src/report/document.js';
import { reviewDocument } from '../../src/report/review-document.js';
import { fixtureReviewData } from './fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('Markdown rendering', () => {
  it('renders headings, paragraphs, lists, right-aligned numeric columns and chart links exactly', () => {
    const blocks: Block[] = [
      { kind: 'heading', level: 2, text: 'Summary' },
      { kind: 'paragraph', text: '16:32 buys 5.1% for +10.0 pp.' },
      { kind: 'table', headers: ['pattern', 'area'], numeric: [false, true], rows: [['8:16', '10.00%'], ['a|b', '1']] },
      { kind: 'list', items: ['one', 'two'] },
      { kind: 'chart', stem: 'io-savings', title: 'I/O' },
    ];
    expect(toMarkdown(blocks)).toBe(
      [
        '## Summary',
        '',
        '16:32 buys 5.1% for +10.0 pp.',
        '',
        '| pattern | area |',
        '| --- | ---: |',
        '| 8:16 | 10.00% |',
        '| a\\|b | 1 |',
        '',
        '- one',
        '- two',
        '',
        '![I/O](io-savings.svg)',
        '',
        'PNG: [io-savings.png](io-savings.png)',
        '',
      ].join('\n'),
    );
  });

  it('escapes HTML special characters and inlines the chart SVG', () => {
    const html = toHtml('a<b', [{ kind: 'paragraph', text: 'x & "y"' }, { kind: 'chart', stem: 's', title: 'T' }], { s: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' });
    expect(html).toContain('<title>a&lt;b</title>');
    expect(html).toContain('<p>x &amp; &quot;y&quot;</p>');
    expect(html).toContain('<figure id="chart-s">\n<svg xmlns="http://www.w3.org/2000/svg"></svg>\n<figcaption>T</figcaption>\n</figure>');
  });

  it('the design review of the fixture equals the reviewed golden file', async () => {
    const golden = await fs.readFile(path.join(here, 'golden', 'fixture-design-review.md'), 'utf8');
    expect(toMarkdown(reviewDocument(fixtureReviewData()))).toBe(golden);
  });
});

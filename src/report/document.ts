/**
 * A tiny document model so design-review.md and design-review.html are two renderings of one
 * content list (no drift between them). Blocks hold plain text; each renderer escapes.
 *
 * Sources are folded: a table names the column that holds a citation (`sourceColumn`), both
 * renderers number the distinct citations of the whole document in order of first use, write
 * "[n]" in the cell and list them once under "Sources" at the end — one citation is not
 * repeated in 30 rows.
 */
import { HTML_SCRIPT, HTML_STYLE } from './html/script.js';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; headers: string[]; rows: string[][]; numeric?: boolean[]; sourceColumn?: number }
  | { kind: 'chart'; stem: string; title: string };

export const SOURCES_HEADING = 'Sources';

/** The document with every source cell replaced by "[n]", and the numbered citations (n = index + 1). */
export function foldSources(blocks: readonly Block[]): { blocks: Block[]; sources: string[] } {
  const sources: string[] = [];
  const number = new Map<string, number>();
  const ref = (text: string) => {
    let n = number.get(text);
    if (n === undefined) {
      sources.push(text);
      n = sources.length;
      number.set(text, n);
    }
    return `[${n}]`;
  };
  const out = blocks.map((b): Block => {
    if (b.kind !== 'table' || b.sourceColumn === undefined) return b;
    const col = b.sourceColumn;
    return { ...b, rows: b.rows.map((r) => r.map((c, i) => (i === col && c !== '' && c !== '—' ? ref(c) : c))) };
  });
  return { blocks: out, sources };
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(document: readonly Block[]): string {
  const { blocks, sources } = foldSources(document);
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${b.text}`);
        break;
      case 'paragraph':
        out.push(b.text);
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${i}`).join('\n'));
        break;
      case 'table': {
        const align = b.headers.map((_, i) => (b.numeric?.[i] ? '---:' : '---'));
        const lines = [`| ${b.headers.map(mdCell).join(' | ')} |`, `| ${align.join(' | ')} |`];
        for (const r of b.rows) lines.push(`| ${r.map(mdCell).join(' | ')} |`);
        out.push(lines.join('\n'));
        break;
      }
      case 'chart':
        out.push(`![${b.title}](${b.stem}.svg)\n\nPNG: [${b.stem}.png](${b.stem}.png)`);
        break;
    }
  }
  if (sources.length > 0) out.push(`## ${SOURCES_HEADING}`, sources.map((t, i) => `${i + 1}. ${t}`).join('\n'));
  return out.join('\n\n') + '\n';
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Lists of sources longer than this are folded (closed <details>); shorter ones stay open. */
export const OPEN_SOURCES_MAX = 8;

/** An HTML id from a heading: lowercase words joined by "-", unique within the page ("-2", "-3"…). */
function headingIds(blocks: readonly Block[]): Map<Block, string> {
  const ids = new Map<Block, string>();
  const used = new Map<string, number>();
  for (const b of blocks) {
    if (b.kind !== 'heading') continue;
    const base = b.text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'section';
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    ids.set(b, n === 1 ? base : `${base}-${n}`);
  }
  return ids;
}

/**
 * Self-contained interactive HTML: inline CSS and one inline script, charts inlined as SVG (no
 * external file, font or request; a Content-Security-Policy forbids any). A table of contents
 * from the level-2 and level-3 headings; every table sortable (click a header) and filterable
 * (a box above it); chart points show their details on hover; sources folded into a numbered
 * list. Deterministic: same blocks, same bytes. `svgs` maps chart stem → SVG text.
 */
export function toHtml(title: string, document: readonly Block[], svgs: Record<string, string>): string {
  const { blocks: folded, sources } = foldSources(document);
  const blocks: Block[] = sources.length > 0 ? [...folded, { kind: 'heading', level: 2, text: SOURCES_HEADING }] : folded;
  const ids = headingIds(blocks);
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${HTML_STYLE}</style>`,
    '</head>',
    '<body>',
  ];
  const toc = blocks.filter((b): b is Extract<Block, { kind: 'heading' }> => b.kind === 'heading' && b.level >= 2);
  let tocDone = toc.length === 0;
  const tocHtml = (): string => {
    const lines = ['<nav class="toc" aria-label="contents">', '<strong>Contents</strong>', '<ol>'];
    let open = false;
    for (const h of toc) {
      const link = `<a href="#${ids.get(h)}">${escapeHtml(h.text)}</a>`;
      if (h.level === 2) {
        if (open) lines.push('</ol></li>');
        lines.push(`<li>${link}<ol>`);
        open = true;
      } else lines.push(`<li>${link}</li>`);
    }
    if (open) lines.push('</ol></li>');
    lines.push('</ol>', '</nav>');
    // an empty nested list is invalid-looking; drop it
    return lines.join('\n').replace(/<ol>\n<\/ol><\/li>/g, '</li>');
  };
  const sourceCell = (c: string) => c.replace(/^\[(\d+)\]$/, (_, n: string) => `<a class="source-ref" href="#source-${n}">[${n}]</a>`);
  let tableIndex = 0;
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        // the contents go after the title and the first paragraph under it, before the first section
        if (!tocDone && b.level === 2) {
          out.push(tocHtml());
          tocDone = true;
        }
        out.push(`<h${b.level} id="${ids.get(b)}">${escapeHtml(b.text)}</h${b.level}>`);
        if (b.text === SOURCES_HEADING && b === blocks[blocks.length - 1]) {
          const list = sources.map((t, i) => `<li id="source-${i + 1}">${escapeHtml(t)}</li>`).join('\n');
          const summary = `${sources.length} ${sources.length === 1 ? 'source' : 'sources'}, cited as [n] in the tables above`;
          out.push(`<details class="sources"${sources.length <= OPEN_SOURCES_MAX ? ' open' : ''}>\n<summary>${summary}</summary>\n<ol class="sources">\n${list}\n</ol>\n</details>`);
        }
        break;
      case 'paragraph':
        out.push(`<p>${escapeHtml(b.text)}</p>`);
        break;
      case 'list':
        out.push(`<ul>\n${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('\n')}\n</ul>`);
        break;
      case 'table': {
        tableIndex++;
        const tid = `table-${tableIndex}`;
        const head = `<thead><tr>${b.headers.map((h, i) => `<th${b.numeric?.[i] ? ' data-type="number"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
        const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${b.numeric?.[i] ? ' class="num"' : ''}>${i === b.sourceColumn ? sourceCell(escapeHtml(c)) : escapeHtml(c)}</td>`).join('')}</tr>`);
        out.push(
          `<div class="table-block">\n<div class="table-tools"><label>filter <input type="search" class="table-filter" aria-controls="${tid}" placeholder="rows containing…"></label><span class="filter-count" aria-live="polite"></span></div>`,
          `<div class="table-scroll">\n<table class="data" id="${tid}">\n${head}\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>\n</div>\n</div>`,
        );
        break;
      }
      case 'chart': {
        const svg = svgs[b.stem];
        if (svg === undefined) throw new Error(`chart "${b.stem}" was not rendered`);
        out.push(`<figure id="chart-${b.stem}">\n${svg.trim()}\n<figcaption>${escapeHtml(b.title)}</figcaption>\n</figure>`);
        break;
      }
    }
  }
  if (!tocDone) out.push(tocHtml());
  out.push('<div id="point-details" role="tooltip" hidden></div>', `<script>${HTML_SCRIPT}</script>`, '</body>', '</html>');
  return out.join('\n') + '\n';
}

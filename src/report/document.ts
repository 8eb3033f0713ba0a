/**
 * A tiny document model so design-review.md and design-review.html are two renderings of one
 * content list (no drift between them). Blocks hold plain text; each renderer escapes.
 */
export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; headers: string[]; rows: string[][]; numeric?: boolean[] }
  | { kind: 'chart'; stem: string; title: string };

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(blocks: readonly Block[]): string {
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
  return out.join('\n\n') + '\n';
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const HTML_STYLE = `body{font-family:"DejaVu Sans",Verdana,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
code{font-size:12px}`;

/**
 * Self-contained HTML: inline CSS, charts inlined as SVG (no external file, font or script;
 * works offline). `svgs` maps chart stem → SVG text.
 */
export function toHtml(title: string, blocks: readonly Block[], svgs: Record<string, string>): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${HTML_STYLE}</style>`,
    '</head>',
    '<body>',
  ];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`);
        break;
      case 'paragraph':
        out.push(`<p>${escapeHtml(b.text)}</p>`);
        break;
      case 'list':
        out.push(`<ul>\n${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('\n')}\n</ul>`);
        break;
      case 'table': {
        const head = `<tr>${b.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
        const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${b.numeric?.[i] ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`);
        out.push(`<table>\n${head}\n${rows.join('\n')}\n</table>`);
        break;
      }
      case 'chart': {
        const svg = svgs[b.stem];
        if (svg === undefined) throw new Error(`chart "${b.stem}" was not rendered`);
        out.push(`<figure>\n${svg.trim()}\n<figcaption>${escapeHtml(b.title)}</figcaption>\n</figure>`);
        break;
      }
    }
  }
  out.push('</body>', '</html>');
  return out.join('\n') + '\n';
}

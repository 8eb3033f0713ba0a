#!/usr/bin/env node
/**
 * Turns the JSON lines of bench/perplexity-table.mjs (and `nmsim capture --json` outputs)
 * into one Markdown table: rows pattern × criterion, columns mitigations; the first file's
 * value wins when an id repeats. Cells not measured show "—".
 *
 *   node bench/perplexity-table-md.mjs table.jsonl [more.jsonl | capture.json …]
 */
import { readFileSync } from 'node:fs';

const runs = new Map();
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8').trim();
  const rows = text.startsWith('{\n') ? JSON.parse(text).runs : text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  for (const r of rows) if (r.id && !runs.has(r.id)) runs.set(r.id, r);
}
const patterns = ['2:4', '4:8', '8:16', '16:32', 'unstructured'];
const criteria = ['magnitude', 'amber', 'clact'];
const mitigations = ['none', 'var', 'dpts', 'spts', 'affine'];
const id = (p, c, m) => `${p.replace(':', 'of')}-${c}-${m}`;
const dense = runs.get('dense');
const lines = [
  `dense: ${dense ? dense.perplexity.toFixed(3) : '—'} (${dense?.scored_tokens ?? '?'} scored tokens)`,
  '',
  `| pattern | criterion | ${mitigations.join(' | ')} |`,
  `| --- | --- | ${mitigations.map(() => '---:').join(' | ')} |`,
];
let measured = 0;
for (const p of patterns) {
  for (const c of criteria) {
    const cells = mitigations.map((m) => {
      const r = runs.get(id(p, c, m));
      if (!r) return '—';
      measured++;
      const best = mitigations.every((o) => !runs.get(id(p, c, o)) || runs.get(id(p, c, o)).perplexity >= r.perplexity);
      return best ? `**${r.perplexity.toFixed(2)}**` : r.perplexity.toFixed(2);
    });
    lines.push(`| ${p} | ${c} | ${cells.join(' | ')} |`);
  }
}
lines.push('', `${measured} of ${patterns.length * criteria.length * mitigations.length} configurations measured; bold = best mitigation in its row.`);
process.stdout.write(lines.join('\n') + '\n');

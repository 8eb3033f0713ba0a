/**
 * The one-screen terminal summary of a review: per-pattern table, the front, the
 * recommendation and where the report is. Plain text (no colour codes: it goes to pipes too).
 */
import { activationPoints, type DesignPoint } from '../explore/design-point.js';
import { isoAreaOf } from '../explore/iso-area.js';
import { countNoun } from '../plural.js';
import { fixed, groupedNumber, patternText, percent, PRECISION, speedup } from './format.js';
import { recommendationText } from './recommendation.js';
import { accuracyIntervalCell, compatibleRun, compatibleRunSentence, summaryInterval } from './review-text.js';
import { pairEnergyText } from './review-energy.js';
import { servingTerminalText } from './review-serving.js';
import { baselineEnergyText, weightBaselineRow } from './review-baseline.js';
import type { ReviewData } from '../review/review-data.js';
import { samePattern, type Pattern } from '../sparsity/pattern.js';

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** The terminal summary's width: the table wraps its columns to stay within it. */
export const TERMINAL_COLUMNS = 120;

/** A core × pattern's sparse additions on its chip: mm² (grouped by thousands) and % of the die ("—" without a chip block). */
function chipCells(p: DesignPoint | undefined): [string, string] {
  const iso = p ? isoAreaOf(p) : undefined;
  return [
    iso ? `+${groupedNumber(iso.extraMm2, PRECISION.chipMm2Text)}` : '—',
    p?.areaOverheadVsDieFraction === undefined ? '—' : percent(p.areaOverheadVsDieFraction, PRECISION.percentTable),
  ];
}

/**
 * A table indented by two spaces, each column as wide as its widest cell, numbers right-aligned.
 * When a row would pass `maxColumns`, the columns after the first that fit move to a further
 * block below (after a blank line) that repeats the first column, so every line stays within the width.
 */
export function fittedTable(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[], maxColumns: number): string[] {
  const widths = head.map((h, c) => rows.reduce((w, r) => Math.max(w, r[c].length), h.length));
  // one space between columns, two where a right-aligned number follows left-aligned text (they would touch)
  const gap = (prev: number, c: number) => (numeric[c] && !numeric[prev] ? 2 : 1);
  const blocks: number[][] = [];
  let block: number[] = [0];
  let used = 2 + widths[0];
  for (let c = 1; c < head.length; c++) {
    const extra = gap(block[block.length - 1], c) + widths[c];
    if (block.length > 1 && used + extra > maxColumns) {
      blocks.push(block);
      block = [0];
      used = 2 + widths[0] + gap(0, c) + widths[c];
    } else used += extra;
    block.push(c);
  }
  blocks.push(block);
  const out: string[] = [];
  blocks.forEach((cols, i) => {
    if (i > 0) out.push('');
    for (const r of [head, ...rows]) {
      out.push(('  ' + cols.map((c, k) => (k === 0 ? '' : ' '.repeat(gap(cols[k - 1], c))) + pad(r[c], widths[c], numeric[c])).join('')).trimEnd());
    }
  });
  return out;
}

export function terminalSummary(data: ReviewData, outDir: string, headlinePng: string): string {
  const lines: string[] = [];
  lines.push(data.title);
  lines.push(`  ${countNoun(data.points.length, 'design point')} · ${data.workload}`);
  lines.push('');
  // the answer first: it must be on the first screen, before the tables
  lines.push(recommendationText(data.recommendation));
  const energy = pairEnergyText(data);
  if (energy) lines.push(energy);
  lines.push('');
  const batches = data.decodeBatches;
  const perplexity = data.headline.accuracyKind === 'measured-perplexity';
  const head = [
    'pattern',
    'best config',
    perplexity ? 'ppl [95 % interval]' : 'rel err',
    'native core',
    'area +',
    'mm²/chip',
    '% die',
    'prefill',
    ...batches.map((b) => `dec B=${b}`),
    'front',
  ];
  // text columns: pattern, config, core, front; every other column is a number (right-aligned)
  const numeric = head.map((_, i) => ![0, 1, 3, head.length - 1].includes(i));
  const rows: string[][] = [];
  for (const s of data.summary) {
    const chip = chipCells(data.points.find((p) => p.profile === (s.nativeProfile ?? s.compatibleProfile) && samePattern(p.pattern, s.pattern)));
    rows.push([
      patternText(s.pattern),
      s.bestConfig ?? '—',
      accuracyIntervalCell(s.accuracyKind, s.accuracyValue === null ? null : { value: s.accuracyValue, interval: summaryInterval(s, data.points) ?? undefined }, s.accuracyKind === 'measured-perplexity' ? PRECISION.perplexityText : PRECISION.relErrText),
      s.nativeProfile ?? (s.compatibleProfile ? `${s.compatibleProfile}*` : '—'),
      s.areaOverheadFraction === null ? '—' : percent(s.areaOverheadFraction, PRECISION.percentText),
      ...chip,
      s.prefillSpeedup === null ? '—' : speedup(s.prefillSpeedup),
      ...batches.map((b) => {
        const d = s.decode.find((x) => x.batchTokens === b);
        return d ? speedup(d.speedup) : '—';
      }),
      s.onFront ? 'yes' : '',
    ]);
  }
  // the weight baseline: today's core running pruned weights, the row every new core must beat
  const base = weightBaselineRow(data);
  if (base) {
    const p = base.point;
    const ppl = accuracyIntervalCell('measured-perplexity', p.accuracy, PRECISION.perplexityText);
    rows.push([
      `${patternText(p.pattern)} weights`,
      p.criterion,
      perplexity ? ppl : `${ppl} ppl`,
      p.profile,
      percent(p.areaOverheadFraction, PRECISION.percentText),
      ...chipCells(p),
      speedup(p.prefillSpeedup),
      ...batches.map((b) => {
        const d = p.decode.find((x) => x.batchTokens === b);
        return d ? speedup(d.speedup) : '—';
      }),
      'base',
    ]);
  }
  for (const l of fittedTable(head, rows, numeric, TERMINAL_COLUMNS)) lines.push(l);
  if (perplexity && rows.some((r) => r[2].endsWith('[—]'))) {
    lines.push('  [—] the run records no per-story NLL, so its perplexity has no interval');
  }
  if (rows.some((r) => r[5] === '—')) lines.push("  mm²/chip, % die: — where the profile gives no chip block (tensor cores, die area)");
  // one footnote per pattern a core runs through another: 2:4 on an 8:16 core runs as a WIDER pattern
  for (const s of data.summary) {
    const c = compatibleRun(s, data.points);
    if (c) lines.push(`  * no swept core runs ${patternText(s.pattern)} natively; ${compatibleRunSentence(s.pattern, c)}`);
  }
  if (data.summary.some((s) => s.accuracyValue === null)) {
    lines.push(`  — no ${data.headline.accuracyKind === 'measured-perplexity' ? 'measured perplexity (a proxy error is another quantity, never shown in this column)' : 'proxy error'} for that pattern`);
  }
  // the binding resource of each swept core × pattern (prefill; decode at the largest batch),
  // grouped: one line per distinct binding, naming the core × pattern points it holds for
  const lastBatch = batches[batches.length - 1];
  const groups = new Map<string, string[]>();
  const seen = new Set<string>();
  // activation points: a weight point's core × pattern is the baseline row's, not a candidate's
  for (const p of activationPoints(data.points)) {
    const key = `${p.profile} ${patternText(p.pattern)}`;
    if (seen.has(key) || !p.prefillBottleneck) continue;
    seen.add(key);
    const dec = p.decode.find((d) => d.batchTokens === lastBatch)?.bottleneck;
    const binding = `prefill ${p.prefillBottleneck}${dec ? `, decode B=${lastBatch} ${dec}` : ''}`;
    groups.set(binding, [...(groups.get(binding) ?? []), key]);
  }
  for (const [binding, keys] of groups) {
    const where = groups.size === 1 ? `every core × pattern (${countNoun(keys.length, 'point')})` : keys.join(', ');
    lines.push(`  bottleneck: ${binding} — ${where}`);
  }
  const serving = data.serving ? servingTerminalText(data.serving) : undefined;
  if (serving) lines.push(`  ${serving}`);
  if (base) {
    const energy = baselineEnergyText(base);
    lines.push(`  base: ${base.label} (${base.point.profile}, weights pruned offline by ${base.point.criterion}; measured perplexity) — the baseline every new core must beat${energy ? `; energy ${energy}` : ''}`);
  }
  for (const r of data.accuracyReferences) lines.push(`  reference: ${r.label} ${fixed(r.value, PRECISION.perplexityText)} (${r.kind === 'measured-perplexity' ? 'measured perplexity' : 'proxy error'})`);
  lines.push('');
  lines.push(`report: ${outDir}/design-review.md (and .html)`);
  lines.push(`headline chart: ${headlinePng}`);
  return lines.join('\n') + '\n';
}

/** The closing line of the terminal summary: wall time and the swept patterns. */
export function reviewFooter(elapsedS: number, patterns: readonly Pattern[]): string {
  return `(${elapsedS.toFixed(1)} s; patterns ${patterns.map(patternText).join(', ')})\n`;
}

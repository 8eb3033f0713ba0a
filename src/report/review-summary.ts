/**
 * The one-screen terminal summary of a review: per-pattern table, the front, the
 * recommendation and where the report is. Plain text (no colour codes: it goes to pipes too).
 */
import { activationPoints } from '../explore/design-point.js';
import { countNoun } from '../plural.js';
import { fixed, patternText, percent, PRECISION, speedup } from './format.js';
import { recommendationText } from './recommendation.js';
import { compatibleRun, compatibleRunSentence } from './review-text.js';
import { pairEnergyText } from './review-energy.js';
import { baselineEnergyText, weightBaselineRow } from './review-baseline.js';
import type { ReviewData } from '../review/review-data.js';
import type { Pattern } from '../sparsity/pattern.js';

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
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
  const head = [
    'pattern',
    'best config',
    data.headline.accuracyKind === 'measured-perplexity' ? 'ppl' : 'rel err',
    'native core',
    'area +',
    'prefill',
    ...batches.map((b) => `dec B=${b}`),
    'front',
  ];
  // the core column fits the longest core name (a design-axes variant: "act-8of16 · sorted-mux · bitmask")
  const coreWidth = Math.max(12, ...data.summary.map((s) => (s.nativeProfile ?? `${s.compatibleProfile ?? '—'}*`).length));
  const widths = [12, 16, 8, coreWidth, 8, 8, ...batches.map((b) => Math.max(8, `dec B=${b}`.length)), 5];
  // numeric columns (right-aligned): accuracy, area, prefill and every decode column
  const numeric = (i: number) => i >= 2 && i < head.length - 1 && i !== 3;
  lines.push('  ' + head.map((h, i) => pad(h, widths[i], numeric(i))).join(' '));
  for (const s of data.summary) {
    const row = [
      patternText(s.pattern),
      s.bestConfig ?? '—',
      s.accuracyValue === null ? '—' : s.accuracyKind === 'measured-perplexity' ? fixed(s.accuracyValue, PRECISION.perplexityText) : fixed(s.accuracyValue, PRECISION.relErrText),
      s.nativeProfile ?? (s.compatibleProfile ? `${s.compatibleProfile}*` : '—'),
      s.areaOverheadFraction === null ? '—' : percent(s.areaOverheadFraction, PRECISION.percentText),
      s.prefillSpeedup === null ? '—' : speedup(s.prefillSpeedup),
      ...batches.map((b) => {
        const d = s.decode.find((x) => x.batchTokens === b);
        return d ? speedup(d.speedup) : '—';
      }),
      s.onFront ? 'yes' : '',
    ];
    lines.push('  ' + row.map((c, i) => pad(c, widths[i], numeric(i))).join(' '));
  }
  // the weight baseline: today's core running pruned weights, the row every new core must beat
  const base = weightBaselineRow(data);
  if (base) {
    const p = base.point;
    const ppl = fixed(p.accuracy.value, PRECISION.perplexityText);
    const row = [
      `${patternText(p.pattern)} weights`,
      p.criterion,
      data.headline.accuracyKind === 'measured-perplexity' ? ppl : `${ppl} ppl`,
      p.profile,
      percent(p.areaOverheadFraction, PRECISION.percentText),
      speedup(p.prefillSpeedup),
      ...batches.map((b) => {
        const d = p.decode.find((x) => x.batchTokens === b);
        return d ? speedup(d.speedup) : '—';
      }),
      'base',
    ];
    lines.push('  ' + row.map((c, i) => pad(c, widths[i], numeric(i))).join(' '));
  }
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

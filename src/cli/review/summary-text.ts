/**
 * The one-screen terminal summary of a review: per-pattern table, the front, the
 * recommendation and where the report is. Plain text (no colour codes: it goes to pipes too).
 */
import { fixed, percent, speedup } from '../../report/format.js';
import type { ReviewData } from '../../report/review-data.js';

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function terminalSummary(data: ReviewData, outDir: string, headlinePng: string): string {
  const lines: string[] = [];
  lines.push(data.title);
  lines.push(`  ${data.points.length} design points · ${data.workload}`);
  lines.push('');
  const head = ['pattern', 'best config', data.headline.accuracyKind === 'measured-perplexity' ? 'ppl' : 'rel err', 'native core', 'area +', 'prefill', 'decode', 'front'];
  const widths = [12, 16, 8, 12, 8, 8, 8, 5];
  lines.push('  ' + head.map((h, i) => pad(h, widths[i], i >= 2 && i <= 6 && i !== 3)).join(' '));
  for (const s of data.summary) {
    const row = [
      s.pattern,
      s.bestConfig,
      s.accuracyKind === 'measured-perplexity' ? fixed(s.accuracyValue, 3) : fixed(s.accuracyValue, 4),
      s.nativeProfile ?? (s.compatibleProfile ? `${s.compatibleProfile}*` : '—'),
      s.areaOverheadFraction === null ? '—' : percent(s.areaOverheadFraction, 1),
      s.prefillSpeedup === null ? '—' : speedup(s.prefillSpeedup),
      s.decodeSpeedup === null ? '—' : speedup(s.decodeSpeedup),
      s.onFront ? 'yes' : '',
    ];
    lines.push('  ' + row.map((c, i) => pad(c, widths[i], i >= 2 && i <= 6 && i !== 3)).join(' '));
  }
  if (data.summary.some((s) => !s.nativeProfile && s.compatibleProfile)) lines.push('  * through a compatible narrower pattern (no swept core runs it natively)');
  for (const r of data.accuracyReferences) lines.push(`  reference: ${r.label} ${fixed(r.value, 3)}`);
  lines.push('');
  lines.push(data.recommendation);
  lines.push('');
  lines.push(`report: ${outDir}/design-review.md (and .html)`);
  lines.push(`headline chart: ${headlinePng}`);
  return lines.join('\n') + '\n';
}

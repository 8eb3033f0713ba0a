/**
 * The recommendation in words: the sentence the report, the terminal summary and `review --json`
 * lead with, from explore/recommend.ts's data.
 */
import type { AccuracyKind } from '../explore/design-point.js';
import { recommend, type BestConfiguration, type CoreCost, type PairComparison, type Recommendation, type RecommendationInput } from '../explore/recommend.js';
import type { Pattern } from '../sparsity/pattern.js';
import { areaUm2, fixed, patternText, percent, signedPercentPoints } from './format.js';

const KIND_TEXT: Record<AccuracyKind, string> = { 'measured-perplexity': 'measured perplexity', 'proxy-rel-err': 'proxy error' };
const QUANTITY: Record<AccuracyKind, string> = { 'measured-perplexity': 'perplexity', 'proxy-rel-err': 'proxy error' };

const list = (patterns: readonly Pattern[]) => patterns.map(patternText).join(', ');
const both = (patterns: readonly Pattern[]) => `${patterns.map(patternText).join(' and ')} ${patterns.length > 1 ? 'have' : 'has'}`;
const config = (b: BestConfiguration) => `${b.criterion}+${b.mitigation}`;
const core = (c: CoreCost) => (c.compatible ? `${c.profile} (compatible)` : c.profile);

function comparisonText(c: PairComparison, headline: AccuracyKind): string {
  if (c.outcome === 'no-design-point') {
    return ` ${patternText(c.wide)} vs ${patternText(c.narrow)}: not compared, ${patternText(c.missing)} has no design point (not swept, or no swept core runs it sparsely).`;
  }
  if (c.outcome === 'no-common-kind') {
    return ` ${patternText(c.wide)} vs ${patternText(c.narrow)}: not compared, ${both(c.lacking)} no ${KIND_TEXT[headline]} and the two have no other accuracy kind in common.`;
  }
  const { narrow, wide, gainFraction: gain } = c;
  const why = c.lacking.length > 0 ? `, on the ${c.accuracyKind === 'proxy-rel-err' ? 'analysis proxy' : 'measured perplexity'}: ${both(c.lacking)} no ${KIND_TEXT[headline]}` : '';
  let s = ` ${patternText(wide.pattern)} (${config(wide)}) ${gain >= 0 ? 'lowers' : 'raises'} ${QUANTITY[c.accuracyKind]} from ${fixed(narrow.value, 3)} (${patternText(narrow.pattern)}, ${config(narrow)}) to ${fixed(wide.value, 3)} (${percent(Math.abs(gain), 1)} ${gain >= 0 ? 'better' : 'worse'}${why})`;
  const a = c.area;
  if (a.outcome === 'compared') {
    s += ` for ${signedPercentPoints(a.overheadDeltaFraction)} area overhead (${core(a.wide)} ${percent(a.wide.areaOverheadFraction)} vs ${core(a.narrow)} ${percent(a.narrow.areaOverheadFraction)}, ${a.areaDeltaUm2 >= 0 ? '+' : ''}${areaUm2(a.areaDeltaUm2)} per core).`;
  } else {
    s += `; no swept profile runs ${patternText(a.missing)}, so its area is not compared.`;
  }
  return s;
}

export function recommendationText(r: Recommendation): string {
  if (r.outcome === 'no-design-point') return 'No design point: no swept core runs any swept pattern sparsely, or no pattern has an accuracy figure (see the notes).';
  if (r.outcome === 'no-front') return `No design point has a ${KIND_TEXT[r.accuracyKind]}, so none is on the accuracy–area front.`;
  const kind = r.accuracyKind;
  const kindText =
    kind === 'measured-perplexity'
      ? 'measured perplexity'
      : r.measuredPatterns.length === 0
        ? 'proxy error; no measured perplexity'
        : `proxy error; measured perplexity only for ${list(r.measuredPatterns)}`;
  let s = `On the accuracy–area Pareto front (${kindText}): ${r.front.map((f) => `${patternText(f.pattern)} (${f.profiles.join(', ')})`).join(', ')}`;
  if (r.notOnFront.length > 0) s += `; not on it: ${list(r.notOnFront)}`;
  if (r.lackingKind.length > 0) s += `; no ${KIND_TEXT[kind]}: ${list(r.lackingKind)}`;
  return s + '.' + comparisonText(r.comparison, kind);
}

/** recommend() and its wording in one call. */
export function recommendationSentence(input: RecommendationInput): string {
  return recommendationText(recommend(input));
}

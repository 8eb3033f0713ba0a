/**
 * The recommendation in words: the sentence the report, the terminal summary and `review --json`
 * lead with, from explore/recommend.ts's data.
 */
import type { AccuracyKind } from '../explore/design-point.js';
import { recommend, type BestConfiguration, type ConfigurationOnCore, type CoreCost, type PairComparison, type Recommendation, type RecommendationInput, type WeightComparison } from '../explore/recommend.js';
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

const onCoreText = (c: ConfigurationOnCore) => (c.compatible ? `${c.profile} (compatible)` : c.profile);

/**
 * The comparison with the weight baseline, in one sentence: "8:16 activations (magnitude+dpts)
 * on act-8of16 keep perplexity 9.694 vs 60.821 for 2:4 weights (wanda) on a100-like, at 0.96×
 * its prefill speed-up (1.26× vs 1.32×) for 27.9% vs 8.0% area overhead."
 */
export function weightComparisonText(w: WeightComparison): string {
  const weight = `${patternText(w.weight.pattern)} weights (${w.weight.criterion}) on ${onCoreText(w.weight)}`;
  if (w.outcome === 'baseline-only') {
    return `${weight} measure perplexity ${fixed(w.weight.value, 3)}; ${patternText(w.activationPattern)} activations have no design point with a measured perplexity here (not swept, no swept core runs them, or no measured run), so the two are not compared.`;
  }
  const a = w.activation;
  return `${patternText(a.pattern)} activations (${a.criterion}+${a.mitigation}) on ${onCoreText(a)} keep perplexity ${fixed(a.value, 3)} vs ${fixed(w.weight.value, 3)} for ${weight}, at ${fixed(w.prefillSpeedupRatio, 2)}× its prefill speed-up (${fixed(a.prefillSpeedup, 2)}× vs ${fixed(w.weight.prefillSpeedup, 2)}×) for ${percent(a.areaOverheadFraction)} vs ${percent(w.weight.areaOverheadFraction)} area overhead.`;
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
  return s + '.' + comparisonText(r.comparison, kind) + (r.weightBaseline ? ` ${weightComparisonText(r.weightBaseline)}` : '');
}

/** recommend() and its wording in one call. */
export function recommendationSentence(input: RecommendationInput): string {
  return recommendationText(recommend(input));
}

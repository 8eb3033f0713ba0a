/**
 * The recommendation in words: the sentence the report, the terminal summary and `review --json`
 * lead with, from explore/recommend.ts's data.
 */
import type { AccuracyKind } from '../explore/design-point.js';
import { recommend, type BestConfiguration, type ConfigurationOnCore, type CoreCost, type PairComparison, type PairDetails, type PairSide, type Recommendation, type RecommendationInput, type WeightComparison } from '../explore/recommend.js';
import type { IsoAreaPhase } from '../explore/iso-area.js';
import type { Pattern } from '../sparsity/pattern.js';
import { areaUm2, fixed, patternText, percent, PRECISION, signedPercentPoints, speedup } from './format.js';

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
  return s + (c.pair ? pairText(c.pair, c.accuracyKind) : '');
}

/** "+0.006" / "-0.025": a difference of speed-ups, signed, one digit finer than the speed-ups beside it. */
function signed(v: number, digits = PRECISION.speedup): string {
  const t = fixed(v, digits);
  return t.startsWith('-') ? t : `+${t}`;
}

const mm2 = (v: number) => `${fixed(v, PRECISION.chipMm2Text)} mm²`;

/** The accuracy's uncertainty, or plainly why there is none and what would give it. */
function intervalText(p: PairDetails, kind: AccuracyKind): string {
  const { narrow: n, wide: w } = p;
  if (n.interval && w.interval) {
    const iv = (x: PairSide) => `${patternText(x.pattern)} ${fixed(x.interval![0], 3)}–${fixed(x.interval![1], 3)}`;
    const d = p.accuracyDifference;
    if (d) {
      const verdict = d.distinguishable ? 'it excludes 0: the two are distinguishable on this data' : 'it contains 0: the two are not distinguishable on this data';
      return ` Bootstrap 95 % intervals over stories: ${iv(w)}, ${iv(n)}; the difference ${patternText(w.pattern)} − ${patternText(n.pattern)} is ${signed(d.difference, 3)} (paired bootstrap over the same ${d.stories} stories: ${signed(d.interval[0], 3)} to ${signed(d.interval[1], 3)}; ${verdict}).`;
    }
    const overlap = n.interval[0] <= w.interval[1] && w.interval[0] <= n.interval[1];
    return ` Bootstrap 95 % intervals over stories: ${iv(w)}, ${iv(n)}${overlap ? ' (they overlap: not distinguishable on this data)' : ' (they do not overlap)'}.`;
  }
  if (kind === 'proxy-rel-err') return ' The proxy error has no interval (it is computed on the analysed tokens, not resampled).';
  return ' No interval on this gap: the bundle records one perplexity per run, not per-story NLL; a capture that records each story\'s NLL would give a bootstrap 95 % interval for each figure and for the difference (explore/uncertainty.ts).';
}

function isoPhase(x: IsoAreaPhase): string {
  return `${speedup(x.isoAreaSpeedup)}${x.bound ? ` (the dense step is ${x.denseBottleneck}-bound)` : ''}`;
}

/** What the sparse additions would buy as dense cores, and whether the sparse core beats it. */
function isoText(x: PairSide): string {
  const iso = x.isoArea!;
  const prefillWin = iso.prefill.sparseWins;
  const decode = iso.decode.map((d) => `B = ${d.batchTokens} ${speedup(d.sparseSpeedup)} vs ${isoPhase(d)}`).join(', ');
  return `${patternText(x.pattern)} on ${x.point.profile} (+${fixed(iso.extraDenseCores, 1)} dense cores' worth) ${prefillWin ? 'beats' : 'does not beat'} them in prefill (${speedup(iso.prefill.sparseSpeedup)} vs ${isoPhase(iso.prefill)})${decode ? `; decode ${decode}` : ''}`;
}

/** " (provisioning, node)" after a core's name; a design-axis variant's label already ends in its provisioning (review/axes.ts), so it is not said twice. */
function alternativeTags(a: PairDetails['alternatives'][number]): string {
  const tags = [a.provisioning && !a.profile.endsWith(` · ${a.provisioning}`) ? a.provisioning : undefined, a.provisioning ? a.tech : undefined].filter((t): t is string => Boolean(t));
  return tags.length > 0 ? ` (${tags.join(', ')})` : '';
}

function alternativeText(p: PairDetails): string {
  if (p.alternatives.length === 0) return '';
  const alt = p.alternatives
    .map((a) => `${patternText(a.pattern)} on ${a.profile}${alternativeTags(a)} ${speedup(a.prefillSpeedup)} for ${percent(a.areaOverheadFraction)}`)
    .join('; ');
  return ` the provisioning or node of the cores (other swept cores give prefill ${alt})`;
}

/** The pair on their cores: chip mm² and % of die, speed-up deltas, iso-area and what the choice hinges on. */
function pairText(p: PairDetails, kind: AccuracyKind): string {
  const { narrow: n, wide: w } = p;
  let s = intervalText(p, kind);
  if (n.chipOverheadMm2 !== undefined && w.chipOverheadMm2 !== undefined && n.point.chip && w.point.chip) {
    const die = (x: PairSide) => (x.point.areaOverheadVsDieFraction !== undefined ? ` (${percent(x.point.areaOverheadVsDieFraction, 2)} of the die)` : '');
    const cores = n.point.chip.tensorCores === w.point.chip.tensorCores ? `${n.point.chip.tensorCores} tensor cores` : `${w.point.chip.tensorCores} and ${n.point.chip.tensorCores} tensor cores`;
    s += ` On the chip (${cores}): ${patternText(w.pattern)} adds ${mm2(w.chipOverheadMm2)}${die(w)}, ${patternText(n.pattern)} ${mm2(n.chipOverheadMm2)}${die(n)}: ${p.chipDeltaMm2! >= 0 ? '+' : ''}${mm2(p.chipDeltaMm2!)}${p.dieDeltaFraction !== undefined ? `, ${signedPercentPoints(p.dieDeltaFraction, 2)} of the die` : ''}.`;
  }
  const dec = p.decodeDelta.map((d) => `decode B = ${d.batchTokens} ${speedup(d.wide)} vs ${speedup(d.narrow)} (${signed(d.delta)})`).join(', ');
  s += ` Speed-up over the core run dense, ${patternText(w.pattern)} vs ${patternText(n.pattern)}: prefill ${speedup(w.point.prefillSpeedup)} vs ${speedup(n.point.prefillSpeedup)} (${signed(p.prefillDelta)})${dec ? `, ${dec}` : ''}.`;
  if (n.isoArea && w.isoArea) s += ` Iso-area, the same extra mm² as more dense cores: ${isoText(w)}; ${isoText(n)}.`;
  // what the choice hinges on
  const hinges: string[] = [];
  const alt = alternativeText(p);
  if (alt) hinges.push(alt.trim());
  if (p.decodeDelta.length > 1) {
    const first = p.decodeDelta[0];
    const last = p.decodeDelta[p.decodeDelta.length - 1];
    hinges.push(`the decode batch B (${patternText(w.pattern)} vs ${patternText(n.pattern)} decode ${speedup(first.wide)} vs ${speedup(first.narrow)} at B = ${first.batchTokens}, ${speedup(last.wide)} vs ${speedup(last.narrow)} at B = ${last.batchTokens})`);
  }
  const techs = [...new Set([n, w].flatMap((x) => (x.point.chip ? [x.point.chip.tech] : [])))];
  if (techs.length > 0) hinges.push(`the node (the areas are at ${techs.join(' and ')})`);
  if (hinges.length > 0) s += ` The choice hinges on ${hinges.join('; ')}.`;
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
  return `${patternText(a.pattern)} activations (${a.criterion}+${a.mitigation}) on ${onCoreText(a)} keep perplexity ${fixed(a.value, 3)} vs ${fixed(w.weight.value, 3)} for ${weight}${w.accuracyDifference ? ` (${signed(w.accuracyDifference.difference, 3)} for the weights, paired bootstrap 95 % interval ${signed(w.accuracyDifference.interval[0], 3)} to ${signed(w.accuracyDifference.interval[1], 3)}${w.accuracyDifference.distinguishable ? '' : ': not distinguishable on this data'})` : ''}, at ${fixed(w.prefillSpeedupRatio, 2)}× its prefill speed-up (${fixed(a.prefillSpeedup, 2)}× vs ${fixed(w.weight.prefillSpeedup, 2)}×) for ${percent(a.areaOverheadFraction)} vs ${percent(w.weight.areaOverheadFraction)} area overhead.`;
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

/**
 * The recommendation sentence, computed from the sweep: which patterns are on the
 * accuracy–area front (and on which cores), and what the wider pattern buys over the narrower
 * one — by default 16:32 over 8:16, the question the design review is about — in accuracy,
 * for how much area. No thresholds: it states the trade, the architect decides.
 *
 * One accuracy kind per comparison, always named: the front is on the headline kind; the pair
 * is compared on the headline kind when both patterns have it, else on the other kind when
 * both have that (saying which pattern lacks the headline kind), else not at all. A measured
 * perplexity is never set against a proxy error.
 */
import { accuracyOf, compareDesignPoints, comparePatterns, type AccuracyKind, type DesignPoint } from './design-point.js';
import type { PatternSummary } from './summary.js';
import { areaUm2, fixed, percent, signedPercentPoints } from '../report/format.js';

export interface RecommendationInput {
  points: readonly DesignPoint[];
  frontIds: readonly string[];
  summary: readonly PatternSummary[];
  /** the kind the front and the summary are on (default: the summary's) */
  accuracyKind?: AccuracyKind;
  /** the pair to compare: [narrower, wider]; defaults to ["8:16", "16:32"] */
  compare?: [string, string];
}

const OTHER: Record<AccuracyKind, AccuracyKind> = { 'measured-perplexity': 'proxy-rel-err', 'proxy-rel-err': 'measured-perplexity' };
const KIND_TEXT: Record<AccuracyKind, string> = { 'measured-perplexity': 'measured perplexity', 'proxy-rel-err': 'proxy error' };
const QUANTITY: Record<AccuracyKind, string> = { 'measured-perplexity': 'perplexity', 'proxy-rel-err': 'proxy error' };

function coreName(s: PatternSummary): string {
  return s.nativeProfile ?? `${s.compatibleProfile} (compatible)`;
}

/** The most accurate point of a pattern on one kind (stable order on ties). */
function bestOf(points: readonly DesignPoint[], pattern: string, kind: AccuracyKind): { value: number; config: string } | undefined {
  const best = points
    .filter((p) => p.pattern === pattern && accuracyOf(p, kind))
    .sort((a, b) => accuracyOf(a, kind)!.value - accuracyOf(b, kind)!.value || compareDesignPoints(a, b))[0];
  return best ? { value: accuracyOf(best, kind)!.value, config: `${best.criterion}+${best.mitigation}` } : undefined;
}

export function recommendationSentence(input: RecommendationInput): string {
  const { points, summary } = input;
  if (points.length === 0) return 'No design point: no swept core runs any swept pattern sparsely, or no pattern has an accuracy figure (see the notes).';
  const kind: AccuracyKind = input.accuracyKind ?? summary[0]?.accuracyKind ?? points[0].accuracy.kind;
  const byId = new Map(points.map((p) => [p.id, p]));
  const front = input.frontIds.map((id) => byId.get(id)).filter((p): p is DesignPoint => p !== undefined);
  const measuredPatterns = [...new Set(points.filter((p) => accuracyOf(p, 'measured-perplexity')).map((p) => p.pattern))].sort(comparePatterns);
  const kindText =
    kind === 'measured-perplexity'
      ? 'measured perplexity'
      : measuredPatterns.length === 0
        ? 'proxy error; no measured perplexity'
        : `proxy error; measured perplexity only for ${measuredPatterns.join(', ')}`;
  if (front.length === 0) return `No design point has a ${KIND_TEXT[kind]}, so none is on the accuracy–area front.`;

  const frontPatterns = [...new Set(front.map((p) => p.pattern))].sort(comparePatterns);
  const parts = frontPatterns.map((pattern) => {
    const cores = [...new Set(front.filter((p) => p.pattern === pattern).map((p) => p.profile))].sort();
    return `${pattern} (${cores.join(', ')})`;
  });
  const off = summary.filter((s) => !frontPatterns.includes(s.pattern));
  const dominated = off.filter((s) => s.accuracyValue !== null).map((s) => s.pattern);
  const lacking = off.filter((s) => s.accuracyValue === null).map((s) => s.pattern);
  let sentence = `On the accuracy–area Pareto front (${kindText}): ${parts.join(', ')}`;
  if (dominated.length > 0) sentence += `; not on it: ${dominated.join(', ')}`;
  if (lacking.length > 0) sentence += `; no ${KIND_TEXT[kind]}: ${lacking.join(', ')}`;
  sentence += '.';

  const [narrowName, wideName] = input.compare ?? ['8:16', '16:32'];
  const narrow = summary.find((s) => s.pattern === narrowName);
  const wide = summary.find((s) => s.pattern === wideName);
  if (!narrow || !wide) {
    sentence += ` ${wideName} vs ${narrowName}: not compared, ${!narrow ? narrowName : wideName} has no design point (not swept, or no swept core runs it sparsely).`;
    return sentence;
  }
  // one kind for both: the headline's, else the other one where both have it
  let on = kind;
  let a = bestOf(points, narrowName, on);
  let b = bestOf(points, wideName, on);
  let why = '';
  if (!a || !b) {
    const missing = [!a ? narrowName : null, !b ? wideName : null].filter((x) => x !== null).join(' and ');
    on = OTHER[kind];
    a = bestOf(points, narrowName, on);
    b = bestOf(points, wideName, on);
    if (!a || !b) {
      sentence += ` ${wideName} vs ${narrowName}: not compared, ${missing} ${missing.includes(' and ') ? 'have' : 'has'} no ${KIND_TEXT[kind]} and the two have no other accuracy kind in common.`;
      return sentence;
    }
    why = `, on the ${on === 'proxy-rel-err' ? 'analysis proxy' : 'measured perplexity'}: ${missing} ${missing.includes(' and ') ? 'have' : 'has'} no ${KIND_TEXT[kind]}`;
  }
  const gain = (a.value - b.value) / a.value;
  const verb = gain >= 0 ? 'lowers' : 'raises';
  sentence += ` ${wideName} (${b.config}) ${verb} ${QUANTITY[on]} from ${fixed(a.value, 3)} (${narrowName}, ${a.config}) to ${fixed(b.value, 3)} (${percent(Math.abs(gain), 1)} ${gain >= 0 ? 'better' : 'worse'}${why})`;
  if (narrow.areaOverheadFraction !== null && wide.areaOverheadFraction !== null && narrow.areaUm2 !== null && wide.areaUm2 !== null) {
    sentence += ` for ${signedPercentPoints(wide.areaOverheadFraction - narrow.areaOverheadFraction)} area overhead (${coreName(wide)} ${percent(wide.areaOverheadFraction)} vs ${coreName(narrow)} ${percent(narrow.areaOverheadFraction)}, ${wide.areaUm2 >= narrow.areaUm2 ? '+' : ''}${areaUm2(wide.areaUm2 - narrow.areaUm2)} per core).`;
  } else {
    sentence += `; no swept profile runs ${narrow.areaOverheadFraction === null ? narrowName : wideName}, so its area is not compared.`;
  }
  return sentence;
}

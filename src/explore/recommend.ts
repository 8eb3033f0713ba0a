/**
 * The recommendation sentence, computed from the sweep: which patterns are on the
 * accuracy–area front (and on which cores), and what the wider pattern buys over the narrower
 * one — by default 16:32 over 8:16, the question the design review is about — in accuracy,
 * for how much area. No thresholds: it states the trade, the architect decides.
 */
import { comparePatterns, type DesignPoint } from './design-point.js';
import type { PatternSummary } from './summary.js';
import { areaUm2, fixed, percent, signedPercentPoints } from '../report/format.js';

export interface RecommendationInput {
  points: readonly DesignPoint[];
  frontIds: readonly string[];
  summary: readonly PatternSummary[];
  /** the pair to compare: [narrower, wider]; defaults to ["8:16", "16:32"] */
  compare?: [string, string];
}

function coreName(s: PatternSummary): string {
  return s.nativeProfile ?? `${s.compatibleProfile} (compatible)`;
}

export function recommendationSentence(input: RecommendationInput): string {
  const { points, summary } = input;
  const byId = new Map(points.map((p) => [p.id, p]));
  const front = input.frontIds.map((id) => byId.get(id)).filter((p): p is DesignPoint => p !== undefined);
  if (front.length === 0) return 'No design point could be placed on the accuracy–area front: no pattern ran on any profile.';
  const kind = front[0].accuracy.kind;
  const kindText = kind === 'measured-perplexity' ? 'measured perplexity' : 'proxy error (no measured perplexity)';

  const frontPatterns = [...new Set(front.map((p) => p.pattern))].sort(comparePatterns);
  const parts = frontPatterns.map((pattern) => {
    const cores = [...new Set(front.filter((p) => p.pattern === pattern).map((p) => p.profile))].sort();
    return `${pattern} (${cores.join(', ')})`;
  });
  const off = summary.map((s) => s.pattern).filter((p) => !frontPatterns.includes(p));
  let sentence = `On the accuracy–area Pareto front (${kindText}): ${parts.join(', ')}`;
  sentence += off.length > 0 ? `; not on it: ${off.join(', ')}.` : '.';

  const [narrowName, wideName] = input.compare ?? ['8:16', '16:32'];
  const narrow = summary.find((s) => s.pattern === narrowName);
  const wide = summary.find((s) => s.pattern === wideName);
  if (!narrow || !wide) {
    sentence += ` ${wideName} vs ${narrowName}: not compared, ${!narrow ? narrowName : wideName} was not swept.`;
    return sentence;
  }
  const gain = (narrow.accuracyValue - wide.accuracyValue) / narrow.accuracyValue;
  const verb = gain >= 0 ? 'lowers' : 'raises';
  sentence += ` ${wideName} (${wide.bestConfig}) ${verb} ${kind === 'measured-perplexity' ? 'perplexity' : 'proxy error'} from ${fixed(narrow.accuracyValue, 3)} (${narrowName}, ${narrow.bestConfig}) to ${fixed(wide.accuracyValue, 3)} (${percent(Math.abs(gain), 1)} ${gain >= 0 ? 'better' : 'worse'})`;
  if (narrow.areaOverheadFraction !== null && wide.areaOverheadFraction !== null && narrow.areaUm2 !== null && wide.areaUm2 !== null) {
    sentence += ` for ${signedPercentPoints(wide.areaOverheadFraction - narrow.areaOverheadFraction)} area overhead (${coreName(wide)} ${percent(wide.areaOverheadFraction)} vs ${coreName(narrow)} ${percent(narrow.areaOverheadFraction)}, ${wide.areaUm2 >= narrow.areaUm2 ? '+' : ''}${areaUm2(wide.areaUm2 - narrow.areaUm2)} per core).`;
  } else {
    sentence += `; no swept profile runs ${narrow.areaOverheadFraction === null ? narrowName : wideName}, so its area is not compared.`;
  }
  return sentence;
}

/**
 * Checks ReviewData before anything is rendered: a non-finite number would be drawn as
 * NaN coordinates or written as an empty CSV cell, silently. Fails with a diagnostic naming the
 * design point and the field instead.
 */
import { NmsimError, type Diagnostic } from '../diagnostics.js';
import type { ReviewData } from '../review/review-data.js';

const POINT_NUMBERS = [
  'prefillSpeedup',
  'areaUm2',
  'denseAreaUm2',
  'areaOverheadFraction',
  'prefillTokens',
  'decodeContextTokens',
] as const;

export function validateReviewData(data: ReviewData): void {
  const problems: Diagnostic[] = [];
  const bad = (path: string, found: unknown, hint: string) =>
    problems.push({ code: 'report/non-finite-value', severity: 'error', path, message: `${path} is ${String(found)}, not a finite number.`, hint });
  const ids = new Set<string>();
  data.points.forEach((p, i) => {
    if (ids.has(p.id)) problems.push({ code: 'report/duplicate-point', severity: 'error', path: `points[${i}].id`, message: `design point "${p.id}" appears twice.`, hint: 'each profile × pattern × criterion × mitigation is one point.' });
    ids.add(p.id);
    if (!Number.isFinite(p.accuracy.value)) bad(`points[${i}].accuracy.value (${p.id})`, p.accuracy.value, `the ${p.accuracy.kind} of this configuration is missing; check ${p.accuracy.source}.`);
    const iv = p.accuracy.interval;
    if (iv !== undefined) {
      if (!Number.isFinite(iv[0]) || !Number.isFinite(iv[1])) bad(`points[${i}].accuracy.interval (${p.id})`, `[${iv[0]}, ${iv[1]}]`, 'the bootstrap returned no interval for this configuration.');
      else if (iv[0] > iv[1]) problems.push({ code: 'report/reversed-interval', severity: 'error', path: `points[${i}].accuracy.interval (${p.id})`, message: `the accuracy interval of "${p.id}" runs from ${iv[0]} down to ${iv[1]}.`, expected: '[lower, upper] with lower ≤ upper', found: `[${iv[0]}, ${iv[1]}]`, hint: 'an interval is [lower bound, upper bound].' });
    }
    for (const k of POINT_NUMBERS) if (!Number.isFinite(p[k])) bad(`points[${i}].${k} (${p.id})`, p[k], 'a model returned no value for this design point.');
    for (const b of data.decodeBatches) {
      const d = p.decode.find((x) => x.batchTokens === b);
      if (!d) {
        problems.push({ code: 'report/missing-decode-batch', severity: 'error', path: `points[${i}].decode (${p.id})`, message: `design point "${p.id}" has no decode figures for B = ${b}.`, hint: 'every point needs one decode entry per review decode batch.' });
        continue;
      }
      for (const k of ['speedup', 'ioSavingsFraction'] as const) {
        if (!Number.isFinite(d[k])) bad(`points[${i}].decode[B = ${b}].${k} (${p.id})`, d[k], 'a model returned no value for this design point.');
      }
    }
  });
  data.areaBreakdown.forEach((r, i) => {
    if (!Number.isFinite(r.areaUm2)) bad(`areaBreakdown[${i}].areaUm2 (${r.profile} ${r.component})`, r.areaUm2, 'the area model returned no value for this component.');
  });
  data.unionDensity.forEach((r, i) => {
    if (!Number.isFinite(r.measuredDensity) || !Number.isFinite(r.independenceDensity)) bad(`unionDensity[${i}] (${r.pattern}, B = ${r.batch})`, r.measuredDensity, 'the analysis returned no union density for this batch.');
  });
  for (const id of [...data.headline.frontIds, ...data.speedupFrontIds]) {
    if (!ids.has(id)) problems.push({ code: 'report/unknown-front-point', severity: 'error', path: 'headline.frontIds', message: `front lists "${id}", which is not a design point.` });
  }
  if (problems.length > 0) throw new NmsimError(problems, 'input');
}

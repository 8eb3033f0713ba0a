/**
 * Small wordings of review data shared by the report document, the charts and the terminal
 * summary.
 */
import { accuracyOf, isWeightPoint, type Accuracy, type AccuracyKind, type DesignPoint } from '../explore/design-point.js';
import type { PatternSummary } from '../explore/summary.js';
import type { AreaBreakdownRow, Assumption, ReviewBundleRun } from '../review/review-data.js';
import { samePattern, type Pattern } from '../sparsity/pattern.js';
import { fixed, patternText, PRECISION } from './format.js';

/** The core behind an area bar: "act-8of16", "act-flex (8:16-only variant)", "act-2of4 without sparsity". */
export function areaCoreText(row: Pick<AreaBreakdownRow, 'profile' | 'core' | 'pattern'>): string {
  switch (row.core) {
    case 'profile':
      return row.profile;
    case 'single-pattern-variant':
      return `${row.profile} (${patternText(row.pattern)}-only variant)`;
    case 'without-sparsity':
      return `${row.profile} without sparsity`;
  }
}

/** An accuracy figure at the precision of its kind (files and report tables). */
export function accuracyCell(kind: AccuracyKind, v: number | null): string {
  if (v === null) return '—';
  return kind === 'measured-perplexity' ? fixed(v, PRECISION.perplexity) : fixed(v, PRECISION.relErr);
}

/**
 * The 95 % interval behind a summary row's accuracy: the interval of the design point the row's
 * figure is read from (the pattern's best configuration; every core of it shares the measured
 * run). Null where there is none: a proxy error, or a run whose manifest holds no per-story NLL.
 */
export function summaryInterval(row: Pick<PatternSummary, 'pattern' | 'bestConfig' | 'accuracyValue' | 'accuracyKind'>, points: readonly DesignPoint[]): readonly [number, number] | null {
  if (row.accuracyValue === null || row.bestConfig === null) return null;
  const p = points.find((x) => !isWeightPoint(x) && samePattern(x.pattern, row.pattern) && `${x.criterion}+${x.mitigation}` === row.bestConfig && accuracyOf(x, row.accuracyKind)?.value === row.accuracyValue);
  return (p && accuracyOf(p, row.accuracyKind)?.interval) ?? null;
}

/**
 * A measured perplexity with its bootstrap 95 % interval, compact for table cells: "9.694 [9.344, 10.049]";
 * "9.694 [—]" when the run has no per-story NLL (no interval can be drawn). A proxy error has no
 * interval and shows its figure alone; a missing figure is "—".
 */
export function accuracyIntervalCell(kind: AccuracyKind, a: Pick<Accuracy, 'value' | 'interval'> | null, digits: number): string {
  if (a === null) return '—';
  const v = fixed(a.value, digits);
  if (kind !== 'measured-perplexity') return v;
  return a.interval ? `${v} [${fixed(a.interval[0], digits)}, ${fixed(a.interval[1], digits)}]` : `${v} [—]`;
}

/** An assumption's value: numbers at the precision of their quantity. */
export function assumptionValue(a: Assumption): string {
  if (typeof a.value === 'string') return a.value;
  switch (a.quantity) {
    case 'area_um2':
      return `${fixed(a.value, PRECISION.cellAreaUm2)} µm²${a.cell ? ` (${a.cell})` : ''}`;
    case 'fraction':
      return fixed(a.value, PRECISION.assumptionFraction);
    default:
      return String(a.value);
  }
}

/** A bundle run's criterion or mitigation ("—" for the dense run). */
export function runPart(run: ReviewBundleRun, part: 'criterion' | 'mitigation'): string {
  return run[part] ?? '—';
}

/** How a core runs a pattern it does not support natively: the pattern it executes, and how the two relate. */
export interface CompatibleRun {
  profile: string;
  executedAs: Pattern;
  /** group size of the executed pattern vs the data's: wider (larger M), narrower, or the same M */
  relation: 'wider' | 'narrower' | 'same group size';
  /** every mask of the data is also a mask of the executed pattern (one pass); else some groups take a second */
  everyMaskFits: boolean;
}

/**
 * The compatible run behind a summary row that has no native core (null when the row has a
 * native core or none): read off the design point of that core, so the wording follows what the
 * core executes — 2:4 data on an 8:16 core runs as a WIDER pattern, 16:32 data on it as a narrower one.
 */
export function compatibleRun(row: Pick<PatternSummary, 'pattern' | 'nativeProfile' | 'compatibleProfile'>, points: readonly DesignPoint[]): CompatibleRun | null {
  if (row.nativeProfile !== null || row.compatibleProfile === null) return null;
  const p = points.find((x) => x.profile === row.compatibleProfile && samePattern(x.pattern, row.pattern) && !x.native);
  if (!p) return null;
  const data = row.pattern;
  const run = p.executedAs;
  const m = (q: Pattern) => (q.kind === 'nm' ? q.m : Infinity);
  const relation = m(run) > m(data) ? 'wider' : m(run) < m(data) ? 'narrower' : 'same group size';
  // a data group of M packs into a run group of M' = k·M when k·N ≤ N' (2:4 into 8:16: 4·2 ≤ 8)
  const everyMaskFits = data.kind === 'nm' && run.kind === 'nm' && run.m % data.m === 0 && (run.m / data.m) * data.n <= run.n;
  return { profile: p.profile, executedAs: run, relation, everyMaskFits };
}

/** "as 8:16, wider" — the core cell of a pattern a core runs through a compatible one. */
export function compatibleCoreText(c: CompatibleRun): string {
  return `${c.profile} (as ${patternText(c.executedAs)}, ${c.relation})`;
}

/** "2:4 runs on act-8of16 as 8:16, a wider pattern: every 2:4 mask is also an 8:16 mask (one pass)" */
export function compatibleRunSentence(data: Pattern, c: CompatibleRun): string {
  const how = c.everyMaskFits
    ? `every ${patternText(data)} mask is also ${article(patternText(c.executedAs))} ${patternText(c.executedAs)} mask (one pass)`
    : `groups that do not fit ${patternText(c.executedAs)} take a second pass`;
  const rel = c.relation === 'same group size' ? 'a pattern of the same group size' : `a ${c.relation} pattern`;
  return `${patternText(data)} runs on ${c.profile} as ${patternText(c.executedAs)}, ${rel}: ${how}`;
}

/** "an 8:16", "a 16:32" — the article English reads before a pattern's text. */
function article(text: string): string {
  return /^(8\d*|11|18|unstructured)\b/.test(text) ? 'an' : 'a';
}

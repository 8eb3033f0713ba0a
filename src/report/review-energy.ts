/**
 * The review's energy, rendered from ReviewData.energy (review/energy.ts): the CSV columns, the
 * per-pattern energy table beside accuracy and area, and the sentence that puts the compared
 * pair (8:16 vs 16:32 by default) side by side at every decode batch. Only formats; every
 * figure is in the data.
 */
import { formatPattern, samePattern, type Pattern } from '../sparsity/pattern.js';
import type { Operand } from '../sparsity/weight-registry.js';
import type { DesignPoint } from '../explore/design-point.js';
import { energyAtBatch, type PatternEnergy } from '../review/energy.js';
import type { PatternSummaryRow, ReviewData } from '../review/review-data.js';
import { fixed, groupedNumber, patternText, percent, PRECISION } from './format.js';

/** mJ per token in the CSV: nJ resolution (a decoded 8B-model token costs ~10³ mJ, a small bundle model's prefilled one ~10⁻² mJ) */
export const ENERGY_MJ_DIGITS = 6;
/** mJ per token in sentences and tables */
export const ENERGY_MJ_TEXT_DIGITS = 1;

/**
 * mJ in text: one decimal from 1 mJ up ("1,284.8"), three significant digits below (a small
 * model's prefill token costs ~10⁻² mJ: "0.0123", not "0.0").
 */
export function mjText(millijoules: number): string {
  const a = Math.abs(millijoules);
  if (a >= 1 || a === 0 || !Number.isFinite(a)) return groupedNumber(millijoules, ENERGY_MJ_TEXT_DIGITS);
  return fixed(millijoules, Math.min(9, 2 - Math.floor(Math.log10(a))));
}
const mj = (joules: number) => mjText(joules * 1e3);
/** a signed change, e.g. "+5.7%", "-38.6%" */
const change = (fraction: number) => {
  const p = percent(fraction, PRECISION.percentText);
  return p.startsWith('-') ? p : `+${p}`;
};

/** The energy row of (profile, pattern, operand), if the review priced it. */
export function energyOf(energy: readonly PatternEnergy[] | undefined, profile: string, pattern: Pattern, operand: Operand = 'activation'): PatternEnergy | undefined {
  return energy?.find((e) => e.profile === profile && samePattern(e.pattern, pattern) && (e.operand ?? 'activation') === operand);
}

/**
 * energyOf as a lookup built once (design-points.csv asks it twice per design point: with ~460
 * points the linear searches were ~15 ms of the report, issue 16). The first row of each
 * (profile, pattern, operand) wins, as energyOf's find does; built over `energy` as it is now.
 */
export function energyLookup(energy: readonly PatternEnergy[] | undefined): (profile: string, pattern: Pattern, operand: Operand) => PatternEnergy | undefined {
  const key = (profile: string, pattern: Pattern, operand: Operand) => `${profile}\0${formatPattern(pattern)}\0${operand}`;
  const index = new Map<string, PatternEnergy>();
  for (const e of energy ?? []) {
    const k = key(e.profile, e.pattern, e.operand ?? 'activation');
    if (!index.has(k)) index.set(k, e);
  }
  return (profile, pattern, operand) => index.get(key(profile, pattern, operand));
}

/** CSV columns, appended after the fixed ones: the point's core, then its dense core. */
export function energyCsvColumns(decodeBatches: readonly number[]): string[] {
  const own = ['prefill_energy_mj_per_token', ...decodeBatches.map((b) => `decode_energy_mj_per_token_b${b}`)];
  return [...own, ...own.map((c) => `dense_${c}`)];
}

/** The cells of energyCsvColumns for one point (empty where the review has no energy for it). */
export function energyCsvCells(p: DesignPoint, energy: ReturnType<typeof energyLookup>, decodeBatches: readonly number[]): string[] {
  const cells = (e: PatternEnergy | undefined) => [
    e ? fixed(e.prefill.joulesPerToken * 1e3, ENERGY_MJ_DIGITS) : '',
    ...decodeBatches.map((b) => {
      const d = e && energyAtBatch(e, b);
      return d ? fixed(d.joulesPerToken * 1e3, ENERGY_MJ_DIGITS) : '';
    }),
  ];
  return [...cells(energy(p.profile, p.pattern, p.operand)), ...cells(energy(p.profile, { kind: 'dense' }, 'activation'))];
}

/** The core a summary row names (native, else compatible), as the summary tables do. */
function coreOf(s: PatternSummaryRow): string | null {
  return s.nativeProfile ?? s.compatibleProfile;
}

/** One row of the energy table per summary pattern that has a core with energy figures. */
export function energyTable(data: ReviewData): { headers: string[]; numeric: boolean[]; rows: string[][] } | undefined {
  if (!data.energy || data.energy.length === 0) return undefined;
  const batches = data.decodeBatches;
  const rows: string[][] = [];
  for (const s of data.summary) {
    const core = coreOf(s);
    if (core === null) continue;
    const e = energyOf(data.energy, core, s.pattern);
    const dense = energyOf(data.energy, core, { kind: 'dense' });
    if (!e || !dense) continue;
    const vs = (a: number, b: number) => `${mj(a)} (${change(a / b - 1)})`;
    rows.push([
      patternText(s.pattern),
      core,
      s.accuracyValue === null ? '—' : fixed(s.accuracyValue, s.accuracyKind === 'measured-perplexity' ? PRECISION.perplexityText : PRECISION.relErrText),
      s.areaOverheadFraction === null ? '—' : percent(s.areaOverheadFraction, PRECISION.percentText),
      vs(e.prefill.joulesPerToken, dense.prefill.joulesPerToken),
      ...batches.map((b) => {
        const d = energyAtBatch(e, b);
        const dd = energyAtBatch(dense, b);
        return d && dd ? vs(d.joulesPerToken, dd.joulesPerToken) : '—';
      }),
    ]);
  }
  // the weight baseline (review-baseline.ts), on its own core, with its measured perplexity
  const base = data.weightBaselineId === undefined ? undefined : data.points.find((p) => p.id === data.weightBaselineId);
  const baseEnergy = base && energyOf(data.energy, base.profile, base.pattern, 'weight');
  const baseDense = base && energyOf(data.energy, base.profile, { kind: 'dense' });
  if (base && baseEnergy && baseDense) {
    const vs = (a: number, b: number) => `${mj(a)} (${change(a / b - 1)})`;
    rows.push([
      `${patternText(base.pattern)} weights (${base.criterion}, perplexity)`,
      base.profile,
      fixed(base.accuracy.value, PRECISION.perplexityText),
      percent(base.areaOverheadFraction, PRECISION.percentText),
      vs(baseEnergy.prefill.joulesPerToken, baseDense.prefill.joulesPerToken),
      ...batches.map((b) => {
        const d = energyAtBatch(baseEnergy, b);
        const dd = energyAtBatch(baseDense, b);
        return d && dd ? vs(d.joulesPerToken, dd.joulesPerToken) : '—';
      }),
    ]);
  }
  return {
    headers: ['pattern', 'core', data.headline.accuracyKind === 'measured-perplexity' ? 'perplexity' : 'proxy error', 'area overhead', 'prefill mJ/token (vs dense)', ...batches.map((b) => `decode B = ${b} mJ/token (vs dense)`)],
    numeric: [false, false, true, true, true, ...batches.map(() => true)],
    rows,
  };
}

/** The compared pair's patterns, whatever the recommendation's outcome. */
function comparedPair(data: ReviewData): [Pattern, Pattern] | undefined {
  const r = data.recommendation;
  if (r.outcome !== 'front') return undefined;
  const c = r.comparison;
  return c.outcome === 'compared' ? [c.narrow.pattern, c.wide.pattern] : [c.narrow, c.wide];
}

/**
 * "Energy per token, 16:32 (act-16of32) vs 8:16 (act-8of16): prefill … mJ vs … mJ; decode B = 1
 * … vs …; …" — each on the core the summary names for it, with the dense core beside; undefined
 * when either has no priced core.
 */
export function pairEnergyText(data: ReviewData): string | undefined {
  const pair = comparedPair(data);
  if (!pair || !data.energy) return undefined;
  const [narrow, wide] = pair.map((p) => {
    const s = data.summary.find((x) => samePattern(x.pattern, p));
    const core = s ? coreOf(s) : null;
    const e = core === null ? undefined : energyOf(data.energy, core, p);
    const dense = core === null ? undefined : energyOf(data.energy, core, { kind: 'dense' });
    return e && dense && core !== null ? { pattern: p, core, e, dense } : undefined;
  });
  if (!narrow || !wide) return undefined;
  const part = (label: string, w: number, n: number, wd: number, nd: number) =>
    `${label}: ${mj(w)} vs ${mj(n)} mJ (${change(w / wd - 1)} vs ${change(n / nd - 1)} against the core run dense)`;
  const parts = [part('prefill', wide.e.prefill.joulesPerToken, narrow.e.prefill.joulesPerToken, wide.dense.prefill.joulesPerToken, narrow.dense.prefill.joulesPerToken)];
  for (const b of data.decodeBatches) {
    const [w, n, wd, nd] = [energyAtBatch(wide.e, b), energyAtBatch(narrow.e, b), energyAtBatch(wide.dense, b), energyAtBatch(narrow.dense, b)];
    if (w && n && wd && nd) parts.push(part(`decode B = ${b}`, w.joulesPerToken, n.joulesPerToken, wd.joulesPerToken, nd.joulesPerToken));
  }
  return `Energy per token (modelled), ${patternText(wide.pattern)} (${wide.core}) vs ${patternText(narrow.pattern)} (${narrow.core}): ${parts.join('; ')}.`;
}

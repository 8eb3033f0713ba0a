/**
 * The sensitivity section (review/sensitivity.ts) as blocks (design-review.md/.html), terminal
 * lines and JSON: the assumptions by influence, the ones that flip the comparison marked.
 */
import type { Block } from './document.js';
import type { SensitivityResult, SensitivityRow } from '../review/sensitivity.js';
import { groupedNumber, patternText } from './format.js';
import { TORNADO_STEM } from './charts/tornado.js';

export const SENSITIVITY_TITLE = 'Sensitivity: which assumptions move the comparison';

export function pairText(s: SensitivityResult): string {
  return `${patternText(s.wide)} − ${patternText(s.narrow)}`;
}

const signed = (v: number | null, digits: number) => (v === null ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`);
const signedMj = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : '−'}${(Math.abs(v) * 1e3).toFixed(3)} mJ`);

/** One table row per assumption, by influence: key, values, swing of each delta, flips. */
export function sensitivityKeyRows(s: SensitivityResult): string[][] {
  return s.keys.map((k, i) => {
    const of = s.rows.filter((r) => r.key === k.key);
    return [
      String(i + 1),
      k.key,
      of.map((r) => r.value).join(', '),
      k.swing.areaOverheadPp.toFixed(2),
      k.swing.prefillSpeedup.toFixed(3),
      k.swing.decodeSpeedup.toFixed(3),
      (k.swing.prefillJoulesPerToken * 1e3).toFixed(3),
      k.influence.toFixed(2),
      k.flips ? `yes (${of.filter((r) => r.flips).map((r) => r.value).join(', ')})` : 'no',
    ];
  });
}

export const SENSITIVITY_KEY_HEADERS = ['rank', 'assumption', 'values', 'swing Δ area (pp)', 'swing Δ prefill', 'swing Δ decode', 'swing Δ energy (mJ/token)', 'influence', 'flips'];

/** Whether the sensitivity carries the pair's serving figures (a review with serving rows). */
export function hasServingFigures(s: SensitivityResult): boolean {
  return s.base.serving !== undefined;
}

/** A signed tokens/s difference at one decimal ("−2.3", "+0.0"): the pair's difference is small beside its ~7,000 tokens/s. */
const tokensPerS = (v: number | null | undefined) => {
  if (v === null || v === undefined) return '—';
  const text = groupedNumber(Math.abs(v), 1);
  return `${v >= 0 || text === '0.0' ? '+' : '−'}${text}`;
};

/** The serving cells of one value row: Δ tokens/s per chip at the target (wide − narrow) and the largest batch that fits. */
function servingCells(d: SensitivityRow['deltas']): string[] {
  return [tokensPerS(d.serving?.tokensPerSPerChipDelta), d.serving?.largestFittingBatch == null ? '—' : String(d.serving.largestFittingBatch)];
}

/** One row per (assumption, value): the pair's deltas under it (and its serving figures, when the review has them). */
export function sensitivityValueRows(s: SensitivityResult): string[][] {
  const serving = hasServingFigures(s);
  const row = (key: string, value: string, applied: string, d: SensitivityRow['deltas'], flips: string) => [
    key,
    value,
    applied,
    signed(d.areaOverheadPp, 2),
    signed(d.prefillSpeedup, 3),
    signed(d.decodeSpeedup.length > 0 ? d.decodeSpeedup[d.decodeSpeedup.length - 1].delta : null, 3),
    signedMj(d.prefillJoulesPerToken),
    ...(serving ? servingCells(d) : []),
    d.onFront,
    flips,
  ];
  return [row('(as given)', '—', '—', s.base, '—'), ...s.rows.map((r) => row(r.key, r.value, r.applied.length === s.profileCount ? `all ${s.profileCount}` : r.applied.join(', '), r.deltas, r.flips ? 'yes' : 'no'))];
}

export function sensitivityBlocks(s: SensitivityResult): Block[] {
  const pair = pairText(s);
  const serving = hasServingFigures(s);
  const servingMoves = s.keys.filter((k) => k.servingSwing && (k.servingSwing.tokensPerSPerChipDelta > 0 || k.servingSwing.largestFittingBatch > 0));
  return [
    { kind: 'heading', level: 2, text: SENSITIVITY_TITLE },
    {
      kind: 'paragraph',
      text:
        `Each assumption below was changed on every profile that sets it and the design points re-evaluated (the trace analysis reused). ` +
        `Swing: how far the ${pair} delta moves over the assumption's values (the review as given included). ` +
        `Influence: the sum over the four deltas of the swing divided by the largest swing of that delta (0–4). ` +
        `An assumption flips the comparison when one of its values changes which of ${patternText(s.narrow)} and ${patternText(s.wide)} is on the front, or which is faster in decode at B = ${s.decodeBatchTokens}.` +
        (serving
          ? ` Serving (the review's --serving mix, each pattern on its summary core, re-run per value): Δ tokens/s per chip at the TPOT target (${pair}) and the largest batch whose weights + KV cache fit in device memory; not part of the influence. ` +
            (servingMoves.length === 0
              ? 'No assumption moves them.'
              : `Moved by ${servingMoves.map((k) => `${k.key} (swing ${groupedNumber(k.servingSwing!.tokensPerSPerChipDelta, 1)} tokens/s, largest batch by ${k.servingSwing!.largestFittingBatch})`).join('; ')}.`)
          : ''),
    },
    { kind: 'table', headers: SENSITIVITY_KEY_HEADERS, numeric: [true, false, false, true, true, true, true, true, false], rows: sensitivityKeyRows(s) },
    { kind: 'chart', stem: TORNADO_STEM, title: `Sensitivity of ${pair}` },
    {
      kind: 'table',
      headers: ['assumption', 'value', 'applied to', 'Δ area (pp)', 'Δ prefill speed-up', `Δ decode speed-up (B = ${s.decodeBatchTokens})`, 'Δ energy (prefill)', ...(serving ? ['Δ tokens/s per chip at target', 'largest B in memory'] : []), 'on the front', 'flips'],
      numeric: [false, false, false, true, true, true, true, ...(serving ? [true, true] : []), false, false],
      rows: sensitivityValueRows(s),
    },
  ];
}

/** "; serving: largest B in memory 64–256, Δ tokens/s per chip −3 … −1" where the key moves the pair's serving figures, else "". */
function servingTerminal(s: SensitivityResult, key: string): string {
  const k = s.keys.find((x) => x.key === key);
  if (!k?.servingSwing || (k.servingSwing.largestFittingBatch === 0 && k.servingSwing.tokensPerSPerChipDelta === 0)) return '';
  const all = [s.base, ...s.rows.filter((r) => r.key === key).map((r) => r.deltas)].map((d) => d.serving);
  const range = (vs: (number | null | undefined)[], f: (v: number) => string) => {
    const xs = vs.filter((v): v is number => v !== null && v !== undefined);
    if (xs.length === 0) return '—';
    const lo = f(Math.min(...xs));
    const hi = f(Math.max(...xs));
    return lo === hi ? lo : `${lo} … ${hi}`;
  };
  return `; serving: largest B in memory ${range(all.map((d) => d?.largestFittingBatch), String)}, Δ tokens/s per chip at target ${range(all.map((d) => d?.tokensPerSPerChipDelta), tokensPerS)}`;
}

/** The terminal lines: the five most influential assumptions. */
export function sensitivityTerminal(s: SensitivityResult, top = 5): string {
  const rows = sensitivityKeyRows(s).slice(0, top);
  const lines = rows.map((r, i) => `  ${r[0]}. ${r[1]} (${r[2]}): swing Δ area ${r[3]} pp, Δ prefill ${r[4]}, Δ decode ${r[5]}; flips: ${r[8]}${servingTerminal(s, s.keys[i].key)}`);
  return `Sensitivity of ${pairText(s)} (most influential first):\n${lines.join('\n')}\n`;
}

export function sensitivityJson(s: SensitivityResult) {
  const deltas = (d: SensitivityRow['deltas']) => ({
    area_overhead_pp: d.areaOverheadPp,
    prefill_speedup: d.prefillSpeedup,
    decode_speedup: d.decodeSpeedup.map((x) => ({ batch_tokens: x.batchTokens, delta: x.delta })),
    prefill_j_per_token: d.prefillJoulesPerToken,
    on_front: d.onFront,
    faster_decode: d.fasterDecode,
    ...(d.serving
      ? {
          serving: {
            narrow_tokens_per_s_per_chip: d.serving.narrow?.tokensPerSPerChip ?? null,
            narrow_batch: d.serving.narrow?.batch ?? null,
            wide_tokens_per_s_per_chip: d.serving.wide?.tokensPerSPerChip ?? null,
            wide_batch: d.serving.wide?.batch ?? null,
            tokens_per_s_per_chip_delta: d.serving.tokensPerSPerChipDelta,
            largest_fitting_batch: d.serving.largestFittingBatch,
          },
        }
      : {}),
  });
  return {
    narrow: patternText(s.narrow),
    wide: patternText(s.wide),
    decode_batch_tokens: s.decodeBatchTokens,
    base: deltas(s.base),
    assumptions: s.keys.map((k, i) => ({
      rank: i + 1,
      key: k.key,
      influence: k.influence,
      flips: k.flips,
      swing: { area_overhead_pp: k.swing.areaOverheadPp, prefill_speedup: k.swing.prefillSpeedup, decode_speedup: k.swing.decodeSpeedup, prefill_j_per_token: k.swing.prefillJoulesPerToken },
      ...(k.servingSwing ? { serving_swing: { tokens_per_s_per_chip_delta: k.servingSwing.tokensPerSPerChipDelta, largest_fitting_batch: k.servingSwing.largestFittingBatch } } : {}),
    })),
    variants: s.rows.map((r) => ({ key: r.key, value: r.value, applied_to: r.applied, flips: r.flips, deltas: deltas(r.deltas) })),
  };
}

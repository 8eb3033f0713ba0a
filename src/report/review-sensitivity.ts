/**
 * The sensitivity section (review/sensitivity.ts) as blocks (design-review.md/.html), terminal
 * lines and JSON: the assumptions by influence, the ones that flip the comparison marked.
 */
import type { Block } from './document.js';
import type { SensitivityResult, SensitivityRow } from '../review/sensitivity.js';
import { patternText } from './format.js';
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

/** One row per (assumption, value): the pair's deltas under it. */
export function sensitivityValueRows(s: SensitivityResult): string[][] {
  const row = (key: string, value: string, applied: string, d: SensitivityRow['deltas'], flips: string) => [
    key,
    value,
    applied,
    signed(d.areaOverheadPp, 2),
    signed(d.prefillSpeedup, 3),
    signed(d.decodeSpeedup.length > 0 ? d.decodeSpeedup[d.decodeSpeedup.length - 1].delta : null, 3),
    signedMj(d.prefillJoulesPerToken),
    d.onFront,
    flips,
  ];
  return [row('(as given)', '—', '—', s.base, '—'), ...s.rows.map((r) => row(r.key, r.value, r.applied.length === s.profileCount ? `all ${s.profileCount}` : r.applied.join(', '), r.deltas, r.flips ? 'yes' : 'no'))];
}

export function sensitivityBlocks(s: SensitivityResult): Block[] {
  const pair = pairText(s);
  return [
    { kind: 'heading', level: 2, text: SENSITIVITY_TITLE },
    {
      kind: 'paragraph',
      text:
        `Each assumption below was changed on every profile that sets it and the design points re-evaluated (the trace analysis reused). ` +
        `Swing: how far the ${pair} delta moves over the assumption's values (the review as given included). ` +
        `Influence: the sum over the four deltas of the swing divided by the largest swing of that delta (0–4). ` +
        `An assumption flips the comparison when one of its values changes which of ${patternText(s.narrow)} and ${patternText(s.wide)} is on the front, or which is faster in decode at B = ${s.decodeBatchTokens}.`,
    },
    { kind: 'table', headers: SENSITIVITY_KEY_HEADERS, numeric: [true, false, false, true, true, true, true, true, false], rows: sensitivityKeyRows(s) },
    { kind: 'chart', stem: TORNADO_STEM, title: `Sensitivity of ${pair}` },
    {
      kind: 'table',
      headers: ['assumption', 'value', 'applied to', 'Δ area (pp)', 'Δ prefill speed-up', `Δ decode speed-up (B = ${s.decodeBatchTokens})`, 'Δ energy (prefill)', 'on the front', 'flips'],
      numeric: [false, false, false, true, true, true, true, false, false],
      rows: sensitivityValueRows(s),
    },
  ];
}

/** The terminal lines: the five most influential assumptions. */
export function sensitivityTerminal(s: SensitivityResult, top = 5): string {
  const rows = sensitivityKeyRows(s).slice(0, top);
  const lines = rows.map((r) => `  ${r[0]}. ${r[1]} (${r[2]}): swing Δ area ${r[3]} pp, Δ prefill ${r[4]}, Δ decode ${r[5]}; flips: ${r[8]}`);
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
    })),
    variants: s.rows.map((r) => ({ key: r.key, value: r.value, applied_to: r.applied, flips: r.flips, deltas: deltas(r.deltas) })),
  };
}

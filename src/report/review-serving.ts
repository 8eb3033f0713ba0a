/**
 * The review's serving section (review/serving.ts): time to first token, time per output token
 * per batch, tokens/s at the TPOT target — Markdown/HTML blocks, and the --json `serving` object.
 */
import { bestCoreSeries, type ServingResult, type ServingRow } from '../review/serving.js';
import type { Block } from './document.js';
import { fixed, groupedNumber, patternText, speedup } from './format.js';

export const DECODE_CHART_STEM = 'decode-serving';
export const DECODE_CHART_TITLE = 'Decode speed-up vs batch size, each pattern on its best core';

const ms = (v: number) => fixed(v, v < 10 ? 2 : 1);

function coreText(r: ServingRow): string {
  return r.pattern.kind === 'dense' ? `${r.profile} (dense)` : r.profile;
}

/** One row per profile × pattern (dense first per profile): TTFT, TPOT per B, the pick at the target. */
export function servingTableRows(s: ServingResult): string[][] {
  return s.rows.map((r) => [
    patternText(r.pattern),
    coreText(r),
    ms(r.ttftMs),
    ...r.steps.map((x) => (x.fits === false ? `${ms(x.tpotMs)} (no fit)` : ms(x.tpotMs))),
    r.atTarget ? String(r.atTarget.batch) : '—',
    r.atTarget ? fixed(r.atTarget.tokensPerSPerUser, 1) : '—',
    r.atTarget ? groupedNumber(r.atTarget.tokensPerSPerChip) : '—',
  ]);
}

export function servingHeaders(s: ServingResult): string[] {
  return ['pattern', 'core', 'TTFT (ms)', ...s.batches.map((b) => `TPOT B=${b} (ms)`), `B at ≤ ${fixed(s.tpotTargetMs, 0)} ms`, 'tokens/s per user', 'tokens/s per chip'];
}

const gb = (bytes: number) => fixed(bytes / 1e9, 1);

/**
 * What the batches need in device memory and which do not fit: "B = 256 does not fit in 80.0 GB
 * (memory.dramCapacity) on any core (93.4 GB)". The weights + KV cache at prompt + output tokens.
 */
export function servingMemoryText(s: ServingResult): string {
  const need = s.batches.map((b, i) => `B=${b} ${gb(s.rows[0]?.steps[i]?.memoryBytes ?? 0)} GB`).join(', ');
  const head = `Memory a batch holds at its end: the weights (${gb(s.weightBytes)} GB at the operand width; activation sparsity stores them dense) + the KV cache of B sequences at prompt + output = ${s.peakContextTokens} tokens: ${need} (activations and workspace left out: a lower bound).`;
  const capacities = [...new Set(s.rows.map((r) => r.dramCapacityBytes))];
  const unchecked = [...new Set(s.rows.filter((r) => r.dramCapacityBytes === undefined).map((r) => r.profile))];
  const parts: string[] = [];
  for (const c of capacities) {
    if (c === undefined) continue;
    const rows = s.rows.filter((r) => r.dramCapacityBytes === c);
    const over = s.batches.filter((b) => rows.some((r) => r.steps.some((x) => x.batch === b && x.fits === false)));
    const where = rows.length === s.rows.length ? 'on any core' : `on ${[...new Set(rows.map((r) => r.profile))].join(', ')}`;
    parts.push(over.length === 0 ? `Every batch fits in ${gb(c)} GB of device memory (memory.dramCapacity) ${where}.` : `B = ${over.join(', ')} ${over.length === 1 ? 'does' : 'do'} not fit in ${gb(c)} GB of device memory (memory.dramCapacity) ${where}: ${over.length === 1 ? 'its' : 'their'} TPOT is marked (no fit), the chart greys ${over.length === 1 ? 'it' : 'them'} and the target's pick skips ${over.length === 1 ? 'it' : 'them'}.`);
  }
  if (unchecked.length > 0) parts.push(`Not checked on ${unchecked.join(', ')}: the profile gives no DRAM capacity.`);
  return [head, ...parts].join(' ');
}

/**
 * The terminal summary's serving line: which batches do not fit in device memory, and that the
 * tokens/s at the target count only those that do. Undefined when every batch fits or nothing is checked.
 */
export function servingTerminalText(s: ServingResult): string | undefined {
  const over = s.batches.filter((b) => s.rows.some((r) => r.steps.some((x) => x.batch === b && x.fits === false)));
  if (over.length === 0) return undefined;
  const capacities = [...new Set(s.rows.filter((r) => r.steps.some((x) => x.fits === false)).map((r) => gb(r.dramCapacityBytes ?? 0)))];
  const all = s.rows.every((r) => r.steps.some((x) => x.batch === over[0] && x.fits === false));
  const need = s.rows[0]?.steps.find((x) => x.batch === over[0])?.memoryBytes ?? 0;
  return `serving ${s.promptTokens}:${s.outputTokens}: B = ${over.join(', ')} ${over.length === 1 ? 'does' : 'do'} not fit in ${capacities.join('/')} GB of DRAM ${all ? 'on any core' : 'on some cores'} (B = ${over[0]}: weights ${gb(s.weightBytes)} + KV cache ${gb(need - s.weightBytes)} = ${gb(need)} GB); tokens/s at TPOT ≤ ${fixed(s.tpotTargetMs, 0)} ms count only the batches that fit`;
}

export const UNION_GAP_BLOCK_TITLE = 'Decode: measured union density minus the independence bound';

/** `unionGap`: the report has the union-density-gap chart (charts/decode.ts unionGapChart). */
export function servingBlocks(s: ServingResult, unionGap = false): Block[] {
  const headers = servingHeaders(s);
  const series = bestCoreSeries(s);
  return [
    { kind: 'heading', level: 2, text: 'Serving metrics' },
    {
      kind: 'paragraph',
      text:
        `A ${s.promptTokens}-token prompt and ${s.outputTokens} output tokens (--serving ${s.promptTokens}:${s.outputTokens}). ` +
        `TTFT: the prefill step of one prompt. TPOT at batch B: one decode step of B sequences at context ${s.decodeContextTokens} (prompt + output/2 — the step's attention cost is linear in the context, so the mid-point step is the mean over the output; not integrated step by step). ` +
        `Tokens/s per user = 1/TPOT, per chip = B/TPOT (the profile models the whole device). ` +
        `At the target TPOT ≤ ${fixed(s.tpotTargetMs, 0)} ms (--tpot-target-ms): the largest B meeting it among the batches that fit in memory. ` +
        `${servingMemoryText(s)} ` +
        `A pattern a core runs dense has no row (it equals that core's dense row). ` +
        `Batches whose union density the trace did not measure use the independence bound 1 − (1 − d)^B (see the assumptions). ` +
        `The chart draws each pattern on its best core: the highest geometric-mean decode speed-up over the batches.`,
    },
    { kind: 'table', headers, numeric: headers.map((_, i) => i >= 2), rows: servingTableRows(s) },
    { kind: 'heading', level: 3, text: DECODE_CHART_TITLE },
    { kind: 'chart', stem: DECODE_CHART_STEM, title: DECODE_CHART_TITLE },
    {
      kind: 'table',
      headers: ['pattern', 'best core', ...s.batches.map((b) => `B=${b}`)],
      numeric: [false, false, ...s.batches.map(() => true)],
      rows: series.map((r) => [patternText(r.pattern), r.profile, ...r.steps.map((x) => speedup(x.speedup))]),
    },
    ...(unionGap
      ? ([
          { kind: 'heading', level: 3, text: UNION_GAP_BLOCK_TITLE },
          {
            kind: 'paragraph',
            text: 'The union-density chart\'s two curves crowd towards 1 as B grows; this one plots their difference in percentage points. Below 0, the batch\'s tokens share channels and fetch fewer weight rows than the independence bound that the unmeasured batches assume.',
          },
          { kind: 'chart', stem: 'union-density-gap', title: UNION_GAP_BLOCK_TITLE },
        ] as Block[])
      : []),
  ];
}

/** One serving row in --json. */
function rowJson(r: ServingRow): Record<string, unknown> {
  return {
      profile: r.profile,
      ...(r.operand ? { operand: r.operand } : {}),
      pattern: patternText(r.pattern),
      ttft_ms: r.ttftMs,
      ttft_bottleneck: r.ttftBottleneck,
      dram_capacity_bytes: r.dramCapacityBytes ?? null,
      decode: r.steps.map((x) => ({
        batch: x.batch,
        tpot_ms: x.tpotMs,
        speedup_vs_dense: x.speedup,
        tokens_per_s_per_user: x.tokensPerSPerUser,
        tokens_per_s_per_chip: x.tokensPerSPerChip,
        bottleneck: x.bottleneck,
        kv_cache_bytes: x.kvCacheBytes,
        memory_bytes: x.memoryBytes,
        fits: x.fits ?? null,
        ...(x.weightRows ? { weight_rows_fraction: x.weightRows.fraction, weight_rows_source: x.weightRows.source } : {}),
      })),
      at_target: r.atTarget ? { batch: r.atTarget.batch, tpot_ms: r.atTarget.tpotMs, tokens_per_s_per_user: r.atTarget.tokensPerSPerUser, tokens_per_s_per_chip: r.atTarget.tokensPerSPerChip } : null,
  };
}

/** The --json `serving` object (snake_case, units in the names). */
export function servingJson(s: ServingResult): Record<string, unknown> {
  return {
    prompt_tokens: s.promptTokens,
    output_tokens: s.outputTokens,
    decode_context_tokens: s.decodeContextTokens,
    tpot_target_ms: s.tpotTargetMs,
    batches: s.batches,
    weight_bytes: s.weightBytes,
    peak_context_tokens: s.peakContextTokens,
    rows: s.rows.map(rowJson),
    // the weight runs' patterns on today's cores (the decode chart's baseline), when a core takes them
    ...(s.weightRows ? { weight_rows: s.weightRows.map(rowJson) } : {}),
  };
}

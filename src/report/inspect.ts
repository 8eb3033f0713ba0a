/**
 * `nmsim inspect` as text and as JSON (snake_case keys): model, source, runs with their metrics,
 * and per site the tensor statistics and mask validity (a weight run's weight masks in place of
 * activation masks).
 */
import { diagnosticToJson } from '../diagnostics.js';
import type { InspectReport, MaskInspection } from '../trace/inspect.js';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION } from '../trace/manifest.js';
import { countNoun } from '../plural.js';

/** A statistic in at most 4 significant digits; integers below 10^6 as they are. */
function num(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e6) return String(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(2) : Number(x.toPrecision(4)).toString();
}

/** Left-aligned columns, indented by two (a bare file can have a row per tensor: widths by a loop). */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => rows.reduce((w, r) => Math.max(w, r[c].length), 0));
  return rows.map((r) => '  ' + r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

export function formatInspectText(r: InspectReport): string {
  const m = r.model;
  const s = r.source;
  const out: string[] = [];
  out.push(`bundle   ${r.root}${r.anonymous ? ' (bare tensor file, no manifest: model and consumers inferred, see notes)' : ` (${TRACE_FORMAT} v${TRACE_FORMAT_VERSION})`}`);
  out.push(
    `model    ${m.name} · ${m.family} · hidden ${m.hidden_size} · intermediate ${m.intermediate_size} · ${m.num_layers} layers · ` +
      `${m.num_heads} heads (${m.num_kv_heads} kv) · vocab ${m.vocab_size}`,
  );
  out.push(`source   tool: ${s.tool}`);
  out.push(`         checkpoint: ${s.checkpoint}${s.checkpoint_sha256 ? ` (sha256 ${s.checkpoint_sha256.slice(0, 12)}…)` : ''}`);
  out.push(`         dataset: ${s.dataset}${s.dataset_sha256 ? ` (sha256 ${s.dataset_sha256.slice(0, 12)}…)` : ''}`);
  if (s.command) out.push(`         command: ${s.command}`);
  if (s.notes) out.push(`         notes: ${s.notes}`);
  out.push(`runs     ${r.runs.length}`);
  for (const run of r.runs) {
    const c = run.config;
    const cfg = [c.pattern, c.operand, c.criterion, c.mitigation].filter((x) => x !== undefined).join(' · ');
    out.push(`  ${run.id}: ${cfg}, ${countNoun(run.tokens, 'token')} per site, ${countNoun(run.sites.length, 'site')}`);
    if (run.metrics.length === 0) out.push('    (no metrics)');
    for (const mt of run.metrics) out.push(`    ${mt.metric} = ${num(mt.value)} on ${mt.dataset} (${mt.tokens} tokens)${mt.detail ? ` — ${mt.detail}` : ''}`);
  }
  for (const run of r.runs) {
    out.push('');
    out.push(`run ${run.id} (${run.config.pattern}): sites`);
    const weightRun = run.sites.some((site) => site.weightMasks.length > 0);
    const rows: string[][] = [['site', 'consumers', 'dtype', 'shape', 'tokens', 'mean', 'rms', 'absmax', 'zeros', 'nan', 'inf', `${weightRun ? 'weight masks' : 'masks'}: kept (pattern)`]];
    const maskText = (mk: MaskInspection) => `${mk.consumer} ${num(mk.keptFraction)} ${mk.satisfiesPattern ? '✓' : `✗ ${mk.violatingGroups}/${mk.groups} groups over`}`;
    for (const site of run.sites) {
      const st = site.stats;
      const masks = [...site.masks, ...site.weightMasks].map(maskText).join(', ');
      rows.push([
        site.name,
        site.consumers.join(','),
        site.dtype,
        `[${site.shape.join(', ')}]`,
        String(site.tokensScanned),
        num(st.mean),
        num(st.rms),
        num(st.absMax),
        num(st.zeroFraction),
        String(st.nanCount),
        String(st.infCount),
        masks || '—',
      ]);
    }
    out.push(table(rows));
  }
  return out.join('\n');
}

export function inspectReportToJson(r: InspectReport): Record<string, unknown> {
  return {
    ok: true,
    path: r.root,
    anonymous: r.anonymous,
    format: TRACE_FORMAT,
    version: TRACE_FORMAT_VERSION,
    model: r.model,
    source: r.source,
    runs: r.runs.map((run) => ({
      id: run.id,
      config: run.config,
      tokens: run.tokens,
      metrics: run.metrics,
      sites: run.sites.map((s) => ({
        name: s.name,
        ...(s.layer !== undefined ? { layer: s.layer } : {}),
        consumers: s.consumers,
        file: s.file,
        key: s.key,
        dtype: s.dtype,
        shape: s.shape,
        tokens_scanned: s.tokensScanned,
        elements_scanned: s.stats.count,
        mean: s.stats.mean,
        rms: s.stats.rms,
        absmax: s.stats.absMax,
        min: s.stats.min,
        max: s.stats.max,
        zero_fraction: s.stats.zeroFraction,
        nan_count: s.stats.nanCount,
        inf_count: s.stats.infCount,
        masks: s.masks.map((mk) => ({
          consumer: mk.consumer,
          kept_fraction: mk.keptFraction,
          expected_kept_fraction: mk.expectedKeptFraction,
          groups: mk.groups,
          violating_groups: mk.violatingGroups,
          satisfies_pattern: mk.satisfiesPattern,
          padding_bit_rows: mk.paddingBitRows,
        })),
        ...(s.weightMasks.length > 0
          ? {
              weight_masks: s.weightMasks.map((mk) => ({
                consumer: mk.consumer,
                rows: mk.rows,
                kept_fraction: mk.keptFraction,
                expected_kept_fraction: mk.expectedKeptFraction,
                groups: mk.groups,
                violating_groups: mk.violatingGroups,
                satisfies_pattern: mk.satisfiesPattern,
                every_group_at_quota: mk.everyGroupAtQuota,
                padding_bit_rows: mk.paddingBitRows,
              })),
            }
          : {}),
      })),
    })),
    warnings: r.warnings.map(diagnosticToJson),
  };
}


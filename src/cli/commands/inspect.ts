/**
 * nmsim inspect <bundle|file.safetensors|file.npy> [--json] [--max-tokens N]
 * Model, source, runs with their metrics, then per site: shape, dtype, mean, RMS, absmax,
 * exact-zero fraction, NaN/Inf counts, and for masks the kept fraction and N:M validity.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { diagnosticToJson, formatDiagnostic } from '../../diagnostics.js';
import { wholeNumberOption } from '../options.js';
import { openBundle } from '../../trace/bundle.js';
import { type InspectReport, inspectBundle, inspectBytes } from '../../trace/inspect.js';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION } from '../../trace/manifest.js';
import { startProgress } from '../progress.js';
import { printJson, runCommand } from '../run.js';

interface InspectArgs {
  path: string;
  json?: boolean;
  /** text; checked by options.ts (decimal digits, bounds) */
  maxTokens?: string;
}

function num(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e6) return String(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(2) : Number(x.toPrecision(4)).toString();
}

function table(rows: string[][]): string {
  // a loop, not Math.max(...rows): a bare file with 200k tensors has 200k rows and would overflow the stack
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
    const cfg = [c.pattern, c.criterion, c.mitigation].filter((x) => x !== undefined).join(' · ');
    out.push(`  ${run.id}: ${cfg}, ${run.tokens} tokens per site, ${run.sites.length} sites`);
    if (run.metrics.length === 0) out.push('    (no metrics)');
    for (const mt of run.metrics) out.push(`    ${mt.metric} = ${num(mt.value)} on ${mt.dataset} (${mt.tokens} tokens)${mt.detail ? ` — ${mt.detail}` : ''}`);
  }
  for (const run of r.runs) {
    out.push('');
    out.push(`run ${run.id} (${run.config.pattern}): sites`);
    const rows: string[][] = [['site', 'consumers', 'dtype', 'shape', 'tokens', 'mean', 'rms', 'absmax', 'zeros', 'nan', 'inf', 'masks: kept (pattern)']];
    for (const site of run.sites) {
      const st = site.stats;
      const masks = site.masks.map((mk) => `${mk.consumer} ${num(mk.keptFraction)} ${mk.satisfiesPattern ? '✓' : `✗ ${mk.violatingGroups}/${mk.groups} groups over`}`).join(', ');
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
      })),
    })),
    warnings: r.warnings.map(diagnosticToJson),
  };
}

export const command: CommandModule<object, InspectArgs> = {
  command: 'inspect <path>',
  describe: 'Summarise a trace bundle (or one .safetensors/.npy file): model, runs, metrics, per-site statistics and mask validity',
  builder: (y: Argv<object>) =>
    y
      .positional('path', {
        type: 'string',
        demandOption: true,
        describe: 'a bundle folder (with manifest.json), its manifest.json, or a bare .safetensors / .npy file',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document (snake_case keys) instead of text' })
      .option('max-tokens', {
        type: 'string',
        describe: 'scan only the first N tokens of every site (a whole number ≥ 1; default: all); statistics then describe that prefix',
      })
      .example('$0 inspect traces/my-bundle', 'a bundle folder')
      .example('$0 inspect acts.safetensors --json --max-tokens 512', 'a bare file, first 512 tokens, as JSON')
      .epilogue(
        'Per site: shape, dtype, mean, RMS, absmax, exact-zero fraction, NaN/Inf counts; per mask: kept fraction and ' +
          'how many groups break the run’s N:M pattern. NaN/Inf and mask violations are warnings (stderr), not errors. ' +
          'Exit codes: 0 ok, 1 bad input (the file and key path are named), 2 bad usage. Format: traces/README.md.',
      ) as Argv<InspectArgs>,
  handler: (args: ArgumentsCamelCase<InspectArgs>) =>
    runCommand(args.json, async () => {
      const maxTokens = args.maxTokens === undefined ? undefined : wholeNumberOption('max-tokens', args.maxTokens);
      const bundle = await openBundle(args.path);
      try {
        const progress = await startProgress(inspectBytes(bundle.manifest, maxTokens), 'inspect', !args.json);
        let last = 0;
        const report = await inspectBundle(bundle, {
          maxTokens,
          onProgress: (bytes) => {
            progress.tick(bytes - last);
            last = bytes;
          },
        });
        progress.stop();
        if (args.json) {
          printJson(inspectReportToJson(report));
        } else {
          process.stdout.write(formatInspectText(report) + '\n');
          if (report.warnings.length > 0) process.stderr.write(report.warnings.map(formatDiagnostic).join('\n') + '\n');
        }
      } finally {
        await bundle.close();
      }
    }),
};

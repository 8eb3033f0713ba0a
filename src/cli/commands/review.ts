/**
 * nmsim review [--traces …] [--profiles …] [--model …] [--out reports/NAME] [--json]
 * The design review: every pattern × criterion × mitigation on every profile, Pareto fronts,
 * charts and a report folder (see src/report/README.md for its files).
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { formatDiagnostic, type Diagnostic } from '../../diagnostics.js';
import { PAPER_PATTERNS, formatPattern } from '../../sparsity/pattern.js';
import { CRITERIA, MITIGATIONS } from '../../sparsity/registry.js';
import { MODEL_IDS } from '../../workload/catalog.js';
import { REVIEW_REPORT_OUTPUT, writeReviewReport } from '../../report/write-report.js';
import { sortDesignPoints, type DecodeAtBatch } from '../../explore/design-point.js';
import { TOOL_VERSION } from '../../version.js';
import { startProgress } from '../progress.js';
import { claimOutput, printJson, runCommand } from '../run.js';
import { defaultBundlePaths, profileFiles } from '../review/inputs.js';
import {
  DEFAULT_BATCH_SIZES,
  DEFAULT_DECODE_BATCHES,
  DEFAULT_DECODE_CONTEXT_TOKENS,
  DEFAULT_PREFILL_TOKENS,
  DEFAULT_REVIEW_MODEL,
  runReview,
} from '../review/run-review.js';
import { terminalSummary } from '../review/summary-text.js';
import { boundText, reviewOptions } from '../review/options.js';

export const DEFAULT_OUT = 'reports/review';

/** Warnings for the terminal: the first of each code in full, then how many more share it. */
export function collapseWarnings(warnings: readonly Diagnostic[]): string {
  const byCode = new Map<string, Diagnostic[]>();
  for (const w of warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
  let out = '';
  for (const [code, list] of byCode) {
    out += formatDiagnostic(list[0]) + '\n';
    if (list.length > 1) out += `  … and ${list.length - 1} more ${code} (all in --json output)\n`;
  }
  return out;
}
const DEFAULT_PATTERNS = [...PAPER_PATTERNS, 'unstructured'].join(',');

interface ReviewArgs {
  traces?: string[];
  profiles?: string[];
  model: string;
  out: string;
  patterns: string;
  criteria: string;
  mitigations: string;
  /** numbers arrive as text and are checked by ../review/options.ts (decimal digits, bounds) */
  prefillTokens?: string;
  decodeBatches?: string;
  decodeBatch?: string;
  context?: string;
  json?: boolean;
  progress: boolean;
}

function decodeJson(d: DecodeAtBatch): { batch_tokens: number; speedup: number; io_savings_fraction: number } {
  return { batch_tokens: d.batchTokens, speedup: d.speedup, io_savings_fraction: d.ioSavingsFraction };
}

/** The files and folders a review reads, so that --out is never one of them (nor inside or around one). */
function reviewInputs(traces: string[], profiles: string[]): string[] {
  let files: string[] = [];
  try {
    files = profileFiles(profiles);
  } catch {
    // an unknown profile is reported by the review itself, with its diagnostics
  }
  return [...(traces.length > 0 ? traces : defaultBundlePaths()), ...files];
}

export const command: CommandModule<object, ReviewArgs> = {
  command: 'review',
  describe: 'The design review: sweep patterns × criteria × mitigations over hardware profiles, Pareto fronts, charts and a report folder',
  builder: (y: Argv<object>) =>
    y
      .option('traces', { type: 'string', array: true, describe: 'trace bundle folders (comma-separated or repeated); default: every bundle under traces/. Accuracy comes from the bundle with the most measured runs' })
      .option('profiles', { type: 'string', array: true, describe: 'hardware profiles: files, folders or shipped names (comma-separated or repeated); default: every profile in hardware-profiles/' })
      .option('model', { type: 'string', default: DEFAULT_REVIEW_MODEL, describe: `model whose shapes the speed-ups and I/O are computed for: ${MODEL_IDS.join(', ')}, or "bundle" for the bundle's own model` })
      .option('out', { type: 'string', default: DEFAULT_OUT, describe: 'report folder; created, or replaced atomically only when it is an earlier report folder holding nothing but nmsim\'s files' })
      .option('patterns', { type: 'string', default: DEFAULT_PATTERNS, describe: 'patterns to sweep (dense is always the baseline)' })
      .option('criteria', { type: 'string', default: CRITERIA.join(','), describe: `selection criteria to sweep: ${CRITERIA.join(', ')}` })
      .option('mitigations', { type: 'string', default: MITIGATIONS.join(','), describe: `error mitigations to sweep: ${MITIGATIONS.join(', ')}` })
      .option('prefill-tokens', { type: 'string', defaultDescription: String(DEFAULT_PREFILL_TOKENS), describe: `prefill length T (tokens, ${boundText('prefill-tokens')}) for the prefill speed-up` })
      .option('decode-batches', {
        type: 'string',
        defaultDescription: DEFAULT_DECODE_BATCHES.join(','),
        describe:
          `decode batch sizes B (tokens per step, ${boundText('decode-batches')}, comma-separated): one decode speed-up and I/O-savings column per B. B = 1 is the single stream, where a token fetches only the weight rows it keeps; larger B fetch the union of their tokens' rows. The largest B is the decode objective`,
      })
      .option('decode-batch', { type: 'string', describe: 'one decode batch B: the same as --decode-batches B (give one of the two)' })
      .option('context', { type: 'string', defaultDescription: String(DEFAULT_DECODE_CONTEXT_TOKENS), describe: `decode context length L (tokens, ${boundText('context')})` })
      .option('progress', { type: 'boolean', default: true, describe: 'progress bar on a terminal (--no-progress to hide)' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document (snake_case keys with units) instead of the summary' })
      .example('nmsim review', 'review the shipped bundles on the shipped profiles into reports/review/')
      .example('nmsim review --profiles act-8of16,act-16of32 --out reports/816-vs-1632', 'compare two cores')
      .epilogue(
        'Writes design-points.csv, five charts (.svg + .png; the headline is accuracy-vs-area.png), design-review.md, a ' +
          'self-contained design-review.html and run.json into --out (see src/report/README.md). Accuracy is the measured ' +
          'perplexity of the bundle run with the same configuration, else the analysis proxy, always labelled. ' +
          'Exit codes: 0 ok, 1 bad input (a profile or bundle; nothing is written), 2 bad usage.',
      ),
  handler: (args: ArgumentsCamelCase<ReviewArgs>) =>
    runCommand(args.json, async () => {
      const started = performance.now();
      const opts = { ...reviewOptions(args), batchSizes: [...DEFAULT_BATCH_SIZES] };
      await claimOutput(args.out, REVIEW_REPORT_OUTPUT, reviewInputs(opts.traces, opts.profiles));
      const bar = await startProgress(100, 'review', args.progress && !args.json);
      let done = 0;
      const progress = {
        stage(label: string, fraction: number) {
          const target = Math.round(fraction * 100);
          if (target > done) {
            bar.tick(target - done, label);
            done = target;
          } else bar.tick(0, label);
        },
      };
      let outcome;
      let written;
      try {
        outcome = await runReview(opts, progress);
        progress.stage('writing the report', 0.9);
        written = await writeReviewReport(args.out, outcome.data, {
          toolVersion: TOOL_VERSION,
          command: `nmsim ${process.argv.slice(2).join(' ')}`.trim(),
          timingsMs: outcome.timingsMs,
        });
        progress.stage('done', 1);
      } finally {
        bar.stop();
      }
      const totalS = (performance.now() - started) / 1000;
      const data = outcome.data;
      if (args.json) {
        printJson({
          ok: true,
          out: written.outDir,
          headline_png: written.headlinePng,
          files: written.files,
          recommendation: data.recommendation,
          accuracy_kind: data.headline.accuracyKind,
          design_points: data.points.length,
          decode_batches: data.decodeBatches,
          front: data.headline.frontIds,
          summary: data.summary.map((s) => ({
            pattern: s.pattern,
            best_config: s.bestConfig,
            accuracy: s.accuracyValue,
            accuracy_kind: s.accuracyKind,
            native_profile: s.nativeProfile,
            compatible_profile: s.compatibleProfile,
            area_um2: s.areaUm2,
            area_overhead_fraction: s.areaOverheadFraction,
            prefill_speedup: s.prefillSpeedup,
            decode: s.decode.map(decodeJson),
            on_front: s.onFront,
          })),
          points: sortDesignPoints(data.points).map((p) => ({
            profile: p.profile,
            pattern: p.pattern,
            criterion: p.criterion,
            mitigation: p.mitigation,
            accuracy: p.accuracy.value,
            accuracy_kind: p.accuracy.kind,
            prefill_speedup: p.prefillSpeedup,
            decode: p.decode.map(decodeJson),
            area_um2: p.areaUm2,
            area_overhead_fraction: p.areaOverheadFraction,
          })),
          warnings: outcome.warnings.map((w) => ({ code: w.code, message: w.message, file: w.file, path: w.path })),
          elapsed_s: Number(totalS.toFixed(2)),
        });
        return;
      }
      process.stderr.write(collapseWarnings(outcome.warnings));
      process.stdout.write(terminalSummary(data, written.outDir, written.headlinePng));
      process.stdout.write(`(${totalS.toFixed(1)} s; patterns ${opts.patterns.map(formatPattern).join(', ')})\n`);
    }),
};

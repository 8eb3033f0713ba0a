/**
 * nmsim review [--traces …] [--profiles …] [--model …] [--out reports/NAME] [--json]
 * The design review: every pattern × criterion × mitigation on every profile, Pareto fronts,
 * charts and a report folder (see src/report/README.md for its files). The work is the
 * library's runReview (src/review); this command parses the options, claims --out, shows
 * progress, writes the report and prints.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { DEFAULT_DECODE_BATCHES, DEFAULT_MODEL, DEFAULT_PREFILL_TOKENS } from '../../defaults.js';
import { collapseWarnings } from '../../report/diagnostics-text.js';
import { reviewJson } from '../../report/review-json.js';
import { reviewFooter, terminalSummary } from '../../report/review-summary.js';
import { REVIEW_REPORT_OUTPUT, writeReviewReport, type WrittenReport } from '../../report/write-report.js';
import { startPngWorkers } from '../../report/png.js';
import { defaultBundlePaths, profileFiles } from '../../review/inputs.js';
import { runReview, type ReviewOutcome, type ReviewProgress } from '../../review/run-review.js';
// the review's own modules, not the library's index (which loads every command's: capture's kernels, validate's corpus)
import { CACHE_DIR_ENV, CACHE_FOLDER, DeferredStores, defaultCacheDir } from '../../review/cache.js';
import { parseSetArgs } from '../../review/sensitivity.js';
import type { ReviewAnalyses, ReviewOptions } from '../../review/run-review.js';
import { usageError, type Diagnostic } from '../../diagnostics.js';
import { CRITERIA, MITIGATIONS } from '../../sparsity/registry.js';
import { MODEL_IDS } from '../../workload/catalog.js';
import { TOOL_VERSION } from '../../version.js';
import { SHARED_OPTIONS, boundText } from '../options.js';
import { startProgress, type Progress } from '../progress.js';
import { reviewOptions, type ReviewArgv } from '../review-options.js';
import { sensitivityTerminal } from '../../report/review-sensitivity.js';
import { claimOutput, commandLine, printJson, runCommand } from '../run.js';
import { proseColumns, wrapProse } from '../terminal-wrap.js';

export const DEFAULT_OUT = 'reports/review';

export interface ReviewArgs extends ReviewArgv {
  /** default DEFAULT_OUT; --shard needs it given */
  out?: string;
  shard?: string;
  analysis?: string[];
  json?: boolean;
  progress: boolean;
  cache: boolean;
  set?: string[];
  sensitivity?: boolean;
}

/** The files and folders a review reads, so that --out is never one of them (nor inside or around one). */
export function reviewInputs(traces: readonly string[], profiles: readonly string[]): string[] {
  let files: string[] = [];
  try {
    files = profileFiles(profiles);
  } catch {
    // an unknown profile is reported by the review itself, with its diagnostics
  }
  return [...(traces.length > 0 ? traces : defaultBundlePaths()), ...files];
}

/** The review's stages on a 0–100 progress bar (nothing when it is off). */
function progressStages(bar: Progress): ReviewProgress {
  let done = 0;
  return {
    stage(label: string, fraction: number) {
      const target = Math.round(fraction * 100);
      if (target > done) {
        bar.tick(target - done, label);
        done = target;
      } else bar.tick(0, label);
    },
  };
}

/**
 * Runs the review and writes its report folder, with the progress bar up meanwhile. `analyses`:
 * both analyses already merged from shards (`nmsim merge` of review parts).
 */
export async function reviewAndWrite(args: { out: string; progress: boolean; json?: boolean }, opts: ReviewOptions, analyses?: ReviewAnalyses): Promise<{ outcome: ReviewOutcome; written: WrittenReport }> {
  const bar = await startProgress(100, 'review', args.progress && !args.json);
  const progress = progressStages(bar);
  // the design points' and serving rows' missed cache entries are packed and written while the
  // charts rasterise (the main thread waits for those threads then), and in any case before this returns
  const stores = new DeferredStores();
  let storeWarnings: Diagnostic[] = [];
  const flush = async () => {
    storeWarnings = [...storeWarnings, ...(await stores.flush())];
  };
  try {
    const outcome = await runReview(opts, progress, analyses, opts.cacheDir !== undefined ? stores : undefined);
    progress.stage('writing the report', 0.9);
    const written = await writeReviewReport(args.out, outcome.data, { toolVersion: TOOL_VERSION, command: commandLine(), timingsMs: outcome.timingsMs }, opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir, whileRasterising: flush } : {});
    await flush();
    progress.stage('done', 1);
    return { outcome: { ...outcome, warnings: [...outcome.warnings, ...storeWarnings] }, written };
  } finally {
    if (stores.size > 0) await flush();
    bar.stop();
  }
}

export const command: CommandModule<object, ReviewArgs> = {
  command: 'review',
  describe: 'The design review: sweep patterns × criteria × mitigations over hardware profiles, Pareto fronts, charts and a report folder',
  builder: (y: Argv<object>) =>
    y
      .option('traces', { type: 'string', array: true, describe: 'trace bundle folders (comma-separated or repeated); default: every bundle under traces/. Accuracy comes from the bundle with the most measured runs' })
      .option('profiles', { type: 'string', array: true, alias: 'profile', describe: 'hardware profiles: files, folders or shipped names (comma-separated or repeated); default: every profile in hardware-profiles/' })
      .option('model', { type: 'string', default: DEFAULT_MODEL, describe: `model whose shapes the speed-ups and I/O are computed for: ${MODEL_IDS.join(', ')}, or "bundle" for the bundle's own model` })
      .option('out', { type: 'string', defaultDescription: DEFAULT_OUT, describe: 'report folder; created, or replaced atomically only when it is an earlier report folder holding nothing but nmsim\'s files' })
      .option('shard', { type: 'string', describe: 'i/n: run only shard i (0 … n − 1) of the review\'s analysis and write its part to --out (required); `nmsim merge` of the n parts writes the report. With --analysis: shard i of the design points instead' })
      .option('analysis', { type: 'string', array: true, describe: 'with --shard i/n: the parts of every analysis shard (`nmsim review --shard k/K`, same options); evaluates block i of n of the design points into --out; `nmsim merge` of the n point parts writes the report' })
      .option('patterns', SHARED_OPTIONS.patterns)
      .option('compare', { type: 'string', defaultDescription: '8:16,16:32', describe: 'the two candidates the recommendation compares (two distinct swept patterns): accuracy, area per core and per chip, speed-ups, energy, iso-area and what the choice hinges on' })
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
      .option('context', SHARED_OPTIONS.context)
      .option('serving', { type: 'string', defaultDescription: '2048:256', describe: 'prompt:output tokens of the serving metrics: time to first token (prefill of the prompt) and time per output token (decode step at context prompt + output/2) at B = 1, 2, 4, … 256, per core and pattern' })
      .option('tpot-target-ms', { type: 'string', defaultDescription: '50', describe: 'time-per-output-token target (ms) of the serving metrics: the largest batch meeting it and its tokens/s per user and per chip' })
      .option('axes', {
        type: 'string',
        array: true,
        defaultDescription: 'every value of every axis',
        describe:
          "design axes swept on every activation core (weight cores keep their datasheet's): NAME=v1,v2, repeatable, NAME one of selector (mux, sorted-mux, hierarchical), encoding (index, bitmask, combinatorial), provisioning (dense-balanced, sparse-balanced). Each variant is a design point (design-variants.csv); per core, provisioning and pattern the least-area variant among those within 1 % of the best speed-ups is the one the summary, fronts, charts and recommendation use",
      })
      .option('sensitivity', { type: 'boolean', default: false, describe: 'add the sensitivity section: how much each assumption moves the --compare pair\'s deltas (memory bandwidths ×0.5/×2, clock ×0.8/×1.2, every shipped node; the selector style is a design axis, --axes), a tornado chart and table' })
      .option('set', { type: 'string', array: true, describe: 'sweep a profile parameter instead of the default sensitivity sweep: key.path=v1,v2,… (repeatable; the profile schema\'s key paths and units, e.g. memory.dramBandwidthGBps=1000,4000, clock=1.5 GHz, sparsity.selectorStyle=mux,hierarchical; x0.5 multiplies each profile\'s own value). Implies --sensitivity' })
      .option('cache', { type: 'boolean', default: true, describe: `reuse the analysis of an unchanged bundle under the same plan, kept in $${CACHE_DIR_ENV} or else ${CACHE_FOLDER}/ beside --out (--no-cache to analyse afresh and store nothing)` })
      .option('progress', { type: 'boolean', default: true, describe: 'progress bar on a terminal (--no-progress to hide)' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document (snake_case keys with units) instead of the summary' })
      .example('nmsim review', 'review the shipped bundles on the shipped profiles into reports/review/')
      .example('nmsim review --profiles act-8of16,act-16of32 --out reports/816-vs-1632', 'compare two cores')
      .epilogue(
        'Writes design-points.csv, five charts (.svg + .png; the headline is accuracy-vs-area.png), design-review.md, a ' +
          'self-contained design-review.html and run.json into --out (see src/report/README.md). Accuracy is the measured ' +
          'perplexity of the bundle run with the same configuration, else the analysis proxy, always labelled. ' +
          'Exit codes: 0 ok, 1 bad input (a profile or bundle missing or malformed; nothing is written), 2 bad usage.',
      ) as unknown as Argv<ReviewArgs>,
  handler: (args: ArgumentsCamelCase<ReviewArgs>) =>
    runCommand(args.json, async () => {
      const started = performance.now();
      const base = reviewOptions(args);
      if (args.analysis !== undefined && args.shard === undefined) {
        throw usageError({ code: 'review/analysis-needs-shard', path: '--analysis', message: '--analysis evaluates one shard of the design points: give --shard i/n too (or merge the analysis parts with `nmsim merge PARTS --out DIR` for the whole report).', hint: 'nmsim review … --shard 0/4 --analysis parts/analysis-* --out parts/points-0' });
      }
      if (args.shard !== undefined && (args.set !== undefined || args.sensitivity)) {
        throw usageError({ code: 'review/sensitivity-shard', path: '--sensitivity', message: '--sensitivity and --set run on the whole review, not on a shard of it.', hint: 'run `nmsim review --sensitivity` (or --set …) without --shard.' });
      }
      if (args.shard !== undefined) {
        // the shard stages load the analysis modules a plain review does not need on a warm cache
        const shard = await import('./review-shard.js');
        await (args.analysis !== undefined ? shard.reviewPointsCommand(args, base) : shard.reviewShardCommand(args, base));
        return;
      }
      // the chart PNGs' worker threads start now, on the core the review's models leave idle, not when the first chart is drawn
      startPngWorkers();
      const out = args.out ?? DEFAULT_OUT;
      const sensitivity = args.set !== undefined ? parseSetArgs(args.set.map(String)) : args.sensitivity ? ('default' as const) : undefined;
      const opts = { ...base, ...(args.cache ? { cacheDir: defaultCacheDir(out) } : {}), ...(sensitivity !== undefined ? { sensitivity } : {}) };
      await claimOutput(out, REVIEW_REPORT_OUTPUT, reviewInputs(opts.traces, opts.profiles));
      const { outcome, written } = await reviewAndWrite({ ...args, out }, opts);
      const elapsedS = (performance.now() - started) / 1000;
      if (args.json) {
        printJson(reviewJson(outcome.data, written, outcome.warnings, elapsedS));
        return;
      }
      process.stderr.write(collapseWarnings(outcome.warnings));
      const columns = proseColumns(process.stdout);
      process.stdout.write(wrapProse(terminalSummary(outcome.data, written.outDir, written.headlinePng), columns));
      if (outcome.data.sensitivity) process.stdout.write(`\n${wrapProse(sensitivityTerminal(outcome.data.sensitivity), columns)}`);
      process.stdout.write(reviewFooter(elapsedS, opts.patterns));
    }),
};

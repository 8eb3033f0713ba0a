/**
 * nmsim merge PART… [--out DIR]: the parts written by `nmsim analyze BUNDLE --shard i/n --out
 * PART` (one per shard, 0 … n − 1) → the analysis one unsharded `nmsim analyze BUNDLE` gives
 * (analysis/merge.ts): the same table, --json and --out folder. The parts of `nmsim review
 * --shard i/n` (its analysis: the merge then evaluates every design point) or of `nmsim review
 * --shard j/m --analysis PARTS` (blocks of design points: the merge only assembles) → the report
 * `nmsim review --out` writes (review/shard.ts). A missing, doubled, failed or foreign part is
 * refused, naming it — never a partial result.
 */
import type { CommandModule } from 'yargs';
import { runCommand, printJson, claimOutput, commandLine } from '../run.js';
import { NmsimError, formatDiagnostic, inputError, usageError } from '../../diagnostics.js';
import { ANALYSIS_OUTPUT, writeAnalysisFolder } from '../../report/analysis-folder.js';
import { readShardFolder, type ShardFolder } from '../../report/shard-folder.js';
import { REVIEW_REPORT_OUTPUT, writeReviewReport } from '../../report/write-report.js';
import { mergeReviewPoints, type ReviewPointsShard } from '../../review/shard.js';
import { collapseWarnings } from '../../report/diagnostics-text.js';
import { reviewFooter, terminalSummary } from '../../report/review-summary.js';
import { reviewJson } from '../../report/review-json.js';
import { reviewAndWrite } from './review.js';
import { refuseUndefinedStatistics } from './analyze.js';
import { mergeAnalysisShards, mergeReviewShards, type ShardPart, type AnalysisShard, type ReviewShard } from '../../index.js';
import { analysisJson } from '../../report/analysis-json.js';
import { formatAnalysis } from '../../report/analysis-text.js';
import { TOOL_VERSION } from '../../version.js';

interface Args {
  parts: string[];
  out?: string;
  json?: boolean;
  progress: boolean;
}

/** The review's parts: merge both analyses, then the review's own steps after its analysis, then its report. */
async function mergeReview(argv: Args, parts: { where: string; data: ReviewShard }[]): Promise<void> {
  if (argv.out === undefined) {
    throw usageError({ code: 'merge/out-required', path: '--out', message: 'Merging review parts writes a review report: say where with --out.', hint: 'nmsim merge parts/review-* --out reports/review' });
  }
  const started = performance.now();
  const { options, analyses } = await mergeReviewShards(parts);
  await claimOutput(argv.out, REVIEW_REPORT_OUTPUT, [...parts.map((p) => p.where), ...(options.traces ?? [])]);
  const { outcome, written } = await reviewAndWrite({ out: argv.out, progress: argv.progress, json: argv.json }, options, analyses);
  const elapsedS = (performance.now() - started) / 1000;
  if (argv.json) {
    printJson(reviewJson(outcome.data, written, outcome.warnings, elapsedS));
    return;
  }
  process.stderr.write(collapseWarnings(outcome.warnings));
  process.stdout.write(terminalSummary(outcome.data, written.outDir, written.headlinePng));
  process.stdout.write(reviewFooter(elapsedS, options.patterns ?? []));
}

/** The review's point parts: assemble the evaluated points (review/shard.ts mergeReviewPoints) and write the report. */
async function mergePoints(argv: Args, parts: { where: string; data: ReviewPointsShard }[]): Promise<void> {
  if (argv.out === undefined) {
    throw usageError({ code: 'merge/out-required', path: '--out', message: 'Merging review parts writes a review report: say where with --out.', hint: 'nmsim merge parts/points-* --out reports/review' });
  }
  const started = performance.now();
  const { data, warnings, options } = mergeReviewPoints(parts);
  await claimOutput(argv.out, REVIEW_REPORT_OUTPUT, parts.map((p) => p.where));
  const assembleMs = performance.now() - started;
  const written = await writeReviewReport(argv.out, data, { toolVersion: TOOL_VERSION, command: commandLine(), timingsMs: { merge_points_ms: assembleMs } });
  const elapsedS = (performance.now() - started) / 1000;
  if (argv.json) {
    printJson(reviewJson(data, written, warnings, elapsedS));
    return;
  }
  process.stderr.write(collapseWarnings(warnings));
  process.stdout.write(terminalSummary(data, written.outDir, written.headlinePng));
  process.stdout.write(reviewFooter(elapsedS, options.patterns ?? []));
}

export const command: CommandModule<object, Args> = {
  command: 'merge <parts..>',
  describe: 'Join the parts of a sharded analysis or review (analyze|review --shard i/n) into the unsharded result',
  builder: (y) =>
    y
      .positional('parts', { type: 'string', array: true, demandOption: true, describe: 'the --out folders of every shard of one job (any order)' })
      .option('out', { type: 'string', describe: 'write the CSV tables and analysis.json here, as `nmsim analyze --out` does (review parts: the report folder, required)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the merged result as JSON (as `nmsim analyze --json`, or `nmsim review --json` for review parts)' })
      .option('progress', { type: 'boolean', default: true, describe: 'review parts: a progress bar on a terminal' })
      .example('$0 merge parts/shard-* --out reports/analysis', 'the analysis of every shard of one job')
      .example('$0 merge parts/points-* --out reports/review', 'the review from its design-point parts (review --shard j/m --analysis …)')
      .epilogue(
        'Equality: sites analysed whole (the default below 2^28 elements per site) give output byte-identical to the unsharded run; ' +
          'sites cut into token ranges (--piece-tokens) give exact counts, histograms and unions and sums equal to 1e-12 relative. ' +
          'Review parts (of its analysis, or of its design points) give the report `nmsim review --out` writes, byte-identical but for run.json. ' +
          'Refused (exit 1), naming the part or shard: a shard missing from the list, a folder without a finished part (a failed shard), two parts of one shard, parts of different jobs. ' +
          'Exit codes: 0 ok, 1 bad or missing part (or a site with no finite row), 2 bad options.',
      ) as never,
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const dirs = argv.parts.map(String);
      const read: (ShardFolder & { where: string })[] = [];
      const errors: NmsimError[] = [];
      for (const where of dirs) {
        try {
          read.push({ where, ...(await readShardFolder(where)) });
        } catch (e) {
          if (e instanceof NmsimError) errors.push(e);
          else throw e;
        }
      }
      if (errors.length > 0) throw new NmsimError(errors.flatMap((e) => e.diagnostics));
      const other = read.find((r) => r.kind !== read[0].kind);
      if (other) {
        const command = (k: ShardFolder['kind']) => (k === 'analysis' ? '`nmsim analyze --shard`' : k === 'review' ? '`nmsim review --shard`' : '`nmsim review --shard --analysis`');
        throw inputError({ code: 'merge/different-job', file: other.where, message: `${other.where} is a part of ${command(other.kind)}, ${read[0].where} of ${command(read[0].kind)}: one merge joins the parts of one job.`, hint: 'merge the parts of each job separately (a review\'s point parts, not its analysis parts, once the points are sharded)' });
      }
      if (read[0]?.kind === 'review-points') {
        await mergePoints(argv, read.map((r) => ({ where: r.where, data: r.data as ReviewPointsShard })));
        return;
      }
      const reviews = read.filter((r) => r.kind === 'review');
      if (reviews.length > 0) {
        await mergeReview(argv, reviews.map((r) => ({ where: r.where, data: r.data as ReviewShard })));
        return;
      }
      const parts: ShardPart<AnalysisShard>[] = read.map((r) => ({ where: r.where, data: r.data as AnalysisShard }));
      const result = mergeAnalysisShards(parts);
      const json = analysisJson(result, TOOL_VERSION);
      if (refuseUndefinedStatistics(result, json, argv.json)) return;
      const claim = argv.out !== undefined ? await claimOutput(argv.out, ANALYSIS_OUTPUT, dirs) : undefined;
      const csvCount = claim ? await writeAnalysisFolder(claim, result, json) : 0;
      for (const w of result.warnings) process.stderr.write(formatDiagnostic(w) + '\n');
      if (argv.json) printJson({ ok: true, ...json });
      else {
        process.stdout.write(formatAnalysis(result));
        if (claim) process.stdout.write(`merged ${parts.length} parts: wrote ${csvCount} CSV tables and analysis.json to ${argv.out}\n`);
      }
    }),
};

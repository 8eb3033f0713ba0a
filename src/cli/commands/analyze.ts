/**
 * nmsim analyze <bundle|file.safetensors|file.npy>: sparsity statistics of a trace for each
 * requested pattern × criterion × mitigation (analysis/analyze.ts), as a table, JSON or CSVs.
 */
import type { CommandModule } from 'yargs';
import { runCommand, printJson, claimOutput, EXIT_INPUT } from '../run.js';
import { startProgress } from '../progress.js';
import { NmsimError, formatDiagnostic, usageError } from '../../diagnostics.js';
import { ANALYSIS_OUTPUT, writeAnalysisFolder } from '../../report/analysis-folder.js';
import { openBundle } from '../../trace/bundle.js';
import { parsePatternList } from '../../sparsity/pattern.js';
import { parseCriteria, parseMitigations, CRITERIA, MITIGATIONS } from '../../sparsity/registry.js';
import { analyze, plannedRows } from '../../analysis/analyze.js';
import { DEFAULT_PATTERNS, DEFAULT_BATCH_SIZES, DEFAULT_RANDOM_SEED, parseBatchSizes, parseNonfinitePolicy } from '../../analysis/plan.js';
import { formatBound, nonEmptyList, OPTION_BOUNDS, parseQuoted, wholeNumberOption } from '../options.js';
import { analysisJson } from '../../report/analysis-json.js';
import { formatAnalysis } from '../../report/analysis-text.js';
import { NONFINITE_POLICIES, type AnalysisPlan } from '../../analysis/types.js';
import { TOOL_VERSION } from '../../version.js';
import { analyzeShard, parseShard } from '../../index.js';
import { ANALYSIS_SHARD_OUTPUT, writeShardFolder } from '../../report/shard-folder.js';

interface Args {
  trace: string;
  patterns: string;
  criteria: string;
  mitigations: string;
  'batch-sizes': string;
  runs?: string;
  json?: boolean;
  out?: string;
  /** text; checked by options.ts (decimal digits, bounds) */
  threads?: string;
  seed?: string;
  'random-batches': number;
  nonfinite: string;
  shard?: string;
  'piece-tokens'?: string;
}

export const command: CommandModule<object, Args> = {
  command: 'analyze <trace>',
  describe: 'Sparsity statistics of a trace: error, kept fraction, compressed size, pattern compatibility, decode union density',
  builder: (y) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'a bundle folder (with manifest.json), or a bare .safetensors / .npy file (analysed as one anonymous run)' })
      .option('patterns', { type: 'string', default: DEFAULT_PATTERNS, describe: 'comma-separated N:M patterns, "unstructured" (top half per token) or "dense"' })
      .option('criteria', { type: 'string', default: 'magnitude', describe: `selection criteria: ${CRITERIA.join(', ')} (amber needs amber_column_norms in the bundle)` })
      .option('mitigations', { type: 'string', default: 'none', describe: `error mitigations: ${MITIGATIONS.join(', ')} (spts needs a site static_shift)` })
      .option('batch-sizes', { type: 'string', default: DEFAULT_BATCH_SIZES.join(','), describe: 'decode batch sizes B for the union density' })
      .option('runs', { type: 'string', describe: 'run ids to analyse (comma-separated); default: the dense run, i.e. the pre-pruning inputs' })
      .option('json', { type: 'boolean', default: false, describe: 'print the full result as JSON (snake_case keys) instead of the table' })
      .option('out', { type: 'string', describe: 'also write CSV tables and analysis.json into this folder (created, or replaced atomically only when it is an earlier analysis folder; never the input)' })
      .option('threads', { type: 'string', describe: `worker threads (0 = none, at most ${OPTION_BOUNDS.threads.max}); default: up to 2 on large traces` })
      .option('seed', { type: 'string', defaultDescription: String(DEFAULT_RANDOM_SEED), describe: `seed of the random decode batches (0–${formatBound(OPTION_BOUNDS.seed.max)})` })
      .option('random-batches', { type: 'number', default: 64, describe: 'random batches drawn per batch size and site (1 … 10000)' })
      .option('nonfinite', { type: 'string', default: 'exclude', describe: `token rows holding NaN/Inf: ${NONFINITE_POLICIES.join(' or ')} (exclude: left out of every statistic and counted; error: refuse, exit 1)` })
      .option('shard', { type: 'string', describe: 'i/n: analyse only shard i (0 … n − 1) of n and write its part to --out (required); `nmsim merge` joins the n parts. In Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT' })
      .option('piece-tokens', { type: 'string', describe: 'with --shard: token rows per piece when sites are cut into token ranges (0 = whole sites only); default: whole sites up to 2^28 elements' })
      .example('$0 analyze traces/stories260k', 'the dense run under 2:4, 4:8, 8:16, 16:32 and unstructured (magnitude)')
      .example('$0 analyze traces/stories260k --patterns 8:16,16:32 --criteria magnitude,amber --mitigations none,dpts --out reports/analysis', 'four configurations per pattern; CSV tables + analysis.json in reports/analysis')
      .epilogue(
        'Output: per configuration, model-level rel_err_l2, cosine, retained energy, kept fraction, natural zeros, compressed size; ' +
          'compatibility between patterns; decode union density (consecutive / random batches / independence). ' +
          'With --out: summary, sites, layers, consumers, compressed-size, compatibility, union-density, histograms, top-channels and nonfinite CSVs. ' +
          'Token rows holding NaN/Inf are excluded from every statistic and counted (--nonfinite error refuses them); rows are bounded to K ≤ 2^20. ' +
          'Exit codes: 0 ok, 1 bad trace (or a site with no finite row), 2 bad options.',
      ) as never,
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const patterns = nonEmptyList(parseQuoted(argv.patterns, (t) => parsePatternList(t, { path: '--patterns' })), '--patterns', argv.patterns, 'pattern', '2:4,8:16');
      const criteria = parseQuoted(argv.criteria, parseCriteria);
      const mitigations = parseQuoted(argv.mitigations, parseMitigations);
      const batchSizes = parseBatchSizes(argv['batch-sizes']);
      const runs = (argv.runs ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
      const nonfinite = parseNonfinitePolicy(argv.nonfinite);
      const whole = (name: string, v: number | undefined, min: number) => {
        if (v !== undefined && (!Number.isInteger(v) || v < min)) {
          throw usageError({ code: 'analysis/invalid-option', path: `--${name}`, message: `--${name} must be a whole number ≥ ${min}.`, expected: `an integer ≥ ${min}`, found: String(v), hint: `e.g. --${name} ${Math.max(min, 2)}` });
        }
      };
      const threads = argv.threads === undefined ? undefined : wholeNumberOption('threads', argv.threads);
      whole('random-batches', argv['random-batches'], 1);
      const seed = wholeNumberOption('seed', argv.seed, DEFAULT_RANDOM_SEED);
      const plan = { patterns, criteria, mitigations, batchSizes, runs, randomSeed: seed, randomBatchesPerSize: argv['random-batches'], nonfinite };
      if (argv.shard !== undefined || argv['piece-tokens'] !== undefined) {
        await analyzeShardCommand(argv, plan, threads);
        return;
      }
      const claim = argv.out !== undefined ? await claimOutput(argv.out, ANALYSIS_OUTPUT, [argv.trace]) : undefined;
      const bundle = await openBundle(argv.trace);
      try {
        const progress = await startProgress(plannedRows(bundle, runs), 'analyze', !argv.json);
        let last = 0;
        const result = await analyze(
          bundle,
          plan,
          (p) => {
            progress.tick(p.doneRows - last, p.site);
            last = p.doneRows;
          },
          { workers: threads },
        );
        progress.stop();
        const json = analysisJson(result, TOOL_VERSION);
        if (refuseUndefinedStatistics(result, json, argv.json)) return;
        const csvCount = claim ? await writeAnalysisFolder(claim, result, json) : 0;
        for (const w of result.warnings) process.stderr.write(formatDiagnostic(w) + '\n');
        if (argv.json) printJson({ ok: true, ...json });
        else {
          process.stdout.write(formatAnalysis(result));
          if (claim) process.stdout.write(`wrote ${csvCount} CSV tables and analysis.json to ${argv.out}\n`);
        }
      } finally {
        await bundle.close();
      }
    }),
};

/**
 * Statistics left undefined (a site with no finite row): show them, write nothing, exit 1 —
 * for analyze and for the merge of its shards alike. True when the result was refused (--json:
 * printed with ok: false and the exit code set); without --json it throws.
 */
export function refuseUndefinedStatistics(result: Parameters<typeof formatAnalysis>[0], json: ReturnType<typeof analysisJson>, asJson: boolean | undefined): boolean {
  if (result.errors.length === 0) return false;
  for (const w of result.warnings) process.stderr.write(formatDiagnostic(w) + '\n');
  if (asJson) {
    printJson({ ...json, ok: false });
    process.stderr.write(result.errors.map(formatDiagnostic).join('\n') + '\n');
    process.exitCode = EXIT_INPUT;
    return true;
  }
  process.stdout.write(formatAnalysis(result));
  throw new NmsimError(result.errors);
}

/**
 * `analyze --shard i/n --out PART`: this shard's pieces (analysis/shard.ts), written as a part
 * folder (report/shard-folder.ts). Sites with no finite row are not refused here: the part
 * carries their result, and `nmsim merge` refuses as an unsharded analyze would.
 */
async function analyzeShardCommand(argv: Args, plan: Partial<AnalysisPlan>, threads: number | undefined): Promise<void> {
  if (argv.shard === undefined) {
    throw usageError({ code: 'shard/piece-tokens-without-shard', path: '--piece-tokens', message: '--piece-tokens cuts sites into token ranges for a sharded run; it needs --shard i/n.', hint: 'nmsim analyze BUNDLE --shard 0/4 --piece-tokens 4096 --out parts/shard-0' });
  }
  const shard = parseShard(argv.shard);
  if (argv.out === undefined) {
    throw usageError({ code: 'shard/out-required', path: '--out', message: `--shard ${argv.shard} writes a part for \`nmsim merge\`; say where with --out.`, hint: `nmsim analyze ${argv.trace} --shard ${argv.shard} --out parts/shard-${shard.index}` });
  }
  const pieceTokens = argv['piece-tokens'] === undefined ? undefined : wholeNumberOption('piece-tokens', argv['piece-tokens']);
  const claim = await claimOutput(argv.out, ANALYSIS_SHARD_OUTPUT, [argv.trace]);
  const bundle = await openBundle(argv.trace);
  try {
    const part = await analyzeShard(bundle, plan, shard, undefined, { workers: threads, ...(pieceTokens !== undefined ? { pieceTokens } : {}) });
    await writeShardFolder(claim, part);
    const mine = part.pieces.filter((p) => p.shard === shard.index).length;
    const summary = { shard: `${shard.index}/${shard.count}`, job: part.job.id, pieces: mine, pieces_in_job: part.pieces.length, rows: part.rows, out: argv.out };
    if (argv.json) printJson({ ok: true, ...summary });
    else process.stdout.write(`shard ${summary.shard}: ${mine} of ${part.pieces.length} pieces (${part.rows.toLocaleString('en-US')} token rows) → ${argv.out}; job ${part.job.id.slice(0, 12)}\n`);
  } finally {
    await bundle.close();
  }
}

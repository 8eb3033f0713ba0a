/**
 * nmsim capture: real pruned runs of a llama2.c checkpoint → perplexities and a trace bundle.
 * Runs prune activations (the default) or, with --operand weight, the linear weights once.
 */
import type { CommandModule } from 'yargs';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { claimOutput, commandLine, printJson, runCommand } from '../run.js';
import { captureJson, captureRunLine, captureText } from '../../report/capture.js';
import { startProgress } from '../progress.js';
import { usageError } from '../../diagnostics.js';
import { formatPattern, parsePatternList } from '../../sparsity/pattern.js';
import { configurationProduct } from '../../sparsity/configurations.js';
import { parseMitigations } from '../../sparsity/registry.js';
import { criteriaByOperand, parseOperands, parseRunCriteria } from '../../sparsity/weight-registry.js';
import { formatStoryRange, loadStories, selectStories } from '../../capture/stories.js';
import { encodeStories } from '../../capture/perplexity.js';
import { captureRuns, captureRunsThreaded, isWeightSpec, needsCalibration, type CaptureOptions, type CaptureSpec } from '../../capture/capture.js';
import { defaultThreads } from '../../capture/perplexity-pool.js';
import type { WeightRunSpec } from '../../capture/weight-runs.js';
import { sha256Hex, writeCaptureBundle } from '../../capture/capture-bundle.js';
import { TRACE_BUNDLE_OUTPUT } from '../../trace/writer.js';
import { calibOptions, calibRange, checkRecordingMemory, loadCalibStream, loadModelAndTokenizer, modelOptions, parsePrecision, precisionOption, refuseUnusedCalibration, specsNeedCalibration, type CalibArgs } from '../capture-options.js';
import { withPrecision } from '../../capture/precision.js';
import { formatBound, MAX_LIST_PATTERNS, noEffect, nonEmptyList, OPTION_BOUNDS, parseQuoted, wholeNumberOption, type BoundedOption } from '../options.js';

const bounds = (o: BoundedOption) => `${formatBound(OPTION_BOUNDS[o].min)}–${formatBound(OPTION_BOUNDS[o].max)}`;

export const DEFAULT_PATTERNS = '2:4,4:8,8:16,16:32,unstructured';
export const DEFAULT_TRACE_TOKENS = 2048;

/** numbers arrive as text and are checked by options.ts (decimal digits, bounds) */
interface Args extends CalibArgs {
  model: string;
  tokenizer: string;
  text: string;
  stories?: string;
  offset?: string;
  patterns: string;
  operand?: string;
  criteria?: string;
  mitigations?: string;
  'trace-tokens'?: string;
  'weight-trace-tokens'?: string;
  threads?: string;
  precision?: string;
  dense: boolean;
  out?: string;
  json?: boolean;
}

const DEFAULT_STORIES = 100;
const DEFAULT_OPERAND = 'activation';
const DEFAULT_CRITERIA = 'magnitude';
const DEFAULT_MITIGATIONS = 'none';

/** Checks every option before the checkpoint is read; an option that cannot act is refused. */
function captureOptions(argv: Args) {
  const patterns = nonEmptyList(parseQuoted(argv.patterns, (t) => parsePatternList(t, { path: '--patterns' })), '--patterns', argv.patterns, 'pattern', '2:4,8:16');
  const operands = nonEmptyList(parseQuoted(argv.operand ?? DEFAULT_OPERAND, parseOperands), '--operand', argv.operand, 'operand', 'activation');
  const criteria = nonEmptyList(parseQuoted(argv.criteria ?? DEFAULT_CRITERIA, parseRunCriteria), '--criteria', argv.criteria, 'criterion', 'magnitude');
  const mitigations = nonEmptyList(parseQuoted(argv.mitigations ?? DEFAULT_MITIGATIONS, parseMitigations), '--mitigations', argv.mitigations, 'mitigation', 'none');
  if (patterns.every((p) => p.kind === 'dense')) {
    for (const [option, value] of [['--operand', argv.operand], ['--criteria', argv.criteria], ['--mitigations', argv.mitigations]] as const) {
      if (value !== undefined) noEffect(option, 'when --patterns names only dense (the dense run prunes nothing)', `drop ${option}, or add a sparse pattern, e.g. --patterns dense,8:16.`);
    }
  }
  const byOperand = criteriaByOperand(criteria, operands);
  const activation = operands.includes('activation');
  if (!activation && argv.mitigations !== undefined && mitigations.some((m) => m !== 'none')) {
    noEffect('--mitigations', 'with --operand weight: the weights are pruned once, before the run, and the mitigations act on activations', 'drop --mitigations, or add activation runs with --operand activation,weight.');
  }
  // dense (unless excluded), the activation runs (patterns × criteria × mitigations), then the weight runs (patterns × criteria)
  const specs: CaptureSpec[] = configurationProduct(
    { patterns: activation ? patterns : patterns.filter((p) => p.kind === 'dense'), criteria: activation ? byOperand.activation : ['magnitude'], mitigations: activation ? mitigations : ['none'] },
    { patterns: 'outer', dense: 'once', withDense: argv.dense },
  );
  for (const pattern of patterns.filter((p) => p.kind !== 'dense')) {
    for (const criterion of byOperand.weight) specs.push({ operand: 'weight', pattern, criterion } satisfies WeightRunSpec);
  }
  refuseUnusedCalibration(argv, specsNeedCalibration(specs), '--mitigations', {}, '--criteria');
  const traceTokens = wholeNumberOption('trace-tokens', argv['trace-tokens'], DEFAULT_TRACE_TOKENS);
  if (argv.out === undefined && traceTokens > 0 && argv['trace-tokens'] !== undefined) {
    noEffect('--trace-tokens', 'without --out (the recorded activations are kept only in the bundle)', 'add --out FOLDER to write the bundle, or drop --trace-tokens to only measure perplexity.');
  }
  const weightTraceTokens = wholeNumberOption('trace-tokens', argv['weight-trace-tokens'], traceTokens, '--weight-trace-tokens');
  if (argv['weight-trace-tokens'] !== undefined) {
    if (!specs.some(isWeightSpec)) noEffect('--weight-trace-tokens', 'without weight runs', 'add --operand weight (or activation,weight), or drop --weight-trace-tokens.');
    if (argv.out === undefined) noEffect('--weight-trace-tokens', 'without --out (the recorded activations are kept only in the bundle)', 'add --out FOLDER to write the bundle, or drop --weight-trace-tokens.');
  }
  const range = { offset: wholeNumberOption('offset', argv.offset, 0), count: wholeNumberOption('stories', argv.stories, DEFAULT_STORIES) };
  // default: the cores the load average leaves free, at least 1 (never past the option's bound)
  const threads = wholeNumberOption('threads', argv.threads, Math.min(defaultThreads(), OPTION_BOUNDS.threads.max));
  const precision = parsePrecision(argv.precision, argv.out);
  return { specs, traceTokens, weightTraceTokens, range, calib: calibRange(argv), threads, precision };
}

/** Which calibrated quantities the runs use ("spts, wanda"), for the bundle's notes. */
function calibratedNames(specs: readonly CaptureSpec[]): string {
  const names = specs.filter(needsCalibration).map((s) => (isWeightSpec(s) ? s.criterion : s.mitigation));
  return [...new Set(names)].join(', ');
}

export const command: CommandModule<object, Args> = {
  command: 'capture',
  describe: 'Run a llama2.c checkpoint dense and with N:M activation pruning; measure perplexity; write a trace bundle',
  builder: (y) =>
    y
      .options({
        ...modelOptions,
        text: { type: 'string', demandOption: true, describe: 'UTF-8 stories separated by "<|endoftext|>" lines (evaluation and calibration text)' },
        stories: { type: 'string', defaultDescription: String(DEFAULT_STORIES), describe: `number of stories evaluated (${bounds('stories')})` },
        offset: { type: 'string', defaultDescription: '0', describe: `first evaluated story (0-based, ${bounds('offset')})` },
        patterns: {
          type: 'string',
          default: DEFAULT_PATTERNS,
          describe: `comma-separated patterns (1–${MAX_LIST_PATTERNS}): N:M (1 ≤ N ≤ M ≤ 64), "unstructured" (top half per token), "dense"`,
        },
        operand: {
          type: 'string',
          defaultDescription: DEFAULT_OPERAND,
          describe: 'what the runs prune: activation (online, at every linear input) or weight (the 7 linear weights of every block, once, along their input dimension); "activation,weight" for runs of each',
        },
        criteria: {
          type: 'string',
          defaultDescription: DEFAULT_CRITERIA,
          describe: 'selection criteria: activation runs magnitude, amber, clact (clact batch = the evaluation window); weight runs magnitude, wanda (|W|·‖X_j‖₂ over the calibration stories)',
        },
        mitigations: { type: 'string', defaultDescription: DEFAULT_MITIGATIONS, describe: 'activation runs: error mitigations none, var, dpts, spts, affine (spts/affine calibrate on the calibration stories)' },
        ...calibOptions,
        'trace-tokens': {
          type: 'string',
          defaultDescription: String(DEFAULT_TRACE_TOKENS),
          describe: `with --out: stream positions recorded per site and run (${bounds('trace-tokens')}, and at most 1 GiB held in memory; pre-pruning input in F16 + masks)`,
        },
        'weight-trace-tokens': {
          type: 'string',
          defaultDescription: '--trace-tokens',
          describe: 'with --out: stream positions a weight run records per site (0: only its weight masks and wanda input norms)',
        },
        threads: {
          type: 'string',
          defaultDescription: 'the cores the 1-minute load average leaves free, at least 1',
          describe: `threads (this one and N − 1 workers) for the runs that record nothing (no --out, or a weight run with --weight-trace-tokens 0); 0 or 1: this thread only (at most ${OPTION_BOUNDS.threads.max}); the results are the same bits for any count`,
        },
        precision: precisionOption,
        dense: { type: 'boolean', default: true, describe: 'include the dense run (--no-dense skips it)' },
        out: { type: 'string', describe: 'bundle folder to write (created, or replaced atomically only when it is a bundle nmsim captured); without it nothing is written' },
        json: { type: 'boolean', describe: 'print the runs and their perplexities as JSON' },
      })
      .example(
        '$0 capture --model stories260K.bin --tokenizer tok512.bin --text stories.txt --patterns 2:4,8:16 --mitigations none,dpts --out traces/mine',
        'dense + 2:4 and 8:16 with and without dpts, on the first 100 stories',
      )
      .example(
        '$0 capture --model stories260K.bin --tokenizer tok512.bin --text stories.txt --operand weight --patterns 2:4,8:16 --criteria magnitude,wanda',
        'dense + 2:4 and 8:16 weight pruning by magnitude and wanda (wanda calibrated on stories 900–949)',
      ) as never,
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const { specs, traceTokens: requestedTraceTokens, weightTraceTokens: requestedWeightTraceTokens, range, calib: calibStories, threads, precision } = captureOptions(argv);
      if (specs.length === 0) throw usageError({ code: 'capture/no-runs', path: '--patterns', message: 'nothing to run.', hint: 'name a pattern, or keep the dense run' });
      if (argv.out !== undefined && requestedTraceTokens === 0) {
        throw usageError({
          code: 'capture/empty-bundle',
          path: '--trace-tokens',
          message: 'a bundle needs recorded activations, but --trace-tokens is 0.',
          hint: 'record some tokens (e.g. --trace-tokens 256), or drop --out to only measure perplexity',
        });
      }
      if (argv.out !== undefined) await claimOutput(argv.out, TRACE_BUNDLE_OUTPUT, [argv.model, argv.tokenizer, argv.text]);

      const loaded = await loadModelAndTokenizer(argv.model, argv.tokenizer);
      const { tokenizer, checkpointSha256 } = loaded;
      const model = withPrecision(loaded.model, precision);
      const textBytes = await fs.readFile(argv.text).catch(() => undefined);
      const stories = await loadStories(argv.text);
      const { stream: evalStream, storyStarts: evalStoryStarts } = encodeStories(tokenizer, selectStories(stories, range, argv.text, '--offset/--stories'));
      // only positions the stream holds can be recorded, and without --out none are kept
      const traceTokens = argv.out === undefined ? 0 : Math.min(requestedTraceTokens, evalStream.length);
      const weightTraceTokens = argv.out === undefined ? 0 : Math.min(requestedWeightTraceTokens, evalStream.length);
      checkRecordingMemory(Math.max(traceTokens, weightTraceTokens), model.config);
      const calib = specsNeedCalibration(specs) ? await loadCalibStream(argv.text, tokenizer, calibStories, range) : undefined;
      const evaluated = `${path.basename(argv.text)} ${formatStoryRange(range)}`;

      const windowsPerRun = Math.max(1, Math.ceil((evalStream.length - 1) / (model.config.seqLen - 1)));
      const progress = await startProgress(specs.length * windowsPerRun, 'capture', !argv.json);
      const runOptions: CaptureOptions = {
        evalStream,
        evalStoryStarts,
        calibStream: calib?.stream,
        specs,
        traceTokens,
        weightTraceTokens,
        onProgress: (i) => progress.tick(1, specs[i] ? `${i + 1}/${specs.length}` : ''),
        onRun: (r) => {
          if (!argv.json && !process.stderr.isTTY) process.stderr.write(captureRunLine(r));
        },
      };
      const runs = threads > 1 ? await captureRunsThreaded(model, runOptions, threads) : captureRuns(model, runOptions);
      progress.stop();

      if (argv.out !== undefined) {
        await writeCaptureBundle(argv.out, model, runs, {
          name: path.basename(argv.model).replace(/\.bin$/, ''),
          checkpoint: path.basename(argv.model),
          checkpointSha256,
          dataset: path.basename(argv.text),
          datasetSha256: textBytes ? sha256Hex(textBytes) : undefined,
          command: commandLine(),
          notes:
            `perplexity on ${evaluated} (${runs[0]?.result.scoredTokens ?? 0} scored tokens); ` +
            `sites record the first ${traceTokens} stream positions; masks are the keep-masks each consumer applied` +
            (specs.some(isWeightSpec)
              ? `; weight runs prune the 7 linear weights of every block once along their input dimension (weight_masks: each consumer's weight keep-mask; input_norms: wanda's ‖X_j‖₂), do not prune activations, and record ${weightTraceTokens} stream positions`
              : '') +
            (calib ? `; ${calibratedNames(specs)} calibrated on ${calib.label}` : ''),
          evaluated,
          calibration: calib?.label,
          clactBatchTokens: model.config.seqLen,
        });
      }

      const summary = { model: path.basename(argv.model), evaluated, range, calibration: calib?.label, clactBatchTokens: model.config.seqLen, bundle: argv.out, precision, runs };
      if (argv.json) printJson(captureJson(summary));
      else process.stdout.write(captureText(summary));
    }),
};

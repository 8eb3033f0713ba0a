/**
 * nmsim capture: real pruned runs of a llama2.c checkpoint → perplexities and a trace bundle.
 */
import type { CommandModule } from 'yargs';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { claimOutput, printJson, runCommand } from '../run.js';
import { startProgress } from '../progress.js';
import { usageError } from '../../diagnostics.js';
import { formatPattern, parsePatternList, type Pattern } from '../../sparsity/pattern.js';
import { parseCriteria, parseMitigations } from '../../sparsity/prune.js';
import { formatStoryRange, loadStories, selectStories } from '../../capture/stories.js';
import { encodeStream } from '../../capture/perplexity.js';
import { captureRuns, type CapturedRun } from '../../capture/capture.js';
import { sha256Hex, writeCaptureBundle } from '../../capture/capture-bundle.js';
import { TRACE_BUNDLE_OUTPUT } from '../../trace/writer.js';
import type { RunSpec } from '../../capture/prune-hooks.js';
import { calibOptions, checkCount, loadCalibStream, loadModelAndTokenizer, modelOptions, specsNeedCalibration } from '../capture-options.js';

export const DEFAULT_PATTERNS = '2:4,4:8,8:16,16:32,unstructured';
export const DEFAULT_TRACE_TOKENS = 2048;

interface Args {
  model: string;
  tokenizer: string;
  text: string;
  stories: number;
  offset: number;
  patterns: string;
  criteria: string;
  mitigations: string;
  'calib-offset': number;
  'calib-stories': number;
  'trace-tokens': number;
  dense: boolean;
  out?: string;
  json?: boolean;
}

/** dense (unless excluded) then patterns × criteria × mitigations, in that order. */
export function expandSpecs(patterns: Pattern[], criteria: RunSpec['criterion'][], mitigations: RunSpec['mitigation'][], dense: boolean): RunSpec[] {
  const specs: RunSpec[] = [];
  if (dense || patterns.some((p) => p.kind === 'dense')) specs.push({ pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' });
  for (const pattern of patterns) {
    if (pattern.kind === 'dense') continue;
    for (const criterion of criteria) for (const mitigation of mitigations) specs.push({ pattern, criterion, mitigation });
  }
  return specs;
}

function runJson(r: CapturedRun) {
  const dense = r.spec.pattern.kind === 'dense';
  return {
    id: r.id,
    pattern: formatPattern(r.spec.pattern),
    criterion: dense ? null : r.spec.criterion,
    mitigation: dense ? null : r.spec.mitigation,
    perplexity: r.result.perplexity,
    mean_nll_nats: r.result.meanNllNats,
    scored_tokens: r.result.scoredTokens,
    eval_s: r.result.seconds,
    eval_tokens_per_s: r.result.tokensPerSecond,
    calibration_s: r.calibrationSeconds,
    recorded_tokens: r.recordings.length > 0 ? Math.min(...r.recordings.map((s) => s.tokens)) : 0,
  };
}

export const command: CommandModule<object, Args> = {
  command: 'capture',
  describe: 'Run a llama2.c checkpoint dense and with N:M activation pruning; measure perplexity; write a trace bundle',
  builder: (y) =>
    y
      .options({
        ...modelOptions,
        text: { type: 'string', demandOption: true, describe: 'UTF-8 stories separated by "<|endoftext|>" lines (evaluation and calibration text)' },
        stories: { type: 'number', default: 100, describe: 'number of stories evaluated' },
        offset: { type: 'number', default: 0, describe: 'first evaluated story (0-based)' },
        patterns: {
          type: 'string',
          default: DEFAULT_PATTERNS,
          describe: 'comma-separated patterns: N:M (1 ≤ N ≤ M ≤ 64), "unstructured" (top half per token), "dense"',
        },
        criteria: { type: 'string', default: 'magnitude', describe: 'selection criteria: magnitude, amber, clact (clact batch = the evaluation window)' },
        mitigations: { type: 'string', default: 'none', describe: 'error mitigations: none, var, dpts, spts, affine (spts/affine calibrate on the calibration stories)' },
        ...calibOptions,
        'trace-tokens': {
          type: 'number',
          default: DEFAULT_TRACE_TOKENS,
          describe: 'stream positions recorded per site and run (pre-pruning input in F16 + masks); 0 records none',
        },
        dense: { type: 'boolean', default: true, describe: 'include the dense run (--no-dense skips it)' },
        out: { type: 'string', describe: 'bundle folder to write (created, or replaced atomically only when it is a bundle nmsim captured); without it nothing is written' },
        json: { type: 'boolean', describe: 'print the runs and their perplexities as JSON' },
      })
      .example(
        '$0 capture --model stories260K.bin --tokenizer tok512.bin --text stories.txt --patterns 2:4,8:16 --mitigations none,dpts --out traces/mine',
        'dense + 2:4 and 8:16 with and without dpts, on the first 100 stories',
      ) as never,
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const patterns = parsePatternList(argv.patterns, { path: '--patterns' });
      const criteria = parseCriteria(argv.criteria);
      const mitigations = parseMitigations(argv.mitigations);
      if (criteria.length === 0 || mitigations.length === 0) {
        throw usageError({ code: 'capture/empty-list', path: criteria.length === 0 ? '--criteria' : '--mitigations', message: 'the list is empty.', hint: 'name at least one, e.g. --criteria magnitude --mitigations none' });
      }
      const specs = expandSpecs(patterns, criteria, mitigations, argv.dense);
      if (specs.length === 0) throw usageError({ code: 'capture/no-runs', path: '--patterns', message: 'nothing to run.', hint: 'name a pattern, or keep the dense run' });
      const traceTokens = checkCount(argv['trace-tokens'], '--trace-tokens', 0);
      if (argv.out !== undefined && traceTokens === 0) {
        throw usageError({
          code: 'capture/empty-bundle',
          path: '--trace-tokens',
          message: 'a bundle needs recorded activations, but --trace-tokens is 0.',
          hint: 'record some tokens (e.g. --trace-tokens 256), or drop --out to only measure perplexity',
        });
      }
      const range = { offset: checkCount(argv.offset, '--offset', 0), count: checkCount(argv.stories, '--stories', 1) };
      if (argv.out !== undefined) await claimOutput(argv.out, TRACE_BUNDLE_OUTPUT, [argv.model, argv.tokenizer, argv.text]);

      const { model, tokenizer, checkpointSha256 } = await loadModelAndTokenizer(argv.model, argv.tokenizer);
      const textBytes = await fs.readFile(argv.text).catch(() => undefined);
      const stories = await loadStories(argv.text);
      const evalStream = encodeStream(tokenizer, selectStories(stories, range, argv.text, '--offset/--stories'));
      const calib = specsNeedCalibration(specs)
        ? await loadCalibStream(argv.text, tokenizer, { offset: argv['calib-offset'], count: argv['calib-stories'] }, range)
        : undefined;
      const evaluated = `${path.basename(argv.text)} ${formatStoryRange(range)}`;

      const windowsPerRun = Math.max(1, Math.ceil((evalStream.length - 1) / (model.config.seqLen - 1)));
      const progress = await startProgress(specs.length * windowsPerRun, 'capture', !argv.json);
      const runs = captureRuns(model, {
        evalStream,
        calibStream: calib?.stream,
        specs,
        traceTokens,
        onProgress: (i) => progress.tick(1, specs[i] ? `${i + 1}/${specs.length}` : ''),
        onRun: (r) => {
          if (!argv.json && !process.stderr.isTTY) {
            process.stderr.write(`  ${r.id.padEnd(32)} ppl ${r.result.perplexity.toFixed(4)}  (${r.result.tokensPerSecond.toFixed(0)} tok/s)\n`);
          }
        },
      });
      progress.stop();

      if (argv.out !== undefined) {
        await writeCaptureBundle(argv.out, model, runs, {
          name: path.basename(argv.model).replace(/\.bin$/, ''),
          checkpoint: path.basename(argv.model),
          checkpointSha256,
          dataset: path.basename(argv.text),
          datasetSha256: textBytes ? sha256Hex(textBytes) : undefined,
          command: `nmsim ${process.argv.slice(2).join(' ')}`,
          notes:
            `perplexity on ${evaluated} (${runs[0]?.result.scoredTokens ?? 0} scored tokens); ` +
            `sites record the first ${traceTokens} stream positions; masks are the keep-masks each consumer applied` +
            (calib ? `; spts/affine calibrated on ${calib.label}` : ''),
          evaluated,
          calibration: calib?.label,
          clactBatchTokens: model.config.seqLen,
        });
      }

      if (argv.json) {
        printJson({
          ok: true,
          model: path.basename(argv.model),
          evaluated,
          stories_offset: range.offset,
          stories_count: range.count,
          calibration: calib?.label ?? null,
          clact_batch_tokens: model.config.seqLen,
          bundle: argv.out ?? null,
          runs: runs.map(runJson),
        });
      } else {
        const lines = [`perplexity on ${evaluated} (${runs[0]?.result.scoredTokens ?? 0} scored tokens)`];
        for (const r of runs) lines.push(`  ${r.id.padEnd(32)} ${r.result.perplexity.toFixed(4)}`);
        if (argv.out) lines.push(`bundle written to ${argv.out}`);
        process.stdout.write(lines.join('\n') + '\n');
      }
    }),
};

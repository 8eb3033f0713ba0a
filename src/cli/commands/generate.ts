/**
 * nmsim generate: greedy generation from a llama2.c checkpoint, dense or pruned, to read what a
 * pruned model says. Uses the KV-cache step path (one token per step; clact = magnitude there).
 */
import type { CommandModule } from 'yargs';
import { printJson, runCommand } from '../run.js';
import { isNmsimError, usageError } from '../../diagnostics.js';
import { excerpt } from '../../user-text.js';
import type { StoryRange } from '../../capture/stories.js';
import { formatBound, MAX_PROMPT_BYTES, noEffect, OPTION_BOUNDS, parseQuoted, wholeNumberOption } from '../options.js';
import { formatPattern, parsePattern } from '../../sparsity/pattern.js';
import { generateJson, generateSpeedLine } from '../../report/capture.js';
import { parseCriteria, parseMitigations } from '../../sparsity/registry.js';
import { generateGreedy } from '../../capture/generate.js';
import { calibrateAffine, calibrateStaticShifts } from '../../capture/calibrate.js';
import { createPruningHooks, runId, type Calibration, type RunSpec } from '../../capture/prune-hooks.js';
import { calibOptions, calibRange, loadCalibStream, loadModelAndTokenizer, modelOptions, refuseUnusedCalibration, specsNeedCalibration, type CalibArgs } from '../capture-options.js';

/** numbers arrive as text and are checked by options.ts (decimal digits, bounds) */
interface Args extends CalibArgs {
  model: string;
  tokenizer: string;
  prompt: string;
  steps?: string;
  pattern: string;
  criterion?: string;
  mitigation?: string;
  text?: string;
  json?: boolean;
}

const DEFAULT_STEPS = 256;

/** One criterion or mitigation; errors name the option as the user typed it. */
function one<T>(text: string, parse: (t: string) => T[], option: string): T {
  let list: T[];
  try {
    list = parseQuoted(text, parse);
  } catch (e) {
    if (isNmsimError(e)) for (const d of e.diagnostics) d.path = option;
    throw e;
  }
  if (list.length === 0) throw usageError({ code: 'cli/missing-value', path: option, message: `${option} needs a value.`, hint: `e.g. ${option} ${option === '--criterion' ? 'magnitude' : 'none'}` });
  if (list.length !== 1) {
    throw usageError({ code: 'generate/one-value', path: option, message: `${option} takes exactly one value here.`, found: excerpt(text), hint: 'nmsim capture sweeps lists; generate runs one configuration' });
  }
  return list[0];
}

/** Checks every option before the checkpoint is read; an option that cannot act is refused. */
function generateOptions(argv: Args): { spec: RunSpec; steps: number; calib: StoryRange } {
  const pattern = parseQuoted(argv.pattern, (t) => parsePattern(t, { path: '--pattern' }));
  const spec: RunSpec = {
    pattern,
    criterion: one(argv.criterion ?? 'magnitude', parseCriteria, '--criterion'),
    mitigation: one(argv.mitigation ?? 'none', parseMitigations, '--mitigation'),
  };
  if (pattern.kind === 'dense') {
    for (const [option, value] of [['--criterion', argv.criterion], ['--mitigation', argv.mitigation]] as const) {
      if (value !== undefined) noEffect(option, 'with --pattern dense (nothing is pruned)', `drop ${option}, or choose a pattern, e.g. --pattern 8:16.`);
    }
  }
  refuseUnusedCalibration(argv, specsNeedCalibration([spec]), '--mitigation', { '--text': argv.text });
  const promptBytes = Buffer.byteLength(argv.prompt, 'utf8');
  if (promptBytes > MAX_PROMPT_BYTES) {
    throw usageError({
      code: 'cli/out-of-range',
      path: '--prompt',
      message: `--prompt is ${promptBytes.toLocaleString('en-US')} bytes; at most ${formatBound(MAX_PROMPT_BYTES)}.`,
      expected: `at most ${formatBound(MAX_PROMPT_BYTES)} bytes of UTF-8`,
      hint: 'the llama2.c tokenizer merges pairs in time quadratic in the prompt (40 KB take ~26 s), and generation stops at the model\'s seq_len positions anyway: give the start of the text.',
    });
  }
  return { spec, steps: wholeNumberOption('steps', argv.steps, DEFAULT_STEPS), calib: calibRange(argv) };
}

export const command: CommandModule<object, Args> = {
  command: 'generate',
  describe: 'Greedy text generation from a llama2.c checkpoint, dense or with N:M activation pruning',
  builder: (y) =>
    y
      .options({
        ...modelOptions,
        prompt: { type: 'string', default: '', describe: `text to continue (empty: start from BOS; at most ${formatBound(MAX_PROMPT_BYTES)} bytes)` },
        steps: { type: 'string', defaultDescription: String(DEFAULT_STEPS), describe: `positions to run, prompt included (${formatBound(OPTION_BOUNDS.steps.min)}–${formatBound(OPTION_BOUNDS.steps.max)}; capped at the model's seq_len)` },
        pattern: { type: 'string', default: 'dense', describe: 'activation pattern at every linear input: dense, N:M or unstructured' },
        criterion: { type: 'string', defaultDescription: 'magnitude', describe: 'with a sparse --pattern: selection criterion: magnitude, amber, clact (one token per step: clact = magnitude)' },
        mitigation: { type: 'string', defaultDescription: 'none', describe: 'with a sparse --pattern: error mitigation: none, var, dpts, spts, affine (spts/affine need --text for calibration)' },
        text: { type: 'string', describe: 'spts/affine only: story text for the calibration' },
        ...calibOptions,
        json: { type: 'boolean', describe: 'print the text, token ids and speed as JSON' },
      })
      .example('$0 generate --model stories260K.bin --tokenizer tok512.bin --pattern 8:16 --mitigation dpts', 'what 8:16 + dpts makes of a story from BOS') as never,
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const { spec, steps, calib: calibStories } = generateOptions(argv);
      const { model, tokenizer } = await loadModelAndTokenizer(argv.model, argv.tokenizer);
      const calibration: Calibration = {};
      if (specsNeedCalibration([spec])) {
        if (!argv.text) {
          throw usageError({ code: 'generate/needs-text', path: '--text', message: `--mitigation ${spec.mitigation} is calibrated on stories; name the story file.`, hint: 'add --text stories.txt (calibration stories: --calib-offset, --calib-stories)' });
        }
        const calib = await loadCalibStream(argv.text, tokenizer, calibStories);
        if (spec.mitigation === 'spts') calibration.staticShift = calibrateStaticShifts(model, calib.stream);
        else calibration.affine = calibrateAffine(model, calib.stream, spec);
      }
      const hooks = spec.pattern.kind === 'dense' ? undefined : createPruningHooks(model, spec, { calibration });
      const r = generateGreedy(model, tokenizer, argv.prompt, steps, hooks);
      const summary = { run: runId(spec), spec, prompt: argv.prompt, text: r.text, promptIds: r.promptIds, ids: r.ids, steps: r.steps, seconds: r.seconds };
      if (argv.json) {
        printJson(generateJson(summary));
      } else {
        process.stdout.write(r.text + '\n');
        process.stderr.write(generateSpeedLine(summary));
      }
    }),
};

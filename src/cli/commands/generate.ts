/**
 * nmsim generate: greedy generation from a llama2.c checkpoint, dense or pruned, to read what a
 * pruned model says. Uses the KV-cache step path (one token per step; clact = magnitude there).
 */
import type { CommandModule } from 'yargs';
import { printJson, runCommand } from '../run.js';
import { usageError } from '../../diagnostics.js';
import { formatPattern, parsePattern } from '../../sparsity/pattern.js';
import { parseCriteria, parseMitigations } from '../../sparsity/prune.js';
import { generateGreedy } from '../../capture/generate.js';
import { calibrateAffine, calibrateStaticShifts } from '../../capture/calibrate.js';
import { createPruningHooks, runId, type Calibration, type RunSpec } from '../../capture/prune-hooks.js';
import { calibOptions, checkCount, loadCalibStream, loadModelAndTokenizer, modelOptions, specsNeedCalibration } from '../capture-options.js';

interface Args {
  model: string;
  tokenizer: string;
  prompt: string;
  steps: number;
  pattern: string;
  criterion: string;
  mitigation: string;
  text?: string;
  'calib-offset': number;
  'calib-stories': number;
  json?: boolean;
}

function one<T>(list: T[], option: string): T {
  if (list.length !== 1) {
    throw usageError({ code: 'generate/one-value', path: option, message: `${option} takes exactly one value here.`, found: String(list.length), hint: 'nmsim capture sweeps lists; generate runs one configuration' });
  }
  return list[0];
}

export const command: CommandModule<object, Args> = {
  command: 'generate',
  describe: 'Greedy text generation from a llama2.c checkpoint, dense or with N:M activation pruning',
  builder: (y) =>
    y
      .options({
        ...modelOptions,
        prompt: { type: 'string', default: '', describe: 'text to continue (empty: start from BOS)' },
        steps: { type: 'number', default: 256, describe: 'positions to run, prompt included (capped at the model\'s seq_len)' },
        pattern: { type: 'string', default: 'dense', describe: 'activation pattern at every linear input: dense, N:M or unstructured' },
        criterion: { type: 'string', default: 'magnitude', describe: 'selection criterion: magnitude, amber, clact (one token per step: clact = magnitude)' },
        mitigation: { type: 'string', default: 'none', describe: 'error mitigation: none, var, dpts, spts, affine (spts/affine need --text for calibration)' },
        text: { type: 'string', describe: 'story text for spts/affine calibration' },
        ...calibOptions,
        json: { type: 'boolean', describe: 'print the text, token ids and speed as JSON' },
      })
      .example('$0 generate --model stories260K.bin --tokenizer tok512.bin --pattern 8:16 --mitigation dpts', 'what 8:16 + dpts makes of a story from BOS') as never,
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const spec: RunSpec = {
        pattern: parsePattern(argv.pattern, { path: '--pattern' }),
        criterion: one(parseCriteria(argv.criterion), '--criterion'),
        mitigation: one(parseMitigations(argv.mitigation), '--mitigation'),
      };
      const steps = checkCount(argv.steps, '--steps', 1);
      const { model, tokenizer } = await loadModelAndTokenizer(argv.model, argv.tokenizer);
      const calibration: Calibration = {};
      if (specsNeedCalibration([spec])) {
        if (!argv.text) {
          throw usageError({ code: 'generate/needs-text', path: '--text', message: `--mitigation ${spec.mitigation} is calibrated on stories; name the story file.`, hint: 'add --text stories.txt (calibration stories: --calib-offset, --calib-stories)' });
        }
        const calib = await loadCalibStream(argv.text, tokenizer, { offset: argv['calib-offset'], count: argv['calib-stories'] });
        if (spec.mitigation === 'spts') calibration.staticShift = calibrateStaticShifts(model, calib.stream);
        else calibration.affine = calibrateAffine(model, calib.stream, spec);
      }
      const hooks = spec.pattern.kind === 'dense' ? undefined : createPruningHooks(model, spec, { calibration });
      const r = generateGreedy(model, tokenizer, argv.prompt, steps, hooks);
      if (argv.json) {
        printJson({
          ok: true,
          run: runId(spec),
          pattern: formatPattern(spec.pattern),
          criterion: spec.pattern.kind === 'dense' ? null : spec.criterion,
          mitigation: spec.pattern.kind === 'dense' ? null : spec.mitigation,
          prompt: argv.prompt,
          text: r.text,
          prompt_ids: r.promptIds,
          generated_ids: r.ids,
          steps: r.steps,
          seconds: r.seconds,
          tokens_per_s: r.steps / r.seconds,
        });
      } else {
        process.stdout.write(r.text + '\n');
        process.stderr.write(`${r.steps} steps in ${r.seconds.toFixed(2)} s (${(r.steps / r.seconds).toFixed(0)} tok/s)\n`);
      }
    }),
};

import type { CommandModule } from 'yargs';
import { runCommand, printJson } from '../run.js';
import { type Diagnostic, formatDiagnostic } from '../../diagnostics.js';
import { formatBound, MAX_LIST_PATTERNS, noEffect, nonEmptyList, OPTION_BOUNDS, parseQuoted, wholeNumberOption, type BoundedOption } from '../options.js';
import { loadProfile, resolveProfileRef } from '../../profile/load.js';
import { parsePatternList, PAPER_PATTERNS } from '../../sparsity/pattern.js';
import { MODEL_IDS } from '../../workload/catalog.js';
import { loadModelRef } from '../../workload/load-model.js';
import { modelWorkload, PHASES, type Phase } from '../../workload/layer-ops.js';
import { compareModel } from '../../perf/model-sim.js';
import { densePeakTflops } from '../../perf/hardware-view.js';
import { loadMeasuredSparsity } from '../../perf/measured-file.js';
import { comparisonJson, comparisonText } from '../../report/simulate.js';

interface Args {
  profile: string;
  model: string;
  phase: string;
  /** numbers arrive as text and are checked by options.ts (decimal digits, bounds) */
  tokens?: string;
  batch?: string;
  context?: string;
  patterns: string;
  measured?: string;
  json?: boolean;
}

const DEFAULT_PREFILL_TOKENS = 2048;
const DEFAULT_DECODE_BATCH = 1;
const DEFAULT_CONTEXT_TOKENS = 2048;

const bound = (o: BoundedOption) => `${formatBound(OPTION_BOUNDS[o].min)}–${formatBound(OPTION_BOUNDS[o].max)}`;

/** The phase the options describe; an option of the other phase is refused, not ignored. */
export function phaseFromOptions(argv: Pick<Args, 'phase' | 'tokens' | 'batch' | 'context'>): Phase {
  if (argv.phase === 'prefill') {
    for (const o of ['batch', 'context'] as const) {
      if (argv[o] !== undefined) noEffect(`--${o}`, 'with --phase prefill (it describes a decode step)', `drop --${o}, or use --phase decode.`);
    }
    return { kind: 'prefill', tokens: wholeNumberOption('tokens', argv.tokens, DEFAULT_PREFILL_TOKENS) };
  }
  if (argv.tokens !== undefined) {
    noEffect('--tokens', `with --phase ${argv.phase} (the prompt length is a prefill option; decode is the default phase)`, 'add --phase prefill, or drop --tokens (decode takes --batch and --context).');
  }
  return {
    kind: 'decode',
    batch: wholeNumberOption('batch', argv.batch, DEFAULT_DECODE_BATCH),
    contextTokens: wholeNumberOption('context', argv.context, DEFAULT_CONTEXT_TOKENS),
  };
}

export const command: CommandModule<object, Args> = {
  command: 'simulate',
  describe: 'cycles, time, TFLOP/s, speed-up and I/O of a model on a hardware profile, per N:M pattern',
  builder: (y) =>
    y
      .option('profile', { type: 'string', demandOption: true, describe: 'hardware profile: a shipped name (a100-like, h100-like, act-2of4 … act-flex) or a .yaml/.json path' })
      .option('model', { type: 'string', demandOption: true, describe: `catalog model (${MODEL_IDS.join(', ')}) or a trace bundle folder (its manifest's model shapes)` })
      .option('phase', { type: 'string', choices: PHASES as unknown as string[], default: 'decode', describe: 'prefill: T tokens of one sequence; decode: one step of B sequences at context L' })
      .option('tokens', { type: 'string', defaultDescription: String(DEFAULT_PREFILL_TOKENS), describe: `prefill only: prompt length T in tokens (${bound('tokens')})` })
      .option('batch', { type: 'string', defaultDescription: String(DEFAULT_DECODE_BATCH), describe: `decode only: sequences per step B (${bound('batch')}; the weight rows fetched are the union of their kept channels)` })
      .option('context', { type: 'string', defaultDescription: String(DEFAULT_CONTEXT_TOKENS), describe: `decode only: context length L in tokens (${bound('context')}; KV cache read per step)` })
      .option('patterns', { type: 'string', default: PAPER_PATTERNS.join(','), describe: `comma-separated activation patterns to compare with dense (N:M or unstructured; 1–${MAX_LIST_PATTERNS})` })
      .option('measured', { type: 'string', describe: 'JSON file of measured sparsity statistics (MeasuredSparsity, or a list) from the analysis: union densities and compatibility fractions' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document (snake_case keys with units) instead of tables' })
      .example('$0 simulate --profile act-flex --model llama3.1-8b --phase decode --batch 8', '')
      .example('$0 simulate --profile a100-like --model llama3.1-8b --phase prefill --tokens 2048 --json', ''),
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const patterns = nonEmptyList(
        parseQuoted(argv.patterns, (t) => parsePatternList(t, { path: '--patterns' })).filter((p) => p.kind !== 'dense'),
        '--patterns',
        argv.patterns,
        'sparse pattern (dense is always the baseline)',
        '2:4,8:16',
      );
      const phase = phaseFromOptions(argv);
      const file = resolveProfileRef(argv.profile);
      const loaded = await loadProfile(file);
      const model = await loadModelRef(argv.model);
      const measured = argv.measured ? loadMeasuredSparsity(argv.measured) : undefined;
      const profile = loaded.profile;
      const w = modelWorkload(model, phase, profile.tensorCore.operandBits / 8);
      const c = compareModel(w, profile, patterns, measured);
      const warnings: Diagnostic[] = [...loaded.warnings];
      const seen = new Set<string>();
      for (const p of [c.dense, ...c.patterns.map((x) => x.sim)]) {
        for (const d of p.warnings) {
          const key = `${d.code}:${d.message}`;
          if (!seen.has(key)) {
            seen.add(key);
            warnings.push(d);
          }
        }
      }
      const peak = densePeakTflops(profile);
      if (argv.json) {
        printJson(
          comparisonJson(c, {
            model: {
              id: model.id,
              name: model.name,
              source: model.source,
              hidden_size: model.hiddenSize,
              intermediate_size: model.intermediateSize,
              num_layers: model.numLayers,
              num_heads: model.numHeads,
              num_kv_heads: model.numKvHeads,
              head_dim: model.headDim,
              vocab_size: model.vocabSize,
            },
            profile: { name: profile.name, file, clock_mhz: profile.clockMHz, peak_dense_tflops: Math.round(peak * 1000) / 1000, illustrative: profile.illustrative },
            warnings,
          }),
        );
        return;
      }
      const phaseText = phase.kind === 'prefill' ? `prefill T=${phase.tokens}` : `decode B=${phase.batch} L=${phase.contextTokens}`;
      const title = `${model.name} on ${profile.name} (${peak.toFixed(1)} TFLOP/s dense peak), ${phaseText}`;
      process.stdout.write(comparisonText(c, title) + '\n');
      if (warnings.length) process.stderr.write(warnings.map(formatDiagnostic).join('\n') + '\n');
    }),
};

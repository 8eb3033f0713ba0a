import type { CommandModule } from 'yargs';
import { runCommand, printJson } from '../run.js';
import { usageError, type Diagnostic, formatDiagnostic } from '../../diagnostics.js';
import { loadProfile, resolveProfileRef } from '../../profile/load.js';
import { parsePatternList, PAPER_PATTERNS } from '../../sparsity/pattern.js';
import { MODEL_IDS } from '../../workload/catalog.js';
import { loadModelRef } from '../../workload/load-model.js';
import { modelWorkload, PHASES, type Phase } from '../../workload/layer-ops.js';
import { compareModel } from '../../perf/model-sim.js';
import { densePeakTflops } from '../../perf/hardware-view.js';
import { loadMeasuredSparsity } from '../../perf/measured-file.js';
import { comparisonJson, comparisonText } from '../simulate-output.js';

interface Args {
  profile: string;
  model: string;
  phase: string;
  tokens: number;
  batch: number;
  context: number;
  patterns: string;
  measured?: string;
  json?: boolean;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw usageError({ code: 'cli/invalid-option', path: `--${name}`, message: `--${name} must be a whole number ≥ 1.`, found: String(v), hint: `e.g. --${name} 2048` });
  }
  return v;
}

export const command: CommandModule<object, Args> = {
  command: 'simulate',
  describe: 'cycles, time, TFLOP/s, speed-up and I/O of a model on a hardware profile, per N:M pattern',
  builder: (y) =>
    y
      .option('profile', { type: 'string', demandOption: true, describe: 'hardware profile: a shipped name (a100-like, h100-like, act-2of4 … act-flex) or a .yaml/.json path' })
      .option('model', { type: 'string', demandOption: true, describe: `catalog model (${MODEL_IDS.join(', ')}) or a trace bundle folder (its manifest's model shapes)` })
      .option('phase', { type: 'string', choices: PHASES as unknown as string[], default: 'decode', describe: 'prefill: T tokens of one sequence; decode: one step of B sequences at context L' })
      .option('tokens', { type: 'number', default: 2048, describe: 'prefill: prompt length T in tokens' })
      .option('batch', { type: 'number', default: 1, describe: 'decode: sequences per step B (the weight rows fetched are the union of their kept channels)' })
      .option('context', { type: 'number', default: 2048, describe: 'decode: context length L in tokens (KV cache read per step)' })
      .option('patterns', { type: 'string', default: PAPER_PATTERNS.join(','), describe: 'comma-separated activation patterns to compare with dense (N:M or unstructured)' })
      .option('measured', { type: 'string', describe: 'JSON file of measured sparsity statistics (MeasuredSparsity, or a list) from the analysis: union densities and compatibility fractions' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document (snake_case keys with units) instead of tables' })
      .example('$0 simulate --profile act-flex --model llama3.1-8b --phase decode --batch 8', '')
      .example('$0 simulate --profile a100-like --model llama3.1-8b --phase prefill --tokens 2048 --json', ''),
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const patterns = parsePatternList(argv.patterns, { path: '--patterns' });
      const phase: Phase =
        argv.phase === 'prefill'
          ? { kind: 'prefill', tokens: positiveInt('tokens', argv.tokens) }
          : { kind: 'decode', batch: positiveInt('batch', argv.batch), contextTokens: positiveInt('context', argv.context) };
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

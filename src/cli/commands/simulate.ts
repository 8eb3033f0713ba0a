/**
 * nmsim simulate: one whole-model step of a phase on one profile, dense and per pattern — the
 * library's simulate (src/perf/simulate.ts), the same function the review calls.
 */
import type { CommandModule } from 'yargs';
import { DEFAULT_DECODE_BATCHES, DEFAULT_DECODE_CONTEXT_TOKENS, DEFAULT_MODEL, DEFAULT_PREFILL_TOKENS } from '../../defaults.js';
import { diagnosticToJson, formatDiagnostic, usageError } from '../../diagnostics.js';
import { loadMeasuredSparsity, MAX_MEASURED_FILE_BYTES, measuredSparsityFromJson } from '../../perf/measured-file.js';
import type { MeasuredSparsity } from '../../perf/measured-sparsity.js';
import { inputError } from '../../diagnostics.js';
import { comparisonWarnings, simulate } from '../../perf/simulate.js';
import { loadProfile, resolveProfileRef } from '../../profile/load.js';
import { simulationEnergy } from '../../energy/step-energy.js';
import { loadTech } from '../../profile/tech.js';
import { energyBreakdownText, energyJson, energySummaryText } from '../../report/energy.js';
import { comparisonJson, comparisonText, comparisonTitle, gemmJson, singleGemmText } from '../../report/simulate.js';
import { planPattern, planWeightPattern } from '../../perf/execution-plan.js';
import { simulateGemm } from '../../perf/gemm-pipeline.js';
import { hardwareView } from '../../perf/hardware-view.js';
import { formatPattern, type Pattern } from '../../sparsity/pattern.js';
import { excerpt } from '../../user-text.js';
import { MODEL_IDS } from '../../workload/catalog.js';
import { PHASES, type Phase } from '../../workload/layer-ops.js';
import { loadModelRef } from '../../workload/load-model.js';
import { boundText, noEffect, oneProfileOption, SHARED_OPTIONS, sparsePatternsOption, wholeNumberOption } from '../options.js';
import { printJson, runCommand } from '../run.js';

interface Args {
  profile: string | string[];
  model: string;
  phase: string;
  /** numbers arrive as text and are checked by options.ts (decimal digits, bounds) */
  tokens?: string;
  batch?: string;
  context?: string;
  patterns: string;
  measured?: string;
  gemm?: string;
  operand?: string;
  json?: boolean;
}

/** `--gemm M,K,N`: three whole numbers, the rows (tokens), the reduction and the outputs. */
function gemmOption(text: string): { m: number; k: number; n: number } {
  const parts = text.split(',').map((x) => x.trim());
  const nums = parts.map((x) => (/^\d{1,9}$/.test(x) ? Number(x) : NaN));
  if (parts.length !== 3 || nums.some((v) => !Number.isInteger(v) || v < 1 || v > 1_048_576)) {
    throw usageError({
      code: 'simulate/bad-gemm',
      path: '--gemm',
      message: '--gemm takes the GEMM as M,K,N: rows (tokens), reduction, outputs.',
      expected: 'three whole numbers from 1 to 1,048,576, e.g. 4096,4096,14336',
      found: excerpt(text),
      hint: 'e.g. --gemm 2048,4096,14336 for a prefill up projection of 2048 tokens.',
    });
  }
  return { m: nums[0], k: nums[1], n: nums[2] };
}

/** a single decode batch: the first of the review's decode batches (a single stream) */
const DEFAULT_DECODE_BATCH = DEFAULT_DECODE_BATCHES[0];

/**
 * `--measured FILE`, or `--measured -` for the analysis piped in (`nmsim analyze B --json |
 * nmsim simulate … --measured -`): read to its end, at most MAX_MEASURED_FILE_BYTES.
 */
async function measuredOption(value: string): Promise<MeasuredSparsity[]> {
  if (value !== '-') return loadMeasuredSparsity(value);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_MEASURED_FILE_BYTES) {
      throw inputError({ code: 'perf/bad-measured', file: 'standard input', message: `the piped analysis is more than ${MAX_MEASURED_FILE_BYTES / 2 ** 20} MiB; an analysis is smaller.`, hint: 'pipe the output of nmsim analyze BUNDLE --json.' });
    }
    chunks.push(chunk as Buffer);
  }
  return measuredSparsityFromJson(Buffer.concat(chunks).toString('utf8'), 'standard input');
}

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
    contextTokens: wholeNumberOption('context', argv.context, DEFAULT_DECODE_CONTEXT_TOKENS),
  };
}

export const command: CommandModule<object, Args> = {
  command: 'simulate',
  describe: 'cycles, time, TFLOP/s, speed-up and I/O of a model on a hardware profile, per N:M pattern',
  builder: (y) =>
    y
      .option('profile', { type: 'string', alias: 'profiles', demandOption: true, describe: 'hardware profile: a shipped name (a100-like, h100-like, act-2of4 … act-flex) or a .yaml/.json path' })
      .option('model', { type: 'string', default: DEFAULT_MODEL, describe: `catalog model (${MODEL_IDS.join(', ')}) or a trace bundle folder (its manifest's model shapes)` })
      .option('phase', { type: 'string', choices: PHASES as unknown as string[], default: 'decode', describe: 'prefill: T tokens of one sequence; decode: one step of B sequences at context L' })
      .option('tokens', { type: 'string', defaultDescription: String(DEFAULT_PREFILL_TOKENS), describe: `prefill only: prompt length T in tokens (${boundText('tokens')})` })
      .option('batch', { type: 'string', defaultDescription: String(DEFAULT_DECODE_BATCH), describe: `decode only: sequences per step B (${boundText('batch')}; the weight rows fetched are the union of their kept channels)` })
      .option('context', SHARED_OPTIONS.context)
      .option('patterns', SHARED_OPTIONS.patterns)
      .option('measured', { type: 'string', describe: 'the analysis of a trace — analysis.json from `nmsim analyze --out`, or what `nmsim analyze --json` prints (- reads it from a pipe): union densities and compatible fractions measured on its masks' })
      .option('gemm', { type: 'string', describe: 'one GEMM instead of a model: M,K,N (rows/tokens, reduction, outputs), dense and per pattern' })
      .option('operand', { type: 'string', choices: ['activation', 'weight'], default: 'activation', describe: 'with --gemm: the sparse operand (weight: pruned offline and stored compressed, as NVIDIA 2:4)' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document (snake_case keys with units) instead of tables' })
      .example('$0 simulate --profile act-flex --model llama3.1-8b --phase decode --batch 8', '')
      .example('$0 simulate --profile act-8of16 --phase decode --batch 8 --measured reports/analysis/analysis.json', 'decode with the union densities measured on a trace')
      .example('$0 analyze traces/stories260k --json | $0 simulate --profile act-flex --batch 8 --measured -', 'the same, piped')
      .example('$0 simulate --profile a100-like --model llama3.1-8b --phase prefill --tokens 2048 --json', '')
      .example('$0 simulate --profile a100-like --gemm 3072,10240,3072 --patterns 2:4 --operand weight', 'one GEMM with 2:4 weights'),
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const patterns = sparsePatternsOption(argv.patterns);
      if (argv.gemm !== undefined) {
        const g = gemmOption(argv.gemm);
        const file = resolveProfileRef(oneProfileOption(argv.profile, 'simulate'));
        const { profile, warnings } = await loadProfile(file);
        const hw = hardwareView(profile);
        const op = { name: 'up' as const, site: 'mlp_in' as const, rowsTokens: g.m, kIn: g.k, nOut: g.n };
        const plan = (p: Pattern) => (argv.operand === 'weight' ? planWeightPattern(profile, p) : planPattern(profile, p));
        const runs = [{ kind: 'dense' } as Pattern, ...patterns.filter((p) => p.kind !== 'dense')].map((p) => {
          const pl = plan(p);
          return { pattern: formatPattern(p), runsAs: pl.mode === 'dense' ? 'dense' : `${pl.mode}${pl.runPattern ? ` ${formatPattern(pl.runPattern)}` : ''}`, sim: simulateGemm(op, pl, hw, 1), warnings: pl.warnings };
        });
        const all = [...warnings, ...runs.flatMap((r) => r.warnings)];
        if (argv.json) {
          printJson({
            ok: true,
            profile: profile.name,
            gemm: { m: g.m, k: g.k, n: g.n },
            operand: argv.operand ?? 'activation',
            results: runs.map((r) => ({ pattern: r.pattern, runs_as: r.runsAs, ...gemmJson(r.sim, profile.clockHz, runs[0].sim) })),
            warnings: all.map(diagnosticToJson),
          });
          return;
        }
        const title = `GEMM ${g.m}×${g.k}→${g.n} on ${profile.name}, sparse operand: ${argv.operand ?? 'activation'}`;
        process.stdout.write(singleGemmText(title, runs, profile.clockHz));
        if (all.length) process.stderr.write(all.map(formatDiagnostic).join('\n') + '\n');
        return;
      }
      const phase = phaseFromOptions(argv);
      const file = resolveProfileRef(oneProfileOption(argv.profile, 'simulate'));
      const loaded = await loadProfile(file);
      const model = await loadModelRef(argv.model);
      const measured = argv.measured === undefined ? undefined : await measuredOption(argv.measured);
      const profile = loaded.profile;
      const c = simulate({ profile, model, phase, patterns, measured });
      // energy: when the profile's tech file has an energy table (every shipped one does)
      const tech = await loadTech(profile.tech, loaded.techDirs);
      const energy = simulationEnergy(c, profile, tech, measured);
      const energyWarnings = energy ? [energy.dense, ...energy.patterns].flatMap((s) => s.breakdown.warnings) : [];
      const warnings = [...loaded.warnings, ...comparisonWarnings(c), ...energyWarnings];
      if (argv.json) {
        printJson({ ...comparisonJson(c, { model, profile, profileFile: file, warnings }), energy: energy ? energyJson(energy, profile, tech.name) : null });
        return;
      }
      process.stdout.write(comparisonText(c, comparisonTitle(c, model, profile)) + '\n');
      process.stdout.write(energy ? `\n${energySummaryText(energy, profile)}\n\n${energyBreakdownText(energy)}\n` : `\nno energy: tech ${tech.name} has no energy table\n`);
      if (warnings.length) process.stderr.write(warnings.map(formatDiagnostic).join('\n') + '\n');
    }),
};

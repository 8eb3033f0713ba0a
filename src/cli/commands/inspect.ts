/**
 * nmsim inspect <bundle|file.safetensors|file.npy> [--json] [--max-tokens N]
 * Model, source, runs with their metrics, then per site: shape, dtype, mean, RMS, absmax,
 * exact-zero fraction, NaN/Inf counts, and for masks the kept fraction and N:M validity.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { formatDiagnostic } from '../../diagnostics.js';
import { wholeNumberOption } from '../options.js';
import { openBundle } from '../../trace/bundle.js';
import { formatInspectText, inspectReportToJson } from '../../report/inspect.js';
import { inspectBundle, inspectBytes } from '../../trace/inspect.js';
import { startProgress } from '../progress.js';
import { printJson, runCommand } from '../run.js';

interface InspectArgs {
  path: string;
  json?: boolean;
  /** text; checked by options.ts (decimal digits, bounds) */
  maxTokens?: string;
}

export const command: CommandModule<object, InspectArgs> = {
  command: 'inspect <path>',
  describe: 'Summarise a trace bundle (or one .safetensors/.npy file): model, runs, metrics, per-site statistics and mask validity',
  builder: (y: Argv<object>) =>
    y
      .positional('path', {
        type: 'string',
        demandOption: true,
        describe: 'a bundle folder (with manifest.json), its manifest.json, or a bare .safetensors / .npy file',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document (snake_case keys) instead of text' })
      .option('max-tokens', {
        type: 'string',
        describe: 'scan only the first N tokens of every site (a whole number ≥ 1; default: all); statistics then describe that prefix',
      })
      .example('$0 inspect traces/my-bundle', 'a bundle folder')
      .example('$0 inspect acts.safetensors --json --max-tokens 512', 'a bare file, first 512 tokens, as JSON')
      .epilogue(
        'Per site: shape, dtype, mean, RMS, absmax, exact-zero fraction, NaN/Inf counts; per mask: kept fraction and ' +
          'how many groups break the run’s N:M pattern. NaN/Inf and mask violations are warnings (stderr), not errors. ' +
          'Exit codes: 0 ok, 1 bad input (the file and key path are named), 2 bad usage. Format: traces/README.md.',
      ) as Argv<InspectArgs>,
  handler: (args: ArgumentsCamelCase<InspectArgs>) =>
    runCommand(args.json, async () => {
      const maxTokens = args.maxTokens === undefined ? undefined : wholeNumberOption('max-tokens', args.maxTokens);
      const bundle = await openBundle(args.path);
      try {
        const progress = await startProgress(inspectBytes(bundle.manifest, maxTokens), 'inspect', !args.json);
        let last = 0;
        const report = await inspectBundle(bundle, {
          maxTokens,
          onProgress: (bytes) => {
            progress.tick(bytes - last);
            last = bytes;
          },
        });
        progress.stop();
        if (args.json) {
          printJson(inspectReportToJson(report));
        } else {
          process.stdout.write(formatInspectText(report) + '\n');
          if (report.warnings.length > 0) process.stderr.write(report.warnings.map(formatDiagnostic).join('\n') + '\n');
        }
      } finally {
        await bundle.close();
      }
    }),
};

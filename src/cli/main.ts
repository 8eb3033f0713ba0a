#!/usr/bin/env node
/**
 * nmsim command line: thin yargs commands over the library. Each command lives in
 * commands/<name>.ts and exports `command` (a yargs CommandModule).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_USAGE, handleClosedStreams, reportNmsimError } from './run.js';
import { checkOptionShapes } from './options.js';
import { isNmsimError } from '../diagnostics.js';
import { closestName } from '../user-text.js';
import { loadCommands } from './commands/index.js';
import { TOOL_VERSION } from '../version.js';

/**
 * "Unknown argument: contxt" → " (did you mean --context?)": the closest option the command
 * declares, for each unknown option yargs names.
 */
function unknownOptionHint(msg: string, y: unknown): string {
  const m = /^Unknown arguments?: (.+)$/.exec(msg);
  if (!m) return '';
  const keys = Object.keys((y as { getOptions?: () => { key: Record<string, unknown> } }).getOptions?.().key ?? {}).filter((k) => k.length > 1 && !/[A-Z]/.test(k));
  const hints = m[1]
    .split(', ')
    .map((u) => closestName(u.replace(/^-+/, ''), keys))
    .filter((k): k is string => k !== undefined);
  return hints.length > 0 ? ` (did you mean ${[...new Set(hints)].map((k) => `--${k}`).join(', ')}?)` : '';
}

/** `--measured -` → `--measured=-`: yargs reads a lone "-" as a positional, not as the option's value (stdin). */
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i + 1] === '-' && /^--[a-z][a-z-]*$/.test(argv[i])) out.push(`${argv[i]}=-`), i++;
    else out.push(argv[i]);
  }
  return out;
}

export async function main(argv: string[]): Promise<void> {
  handleClosedStreams();
  const args = joinDashValues(argv);
  const commands = await loadCommands(args);
  let cli = yargs(args)
    .scriptName('nmsim')
    .usage(
      'nmsim — which N:M activation-sparsity pattern should the next sparse tensor core support, and what does it cost?\n\n' +
        'Usage: nmsim <command> [options]',
    )
    .version(TOOL_VERSION)
    .strict()
    .demandCommand(1, 'Name a command; `nmsim --help` lists them.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .epilogue('Docs: README.md (getting started), traces/README.md (trace bundle format), hardware-profiles/README.md.')
    // before any command runs: an option given twice, or a value option given as a flag
    .middleware((argv) => {
      try {
        checkOptionShapes(argv, (cli as unknown as { getOptions(): { array: string[]; string: string[] } }).getOptions());
      } catch (e) {
        if (!isNmsimError(e)) throw e;
        reportNmsimError(argv.json === true, e);
        process.exit(process.exitCode);
      }
    })
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`✖ usage  ${msg}${unknownOptionHint(msg, cli)}\n  hint: run with --help to see the options.\n`);
      process.exit(EXIT_USAGE);
    });
  for (const c of commands) cli = cli.command(c);
  // yargs renders the running command's whole help text (cliui; ~0.2 s CPU for review's options)
  // as its handler starts, kept to show on a later failure; nmsim's .fail never shows help (nor
  // does any command call showHelp), so the text is never used: skip rendering it
  const usage = (cli as unknown as { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  await cli.parseAsync();
}

await main(hideBin(process.argv));

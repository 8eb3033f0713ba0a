/**
 * `nmsim area`: what a profile's sparse tensor core costs in silicon, component by component,
 * against the same core without sparsity support.
 */
import type { CommandModule } from 'yargs';
import { runCommand, printJson } from '../run.js';
import { usageError, formatDiagnostic, diagnosticToJson, isNmsimError } from '../../diagnostics.js';
import { loadProfile, listShippedProfiles, resolveProfileRef } from '../../profile/load.js';
import { loadTech, TECH_NODES } from '../../profile/tech.js';
import { SELECTOR_STYLES } from '../../profile/schema.js';
import { METADATA_ENCODINGS, type NmPattern } from '../../sparsity/pattern.js';
import { PRUNING_NETWORK_KINDS } from '../../sparsity/sorting-networks.js';
import { areaReport } from '../../area/report.js';
import { areaReportJson, formatAreaTable } from '../../report/area-report.js';
import { deprecatedAlias, MAX_LIST_PATTERNS, noEffect, oneProfileOption, sparsePatternsOption } from '../options.js';
import { excerpt } from '../../user-text.js';

interface AreaArgs {
  profile: string | string[];
  patterns?: string;
  /** deprecated spelling of --patterns (hidden) */
  pattern?: string;
  node?: string;
  selector?: (typeof SELECTOR_STYLES)[number];
  encoding?: (typeof METADATA_ENCODINGS)[number];
  network?: (typeof PRUNING_NETWORK_KINDS)[number];
  detail?: boolean;
  json?: boolean;
}

export const command: CommandModule<object, AreaArgs> = {
  command: 'area',
  describe: 'Area of a sparse tensor core by component (MAC array, selector, metadata, pruning unit, compression, SRAM) and its overhead vs the dense core',
  builder: (y) =>
    y
      .option('profile', {
        type: 'string',
        alias: 'profiles',
        demandOption: true,
        describe: `hardware profile: a .yaml/.json path or a shipped name (${listShippedProfiles().join(', ')})`,
      })
      .option('patterns', {
        type: 'string',
        describe: `comma-separated N:M patterns the core supports instead of the profile's list (1–${MAX_LIST_PATTERNS}), e.g. "2:4,4:8,8:16,16:32"; one column per pattern plus their union`,
      })
      .option('pattern', { type: 'string', hidden: true, describe: 'deprecated: --patterns' })
      .option('node', {
        type: 'string',
        choices: TECH_NODES as unknown as string[],
        describe: "technology node's tech file (default: the profile's `tech`); 5nm is ASAP7 scaled by TSMC's published N5/N7 density",
      })
      .option('selector', { type: 'string', choices: SELECTOR_STYLES as unknown as string[], describe: "operand selector style (default: the profile's)" })
      .option('encoding', { type: 'string', choices: METADATA_ENCODINGS as unknown as string[], describe: "metadata encoding (default: the profile's)" })
      .option('network', { type: 'string', choices: PRUNING_NETWORK_KINDS as unknown as string[], describe: "online pruning network (default: the profile's, else batcher)" })
      .option('detail', { type: 'boolean', default: false, describe: 'also list each component\'s breakdown (cell counts behind every number)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON (snake_case keys with units: area_um2, source per component)' })
      .example('nmsim area --profile act-flex --node nangate45', '2:4 … 16:32 side by side at 45 nm')
      .example('nmsim area --profile act-16of32 --selector sorted-mux --json', 'one core, sorted-index selector, as JSON')
      .example('nmsim area --profile act-flex --patterns 2:4,8:16', 'the flexible core supporting only 2:4 and 8:16') as any,
  handler: (argv) =>
    runCommand(argv.json, async () => {
      if (argv.detail && argv.json) noEffect('--detail', 'with --json (the JSON always lists every component\'s breakdown)', 'drop --detail, or --json for the table.');
      const { value: patternText, warning } = deprecatedAlias('--pattern', '--patterns', argv.pattern, argv.patterns);
      if (warning) process.stderr.write(formatDiagnostic(warning) + '\n');
      let patterns: NmPattern[] | undefined;
      if (patternText !== undefined) {
        const list = sparsePatternsOption(patternText);
        if (list.some((p) => p.kind !== 'nm')) {
          throw usageError({ code: 'area/invalid-pattern', path: '--patterns', message: 'the area model needs N:M patterns.', found: excerpt(patternText), hint: 'e.g. --patterns 2:4,8:16 (dense is always the baseline column).' });
        }
        patterns = list as NmPattern[];
      }
      const loaded = await loadProfile(resolveProfileRef(oneProfileOption(argv.profile, 'area')));
      let tech;
      try {
        tech = await loadTech(argv.node ?? loaded.profile.tech, loaded.techDirs);
      } catch (e) {
        if (isNmsimError(e)) for (const d of e.diagnostics) d.file ??= loaded.file;
        throw e;
      }
      const report = areaReport(loaded.profile, tech, { patterns, selectorStyle: argv.selector, metadataEncoding: argv.encoding, network: argv.network });
      if (argv.json) {
        printJson({ ok: true, ...areaReportJson(report), warnings: loaded.warnings.map(diagnosticToJson) });
      } else {
        process.stdout.write(formatAreaTable(report, { detail: argv.detail }) + '\n');
      }
      if (loaded.warnings.length > 0) process.stderr.write(loaded.warnings.map(formatDiagnostic).join('\n') + '\n');
    }),
};

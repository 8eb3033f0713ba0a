/**
 * nmsim validate: every published measurement of the validation corpus (validation/) predicted
 * by the performance model on its profile — per row predicted vs measured, the mean absolute
 * error per group — and a report folder (CSV, predicted-vs-measured log-log chart as SVG + PNG).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { loadProfile, resolveProfileRef } from '../../profile/load.js';
import type { HardwareProfile } from '../../profile/schema.js';
import { renderValidationFiles, VALIDATION_OUTPUT, validationJson, validationText } from '../../report/validation.js';
import { writeOutputFolder } from '../../io/output-folder.js';
import { loadCorpus, SHIPPED_CORPUS_DIR } from '../../validation/corpus.js';
import { validate } from '../../validation/predict.js';
import { commandLine, printJson, runCommand } from '../run.js';

interface Args {
  corpus?: string;
  out: string;
  json?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'validate',
  describe: 'Predict every published measurement of the validation corpus (LLMCompass A100 GEMM and non-GEMM tables, published dense GEMMs) and report the error per row and per group',
  builder: (y) =>
    y
      .option('corpus', { type: 'string', describe: 'folder holding corpus.yaml and its CSV files (default: the corpus shipped with nmsim, validation/)' })
      .option('out', { type: 'string', default: path.join('reports', 'validation'), describe: 'report folder: validation.csv, predicted-vs-measured.svg/.png' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON (rows and groups, snake_case with units)' })
      .example('nmsim validate', 'the shipped corpus; report in reports/validation/') as any,
  handler: (argv) =>
    runCommand(argv.json, async () => {
      const corpusDir = argv.corpus ?? SHIPPED_CORPUS_DIR;
      const corpus = loadCorpus(corpusDir);
      const profiles = new Map<string, HardwareProfile>();
      for (const name of new Set(corpus.rows.map((r) => r.profile))) profiles.set(name, (await loadProfile(resolveProfileRef(name))).profile);
      const result = validate(corpus.rows, (name) => profiles.get(name)!);
      const files = await renderValidationFiles(result);
      await writeOutputFolder(
        argv.out,
        VALIDATION_OUTPUT,
        async (dir) => {
          for (const [name, body] of files) await fs.writeFile(path.join(dir, name), body);
        },
        { inputs: [corpusDir], command: commandLine() },
      );
      if (argv.json) printJson(validationJson(result));
      else process.stdout.write(validationText(result) + `\nwritten: ${[...files.keys()].map((f) => path.join(argv.out, f)).join(', ')}\n`);
    }),
};

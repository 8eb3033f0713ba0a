/** Reads one YAML or JSON spec file into plain data, or throws a diagnostic naming the line. */
import * as fs from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { inputError } from '../diagnostics.js';

export function readSpecFile(file: string, prefix: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw inputError({
      code: `${prefix}/not-found`,
      file,
      message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      hint: 'check the path; `nmsim area --help` lists the shipped profiles.',
    });
  }
  if (file.toLowerCase().endsWith('.json')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw inputError({ code: `${prefix}/bad-json`, file, message: `not valid JSON: ${(e as Error).message}.`, hint: 'fix the JSON syntax, or write the file as YAML.' });
    }
  }
  try {
    return parseYaml(text);
  } catch (e) {
    const line = e instanceof YAMLParseError && e.linePos ? ` (line ${e.linePos[0].line})` : '';
    throw inputError({
      code: `${prefix}/bad-yaml`,
      file,
      message: `not valid YAML${line}: ${(e as Error).message.split('\n')[0]}.`,
      hint: 'fix the YAML syntax at that line; quantities with units are plain text: `clock: 1.41 GHz`.',
    });
  }
}

/** Reads one YAML or JSON spec file into plain data, or throws a diagnostic naming the line. */
import * as fs from 'node:fs';
import { Parser, parse as parseYaml, YAMLParseError } from 'yaml';
import { inputError } from '../diagnostics.js';

/** Specs are small (a profile ~2 KB, a tech file ~6 KB); a file past this is not one. */
export const MAX_SPEC_BYTES = 2 ** 20;

/**
 * Profiles nest 4 deep. The yaml composer recurses per level, and a stack overflow that lands
 * inside V8's regexp compiler aborts the process (found by fuzzing: 3,000 levels of block
 * indentation), so deeper documents are refused before composing.
 */
export const MAX_SPEC_DEPTH = 64;

/** Collection nesting depth of YAML text, from the yaml CST parser (iterative) and an explicit stack. */
function yamlDepth(text: string): number {
  let max = 0;
  const stack: [unknown, number][] = [];
  for (const token of new Parser().parse(text)) stack.push([token, 0]);
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const type = (v as { type?: unknown }).type;
    const depth = d + (type === 'block-map' || type === 'block-seq' || type === 'flow-collection' ? 1 : 0);
    if (depth > max) max = depth;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth]);
  }
  return max;
}

/** The file's text; a regular file of at most MAX_SPEC_BYTES (a FIFO would block the read forever). */
function readSpecText(file: string, prefix: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      throw inputError({ code: `${prefix}/not-found`, file, message: `${file} is not a regular file.`, hint: 'give the path of a .yaml or .json file.' });
    }
    if (st.size > MAX_SPEC_BYTES) {
      throw inputError({ code: `${prefix}/too-large`, file, message: `${file} is ${st.size} bytes; a spec file is at most ${MAX_SPEC_BYTES}.`, expected: `≤ ${MAX_SPEC_BYTES} bytes`, found: `${st.size} bytes`, hint: 'is this the right file? Profiles and tech files are a few KB of YAML.' });
    }
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function readSpecFile(file: string, prefix: string): unknown {
  let text: string;
  try {
    text = readSpecText(file, prefix);
  } catch (e) {
    if (e instanceof Error && e.name === 'NmsimError') throw e;
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
    const depth = yamlDepth(text);
    if (depth > MAX_SPEC_DEPTH) throw new YAMLParseError([0, 0], 'BAD_INDENT', `the document is nested more than ${MAX_SPEC_DEPTH} deep (${depth} levels)`);
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

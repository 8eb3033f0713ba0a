/**
 * Reads one YAML or JSON spec file (a hardware profile, a tech file) into plain data, or throws
 * a diagnostic naming the file and the line. A diagnostic never quotes the file: a spec file
 * is small (at most 1 MiB), and a wrong file — a path mistyped, or a file that was never a
 * spec — must not be echoed back. YAML anchors may expand at most 100 aliases (the yaml
 * library's guard against "billion laughs" documents); tags other than YAML's own are refused.
 */
import * as fs from 'node:fs';
import { isAlias, LineCounter, Parser, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { inputError } from '../diagnostics.js';
import { jsonSyntaxProblem } from '../user-text.js';

export { jsonSyntaxProblem };

/** Spec files are a few kilobytes; anything larger is not one (and is not parsed). */
export const MAX_SPEC_FILE_BYTES = 1024 * 1024;

/** YAML aliases one document may expand (the yaml library's default, stated here). */
export const MAX_YAML_ALIASES = 100;

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

/**
 * The yaml library's reason without the text it sometimes quotes ("Unresolved alias …: name",
 * "Block scalar header includes extra characters: |…"): the part before the first ': ', at
 * most 80 characters, printable ASCII only.
 */
function yamlReason(e: YAMLError): string {
  const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const reason = first.split(': ')[0].replace(/[^\x20-\x7e]/g, '?');
  return reason.length > 80 ? `${reason.slice(0, 77)}...` : reason;
}

/** " at line L, column C" of the first alias that resolves to no anchor, or ''. */
function unresolvedAliasAt(doc: Document, lines: LineCounter): string {
  let at = '';
  visit(doc, {
    Alias(_key, node) {
      if (at === '' && isAlias(node) && node.resolve(doc) === undefined && node.range) {
        const pos = lines.linePos(node.range[0]);
        at = ` at line ${pos.line}, column ${pos.col}`;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return at;
}

/**
 * Parsed YAML documents by their text. A review resolves each tech file several times (every
 * profile's tech, the nodes it derives or scales from, the cache keys; issue 16), and parsing is
 * the cost: a text parsed before is not parsed again. Only documents that parsed cleanly are
 * kept; each caller gets its own copy. At most MAX_PARSED_YAML texts (spec files are small).
 */
const parsedYaml = new Map<string, unknown>();
const MAX_PARSED_YAML = 64;

export function readSpecFile(file: string, prefix: string): unknown {
  let text: string;
  try {
    // opened without blocking and checked on the descriptor: a FIFO would block a plain read forever
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) {
        throw inputError({ code: `${prefix}/not-a-file`, file, message: `${file} is not a regular file.`, hint: 'give the path of a .yaml or .json file.' });
      }
      if (stat.size > MAX_SPEC_FILE_BYTES) {
        throw inputError({
          code: `${prefix}/too-large`,
          file,
          message: `${file} is ${stat.size.toLocaleString('en-US')} bytes; a spec file is at most 1 MiB.`,
          expected: 'at most 1 MiB (shipped profiles are about 2 KB)',
          found: `${stat.size.toLocaleString('en-US')} bytes`,
          hint: 'check that this is the profile or tech file you meant.',
        });
      }
      // a byte-order mark (Windows editors) is not part of the document
      text = fs.readFileSync(fd, 'utf8').replace(/^\uFEFF/, '');
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if ((e as { diagnostics?: unknown }).diagnostics) throw e;
    throw inputError({
      code: `${prefix}/not-found`,
      file,
      message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}.`,
      hint: 'check the path; `nmsim area --help` lists the shipped profiles.',
    });
  }
  if (file.toLowerCase().endsWith('.json')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw inputError({ code: `${prefix}/bad-json`, file, message: `${jsonSyntaxProblem(text, e)}.`, hint: 'fix the JSON syntax, or write the file as YAML.' });
    }
  }
  if (parsedYaml.has(text)) return structuredClone(parsedYaml.get(text));
  const depth = yamlDepth(text);
  if (depth > MAX_SPEC_DEPTH) {
    throw inputError({
      code: `${prefix}/bad-yaml`,
      file,
      message: `not valid YAML: the document is nested more than ${MAX_SPEC_DEPTH} deep (${depth} levels).`,
      hint: 'profiles and tech files nest a few levels; is this the right file?',
    });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'silent', lineCounter });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const pos = lineCounter.linePos(problem.pos[0]);
    const line = ` at line ${pos.line}, column ${pos.col}`;
    const unknownTag = problem.code === 'TAG_RESOLVE_FAILED';
    throw inputError({
      code: `${prefix}/bad-yaml`,
      file,
      message: `not valid YAML${line}: ${unknownTag ? 'an unknown tag (!name): spec files use plain YAML values' : yamlReason(problem)}.`,
      hint: 'fix the YAML syntax at that line; quantities with units are plain text: `clock: 1.41 GHz`.',
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    const excessive = /alias count/i.test((e as Error).message);
    throw inputError({
      code: `${prefix}/bad-yaml`,
      file,
      message: excessive
        ? `not valid YAML: its aliases (*name) expand more than ${MAX_YAML_ALIASES} times, as a "billion laughs" document does.`
        : `not valid YAML${unresolvedAliasAt(doc, lineCounter)}: an alias (*name) refers to no anchor (&name) defined before it.`,
      hint: 'write the values out; spec files do not need anchors and aliases.',
    });
  }
  if (parsedYaml.size >= MAX_PARSED_YAML) parsedYaml.clear();
  parsedYaml.set(text, value);
  return structuredClone(value);
}

/**
 * Where an output folder may go, decided before any work is done:
 *
 *   --out ─▶ real path (symlinks, "B/.", "./B", trailing "/" resolved)
 *        ─▶ not "/", the home folder, the working folder or a parent of it
 *        ─▶ not an input, not inside one, not containing one (real paths on both sides)
 *        ─▶ absent (created), empty, or nmsim's own output of the same kind with no foreign file
 *
 * Anything else is refused with the files that would have been lost named in the message.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inputError, usageError, type Diagnostic } from '../diagnostics.js';
import { errnoDiagnostic } from './errno.js';
import { NmsimError } from '../diagnostics.js';
import { OUTPUT_MARKER, listTree, parseMarker, type OutputKind } from './output-kind.js';

/** How many foreign entries a refusal lists before "and N more". */
const LISTED_ENTRIES = 10;

export interface ResolvedTarget {
  /** as the user gave it (messages) */
  given: string;
  /** absolute real path where the folder is (or will be) */
  real: string;
}

const inside = (parent: string, child: string) => {
  const r = path.relative(parent, child);
  return r !== '' && !r.startsWith('..' + path.sep) && r !== '..' && !path.isAbsolute(r);
};

/** lstat, or null where nothing is (ENOTDIR: a file higher up the path, reported by realPathOf) */
async function lstatOrNull(p: string) {
  try {
    return await fs.lstat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/** The real path of `p`, also when it does not exist yet (its deepest existing folder resolved). */
export async function realPathOf(p: string, given = p): Promise<string> {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    const st = await lstatOrNull(cur);
    if (st) break;
    const up = path.dirname(cur);
    if (up === cur) break;
    rest.unshift(path.basename(cur));
    cur = up;
  }
  let real: string;
  try {
    real = await fs.realpath(cur);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw inputError({ code: 'output/not-a-folder', file: given, message: `${cur} is a symbolic link to something that does not exist.`, hint: 'fix or remove the link, or choose another --out.' });
    }
    throw e;
  }
  if (rest.length > 0 && !(await fs.stat(real)).isDirectory()) {
    throw new NmsimError({
      ...errnoDiagnostic(Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR', syscall: 'mkdir', path: cur })),
      file: given,
      message: `cannot create ${given}: ${cur} is a file, not a folder, so nothing can be created under it.`,
      hint: 'give a path whose folders are folders, e.g. reports/NAME.',
    });
  }
  return path.join(real, ...rest);
}

/** Resolves --out and applies the rules that need no look inside it. */
export async function resolveOutputTarget(out: string, inputs: readonly string[]): Promise<ResolvedTarget> {
  if (out.trim() === '') {
    throw usageError({ code: 'output/empty-path', path: '--out', message: '--out is empty.', expected: 'a folder path', hint: 'e.g. --out reports/NAME.' });
  }
  const real = await realPathOf(out);
  const home = await fs.realpath(os.homedir()).catch(() => path.resolve(os.homedir()));
  const cwd = await fs.realpath(process.cwd()).catch(() => process.cwd());
  const protectedAs =
    real === path.parse(real).root
      ? 'the root of the file system'
      : real === home
        ? 'your home folder'
        : real === cwd
          ? 'the working folder'
          : inside(real, cwd)
            ? `a parent of the working folder (${cwd})`
            : undefined;
  if (protectedAs) {
    throw inputError({
      code: 'output/protected',
      file: out,
      message: `--out ${out} is ${protectedAs}; nmsim replaces its output folder as a whole, so it never writes there.`,
      hint: 'name a folder of its own, e.g. --out reports/NAME.',
    });
  }
  for (const input of inputs) {
    const realInput = await realPathOf(input).catch(() => path.resolve(input));
    const d = (code: string, message: string): Diagnostic => ({
      code,
      severity: 'error',
      file: out,
      message,
      found: realInput === path.resolve(input) ? input : `${input} (${realInput})`,
      hint: 'write the output to a folder of its own, e.g. --out reports/NAME.',
    });
    if (realInput === real) throw new NmsimError(d('output/is-input', `--out ${out} is the input ${input}; nmsim never replaces its input.`));
    if (inside(realInput, real)) throw new NmsimError(d('output/inside-input', `--out ${out} is inside the input ${input}; writing there would change the input.`));
    if (inside(real, realInput)) throw new NmsimError(d('output/contains-input', `--out ${out} contains the input ${input}; replacing it would delete the input.`));
  }
  return { given: out, real };
}

export type Existing = { state: 'absent' } | { state: 'folder'; owned: string[] };

function listed(entries: readonly string[], truncated: boolean): string {
  const shown = entries.slice(0, LISTED_ENTRIES).join(', ');
  const more = entries.length - LISTED_ENTRIES;
  return more > 0 || truncated ? `${shown} and ${truncated ? 'more' : more + ' more'}` : shown;
}

/**
 * What is at the real path now. Throws when it may not be replaced; otherwise returns the files
 * that are nmsim's (to remove once the new output is in place). The marker is among them.
 */
export async function inspectExisting(target: ResolvedTarget, kind: OutputKind): Promise<Existing> {
  const { given, real } = target;
  const st = await lstatOrNull(real);
  if (!st) return { state: 'absent' };
  if (!st.isDirectory()) {
    throw inputError({
      code: 'output/not-a-folder',
      file: given,
      message: `--out ${given} is ${st.isFile() ? 'a file' : st.isFIFO() ? 'a FIFO' : 'not a folder'}; nmsim writes a folder there and never replaces a file.`,
      expected: 'a new folder, an empty one, or an earlier output folder',
      hint: 'choose a folder path, e.g. --out reports/NAME.',
    });
  }
  const tree = await listTree(real);
  if (tree.files.length === 0 && tree.others.length === 0) return { state: 'folder', owned: [] };
  const refuse = (code: string, message: string, entries: string[]): never => {
    throw inputError({
      code,
      file: given,
      message,
      expected: `a new folder, an empty one, or an earlier nmsim ${kind.label} holding only the files nmsim wrote`,
      found: listed(entries, tree.truncated),
      hint: `move those files out of ${given} (or delete them), or choose another --out.`,
    });
  };
  let owned: readonly string[] | undefined;
  if (tree.files.includes(OUTPUT_MARKER)) {
    const marker = parseMarker(await fs.readFile(path.join(real, OUTPUT_MARKER), 'utf8'));
    if (typeof marker === 'string') {
      refuse('output/not-nmsim-output', `--out ${given} has a ${OUTPUT_MARKER} that nmsim cannot read (${marker}); refusing to replace the folder.`, tree.files);
    } else if (marker.kind !== kind.id) {
      throw inputError({
        code: 'output/other-kind',
        file: given,
        message: `--out ${given} holds an nmsim output of another kind (${marker.kind}); this command writes a ${kind.label}.`,
        hint: 'choose another --out, or delete that folder first if it is no longer needed.',
      });
    } else owned = [...marker.files, OUTPUT_MARKER];
  } else {
    owned = await kind.legacyFiles?.(real, tree.files);
    if (!owned || owned.length === 0) {
      refuse('output/not-nmsim-output', `--out ${given} exists and is not an nmsim ${kind.label}; refusing to replace it (it holds files nmsim did not write).`, [...tree.files, ...tree.others]);
    }
  }
  const mine = new Set(owned);
  const foreign = [...tree.files.filter((f) => !mine.has(f)), ...tree.others];
  if (foreign.length > 0 || tree.truncated) {
    refuse('output/foreign-files', `--out ${given} holds ${foreign.length === 1 && !tree.truncated ? 'a file' : 'files'} that nmsim did not write; refusing to replace it.`, foreign);
  }
  return { state: 'folder', owned: tree.files.filter((f) => mine.has(f)) };
}

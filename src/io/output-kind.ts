/**
 * What makes a folder provably nmsim's own output: the marker file `.nmsim-output.json`, which
 * nmsim writes last into every output folder, naming the kind of output and exactly the files
 * it wrote. A folder is replaceable by a command when its marker has that command's kind and the
 * folder holds nothing but those files. Folders written before the marker existed are
 * recognised by each kind's `legacyFiles` (e.g. a review report's run.json lists its outputs).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TOOL_VERSION } from '../version.js';

export const OUTPUT_MARKER = '.nmsim-output.json';
export const OUTPUT_MARKER_FORMAT = 'nmsim-output';
export const OUTPUT_MARKER_VERSION = 1;

export interface OutputKind {
  /** stable id written into the marker: "review-report", "analysis", "trace-bundle" */
  id: string;
  /** how messages name it: "review report" */
  label: string;
  /**
   * For a folder without a marker (written before it existed): undefined when the folder is not
   * an earlier nmsim output of this kind, else the files in it that are nmsim's (relative,
   * "/"-separated); any other file is foreign. `files` lists every regular file in the folder.
   */
  legacyFiles?: (dir: string, files: readonly string[]) => Promise<readonly string[] | undefined>;
}

export interface OutputMarker {
  format: typeof OUTPUT_MARKER_FORMAT;
  version: number;
  kind: string;
  tool_version: string;
  /** every file nmsim wrote, relative, "/"-separated, sorted; the marker itself not included */
  files: string[];
}

export function markerText(kind: OutputKind, files: readonly string[]): string {
  const marker: OutputMarker = { format: OUTPUT_MARKER_FORMAT, version: OUTPUT_MARKER_VERSION, kind: kind.id, tool_version: TOOL_VERSION, files: [...files].sort() };
  return JSON.stringify(marker, null, 2) + '\n';
}

const safeRelative = (f: unknown): f is string =>
  typeof f === 'string' && f !== '' && !path.posix.isAbsolute(f) && !f.split('/').some((part) => part === '..' || part === '.' || part === '');

/** The parsed marker, or a sentence saying why it is not a valid one. */
export function parseMarker(text: string): OutputMarker | string {
  let m: Partial<OutputMarker>;
  try {
    m = JSON.parse(text);
  } catch {
    return 'it is not JSON';
  }
  if (m === null || typeof m !== 'object' || m.format !== OUTPUT_MARKER_FORMAT) return `its "format" is not "${OUTPUT_MARKER_FORMAT}"`;
  if (m.version !== OUTPUT_MARKER_VERSION) return `its version ${JSON.stringify(m.version)} is not ${OUTPUT_MARKER_VERSION}`;
  if (typeof m.kind !== 'string') return 'it names no kind';
  if (!Array.isArray(m.files) || !m.files.every(safeRelative)) return 'its "files" is not a list of relative paths inside the folder';
  return m as OutputMarker;
}

export interface Tree {
  /** regular files, relative and "/"-separated, sorted */
  files: string[];
  /** everything else that is not a folder on the way to a file: links, empty folders ("x/"), FIFOs … */
  others: string[];
  /** true when the walk stopped at `maxEntries` */
  truncated: boolean;
}

/** Lists a folder without following links; stops after `maxEntries` entries. */
export async function listTree(dir: string, maxEntries = 20_000): Promise<Tree> {
  const tree: Tree = { files: [], others: [], truncated: false };
  let seen = 0;
  const walk = async (rel: string): Promise<boolean> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    let nonEmpty = false;
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (++seen > maxEntries) {
        tree.truncated = true;
        return true;
      }
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      nonEmpty = true;
      if (e.isFile()) tree.files.push(r);
      else if (e.isDirectory()) {
        if (!(await walk(r))) tree.others.push(`${r}/`);
      } else tree.others.push(e.isSymbolicLink() ? `${r} (a link)` : `${r} (not a regular file)`);
      if (tree.truncated) return true;
    }
    return nonEmpty;
  };
  await walk('');
  return tree;
}

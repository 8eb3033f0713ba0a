/**
 * The files of one bundle: resolves manifest paths inside the bundle folder (never outside
 * it, symlinks included), opens each file once, reads its header once, and closes them all.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { type Diagnostic, inputError } from '../diagnostics.js';
import { readNpyHeader } from './npy.js';
import { openRegularFile } from './regular-file.js';
import { readSafetensorsHeader } from './safetensors.js';
import type { TensorInfo } from './tensor-info.js';

export const TENSOR_FILE_KINDS = ['safetensors', 'npy'] as const;
export type TensorFileKind = (typeof TENSOR_FILE_KINDS)[number];

export function tensorFileKind(p: string): TensorFileKind | undefined {
  const ext = path.extname(p).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.npy') return 'npy';
  return undefined;
}

export interface OpenTensorFile {
  /** the path as shown to the user (bundle folder joined with the manifest's relative path) */
  display: string;
  kind: TensorFileKind;
  fh: FileHandle;
  bytes: number;
  /** key → tensor; a .npy file has the single key '' */
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** non-fatal findings from reading the header (gaps in the data, dropped metadata) */
  warnings: Diagnostic[];
}

/** Where a problem with a manifest reference is reported. */
export interface RefWhere {
  file: string;
  path?: string;
}

export class BundleFiles {
  private readonly open = new Map<string, Promise<OpenTensorFile>>();
  private realBase: string | undefined;

  /** baseDir: the bundle folder (or the folder of a bare file); shown as given. */
  constructor(readonly baseDir: string) {}

  /** The absolute path of `rel`, checked to stay inside the bundle folder. */
  async resolve(rel: string, where: RefWhere): Promise<string> {
    const outside = (found: string): Diagnostic => ({
      code: 'trace/path-outside-bundle',
      severity: 'error',
      ...where,
      message: `The manifest points outside the bundle folder: "${rel}".`,
      expected: 'a path relative to the bundle folder, inside it (e.g. "dense.safetensors")',
      found,
      hint: 'copy the tensor file into the bundle folder and name it relative to manifest.json.',
    });
    if (path.isAbsolute(rel) || path.win32.isAbsolute(rel)) throw inputError(outside(rel));
    const base = path.resolve(this.baseDir);
    const abs = path.resolve(base, rel);
    const inside = (parent: string, child: string) => {
      const r = path.relative(parent, child);
      return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
    };
    if (!inside(base, abs)) throw inputError(outside(rel));
    let real: string;
    try {
      real = await fs.realpath(abs);
    } catch (e) {
      const loop = (e as NodeJS.ErrnoException).code === 'ELOOP';
      throw inputError({
        code: 'trace/missing-file',
        ...where,
        message: loop ? `The manifest names "${rel}", a symbolic link that leads back to itself.` : `The manifest names "${rel}", which is not in the bundle folder.`,
        expected: `a file ${path.join(this.baseDir, rel)}`,
        found: loop ? 'a symbolic-link loop' : 'no such file',
        hint: 'copy the file into the bundle, or fix the name in manifest.json.',
      });
    }
    this.realBase ??= await fs.realpath(base);
    if (!inside(this.realBase, real)) throw inputError(outside(`${rel} → ${real} (a link out of the bundle)`));
    return abs;
  }

  /** Opens `rel` (once) and reads its header. */
  file(rel: string, where: RefWhere): Promise<OpenTensorFile> {
    const key = path.normalize(rel);
    let p = this.open.get(key);
    if (!p) {
      p = this.openFile(rel, where);
      this.open.set(key, p);
      p.catch(() => this.open.delete(key));
    }
    return p;
  }

  private async openFile(rel: string, where: RefWhere): Promise<OpenTensorFile> {
    const abs = await this.resolve(rel, where); // containment first: never even stat a path outside
    const kind = tensorFileKind(rel);
    if (!kind) {
      throw inputError({
        ...where,
        code: 'trace/unsupported-file',
        message: `"${rel}" is neither .safetensors nor .npy.`,
        expected: '.safetensors (or .npy for a single tensor)',
        found: path.extname(rel) || 'no extension',
        hint: 'export tensors with safetensors.torch.save_file (traces/README.md).',
      });
    }
    const display = path.join(this.baseDir, rel);
    // a regular file only: a FIFO would block forever, a folder or device fail mid-read
    const { fh, bytes } = await openRegularFile(abs, display, where, 'tensors');
    try {
      if (kind === 'safetensors') {
        const h = await readSafetensorsHeader(fh, display, bytes);
        return { display, kind, fh, bytes, tensors: new Map(h.tensors.map((t) => [t.key, t])), metadata: h.metadata, warnings: h.warnings };
      }
      const info = await readNpyHeader(fh, display, bytes);
      return { display, kind, fh, bytes, tensors: new Map([['', info]]), metadata: {}, warnings: [] };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Warnings from the headers of every file opened so far, in opening order. */
  async warnings(): Promise<Diagnostic[]> {
    const out: Diagnostic[] = [];
    for (const p of this.open.values()) {
      try {
        for (const w of (await p).warnings) out.push(w);
      } catch {
        // a file that failed to open reported an error instead
      }
    }
    return out;
  }

  /** The distinct files opened so far (relative names). */
  openedFiles(): string[] {
    return [...this.open.keys()];
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    for (const p of all) {
      try {
        await (await p).fh.close();
      } catch {
        // a file that failed to open has nothing to close
      }
    }
  }
}

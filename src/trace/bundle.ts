/**
 * Opening a trace bundle: a folder with manifest.json (format v1, traces/README.md), or one
 * bare .safetensors / .npy file read as an anonymous one-run bundle.
 *
 *   path ─▶ manifest (zod → diagnostics) ─▶ every tensor reference resolved inside the folder,
 *          its file header read once, key, dtype and shape checked ─▶ TraceBundle (lazy reads)
 *
 * Every problem found is reported at once, each with the file and key path.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type Diagnostic, NmsimError, inputError } from '../diagnostics.js';
import { synthesizeManifest } from './anonymous.js';
import { BundleFiles, tensorFileKind } from './bundle-files.js';
import type { Manifest, TensorRef } from './manifest.js';
import { parseManifest } from './manifest-check.js';
import { validateRefs } from './bundle-validate.js';
import { fileKindOf, notAFileError, openRegularFile } from './regular-file.js';
import { type TensorSource, fileTensorSource, formatShape } from './tensor-info.js';

export const MANIFEST_FILE = 'manifest.json';

/**
 * A manifest beyond this is not a real one (200,000 sites take about 60 MB). Node strings stop
 * at ~512 MiB, so a larger file could not even be decoded; refuse it by name instead.
 */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export interface TraceBundle {
  /** the folder (or the single file) as given */
  root: string;
  /** for a bare .safetensors/.npy: a synthesized one-run manifest (anonymous: true) */
  manifest: Manifest;
  anonymous: boolean;
  /** non-fatal findings from opening: gaps in a file's data buffer, dropped metadata (inspect adds its own) */
  warnings: Diagnostic[];
  /** a lazily read tensor; `where` (a key path) goes into diagnostics */
  tensor(ref: TensorRef, where?: string): Promise<TensorSource>;
  /** a whole (small) tensor as float32: statistics, column norms */
  readFloat32(ref: TensorRef, where?: string): Promise<Float32Array>;
  /** a packed mask's bytes [tokens, ceil(K/8)] (a weight mask's: [out_features, ceil(K/8)]) */
  readMask(ref: TensorRef, where?: string): Promise<Uint8Array>;
  /**
   * sha256 of every file in the bundle (manifest included), keyed by relative name; `hashFile`
   * (absolute path → its sha256, e.g. review/inputs.ts's stat-keyed memo) instead of reading each file
   */
  sha256(hashFile?: (abs: string) => Promise<string>): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** sha256 of a regular file, read in 1 MiB chunks through one reused buffer. */
export async function sha256Of(abs: string): Promise<string> {
  const { fh } = await openRegularFile(abs, abs, { file: abs }, 'bundle files');
  try {
    const hash = createHash('sha256');
    const buf = new Uint8Array(1 << 20);
    for (let position = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, position);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      position += bytesRead;
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}

/**
 * manifest.json as text, or undefined when there is none. UTF-8 (a leading BOM is dropped);
 * a FIFO, device or folder in its place, a UTF-16 or otherwise non-UTF-8 file, and a file past
 * MAX_MANIFEST_BYTES are input errors.
 */
async function readManifestText(manifestFile: string): Promise<string | undefined> {
  let opened;
  try {
    opened = await openRegularFile(manifestFile, manifestFile, { file: manifestFile }, 'the manifest');
  } catch (e) {
    if (e instanceof NmsimError && e.diagnostics[0]?.code === 'trace/missing-file') return undefined;
    throw e;
  }
  const { fh, bytes } = opened;
  try {
    if (bytes > MAX_MANIFEST_BYTES) {
      throw inputError({ code: 'trace/manifest-too-large', file: manifestFile, message: `manifest.json is ${bytes} bytes, more than any real manifest (limit ${MAX_MANIFEST_BYTES}).`, expected: `≤ ${MAX_MANIFEST_BYTES} bytes`, found: `${bytes} bytes`, hint: 'is this the right file? A manifest lists tensors; the tensors themselves go in .safetensors files.' });
    }
    const buf = new Uint8Array(bytes);
    let done = 0;
    while (done < bytes) {
      const { bytesRead } = await fh.read(buf, done, bytes - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    const utf16 = (buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff);
    try {
      if (utf16) throw new Error('UTF-16');
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, done));
    } catch {
      throw inputError({
        code: 'trace/manifest-not-json',
        file: manifestFile,
        message: utf16 ? 'manifest.json is UTF-16 text; the format is UTF-8 JSON.' : 'manifest.json is not UTF-8 text.',
        expected: 'UTF-8 JSON',
        found: utf16 ? 'a UTF-16 byte-order mark' : 'bytes that are not UTF-8',
        hint: utf16 ? 'save it as UTF-8 (PowerShell: Out-File -Encoding utf8; Python: open(..., "w", encoding="utf-8")).' : 'save it as UTF-8; json.dump(..., ensure_ascii=True) writes plain ASCII.',
      });
    }
  } finally {
    await fh.close();
  }
}

async function statOrNull(p: string) {
  try {
    return await fs.stat(p);
  } catch {
    return null;
  }
}

function makeBundle(root: string, manifest: Manifest, anonymous: boolean, files: BundleFiles, hashed: string[], warnings: Diagnostic[]): TraceBundle {
  async function tensor(ref: TensorRef, where?: string): Promise<TensorSource> {
    const f = await files.file(ref.file, { file: root, path: where ? `${where}.file` : undefined });
    const key = f.kind === 'npy' ? '' : (ref.key ?? '');
    const info = f.tensors.get(key);
    if (!info) {
      throw inputError({ code: 'trace/missing-tensor', file: f.display, path: where, message: `"${ref.file}" has no tensor "${key}".`, hint: `list its keys with \`nmsim inspect ${f.display}\`.` });
    }
    return fileTensorSource(f.fh, info);
  }
  return {
    root,
    manifest,
    anonymous,
    warnings,
    tensor,
    async readFloat32(ref, where) {
      const src = await tensor(ref, where);
      return src.readRows(0, src.rows);
    },
    async readMask(ref, where) {
      const src = await tensor(ref, where);
      if (src.info.dtype !== 'U8') {
        throw inputError({ code: 'trace/unsupported-dtype', file: src.info.file, path: where, message: 'A mask must be stored as U8 (bit-packed).', expected: 'U8', found: src.info.dtype });
      }
      return src.readBytes(0, src.info.byteLength);
    },
    async sha256(hashFile = sha256Of) {
      const rels = [...hashed].sort();
      // every file at once (each on its own handle: a rerun's stat-keyed hashes are file-system
      // round trips, not reading); a failure is the first file's in name order, as one by one
      const settled = await Promise.allSettled(rels.map(async (rel) => hashFile(anonymous ? root : await files.resolve(rel, { file: root }))));
      const out: Record<string, string> = {};
      settled.forEach((r, i) => {
        if (r.status === 'rejected') throw r.reason;
        out[rels[i]] = r.value;
      });
      return out;
    },
    close: () => files.close(),
  };
}

function refsOf(manifest: Manifest): TensorRef[] {
  const out: TensorRef[] = [];
  for (const run of manifest.runs) {
    for (const site of run.sites) {
      out.push(site.tensor, ...(site.masks ?? []).map((m) => m.tensor), ...(site.weight_masks ?? []).map((m) => m.tensor));
      if (site.input_norms) out.push(site.input_norms);
      for (const ws of site.weight_stats ?? []) for (const r of [ws.column_norms, ws.amber_column_norms, ws.weight]) if (r) out.push(r);
    }
  }
  return out;
}

export interface OpenBundleOptions {
  /**
   * Checks a manifest.json's text as parseManifest does (the review passes one that remembers a
   * text it has checked before: review/inputs.ts); it must return what parseManifest returns and
   * throw what it throws. Default: parseManifest.
   */
  parseManifest?: (text: string, file: string) => Promise<Manifest>;
}

/** Opens a bundle folder, its manifest.json, or a bare .safetensors/.npy file; validates everything. */
export async function openBundle(pathToFolderOrFile: string, opts: OpenBundleOptions = {}): Promise<TraceBundle> {
  const given = pathToFolderOrFile;
  const st = await statOrNull(given);
  if (!st) {
    throw inputError({ code: 'trace/missing-file', file: given, message: `No such file or folder: ${given}.`, hint: 'give a bundle folder (with manifest.json), a .safetensors or a .npy file.' });
  }
  if (!st.isFile() && !st.isDirectory()) throw notAFileError(given, fileKindOf(st), { file: given }, 'bundles');
  if (st.isFile() && path.basename(given) !== MANIFEST_FILE) {
    const kind = tensorFileKind(given);
    if (!kind) {
      throw inputError({ code: 'trace/unsupported-file', file: given, message: `${given} is neither a bundle folder, a .safetensors nor a .npy file.`, expected: 'a folder with manifest.json, *.safetensors or *.npy', found: path.extname(given) || 'no extension', hint: 'see traces/README.md for the bundle format.' });
    }
    const files = new BundleFiles(path.dirname(given));
    const name = path.basename(given);
    try {
      const f = await files.file(name, { file: given });
      const manifest = synthesizeManifest(name, [...f.tensors.values()], f.metadata);
      if (manifest.runs[0].sites.length === 0) {
        throw inputError({ code: 'trace/empty-bundle', file: given, message: `${given} holds no 2-D float tensor to inspect.`, expected: 'at least one F32/F16/BF16 tensor of shape [tokens, K]', found: [...f.tensors.values()].map((t) => `${t.key || 'array'} ${t.dtype}${formatShape(t.shape)}`).join(', ') || 'no tensors', hint: 'store activations as [tokens, K] (x.reshape(-1, x.shape[-1])).' });
      }
      return makeBundle(given, manifest, true, files, [name], await files.warnings());
    } catch (e) {
      await files.close();
      throw e;
    }
  }
  const folder = st.isFile() ? path.dirname(given) : given;
  const manifestFile = path.join(folder, MANIFEST_FILE);
  const text = await readManifestText(manifestFile);
  if (text === undefined) {
    const entries = (await fs.readdir(folder)).filter((e) => !e.startsWith('.'));
    const tensors = entries.filter((e) => tensorFileKind(e));
    if (tensors.length === 0) {
      throw inputError({ code: 'trace/empty-bundle', file: folder, message: `${folder} is not a trace bundle: it has no manifest.json and no tensor files.`, expected: 'manifest.json and one or more .safetensors files', found: entries.length === 0 ? 'an empty folder' : entries.slice(0, 5).join(', '), hint: 'export a bundle as described in traces/README.md.' });
    }
    throw inputError({ code: 'trace/missing-manifest', file: manifestFile, message: `${folder} has tensor files but no manifest.json.`, expected: 'manifest.json (traces/README.md)', found: tensors.slice(0, 5).join(', '), hint: `inspect one file directly: nmsim inspect ${path.join(folder, tensors[0])}` });
  }
  const manifest = opts.parseManifest ? await opts.parseManifest(text, manifestFile) : parseManifest(text, manifestFile);
  const files = new BundleFiles(folder);
  try {
    await validateRefs(files, manifest, manifestFile, false);
  } catch (e) {
    await files.close();
    throw e;
  }
  const hashed = [MANIFEST_FILE, ...new Set(refsOf(manifest).map((r) => path.normalize(r.file)))];
  return makeBundle(folder, manifest, false, files, hashed, await files.warnings());
}

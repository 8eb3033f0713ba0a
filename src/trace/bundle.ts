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
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type Diagnostic, NmsimError, inputError, isNmsimError } from '../diagnostics.js';
import { synthesizeManifest } from './anonymous.js';
import { BundleFiles, tensorFileKind } from './bundle-files.js';
import type { Manifest, TensorRef } from './manifest.js';
import { parseManifest } from './manifest-check.js';
import { maskRowBytes } from './mask.js';
import { type TensorInfo, type TensorSource, elementCount, fileTensorSource, formatShape } from './tensor-info.js';

export const MANIFEST_FILE = 'manifest.json';

export interface TraceBundle {
  /** the folder (or the single file) as given */
  root: string;
  /** for a bare .safetensors/.npy: a synthesized one-run manifest (anonymous: true) */
  manifest: Manifest;
  anonymous: boolean;
  /** non-fatal findings from opening (none today; inspect adds its own) */
  warnings: Diagnostic[];
  /** a lazily read tensor; `where` (a key path) goes into diagnostics */
  tensor(ref: TensorRef, where?: string): Promise<TensorSource>;
  /** a whole (small) tensor as float32: statistics, column norms */
  readFloat32(ref: TensorRef, where?: string): Promise<Float32Array>;
  /** a packed mask's bytes [tokens, ceil(K/8)] */
  readMask(ref: TensorRef, where?: string): Promise<Uint8Array>;
  /** sha256 of every file in the bundle (manifest included), keyed by relative name */
  sha256(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

async function statOrNull(p: string) {
  try {
    return await fs.stat(p);
  } catch {
    return null;
  }
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.code}|${d.file}|${d.path}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Checks of one reference against its file; pushes problems, returns the tensor when found. */
async function checkRef(files: BundleFiles, manifestFile: string, ref: TensorRef, refPath: string, problems: Diagnostic[]): Promise<TensorInfo | undefined> {
  let f;
  try {
    f = await files.file(ref.file, { file: manifestFile, path: `${refPath}.file` });
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    problems.push(...e.diagnostics);
    return undefined;
  }
  const key = f.kind === 'npy' ? '' : ref.key;
  if (key === undefined) {
    problems.push({
      code: 'trace/missing-tensor',
      severity: 'error',
      file: manifestFile,
      path: `${refPath}.key`,
      message: `"${ref.file}" is a .safetensors file, so the reference needs the tensor's key.`,
      expected: `one of ${[...f.tensors.keys()].slice(0, 4).map((k) => `"${k}"`).join(', ')}${f.tensors.size > 4 ? ', …' : ''}`,
      found: 'no key',
      hint: 'add "key": the name the tensor was saved under.',
    });
    return undefined;
  }
  const info = f.tensors.get(key);
  if (!info) {
    const keys = [...f.tensors.keys()];
    const near = keys.filter((k) => k.split('.').some((part) => key.split('.').includes(part))).slice(0, 4);
    problems.push({
      code: 'trace/missing-tensor',
      severity: 'error',
      file: manifestFile,
      path: `${refPath}.key`,
      message: `"${ref.file}" has no tensor "${key}".`,
      expected: near.length > 0 ? `a key such as ${near.map((k) => `"${k}"`).join(', ')}` : `one of its ${keys.length} keys`,
      found: `"${key}"`,
      hint: `the keys of ${f.display} are listed by \`nmsim inspect ${f.display}\`.`,
    });
    return undefined;
  }
  if (ref.dtype !== undefined && ref.dtype !== info.dtype) {
    problems.push({ code: 'trace/dtype-mismatch', severity: 'error', file: manifestFile, path: `${refPath}.dtype`, message: `The manifest says ${ref.dtype}, ${f.display} stores ${info.dtype}.`, expected: info.dtype, found: ref.dtype, hint: 'fix the dtype in manifest.json (or drop it).' });
  }
  if (ref.shape.length !== info.shape.length || ref.shape.some((d, i) => d !== info.shape[i])) {
    problems.push({
      code: 'trace/shape-mismatch',
      severity: 'error',
      file: manifestFile,
      path: `${refPath}.shape`,
      message: `The manifest and ${f.display} disagree on the shape of "${key || ref.file}".`,
      expected: `${formatShape(info.shape)} (as stored)`,
      found: formatShape(ref.shape),
      hint: 'write the stored shape into manifest.json, or re-export the tensor.',
    });
  }
  return info;
}

function expectShape(problems: Diagnostic[], file: string, where: string, what: string, info: TensorInfo | undefined, want: number[]): void {
  if (!info) return;
  const ok = info.shape.length === want.length && info.shape.every((d, i) => d === want[i]);
  if (!ok) {
    problems.push({ code: 'trace/shape-mismatch', severity: 'error', file, path: where, message: `${what} must have shape ${formatShape(want)}.`, expected: formatShape(want), found: formatShape(info.shape), hint: 'see traces/README.md for the shape of each tensor.' });
  }
}

async function validateRefs(files: BundleFiles, manifest: Manifest, manifestFile: string, anonymous: boolean): Promise<void> {
  const problems: Diagnostic[] = [];
  for (const [i, run] of manifest.runs.entries()) {
    for (const [j, site] of run.sites.entries()) {
      const sp = `runs[${i}].sites[${j}]`;
      const info = await checkRef(files, manifestFile, site.tensor, `${sp}.tensor`, problems);
      let k: number | undefined;
      if (info) {
        if (info.dtype === 'U8') {
          problems.push({ code: 'trace/unsupported-dtype', severity: 'error', file: manifestFile, path: `${sp}.tensor`, message: `Site "${site.name}" is stored as U8; activations must be F32, F16 or BF16.`, expected: 'F32, F16 or BF16', found: 'U8', hint: 'U8 is only for bit-packed masks (site.masks).' });
        }
        if (info.shape.length !== 2) {
          problems.push({ code: 'trace/shape-mismatch', severity: 'error', file: manifestFile, path: `${sp}.tensor.shape`, message: `Site "${site.name}" must be 2-D [tokens, K].`, expected: '[tokens, K]', found: formatShape(info.shape), hint: 'flatten batch and sequence: x.reshape(-1, x.shape[-1]).' });
        } else {
          k = info.shape[1];
          if (!anonymous && info.shape[0] !== run.tokens) {
            problems.push({ code: 'trace/shape-mismatch', severity: 'error', file: manifestFile, path: `${sp}.tensor.shape`, message: `Site "${site.name}" has ${info.shape[0]} tokens; run "${run.id}" records ${run.tokens} per site.`, expected: `[${run.tokens}, ${k}]`, found: formatShape(info.shape), hint: 'every site of a run holds the same tokens; fix runs[].tokens or the tensor.' });
          }
        }
      }
      for (const [m, mask] of (site.masks ?? []).entries()) {
        const mp = `${sp}.masks[${m}].tensor`;
        const mi = await checkRef(files, manifestFile, mask.tensor, mp, problems);
        if (mi && mi.dtype !== 'U8') {
          problems.push({ code: 'trace/unsupported-dtype', severity: 'error', file: manifestFile, path: mp, message: 'A mask must be stored as U8 (bit-packed).', expected: 'U8', found: mi.dtype, hint: 'np.packbits(mask, axis=-1, bitorder="little").' });
        }
        if (info && k !== undefined) expectShape(problems, manifestFile, `${mp}.shape`, `The ${mask.consumer} mask of "${site.name}" (${info.shape[0]} tokens, K = ${k})`, mi, [info.shape[0], maskRowBytes(k)]);
      }
      for (const [w, ws] of (site.weight_stats ?? []).entries()) {
        const wp = `${sp}.weight_stats[${w}]`;
        for (const field of ['column_norms', 'amber_column_norms'] as const) {
          const ref = ws[field];
          if (!ref) continue;
          const ni = await checkRef(files, manifestFile, ref, `${wp}.${field}`, problems);
          if (ni && k !== undefined && elementCount(ni.shape) !== k) expectShape(problems, manifestFile, `${wp}.${field}.shape`, `${field} of "${site.name}"`, ni, [k]);
        }
        if (ws.weight) {
          const wi = await checkRef(files, manifestFile, ws.weight, `${wp}.weight`, problems);
          if (wi && k !== undefined) expectShape(problems, manifestFile, `${wp}.weight.shape`, `The ${ws.consumer} weight of "${site.name}"`, wi, [ws.out_features ?? wi.shape[0], k]);
        }
      }
    }
  }
  if (problems.length > 0) throw new NmsimError(dedupe(problems), 'input');
}

function makeBundle(root: string, manifest: Manifest, anonymous: boolean, files: BundleFiles, hashed: string[]): TraceBundle {
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
    warnings: [],
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
    async sha256() {
      const out: Record<string, string> = {};
      for (const rel of [...hashed].sort()) {
        const abs = anonymous ? root : await files.resolve(rel, { file: root });
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(abs, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
        out[rel] = hash.digest('hex');
      }
      return out;
    },
    close: () => files.close(),
  };
}

function refsOf(manifest: Manifest): TensorRef[] {
  const out: TensorRef[] = [];
  for (const run of manifest.runs) {
    for (const site of run.sites) {
      out.push(site.tensor, ...(site.masks ?? []).map((m) => m.tensor));
      for (const ws of site.weight_stats ?? []) for (const r of [ws.column_norms, ws.amber_column_norms, ws.weight]) if (r) out.push(r);
    }
  }
  return out;
}

/** Opens a bundle folder, its manifest.json, or a bare .safetensors/.npy file; validates everything. */
export async function openBundle(pathToFolderOrFile: string): Promise<TraceBundle> {
  const given = pathToFolderOrFile;
  const st = await statOrNull(given);
  if (!st) {
    throw inputError({ code: 'trace/missing-file', file: given, message: `No such file or folder: ${given}.`, hint: 'give a bundle folder (with manifest.json), a .safetensors or a .npy file.' });
  }
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
      return makeBundle(given, manifest, true, files, [name]);
    } catch (e) {
      await files.close();
      throw e;
    }
  }
  const folder = st.isFile() ? path.dirname(given) : given;
  const manifestFile = path.join(folder, MANIFEST_FILE);
  let text: string;
  try {
    text = await fs.readFile(manifestFile, 'utf8');
  } catch {
    const entries = (await fs.readdir(folder)).filter((e) => !e.startsWith('.'));
    const tensors = entries.filter((e) => tensorFileKind(e));
    if (tensors.length === 0) {
      throw inputError({ code: 'trace/empty-bundle', file: folder, message: `${folder} is not a trace bundle: it has no manifest.json and no tensor files.`, expected: 'manifest.json and one or more .safetensors files', found: entries.length === 0 ? 'an empty folder' : entries.slice(0, 5).join(', '), hint: 'export a bundle as described in traces/README.md.' });
    }
    throw inputError({ code: 'trace/missing-manifest', file: manifestFile, message: `${folder} has tensor files but no manifest.json.`, expected: 'manifest.json (traces/README.md)', found: tensors.slice(0, 5).join(', '), hint: `inspect one file directly: nmsim inspect ${path.join(folder, tensors[0])}` });
  }
  const manifest = parseManifest(text, manifestFile);
  const files = new BundleFiles(folder);
  try {
    await validateRefs(files, manifest, manifestFile, false);
  } catch (e) {
    await files.close();
    throw e;
  }
  const hashed = [MANIFEST_FILE, ...new Set(refsOf(manifest).map((r) => path.normalize(r.file)))];
  return makeBundle(folder, manifest, false, files, hashed);
}

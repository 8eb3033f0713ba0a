/**
 * Checks every tensor reference of a manifest against the files: the file is inside the
 * bundle and readable, the key exists, dtype and shape match the manifest, and each tensor has
 * the shape its role needs (site [tokens, K], mask [tokens, ceil(K/8)] U8, norms [K],
 * weight [out, K], weight mask [out, ceil(K/8)] U8, input norms [K] float). All problems are
 * collected and thrown together.
 */
import { type Diagnostic, NmsimError, isNmsimError } from '../diagnostics.js';
import type { BundleFiles } from './bundle-files.js';
import type { Manifest, TensorRef } from './manifest.js';
import { maskRowBytes } from './mask.js';
import { type TensorInfo, elementCount, formatShape } from './tensor-info.js';

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

export async function validateRefs(files: BundleFiles, manifest: Manifest, manifestFile: string, anonymous: boolean): Promise<void> {
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
      for (const [m, mask] of (site.weight_masks ?? []).entries()) {
        const mp = `${sp}.weight_masks[${m}].tensor`;
        const mi = await checkRef(files, manifestFile, mask.tensor, mp, problems);
        if (mi && mi.dtype !== 'U8') {
          problems.push({ code: 'trace/unsupported-dtype', severity: 'error', file: manifestFile, path: mp, message: 'A weight mask must be stored as U8 (bit-packed along the input dimension).', expected: 'U8', found: mi.dtype, hint: 'np.packbits(keep, axis=1, bitorder="little") of the [out_features, K] keep-mask.' });
        }
        if (mi && k !== undefined) {
          // out_features from the consumer's weight statistics where the manifest gives them, else as stored
          const out = site.weight_stats?.find((ws) => ws.consumer === mask.consumer)?.out_features ?? mi.shape[0];
          expectShape(problems, manifestFile, `${mp}.shape`, `The ${mask.consumer} weight mask of "${site.name}" (out_features ${out}, K = ${k})`, mi, [out, maskRowBytes(k)]);
        }
      }
      if (site.input_norms) {
        const np = `${sp}.input_norms`;
        const ni = await checkRef(files, manifestFile, site.input_norms, np, problems);
        if (ni && ni.dtype === 'U8') {
          problems.push({ code: 'trace/unsupported-dtype', severity: 'error', file: manifestFile, path: np, message: `The input norms of "${site.name}" are stored as U8; norms must be F32, F16 or BF16.`, expected: 'F32 (F16, BF16)', found: 'U8', hint: 'save the float32 norms.' });
        }
        if (k !== undefined) expectShape(problems, manifestFile, `${np}.shape`, `The input norms of "${site.name}"`, ni, [k]);
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


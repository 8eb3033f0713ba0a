/**
 * .npy reader (header only; data is read lazily through tensor-info.ts). Format per the NumPy
 * docs (numpy.lib.format): magic "\x93NUMPY", major, minor version bytes, a little-endian u16
 * (version 1) or u32 (versions 2, 3) header length, then a Python dict literal
 * {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } and the raw data.
 *
 * Accepted: little-endian float32 ('<f4'), float16 ('<f2') and uint8 ('|u1', for packed masks),
 * C order. NumPy has no bfloat16; store BF16 in .safetensors.
 */
import type { FileHandle } from 'node:fs/promises';
import { inputError } from '../diagnostics.js';
import { type DType, DTYPE_BYTES } from './dtype.js';
import { type TensorInfo, elementCount, formatShape, readFully } from './tensor-info.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_NPY_HEADER_BYTES = 1_000_000;

const DESCR_TO_DTYPE: Record<string, DType> = { '<f4': 'F32', '<f2': 'F16', '|u1': 'U8', '<u1': 'U8' };

const NPY_HINT =
  'save little-endian float32/float16 in C order: np.save(path, np.ascontiguousarray(x, dtype="<f4")) ' +
  '(or dtype="<f2"); masks as np.packbits(mask, axis=-1, bitorder="little") (uint8).';

/** Parses the header dict text of a .npy file; returns the tensor description. */
export function parseNpyHeader(text: string, file: string, dataStart: number, dataBytes: number): TensorInfo {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw inputError({
      code: 'trace/header-not-json',
      file,
      message: 'The .npy header is not the dict NumPy writes (descr, fortran_order, shape).',
      expected: "{'descr': '<f4', 'fortran_order': False, 'shape': (…), }",
      found: JSON.stringify(text.slice(0, 80)),
      hint: 'write the file with np.save.',
    });
  }
  const dtype = DESCR_TO_DTYPE[descr];
  if (dtype === undefined) {
    throw inputError({
      code: 'trace/unsupported-dtype',
      file,
      path: 'descr',
      message: `The array has dtype '${descr}', which nmsim does not read from .npy.`,
      expected: "'<f4' (F32), '<f2' (F16) or '|u1' (U8 masks)",
      found: `'${descr}'`,
      hint: NPY_HINT,
    });
  }
  if (fortran === 'True') {
    throw inputError({
      code: 'trace/unsupported-layout',
      file,
      path: 'fortran_order',
      message: 'The array is stored in Fortran (column-major) order; nmsim reads C order only.',
      expected: 'fortran_order: False',
      found: 'fortran_order: True',
      hint: NPY_HINT,
    });
  }
  const parts = shapeText.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const shape = parts.map((p) => Number(p.replace(/L$/, '')));
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw inputError({
      code: 'trace/header-not-json',
      file,
      path: 'shape',
      message: 'The .npy shape is not a tuple of non-negative integers.',
      expected: 'e.g. (2048, 4096)',
      found: `(${shapeText})`,
      hint: 'write the file with np.save.',
    });
  }
  const byteLength = elementCount(shape) * DTYPE_BYTES[dtype];
  if (byteLength > dataBytes) {
    throw inputError({
      code: 'trace/truncated-file',
      file,
      message: `The file is truncated: shape ${formatShape(shape)} of ${dtype} needs ${byteLength} data bytes, the file holds ${dataBytes}.`,
      expected: `${dataStart + byteLength} bytes in all`,
      found: `${dataStart + dataBytes} bytes`,
      hint: 'the file was cut short (interrupted copy or export); copy or export it again.',
    });
  }
  return { file, key: '', dtype, shape, byteOffset: dataStart, byteLength };
}

/** Reads and validates the header of an open .npy file of `fileBytes` bytes. */
export async function readNpyHeader(fh: FileHandle, file: string, fileBytes: number): Promise<TensorInfo> {
  const notNpy = (found: string) =>
    inputError({
      code: fileBytes < 10 ? 'trace/truncated-file' : 'trace/header-not-json',
      file,
      message: fileBytes < 10 ? `The file is too short to be .npy (${fileBytes} bytes).` : 'This is not a .npy file (no \\x93NUMPY magic).',
      expected: 'the \\x93NUMPY magic, a version and a header length',
      found,
      hint: 'write the file with np.save, or export .safetensors.',
    });
  if (fileBytes < 10) throw notNpy(`${fileBytes} bytes`);
  const pre = new Uint8Array(12);
  await readFully(fh, pre, Math.min(12, fileBytes), 0, file);
  if (!MAGIC.every((b, i) => pre[i] === b)) throw notNpy(JSON.stringify(Buffer.from(pre.subarray(0, 6)).toString('latin1')));
  const major = pre[6];
  const view = new DataView(pre.buffer);
  let headerBytes: number;
  let start: number;
  if (major === 1) {
    headerBytes = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (fileBytes < 12) throw notNpy(`${fileBytes} bytes`);
    headerBytes = view.getUint32(8, true);
    start = 12;
  } else {
    throw inputError({
      code: 'trace/unsupported-dtype',
      file,
      message: `Unknown .npy format version ${major}.`,
      expected: 'version 1, 2 or 3',
      found: String(major),
      hint: 'write the file with np.save.',
    });
  }
  if (headerBytes > MAX_NPY_HEADER_BYTES) {
    throw inputError({
      code: 'trace/header-too-large',
      file,
      message: `The .npy header claims ${headerBytes} bytes (limit ${MAX_NPY_HEADER_BYTES}).`,
      expected: `≤ ${MAX_NPY_HEADER_BYTES} bytes`,
      found: `${headerBytes} bytes`,
      hint: 'the file is corrupt; write it again with np.save.',
    });
  }
  if (start + headerBytes > fileBytes) {
    throw inputError({
      code: 'trace/truncated-file',
      file,
      message: `The .npy header claims ${headerBytes} bytes but the file ends first.`,
      expected: `at least ${start + headerBytes} bytes`,
      found: `${fileBytes} bytes`,
      hint: 'the file was cut short; write it again.',
    });
  }
  const buf = new Uint8Array(headerBytes);
  await readFully(fh, buf, headerBytes, start, file);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf);
  const dataStart = start + headerBytes;
  return parseNpyHeader(text, file, dataStart, fileBytes - dataStart);
}

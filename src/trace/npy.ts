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

type PyValue = string | number | boolean | null | PyValue[];

/**
 * The header dict NumPy writes, read as the Python literal it is (numpy.lib.format uses
 * ast.literal_eval): string keys; values strings, True/False/None, integers (a Python 2 `L`
 * suffix allowed) and tuples or lists of them, nested iteratively. Returns the entries in order
 * (repeats included) or the reason it is not such a dict.
 */
function parsePyDict(text: string): { entries: [string, PyValue][] } | { error: string } {
  let i = 0;
  const n = text.length;
  const skip = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  const fail = (what: string) => ({ error: `${what} at character ${i}` });
  const str = (): string | undefined => {
    const q = text[i];
    if (q !== "'" && q !== '"') return undefined;
    let out = '';
    for (i++; i < n && text[i] !== q; i++) {
      if (text[i] === '\\') i++; // an escaped character: kept as written (NumPy never writes one)
      out += text[i] ?? '';
    }
    if (i >= n) return undefined;
    i++;
    return out;
  };
  /** a scalar, or OPEN after pushing a new tuple/list */
  const OPEN = Symbol('open');
  const stack: { close: string; items: PyValue[] }[] = [];
  const value = (): PyValue | undefined | typeof OPEN => {
    skip();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (c === '(' || c === '[') {
      stack.push({ close: c === '(' ? ')' : ']', items: [] });
      i++;
      return OPEN;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!m) return undefined;
    i += m[0].length;
    if (m[0] === 'True' || m[0] === 'False') return m[0] === 'True';
    if (m[0] === 'None') return null;
    return Number(m[0].replace(/L$/, ''));
  };
  /** a whole value: scalars, or tuples/lists closed iteratively */
  const whole = (): PyValue | undefined => {
    const depth = stack.length;
    let v = value();
    for (;;) {
      if (v === undefined) return undefined;
      if (v !== OPEN) {
        if (stack.length === depth) return v;
        stack[stack.length - 1].items.push(v);
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== stack[stack.length - 1].close) return undefined;
      }
      skip();
      const top = stack[stack.length - 1];
      if (stack.length > depth && text[i] === top.close) {
        i++;
        stack.pop();
        v = top.items;
        continue;
      }
      v = value();
    }
  };
  skip();
  if (text[i] !== '{') return fail('no opening {');
  i++;
  const entries: [string, PyValue][] = [];
  for (;;) {
    skip();
    if (text[i] === '}') break;
    const key = str();
    if (key === undefined) return fail('expected a quoted key');
    skip();
    if (text[i] !== ':') return fail(`expected : after '${key}'`);
    i++;
    const v = whole();
    if (v === undefined) return fail(`unreadable value for '${key}'`);
    entries.push([key, v]);
    skip();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') return fail(`expected , or } after '${key}'`);
  }
  i++;
  skip();
  if (i < n) return fail('text after the closing }');
  return { entries };
}

const NPY_KEYS = ['descr', 'fortran_order', 'shape'] as const;

/** Parses the header dict text of a .npy file; returns the tensor description. */
export function parseNpyHeader(text: string, file: string, dataStart: number, dataBytes: number): TensorInfo {
  const notDict = (found: string, path?: string, message = 'The .npy header is not the dict NumPy writes (descr, fortran_order, shape).') =>
    inputError({
      code: 'trace/header-not-json',
      file,
      path,
      message,
      expected: "{'descr': '<f4', 'fortran_order': False, 'shape': (…), }",
      found,
      hint: 'write the file with np.save.',
    });
  const parsed = parsePyDict(text);
  if ('error' in parsed) throw notDict(`${parsed.error}: ${JSON.stringify(text.slice(0, 80))}`);
  const dict = new Map<string, PyValue>();
  for (const [key, v] of parsed.entries) {
    if (dict.has(key)) {
      throw inputError({
        code: 'trace/duplicate-key',
        file,
        path: key,
        message: `The .npy header names '${key}' twice; NumPy would read the last, which is ambiguous.`,
        expected: `each of ${NPY_KEYS.join(', ')} once`,
        found: `'${key}' twice`,
        hint: 'write the file with np.save.',
      });
    }
    if (!(NPY_KEYS as readonly string[]).includes(key)) throw notDict(`'${key.slice(0, 40)}'`, key, `The .npy header has a key NumPy does not write ('${key.slice(0, 40)}'); NumPy refuses such files.`);
    dict.set(key, v);
  }
  const missing = NPY_KEYS.filter((k) => !dict.has(k));
  if (missing.length > 0) throw notDict(`no ${missing.join(', ')}: ${JSON.stringify(text.slice(0, 80))}`);
  const descrValue = dict.get('descr')!;
  if (typeof descrValue !== 'string') {
    throw inputError({
      code: 'trace/unsupported-dtype',
      file,
      path: 'descr',
      message: 'The array has a structured (record) dtype, which nmsim does not read.',
      expected: "'<f4' (F32), '<f2' (F16) or '|u1' (U8 masks)",
      found: 'a list of fields',
      hint: NPY_HINT,
    });
  }
  const descr = descrValue;
  const fortranValue = dict.get('fortran_order');
  if (typeof fortranValue !== 'boolean') throw notDict(`fortran_order: ${JSON.stringify(fortranValue)}`, 'fortran_order');
  const fortran = fortranValue ? 'True' : 'False';
  const shapeValue = dict.get('shape');
  if (!Array.isArray(shapeValue)) throw notDict(`shape: ${JSON.stringify(shapeValue)?.slice(0, 60)}`, 'shape');
  const shapeText = shapeValue.map((d) => (Array.isArray(d) ? '(…)' : String(d))).join(', ');
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
  const shape = shapeValue as number[];
  if (!shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
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

/**
 * safetensors reader (header) and encoder (writer side), no third-party tensor package.
 *
 * Layout (https://github.com/huggingface/safetensors, format description):
 *   8 bytes   u64 little-endian N, the header length
 *   N bytes   UTF-8 JSON object: { "<key>": {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]},
 *             …, optional "__metadata__": {string: string} }, padded with spaces
 *   rest      the data buffer; offsets are relative to its start, end exclusive, row-major
 *
 * Only the header is read here; tensors are read lazily through tensor-info.ts.
 */
import { jsonSyntaxProblem } from '../user-text.js';
import type { FileHandle } from 'node:fs/promises';
import { type Diagnostic, NmsimError, inputError, previewJson } from '../diagnostics.js';
import { DTYPES, DTYPE_BYTES, isDType } from './dtype.js';
import { duplicateKeyDiagnostics } from './json-keys.js';
import { type TensorInfo, elementCount, formatShape, readFully } from './tensor-info.js';

/** A header beyond this is not a real tensor index (the reference implementation uses the same bound). */
export const MAX_HEADER_BYTES = 100_000_000;

export const UNSUPPORTED_DTYPE_HINT =
  'nmsim reads F32, F16 and BF16 activations (U8 only for bit-packed masks). Convert before saving: ' +
  'tensor.float(), tensor.half() or tensor.to(torch.bfloat16); pack boolean masks with ' +
  'np.packbits(mask, axis=-1, bitorder="little").';

export interface SafetensorsHeader {
  /** absolute file offset of the data buffer (8 + N) */
  dataStart: number;
  tensors: TensorInfo[];
  metadata: Record<string, string>;
  /** non-fatal findings: non-string metadata values (dropped), gaps in the data buffer */
  warnings: Diagnostic[];
}

/**
 * Validates a parsed header against the data buffer size and returns the tensors in header
 * order. Collects every problem before throwing.
 */
export function parseSafetensorsHeader(headerText: string, file: string, dataStart: number, dataBytes: number): SafetensorsHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(headerText);
  } catch (e) {
    throw inputError({
      code: 'trace/header-not-json',
      file,
      message: `The safetensors header is ${jsonSyntaxProblem(headerText, e)}.`,
      expected: 'a JSON object after the 8-byte length',
      found: `${headerText.length} characters that do not parse as JSON`,
      hint: 'is this a .safetensors file? write it with safetensors.torch.save_file or nmsim’s writer.',
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw inputError({
      code: 'trace/header-not-json',
      file,
      message: 'The safetensors header is JSON but not an object of tensors.',
      expected: '{"<key>": {"dtype", "shape", "data_offsets"}, …}',
      found: Array.isArray(parsed) ? 'an array' : typeof parsed,
      hint: 'write the file with safetensors.torch.save_file.',
    });
  }
  // JSON.parse kept the last of any repeated key: a tensor named twice is ambiguous, refuse it
  const problems: Diagnostic[] = duplicateKeyDiagnostics(headerText, file, 'header');
  const bad = (d: Omit<Diagnostic, 'severity' | 'file'>): void => {
    problems.push({ severity: 'error', file, ...d });
  };
  const warnings: Diagnostic[] = [];
  const tensors: TensorInfo[] = [];
  const metadata: Record<string, string> = {};
  const ranges: { key: string; begin: number; end: number }[] = [];

  for (const [key, entry] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === '__metadata__') {
      // the format says {string: string}; other values are dropped with a warning (never String()ed:
      // an array nested 100k deep would overflow the stack)
      if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
        for (const [k, v] of Object.entries(entry)) {
          if (typeof v === 'string') metadata[k] = v;
          else {
            warnings.push({
              code: 'trace/bad-metadata',
              severity: 'warning',
              file,
              path: `__metadata__.${k}`,
              message: `Metadata value "${k}" is not a string; it is ignored.`,
              expected: 'a string (safetensors metadata is {string: string})',
              found: previewJson(v),
            });
          }
        }
      } else {
        warnings.push({ code: 'trace/bad-metadata', severity: 'warning', file, path: '__metadata__', message: '__metadata__ is not an object of strings; it is ignored.', expected: '{"key": "value", …}', found: previewJson(entry) });
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!e || typeof e !== 'object' || Array.isArray(e)) {
      bad({ code: 'trace/bad-header', path: key, message: `Header entry "${key}" is not an object.`, expected: '{"dtype", "shape", "data_offsets"}', found: previewJson(entry) });
      continue;
    }
    if (typeof e.dtype !== 'string' || !isDType(e.dtype)) {
      bad({
        code: 'trace/unsupported-dtype',
        path: `${key}.dtype`,
        message: `Tensor "${key}" has dtype ${previewJson(e.dtype)}, which nmsim does not read.`,
        expected: DTYPES.join(', '),
        found: typeof e.dtype === 'string' ? e.dtype.slice(0, 60) : previewJson(e.dtype),
        hint: UNSUPPORTED_DTYPE_HINT,
      });
      continue;
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad({ code: 'trace/bad-header', path: `${key}.shape`, message: `Tensor "${key}" has an invalid shape.`, expected: 'an array of non-negative integers', found: previewJson(e.shape) });
      continue;
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad({ code: 'trace/bad-offsets', path: `${key}.data_offsets`, message: `Tensor "${key}" has invalid data_offsets.`, expected: '[begin, end], non-negative integers', found: previewJson(offs) });
      continue;
    }
    const [begin, end] = offs as [number, number];
    const shape = e.shape as number[];
    const want = elementCount(shape) * DTYPE_BYTES[e.dtype];
    if (end < begin) {
      bad({ code: 'trace/bad-offsets', path: `${key}.data_offsets`, message: `Tensor "${key}" ends before it begins.`, expected: 'begin ≤ end', found: `[${begin}, ${end}]`, hint: 'the header is corrupt; export the file again.' });
      continue;
    }
    if (end - begin !== want) {
      bad({
        code: 'trace/bad-offsets',
        path: `${key}.data_offsets`,
        message: `Tensor "${key}" spans ${end - begin} bytes, but shape ${formatShape(shape)} of ${e.dtype} needs ${want}.`,
        expected: `${want} bytes (${elementCount(shape)} elements × ${DTYPE_BYTES[e.dtype]})`,
        found: `${end - begin} bytes`,
        hint: 'the header does not match the data; export the file again.',
      });
      continue;
    }
    ranges.push({ key, begin, end });
    tensors.push({ file, key, dtype: e.dtype, shape, byteOffset: dataStart + begin, byteLength: end - begin });
  }

  // overlaps and bounds, in storage order
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let reach: { key: string; end: number } | undefined; // the furthest-reaching tensor so far
  for (const cur of sorted) {
    if (cur.end === cur.begin) continue; // empty tensors occupy no bytes
    if (reach && cur.begin < reach.end) {
      bad({
        code: 'trace/bad-offsets',
        path: `${cur.key}.data_offsets`,
        message: `Tensor "${cur.key}" overlaps tensor "${reach.key}" in the data buffer.`,
        expected: `begin ≥ ${reach.end} (where "${reach.key}" ends)`,
        found: `[${cur.begin}, ${cur.end}]`,
        hint: 'the header is corrupt; export the file again.',
      });
    }
    if (!reach || cur.end > reach.end) reach = { key: cur.key, end: cur.end };
  }
  const contiguous = sorted.every((r, i) => r.begin === (i === 0 ? 0 : sorted[i - 1].end));
  const lastEnd = sorted.length > 0 ? sorted[sorted.length - 1].end : 0;
  if (contiguous && lastEnd > dataBytes) {
    // a well-formed layout that runs past the end: the file was cut short
    bad({
      code: 'trace/truncated-file',
      message: `The file is truncated: its header describes ${lastEnd} data bytes, the file holds ${dataBytes}.`,
      expected: `${dataStart + lastEnd} bytes in all`,
      found: `${dataStart + dataBytes} bytes`,
      hint: 'the file was cut short (interrupted copy or export); copy or export it again.',
    });
  } else {
    for (const r of sorted) {
      if (r.end > dataBytes) {
        bad({
          code: 'trace/bad-offsets',
          path: `${r.key}.data_offsets`,
          message: `Tensor "${r.key}" lies outside the file's data buffer.`,
          expected: `end ≤ ${dataBytes}`,
          found: `[${r.begin}, ${r.end}]`,
          hint: 'the header is corrupt or the file truncated; export it again.',
        });
      }
    }
  }
  if (problems.length > 0) throw new NmsimError(problems, 'input');
  const gap = dataGapWarning(sorted, dataBytes, file);
  if (gap) warnings.push(gap);
  return { dataStart, tensors, metadata, warnings };
}

/**
 * Bytes of the data buffer no tensor covers (between tensors, before the first, after the
 * last): one warning per file. The reference reader refuses such files; nmsim reads them (each
 * tensor is where its offsets say) but says so, since a writer that leaves holes may have lost
 * a tensor.
 */
function dataGapWarning(sorted: readonly { begin: number; end: number }[], dataBytes: number, file: string): Diagnostic | undefined {
  let reach = 0;
  let gaps = 0;
  let gapBytes = 0;
  let first = -1;
  const hole = (from: number, to: number) => {
    gaps += 1;
    gapBytes += to - from;
    if (first < 0) first = from;
  };
  for (const r of sorted) {
    if (r.end === r.begin) continue;
    if (r.begin > reach) hole(reach, r.begin);
    if (r.end > reach) reach = r.end;
  }
  if (dataBytes > reach) hole(reach, dataBytes);
  if (gaps === 0) return undefined;
  return {
    code: 'trace/data-gap',
    severity: 'warning',
    file,
    message: `${gapBytes} bytes of the data buffer belong to no tensor.`,
    expected: 'tensors stored back to back from byte 0 to the end of the file',
    found: `${gapBytes} of ${dataBytes} data bytes in ${gaps} gap${gaps === 1 ? '' : 's'} (first at byte ${first})`,
    hint: 'a tensor may be missing from the header; the others are read where their offsets say. Export the file again to be sure.',
  };
}

/** Reads and validates the header of an open .safetensors file of `fileBytes` bytes. */
export async function readSafetensorsHeader(fh: FileHandle, file: string, fileBytes: number): Promise<SafetensorsHeader> {
  if (fileBytes < 8) {
    throw inputError({
      code: 'trace/truncated-file',
      file,
      message: `The file is too short to be safetensors (${fileBytes} bytes).`,
      expected: 'at least 8 bytes (the header length) plus the header',
      found: `${fileBytes} bytes`,
      hint: 'the file was cut short or is not a safetensors file; export it again.',
    });
  }
  const lenBuf = new Uint8Array(8);
  await readFully(fh, lenBuf, 8, 0, file);
  const headerBytes = new DataView(lenBuf.buffer).getBigUint64(0, true);
  if (headerBytes > BigInt(MAX_HEADER_BYTES)) {
    throw inputError({
      code: 'trace/header-too-large',
      file,
      message: `The header claims ${headerBytes} bytes, more than any real tensor index (limit ${MAX_HEADER_BYTES}).`,
      expected: `a header length ≤ ${MAX_HEADER_BYTES} bytes`,
      found: `${headerBytes} bytes`,
      hint: 'this is not a safetensors file, or its first 8 bytes are corrupt.',
    });
  }
  const n = Number(headerBytes);
  if (8 + n > fileBytes) {
    throw inputError({
      code: 'trace/truncated-file',
      file,
      message: `The header claims ${n} bytes but only ${fileBytes - 8} follow the length field.`,
      expected: `at least ${8 + n} bytes`,
      found: `${fileBytes} bytes`,
      hint: 'the file was cut short, or it is not a safetensors file; export it again.',
    });
  }
  const headerBuf = new Uint8Array(n);
  await readFully(fh, headerBuf, n, 8, file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBuf);
  } catch {
    const utf16 = (headerBuf[0] === 0xff && headerBuf[1] === 0xfe) || (headerBuf[0] === 0xfe && headerBuf[1] === 0xff);
    throw inputError({
      code: 'trace/header-not-json',
      file,
      message: utf16 ? 'The safetensors header is UTF-16 text; the format is UTF-8 JSON.' : 'The safetensors header is not UTF-8 text.',
      expected: 'a UTF-8 JSON object',
      found: utf16 ? 'a UTF-16 byte-order mark' : 'binary bytes',
      hint: 'is this a .safetensors file? write it with safetensors.torch.save_file or nmsim’s writer.',
    });
  }
  return parseSafetensorsHeader(text, file, 8 + n, fileBytes - 8 - n);
}

export interface SafetensorsEntry {
  key: string;
  dtype: string;
  shape: number[];
  byteLength: number;
}

/**
 * Encodes the 8-byte length + JSON header for tensors stored back to back in the given order;
 * padded with spaces to a multiple of 8 so the data buffer starts 8-byte aligned (as the reference
 * implementation does).
 */
export function encodeSafetensorsHeader(entries: SafetensorsEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    header[e.key] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.byteLength] };
    offset += e.byteLength;
  }
  let json = JSON.stringify(header);
  let bytes = new TextEncoder().encode(json);
  const pad = (8 - (bytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    bytes = new TextEncoder().encode(json);
  }
  const out = new Uint8Array(8 + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(bytes.length), true);
  out.set(bytes, 8);
  return out;
}

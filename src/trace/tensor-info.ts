/**
 * What a reader knows about one stored tensor, and the lazy, chunked view the rest of nmsim
 * reads it through. Readers never hold a whole tensor: callers pull rows in chunks into a
 * buffer they reuse.
 */
import type { FileHandle } from 'node:fs/promises';
import { inputError, usageError } from '../diagnostics.js';
import { type DType, DTYPE_BYTES, LITTLE_ENDIAN_HOST, decodeToFloat32 } from './dtype.js';

export interface TensorInfo {
  /** the file as the user named it (for diagnostics) */
  file: string;
  /** key inside a .safetensors file; '' for a .npy file */
  key: string;
  dtype: DType;
  shape: number[];
  /** absolute byte offset of the first element in the file */
  byteOffset: number;
  byteLength: number;
}

/**
 * One read(2) call moves at most this many bytes: libuv refuses (and Node aborts on) lengths
 * past 2^31 − 1, so longer reads are split.
 */
export const MAX_READ_CALL_BYTES = 2 ** 30;

/**
 * The most elements one readRows/readRowRange call decodes (4 GiB of float32). A wider request —
 * a whole [1, 2^31] row — is an input error naming the tensor; read it in column ranges.
 */
export const MAX_READ_ELEMENTS = 2 ** 30;

/**
 * Reads of one source share a scratch buffer: await each read before starting the next on the
 * same source (open a second source for parallel reads; positional reads on one file are safe).
 */
export interface TensorSource {
  info: TensorInfo;
  /** 2-D view: [shape[0], product(rest)]; a 1-D tensor is [1, n]; a 0-D one [1, 1] */
  rows: number;
  cols: number;
  /** decodes rows [rowStart, rowStart+rowCount) to float32 into `out` (reused, grown if short) */
  readRows(rowStart: number, rowCount: number, out?: Float32Array): Promise<Float32Array>;
  /**
   * decodes columns [colStart, colStart+colCount) of one row into `out` (reused, grown if short):
   * how a row wider than a chunk is streamed, so memory stays bounded whatever the shape
   */
  readRowRange(row: number, colStart: number, colCount: number, out?: Float32Array): Promise<Float32Array>;
  /** raw bytes [byteStart, byteStart+byteCount) of the tensor's data (masks) */
  readBytes(byteStart: number, byteCount: number, out?: Uint8Array): Promise<Uint8Array>;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function view2d(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  return { rows: shape[0], cols: elementCount(shape.slice(1)) };
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Reads exactly `length` bytes at `position` into `buf` (from index 0); a short file is an input error. */
export async function readFully(fh: FileHandle, buf: Uint8Array, length: number, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, Math.min(length - done, MAX_READ_CALL_BYTES), position + done);
    if (bytesRead === 0) {
      throw inputError({
        code: 'trace/truncated-file',
        file,
        message: `The file ended early: needed bytes ${position}…${position + length}, it stops at ${position + done}.`,
        expected: `at least ${position + length} bytes`,
        found: `${position + done} bytes`,
        hint: 'the file was cut short (interrupted copy or export); copy or export it again.',
      });
    }
    done += bytesRead;
  }
}

/** A TensorSource over an open file; the file handle is owned by whoever opened it. */
export function fileTensorSource(fh: FileHandle, info: TensorInfo): TensorSource {
  const { rows, cols } = view2d(info.shape);
  const width = DTYPE_BYTES[info.dtype];
  let scratch = new Uint8Array(0);

  async function readBytes(byteStart: number, byteCount: number, out?: Uint8Array): Promise<Uint8Array> {
    if (!Number.isInteger(byteStart) || !Number.isInteger(byteCount) || byteStart < 0 || byteCount < 0 || byteStart + byteCount > info.byteLength) {
      throw usageError({
        code: 'trace/read-out-of-range',
        file: info.file,
        path: info.key || undefined,
        message: `Bytes ${byteStart}…${byteStart + byteCount} are outside the tensor (${info.byteLength} bytes).`,
      });
    }
    if (byteCount > MAX_READ_ELEMENTS * 4) {
      throw inputError({
        code: 'trace/read-too-large',
        file: info.file,
        path: info.key || undefined,
        message: `Reading ${byteCount} bytes of tensor ${info.key ? `"${info.key}"` : info.file} at once is more than nmsim reads in one piece (${MAX_READ_ELEMENTS * 4}).`,
        expected: `≤ ${MAX_READ_ELEMENTS * 4} bytes per read`,
        found: `${byteCount} bytes`,
        hint: 'read it in ranges; `nmsim inspect` does so. Is the shape what the exporter meant?',
      });
    }
    const target = out && out.length >= byteCount ? out : new Uint8Array(byteCount);
    await readFully(fh, target, byteCount, info.byteOffset + byteStart, info.file);
    return target;
  }

  /** decodes `count` elements from flat element index `start` (row-major) */
  async function readElements(start: number, count: number, what: string, out?: Float32Array): Promise<Float32Array> {
    if (count > MAX_READ_ELEMENTS) {
      throw inputError({
        code: 'trace/read-too-large',
        file: info.file,
        path: info.key || undefined,
        message: `Reading ${what} of tensor ${info.key ? `"${info.key}"` : info.file} at once needs ${count} elements, more than nmsim decodes in one piece (${MAX_READ_ELEMENTS}).`,
        expected: `≤ ${MAX_READ_ELEMENTS} elements per read`,
        found: `${count} elements`,
        hint: 'rows this wide are read in column ranges (readRowRange); `nmsim inspect` does so. Is the shape what the exporter meant?',
      });
    }
    const target = out && out.length >= count ? out : new Float32Array(count);
    const byteCount = count * width;
    const position = info.byteOffset + start * width;
    if (info.dtype === 'F32' && LITTLE_ENDIAN_HOST) {
      // read straight into the output's memory, no copy
      await readFully(fh, new Uint8Array(target.buffer, target.byteOffset, byteCount), byteCount, position, info.file);
      return target;
    }
    if (scratch.length < byteCount) scratch = new Uint8Array(byteCount);
    await readFully(fh, scratch, byteCount, position, info.file);
    decodeToFloat32(scratch, info.dtype, count, target, 0);
    return target;
  }

  async function readRows(rowStart: number, rowCount: number, out?: Float32Array): Promise<Float32Array> {
    if (!Number.isInteger(rowStart) || !Number.isInteger(rowCount) || rowStart < 0 || rowCount < 0 || rowStart + rowCount > rows) {
      throw usageError({
        code: 'trace/read-out-of-range',
        file: info.file,
        path: info.key || undefined,
        message: `Rows ${rowStart}…${rowStart + rowCount} are outside the tensor (${rows} rows).`,
      });
    }
    return readElements(rowStart * cols, rowCount * cols, `rows ${rowStart}…${rowStart + rowCount}`, out);
  }

  async function readRowRange(row: number, colStart: number, colCount: number, out?: Float32Array): Promise<Float32Array> {
    const ints = [row, colStart, colCount].every((x) => Number.isInteger(x) && x >= 0);
    if (!ints || row >= rows || colStart + colCount > cols) {
      throw usageError({
        code: 'trace/read-out-of-range',
        file: info.file,
        path: info.key || undefined,
        message: `Row ${row}, columns ${colStart}…${colStart + colCount} are outside the tensor (${rows} × ${cols}).`,
      });
    }
    return readElements(row * cols + colStart, colCount, `row ${row}, columns ${colStart}…${colStart + colCount}`, out);
  }

  return { info, rows, cols, readRows, readRowRange, readBytes };
}

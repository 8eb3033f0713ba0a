/**
 * Every file nmsim reads in a trace bundle is opened here, and must be a regular file. Opening
 * uses O_NONBLOCK, so a FIFO does not block open() (it would wait forever for a writer); fstat
 * on the open handle then says what the path really is (no race between a check and the open),
 * and anything but a regular file — FIFO, device, socket, folder — is refused by name.
 */
import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { type Diagnostic, inputError } from '../diagnostics.js';

/** Where a problem is reported: the file the user named (or the manifest) and a key path. */
export interface FileWhere {
  file: string;
  path?: string;
}

/** "a FIFO (named pipe)", "a character device", "a folder" … */
export function fileKindOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function notAFileError(shown: string, kind: string, where: FileWhere, role: string): ReturnType<typeof inputError> {
  return inputError({
    code: 'trace/not-a-file',
    ...where,
    message: `${shown} is ${kind}, not a regular file; nmsim reads ${role} from regular files only.`,
    expected: 'a regular file',
    found: kind,
    hint: 'copy the data into a regular file (a pipe or device can hang or never end).',
  });
}

// O_NONBLOCK is absent on Windows, where FIFOs of this kind do not exist
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

export interface OpenedRegularFile {
  fh: FileHandle;
  bytes: number;
}

/**
 * Opens `abs` for reading if it is a regular file. `shown` is the path as the user should see
 * it; `role` says what it was opened as ("tensors", "the manifest"). Errors: trace/missing-file,
 * trace/not-a-file, trace/unreadable-file.
 */
export async function openRegularFile(abs: string, shown: string, where: FileWhere, role: string): Promise<OpenedRegularFile> {
  let fh: FileHandle;
  try {
    fh = await fs.open(abs, OPEN_FLAGS);
  } catch (e) {
    throw openError(e as NodeJS.ErrnoException, shown, where, role);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notAFileError(shown, fileKindOf(st), where, role);
    return { fh, bytes: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

function openError(e: NodeJS.ErrnoException, shown: string, where: FileWhere, role: string): ReturnType<typeof inputError> {
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
    return inputError({ code: 'trace/missing-file', ...where, message: `No such file: ${shown}.`, expected: `${role} in a regular file`, found: 'no such file', hint: 'check the path.' });
  }
  if (e.code === 'ENXIO') return notAFileError(shown, 'a socket or a device without a reader', where, role); // open(2) on a socket
  const d: Omit<Diagnostic, 'severity'> = {
    code: 'trace/unreadable-file',
    ...where,
    message: `${shown} cannot be opened (${e.code ?? e.message}).`,
    expected: `a readable regular file with ${role}`,
    found: e.code ?? 'an error',
    hint: e.code === 'EACCES' || e.code === 'EPERM' ? 'check the file’s permissions.' : 'check the path and the file system.',
  };
  return inputError(d);
}

/**
 * File-system errors (Node's errno errors: ENOSPC, EROFS, EACCES …) as diagnostics. They are the
 * environment's problem, not nmsim's: the CLI reports them as input errors (exit 1) with the
 * path, a plain cause and a hint — never as "a bug in nmsim".
 */
import type { Diagnostic } from '../diagnostics.js';

interface Cause {
  cause: string;
  hint: string;
}

const ELSEWHERE = 'or write the output somewhere else (--out)';

/** Plain-words cause and hint per errno (POSIX names, as Node reports them). */
const CAUSES: Record<string, Cause> = {
  ENOSPC: { cause: 'the disk is full (no space left on the device)', hint: `free some space on that disk, ${ELSEWHERE}.` },
  EDQUOT: { cause: 'your disk quota is used up', hint: `delete some of your files on that disk, ${ELSEWHERE}.` },
  EFBIG: { cause: 'the file is larger than this file system allows', hint: `write to a file system that takes large files, ${ELSEWHERE}.` },
  EROFS: { cause: 'the file system is read-only', hint: `remount it read-write, ${ELSEWHERE}.` },
  EACCES: { cause: 'permission denied', hint: `check the permissions of that path and its folders, ${ELSEWHERE}.` },
  EPERM: { cause: 'the operation is not permitted there', hint: `this folder does not take new files (a system folder?); ${ELSEWHERE}.` },
  EISDIR: { cause: 'it is a folder, where a file was expected', hint: 'give the path of a file.' },
  ENOTDIR: { cause: 'a part of the path is a file, not a folder', hint: 'fix the path: a file cannot hold other files.' },
  ENOENT: { cause: 'no such file or folder', hint: 'check the path (and that the folder it names exists).' },
  EEXIST: { cause: 'something already exists there', hint: 'remove it or choose another path.' },
  ENOTEMPTY: { cause: 'the folder is not empty', hint: 'another program may be writing there at the same time; check the folder and retry.' },
  EBUSY: { cause: 'the file or folder is busy (in use, or a mount point)', hint: `close what uses it and retry, ${ELSEWHERE}.` },
  ETXTBSY: { cause: 'the file is busy (a running program)', hint: 'close what uses it and retry.' },
  EMFILE: { cause: 'this process has too many open files', hint: 'raise the open-file limit (ulimit -n 4096) and retry.' },
  ENFILE: { cause: 'the system has too many open files', hint: 'close other programs, or raise the system limit, and retry.' },
  ENAMETOOLONG: { cause: 'the path, or a name in it, is too long', hint: 'use a shorter path.' },
  ELOOP: { cause: 'too many symbolic links (a link loop?)', hint: 'check the links along the path.' },
  EXDEV: { cause: 'the source and destination are on different file systems', hint: `choose an output on the same disk, ${ELSEWHERE}.` },
  EIO: { cause: 'the device reported an input/output error', hint: 'the disk or network share may be failing; check it (dmesg) and retry.' },
  ENXIO: { cause: 'no device or reader behind that path (a FIFO nobody reads?)', hint: 'give a regular file or folder.' },
  ESTALE: { cause: 'a stale network file handle', hint: 'remount the network share and retry.' },
  EAGAIN: { cause: 'the resource is temporarily unavailable', hint: 'retry.' },
  EINTR: { cause: 'the operation was interrupted', hint: 'retry.' },
  ENODEV: { cause: 'no such device', hint: 'give a regular file or folder.' },
  EOVERFLOW: { cause: 'the value is too large for this file system', hint: 'write the output to another file system.' },
};

const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the folder',
  rmdir: 'remove the folder',
  rm: 'remove',
  unlink: 'delete',
  rename: 'rename',
  scandir: 'list the folder',
  stat: 'look at',
  lstat: 'look at',
  realpath: 'resolve',
  access: 'access',
  copyfile: 'copy',
  link: 'link',
  symlink: 'link',
  fsync: 'flush',
  close: 'close',
};

/** A Node errno error (`code` like "ENOSPC" plus `syscall` or `errno`), as opposed to a bug. */
export function isErrnoError(e: unknown): e is NodeJS.ErrnoException {
  if (!(e instanceof Error)) return false;
  const x = e as NodeJS.ErrnoException;
  return typeof x.code === 'string' && /^E[A-Z0-9]+$/.test(x.code) && (typeof x.syscall === 'string' || typeof x.errno === 'number');
}

export function errnoCause(code: string): Cause | undefined {
  return CAUSES[code];
}

/**
 * The diagnostic for an errno error: code `io/<errno in lower case>`, the path, what nmsim tried
 * to do, the cause and a hint. `context` (e.g. "cannot write the output folder reports/r")
 * replaces the generic "cannot <verb> <path>" opening when the caller knows more.
 */
export function errnoDiagnostic(e: NodeJS.ErrnoException, context?: { file?: string; doing?: string }): Diagnostic {
  const code = e.code ?? 'EIO';
  const known = CAUSES[code];
  const p = e.path ?? (e as { dest?: string }).dest;
  const dest = (e as { dest?: string }).dest;
  const where = p ? `${p}${dest && dest !== p ? ` → ${dest}` : ''}` : '';
  const verb = e.syscall ? (VERBS[e.syscall] ?? e.syscall) : 'use';
  const cause = known?.cause ?? e.message.replace(/^[A-Z0-9]+: /, '').replace(/, \w+ '.*'$/, '');
  const opening = context?.doing ? `${context.doing}: ${cause}` : `cannot ${verb}${where ? ` ${where}` : ''}: ${cause}`;
  const detail = context?.doing && where ? ` (${e.syscall ?? 'at'} ${where})` : '';
  return {
    code: `io/${code.toLowerCase()}`,
    severity: 'error',
    file: context?.file ?? p,
    message: `${opening}${detail}.`,
    hint: known?.hint ?? 'check the path and the disk, then retry.',
  };
}

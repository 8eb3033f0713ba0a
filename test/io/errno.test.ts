import { errnoDiagnostic, isErrnoError } from '../../src/io/errno.js';

const errno = (code: string, syscall: string, p?: string, dest?: string) => Object.assign(new Error(`${code}: something, ${syscall} '${p}'`), { code, syscall, errno: -1, path: p, dest });

describe('file-system errors as diagnostics', () => {
  it('ENOSPC while writing names the code, the path, the cause in plain words and a hint', () => {
    expect(errnoDiagnostic(errno('ENOSPC', 'write', '/data/r/x.csv'))).toEqual({
      code: 'io/enospc',
      severity: 'error',
      file: '/data/r/x.csv',
      message: 'cannot write /data/r/x.csv: the disk is full (no space left on the device).',
      hint: 'free some space on that disk, or write the output somewhere else (--out).',
    });
  });

  it.each([
    ['EBUSY', /busy/],
    ['EMFILE', /too many open files/],
    ['EDQUOT', /quota/],
    ['ENOTDIR', /is a file, not a folder/],
    ['ENAMETOOLONG', /too long/],
    ['EIO', /input\/output error/],
  ])('%s has a plain-words cause', (code, cause) => {
    const d = errnoDiagnostic(errno(code, 'open', '/x/y'));
    expect(d.code).toBe(`io/${code.toLowerCase()}`);
    expect(d.message).toMatch(cause);
    expect(d.hint).toBeDefined();
  });

  it('a rename names both paths; a caller\'s context replaces the generic opening', () => {
    const d = errnoDiagnostic(errno('EXDEV', 'rename', '/a/x', '/b/x'), { file: 'reports/r', doing: 'cannot write the output folder reports/r' });
    expect(d.file).toBe('reports/r');
    expect(d.message).toBe('cannot write the output folder reports/r: the source and destination are on different file systems (rename /a/x → /b/x).');
  });

  it('an errno without a plain-words entry keeps the system text', () => {
    expect(errnoDiagnostic(errno('ENOLCK', 'open', '/x')).message).toBe('cannot open /x: something.');
  });

  it('Node\'s own argument errors (ERR_*) and plain errors stay bugs', () => {
    expect(isErrnoError(Object.assign(new TypeError('bad'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBe(false);
    expect(isErrnoError(new Error('ENOSPC'))).toBe(false);
    expect(isErrnoError(errno('EROFS', 'mkdir', '/ro'))).toBe(true);
  });
});

/**
 * Issue 16: readSpecFile keeps each YAML text it parsed, so a review that resolves a tech file
 * several times parses it once. Each read must still give the file's current content and a copy
 * of its own.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSpecFile } from '../../src/profile/read-spec.js';

describe('readSpecFile on a file read before', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-read-spec-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('gives the same values again, and a copy that a caller may change without changing the next read', () => {
    const file = path.join(dir, 'spec.yaml');
    fs.writeFileSync(file, 'name: x\nclock: 1830 MHz\nlist: [1, 2.5, -0]\nnested: { a: { b: true } }\n');
    const first = readSpecFile(file, 'profile') as { name: string; list: number[]; nested: { a: { b: boolean } } };
    expect(first).toEqual({ name: 'x', clock: '1830 MHz', list: [1, 2.5, -0], nested: { a: { b: true } } });
    first.name = 'changed';
    first.list.push(99);
    first.nested.a.b = false;
    const second = readSpecFile(file, 'profile');
    expect(second).toEqual({ name: 'x', clock: '1830 MHz', list: [1, 2.5, -0], nested: { a: { b: true } } });
    expect(Object.is((second as { list: number[] }).list[2], -0)).toBe(true);
    expect(second).not.toBe(first);
  });

  test('reads the new text when the file changed between two reads', () => {
    const file = path.join(dir, 'spec.yaml');
    fs.writeFileSync(file, 'clock: 1830 MHz\n');
    expect(readSpecFile(file, 'profile')).toEqual({ clock: '1830 MHz' });
    fs.writeFileSync(file, 'clock: 1700 MHz\n');
    expect(readSpecFile(file, 'profile')).toEqual({ clock: '1700 MHz' });
  });

  test('a text that failed to parse fails again, under the second file\'s name', () => {
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    fs.writeFileSync(a, 'a: 1\na: 2\n');
    fs.writeFileSync(b, 'a: 1\na: 2\n');
    expect(() => readSpecFile(a, 'tech')).toThrow(/not valid YAML at line 2/);
    try {
      readSpecFile(b, 'tech');
      throw new Error('no error');
    } catch (e) {
      expect((e as { diagnostics: { code: string; file: string }[] }).diagnostics[0]).toMatchObject({ code: 'tech/bad-yaml', file: b });
    }
  });
});

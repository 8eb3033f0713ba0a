/**
 * What the fuzz suite found, each kept as a plain regression test (the fuzz cases that found
 * them are random; these are not).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Diagnostic, NmsimError } from '../../src/diagnostics.js';
import { loadProfile } from '../../src/profile/load.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../trace/tmp.js';

const { dir, cleanup } = tempDir('nmsim-fuzz-found-');
afterAll(cleanup);

const SHIPPED = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'), 'utf8')) as Record<string, any>;
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
let n = 0;

async function profileProblems(text: string, ext = '.json'): Promise<Diagnostic[]> {
  const file = path.join(dir, `p${n++}${ext}`);
  fs.writeFileSync(file, text);
  try {
    await loadProfile(file);
  } catch (e) {
    if (!(e instanceof NmsimError)) throw e;
    return e.diagnostics;
  }
  return [];
}

describe('hardware profiles', () => {
  test('a value nested 20,000 deep where a number belongs is an invalid-value error, not a stack overflow', async () => {
    const text = JSON.stringify({ ...SHIPPED, tensorCore: { ...SHIPPED.tensorCore, count: '@@' } }).replace('"@@"', deep(20_000));
    const ds = await profileProblems(text);
    expect(ds.map((d) => [d.code, d.path])).toEqual([['profile/invalid-value', 'tensorCore.count']]);
    expect(ds[0].found!.length).toBeLessThanOrEqual(80);
  });

  test('a quantity nested 20,000 deep (clock: [[[…]]]) is a bad-unit error, not a stack overflow', async () => {
    const text = JSON.stringify({ ...SHIPPED, clock: '@@' }).replace('"@@"', deep(20_000));
    const ds = await profileProblems(text);
    expect(ds.map((d) => [d.code, d.path])).toEqual([['profile/bad-unit', 'clock']]);
  });
});

describe('YAML nesting (the yaml composer recurses; near the stack limit V8 can abort the whole process)', () => {
  const yamlWith = (value: string) => fs.readFileSync(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'), 'utf8').replace(/^tech: .*$/m, `tech: ${value}`);

  test('a value nested 1,000 deep in block style (half a MB) is a bad-yaml error naming the limit', async () => {
    const block = '\n' + Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n') + 'x';
    const ds = await profileProblems(yamlWith(block), '.yaml');
    expect(ds.map((d) => d.code)).toEqual(['profile/bad-yaml']);
    expect(ds[0].message).toMatch(/nested more than 64 deep/);
  });

  test('flow and compact nesting 50,000 deep are refused the same way', async () => {
    for (const v of ['['.repeat(50_000) + ']'.repeat(50_000), '\n  ' + '- '.repeat(50_000) + 'x']) {
      const ds = await profileProblems(yamlWith(v), '.yaml');
      expect(ds.map((d) => [d.code, /nested more than 64 deep/.test(d.message)])).toEqual([['profile/bad-yaml', true]]);
    }
  });

  test('a spec file over 1 MiB is refused before it is parsed', async () => {
    const ds = await profileProblems(yamlWith('5nm') + '\n#' + 'x'.repeat(2 ** 20), '.yaml');
    expect(ds.map((d) => d.code)).toEqual(['profile/too-large']);
  });

  test('every shipped profile and tech file is well inside both limits', async () => {
    for (const sub of ['', 'tech']) {
      const d = path.join(REPO_ROOT, 'hardware-profiles', sub);
      for (const f of fs.readdirSync(d).filter((x) => x.endsWith('.yaml'))) expect(fs.statSync(path.join(d, f)).size).toBeLessThan(2 ** 16);
    }
  });
});

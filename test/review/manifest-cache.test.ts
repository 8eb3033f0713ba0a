import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNmsimError } from '../../src/diagnostics.js';
import { cachedManifestCheck } from '../../src/review/inputs.js';
import { decodeValue, encodeValue } from '../../src/review/cache.js';
import { parseManifest } from '../../src/trace/manifest-check.js';

let tmp: string;
const FILE = 'traces/stories260k/manifest.json';

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-manifest-cache-'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function manifestEntries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => /^manifest-[0-9a-f]{64}\.json$/.test(f)).sort();
}

function diagnosticsOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    if (isNmsimError(e)) return e.diagnostics;
    throw e;
  }
  throw new Error('no error');
}

describe('the checked-manifest cache', () => {
  it('returns what parseManifest returns, reads a text it checked before from its entry, and checks a changed text anew', async () => {
    const dir = path.join(tmp, 'hit');
    const text = await fs.readFile(FILE, 'utf8');
    const check = cachedManifestCheck(dir);
    const first = await check(text, FILE);
    expect(first).toEqual(parseManifest(text, FILE));
    const [entry] = await manifestEntries(dir);
    // the second check reads the entry: a value planted in it comes back
    const stored = decodeValue(await fs.readFile(path.join(dir, entry), 'utf8')) as { value: { model: { name: string } } };
    stored.value.model.name = 'planted';
    await fs.writeFile(path.join(dir, entry), encodeValue(stored));
    expect((await check(text, FILE)).model.name).toBe('planted');
    // one more space in the text is another text: checked again, a second entry
    const changed = text.replace('{', '{ ');
    expect(changed).not.toBe(text);
    expect((await check(changed, FILE)).model.name).toBe(parseManifest(text, FILE).model.name);
    expect(await manifestEntries(dir)).toHaveLength(2);
  });

  it('a text that fails the check throws the same diagnostics as parseManifest, every time, and stores nothing', async () => {
    const dir = path.join(tmp, 'bad');
    const text = (await fs.readFile(FILE, 'utf8')).replace('"runs"', '"runz"');
    const expected = diagnosticsOf(() => parseManifest(text, FILE));
    for (let i = 0; i < 2; i++) {
      const got = await cachedManifestCheck(dir)(text, FILE).then(
        () => 'no error',
        (e: unknown) => (isNmsimError(e) ? e.diagnostics : e),
      );
      expect(got).toEqual(expected);
    }
    expect(await fs.readdir(dir).catch(() => [])).toEqual([]);
  });
});

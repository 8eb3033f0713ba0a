import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBundlesHashed } from '../../src/review/inputs.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-hash-cache-'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function hashesOf(bundle: string, cacheDir?: string): Promise<Record<string, string>> {
  const [b] = await openBundlesHashed([bundle], cacheDir);
  await b.bundle.close();
  return Object.fromEntries(b.files.map((f) => [f.path, f.sha256]));
}

const sha256 = async (file: string) => createHash('sha256').update(await fs.readFile(file)).digest('hex');

describe('the bundle files\' hashes through the cache (stat-keyed)', () => {
  it('a rerun reads each file\'s hash from its entry, equal to the file\'s sha256, and a byte changed under the same size and restored mtime is hashed again', async () => {
    const bundle = path.join(tmp, 'bundle');
    await writeSyntheticBundle(bundle);
    const dir = path.join(tmp, 'cache');
    // a whole-second mtime, which utimes can set back exactly (below)
    const file = path.join(bundle, 'dense.safetensors');
    await fs.utimes(file, 1_700_000_000, 1_700_000_000);
    // the bundle's files: the manifest and the tensor files it names (not the writer's .nmsim-output.json)
    const names = (await fs.readdir(bundle)).filter((n) => n === 'manifest.json' || n.endsWith('.safetensors')).sort();
    const direct = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await sha256(path.join(bundle, n))] as const)));
    expect(await hashesOf(bundle)).toEqual(direct);
    expect(await hashesOf(bundle, dir)).toEqual(direct);
    const entries = async () => (await fs.readdir(dir)).filter((n) => n.startsWith('filehash-')).sort();
    const first = await entries();
    expect(first).toHaveLength(names.length);
    // a hit: the same entries, no new ones, the same hashes
    expect(await hashesOf(bundle, dir)).toEqual(direct);
    expect(await entries()).toEqual(first);

    // one byte of a tensor file flipped in place, same size, its mtime set back: ctime moved, so a new key
    const before = await fs.stat(file, { bigint: true });
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 1] ^= 0x04;
    const fh = await fs.open(file, 'r+');
    await fh.write(bytes, bytes.length - 1, 1, bytes.length - 1);
    await fh.close();
    await fs.utimes(file, 1_700_000_000, 1_700_000_000);
    const after = await fs.stat(file, { bigint: true });
    expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
    const changed = await hashesOf(bundle, dir);
    expect(changed['dense.safetensors']).toBe(await sha256(file));
    expect(changed['dense.safetensors']).not.toBe(direct['dense.safetensors']);
    expect({ ...changed, 'dense.safetensors': direct['dense.safetensors'] }).toEqual(direct);
    expect(await entries()).toHaveLength(names.length + 1);
  });
});

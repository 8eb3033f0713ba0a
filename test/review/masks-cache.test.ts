/**
 * The recorded masks' check through the cache (rerun16d): a rerun reads the entry instead of
 * streaming every measured run's masks; a changed mask byte (same size, same mtime) is a new key
 * and is checked anew — here the flipped bit breaks the run's 2:4 pattern, so the stored entry
 * would have hidden a real violation.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskViolations, maskViolationsCached } from '../../src/review/masks.js';
import { openBundlesHashed } from '../../src/review/inputs.js';

const SHIPPED = path.join('traces', 'stories260k');
const RUN = '2of4-magnitude-none';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-masks-cache-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function check(bundleDir: string, cacheDir: string | undefined, runs: readonly string[]) {
  const [opened] = await openBundlesHashed([bundleDir]);
  try {
    const cachedResult = await maskViolationsCached(cacheDir, opened, new Set(runs));
    const direct = await maskViolations(opened.bundle, new Set(runs));
    return { ...cachedResult, direct };
  } finally {
    await opened.bundle.close();
  }
}

/** Byte offset of a tensor's data in a safetensors file (8-byte header length, JSON header, data). */
async function tensorOffset(file: string, key: string): Promise<number> {
  const bytes = await fs.readFile(file);
  const headerBytes = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerBytes).toString('utf8')) as Record<string, { data_offsets: [number, number] }>;
  return 8 + headerBytes + header[key].data_offsets[0];
}

describe('the masks check through the cache', () => {
  it('a rerun reads the entry; a flipped mask bit in a file of the same size and mtime is checked anew and found', async () => {
    const bundle = path.join(tmp, 'bundle');
    await fs.cp(SHIPPED, bundle, { recursive: true });
    const cacheDir = path.join(tmp, 'cache');
    const runs = [RUN, '8of16-magnitude-none'];

    const first = await check(bundle, cacheDir, runs);
    const second = await check(bundle, cacheDir, runs);
    expect([first.status, second.status]).toEqual(['miss', 'hit']);
    // the shipped masks obey their patterns: no violation, cached or not
    expect([...second.value]).toEqual([]);
    expect([...first.direct]).toEqual([]);
    expect((await fs.readdir(cacheDir)).filter((f) => f.startsWith('masks-'))).toHaveLength(1);
    expect((await check(bundle, undefined, runs)).status).toBe('off');

    // set a cleared bit of the first packed byte of 2:4's q mask: one group of 4 then keeps 3
    const file = path.join(bundle, '2of4-magnitude-none.safetensors');
    const mtimeS = 1_700_000_000; // whole seconds, which every file system stores exactly
    await fs.utimes(file, mtimeS, mtimeS);
    expect((await check(bundle, cacheDir, runs)).status).toBe('hit'); // the key is content, not mtime
    const at = await tensorOffset(file, 'layers.0.self_attn.qkv.input.mask.q');
    const before = await fs.stat(file);
    const bytes = await fs.readFile(file);
    const cleared = [0, 1, 2, 3, 4, 5, 6, 7].find((b) => (bytes[at] & (1 << b)) === 0)!;
    bytes[at] |= 1 << cleared;
    await fs.writeFile(file, bytes);
    await fs.utimes(file, mtimeS, mtimeS);
    const after = await fs.stat(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);

    const changed = await check(bundle, cacheDir, runs);
    expect(changed.status).toBe('miss');
    expect(changed.value.get(RUN)).toMatchObject({ site: 'layers.0.self_attn.qkv.input', consumer: 'q', violatingGroups: 1 });
    expect([...changed.value]).toEqual([...changed.direct]);
    expect(changed.value.has('8of16-magnitude-none')).toBe(false);
  }, 30_000);
});

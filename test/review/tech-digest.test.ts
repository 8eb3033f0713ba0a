/**
 * The tech-library digest the points key holds, through the cache (review/profile-cache.ts
 * cachedTech's digest, issue 16): a rerun reads it instead of loading the 5nm library (and the asap7 and
 * nangate45 files it derives and scales from) again, unless a file loadTech could read changed.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTech } from '../../src/profile/tech.js';
import { decodeValue, encodeValue } from '../../src/review/cache.js';
import { loadProfilesHashed } from '../../src/review/inputs.js';
import { cachedTech } from '../../src/review/profile-cache.js';

let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-tech-digest-'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function entries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => /^tech-[0-9a-f]{64}\.json$/.test(f)).sort();
}

/** The shipped profiles' layout: profiles beside a tech/ folder holding copies of the shipped tech files. */
async function setUp(name: string) {
  const root = path.join(tmp, name);
  await fs.mkdir(path.join(root, 'profiles', 'tech'), { recursive: true });
  for (const f of await fs.readdir('hardware-profiles/tech')) if (f.endsWith('.yaml')) await fs.copyFile(path.join('hardware-profiles/tech', f), path.join(root, 'profiles', 'tech', f));
  const file = path.join(root, 'profiles', 'act-8of16.yaml');
  await fs.copyFile('hardware-profiles/act-8of16.yaml', file);
  const { profiles } = await loadProfilesHashed([file]);
  const h = profiles[0];
  const uncached = async () => sha256(encodeValue(await loadTech(h.loaded.profile.tech, h.loaded.techDirs)));
  const digest = async () => (await cachedTech(path.join(root, '.nmsim-cache'), h.loaded.profile.tech, h.loaded.techDirs, profiles)).digest;
  return { root, file, cache: path.join(root, '.nmsim-cache'), digest, uncached, techDir: path.join(root, 'profiles', 'tech') };
}

describe('the tech-library digest through the cache', () => {
  it("gives loadTech's library beside the digest, from the entry on a hit (the changed profile's points take it)", async () => {
    const s = await setUp('library');
    const h = (await loadProfilesHashed([s.file])).profiles;
    const { tech } = h[0].loaded.profile;
    const { techDirs } = h[0].loaded;
    const fresh = await loadTech(tech, techDirs);
    const first = await cachedTech(s.cache, tech, techDirs, h);
    expect(first.library).toEqual(fresh);
    expect(first.digest).toBe(sha256(encodeValue(fresh)));
    const [entry] = await entries(s.cache);
    const stored = decodeValue(await fs.readFile(path.join(s.cache, entry), 'utf8')) as { value: { library: { name: string } } };
    stored.value.library.name = 'planted';
    await fs.writeFile(path.join(s.cache, entry), encodeValue(stored));
    expect((await cachedTech(s.cache, tech, techDirs, h)).library?.name).toBe('planted');
  });


  it("is the sha256 of the loaded library's exact text, read back from its entry, and kept when a loaded profile changes", async () => {
    const s = await setUp('hit');
    expect(await s.digest()).toBe(await s.uncached());
    const [entry] = await entries(s.cache);
    const stored = decodeValue(await fs.readFile(path.join(s.cache, entry), 'utf8')) as { value: { digest: string } };
    stored.value.digest = 'planted';
    await fs.writeFile(path.join(s.cache, entry), encodeValue(stored));
    expect(await s.digest()).toBe('planted');
    // the rerun's change: a profile's clock — not a file loadTech reads
    await fs.writeFile(s.file, (await fs.readFile(s.file, 'utf8')).replace(/^clock: 1830 MHz$/m, 'clock: 1700 MHz'));
    expect(await s.digest()).toBe('planted');
    expect(await entries(s.cache)).toHaveLength(1);
  });

  it('loads afresh when a file of the derivation chain changes or a new file shadows one, and the digest follows the library', async () => {
    const s = await setUp('miss');
    const first = await s.digest();
    // the 5nm file's own text: its description is in the library
    const fiveNm = path.join(s.techDir, '5nm.yaml');
    await fs.writeFile(fiveNm, (await fs.readFile(fiveNm, 'utf8')).replace('  5 nm-class node', '  edited 5 nm-class node'));
    // (a byte that changes no value still changes the key)
    await fs.appendFile(path.join(s.techDir, 'asap7.yaml'), '# edited\n');
    const edited = await s.digest();
    expect(edited).toBe(await s.uncached());
    expect(edited).not.toBe(first);
    expect(await entries(s.cache)).toHaveLength(2);
    // a 5nm.yaml in the profile's own folder is found after tech/'s; one in tech/ with other text is found first
    await fs.rm(path.join(s.techDir, '5nm.yaml'));
    await fs.copyFile('hardware-profiles/tech/5nm.yaml', path.join(path.dirname(s.file), '5nm.yaml'));
    const shadowed = await s.digest();
    expect(shadowed).toBe(await s.uncached());
    expect(shadowed).toBe(first);
    expect(await entries(s.cache)).toHaveLength(3);
    // and that one, in the profiles' own folder, edited
    const own = path.join(path.dirname(s.file), '5nm.yaml');
    await fs.writeFile(own, (await fs.readFile(own, 'utf8')).replace('  5 nm-class node', '  own 5 nm-class node'));
    const ownEdited = await s.digest();
    expect(ownEdited).toBe(await s.uncached());
    expect(ownEdited).not.toBe(first);
  });
});

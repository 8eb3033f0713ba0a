/**
 * The loaded-profile cache (review/inputs.ts loadProfilesHashed with a cache folder, issue 16): a
 * rerun reads each unchanged profile's loadProfile result instead of parsing its YAML and running
 * zod again; a changed byte, another path or a tech file gone is loaded afresh.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { isNmsimError } from '../../src/diagnostics.js';
import { loadProfile } from '../../src/profile/load.js';
import { decodeValue, encodeValue } from '../../src/review/cache.js';
import { loadProfilesHashed } from '../../src/review/inputs.js';

let tmp: string;
let text: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-profile-cache-'));
  // act-8of16 naming a tech file of its own folder's tech/ (a copy of the shipped 5nm), so the test can take it away
  text = (await fs.readFile('hardware-profiles/act-8of16.yaml', 'utf8')).replace(/^tech: 5nm$/m, 'tech: mytech');
  expect(text).toContain('tech: mytech');
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function profileEntries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => /^profile-[0-9a-f]{64}\.json$/.test(f)).sort();
}

async function setUp(name: string): Promise<{ file: string; cache: string }> {
  const dir = path.join(tmp, name);
  await fs.mkdir(path.join(dir, 'profiles', 'tech'), { recursive: true });
  await fs.copyFile('hardware-profiles/tech/5nm.yaml', path.join(dir, 'profiles', 'tech', 'mytech.yaml'));
  const file = path.join(dir, 'profiles', 'act-8of16.yaml');
  await fs.writeFile(file, text);
  return { file, cache: path.join(dir, '.nmsim-cache') };
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'no error',
    (e: unknown) => (isNmsimError(e) ? e.diagnostics : e),
  );
}

describe('the loaded-profile cache', () => {
  it("returns loadProfile's profile and the file's sha256, reads an unchanged file's entry, and loads a changed byte or another path afresh", async () => {
    const { file, cache } = await setUp('hit');
    const first = await loadProfilesHashed([file], cache);
    const plain = await loadProfilesHashed([file]);
    expect(first).toEqual(plain);
    expect(first.profiles[0].loaded).toEqual(await loadProfile(file));
    expect(first.profiles[0].sha256).toBe(createHash('sha256').update(text).digest('hex'));
    const [entry] = await profileEntries(cache);
    // the second load reads the entry: a value planted in it comes back
    const stored = decodeValue(await fs.readFile(path.join(cache, entry), 'utf8')) as { value: { profile: { name: string } } };
    stored.value.profile.name = 'planted';
    await fs.writeFile(path.join(cache, entry), encodeValue(stored));
    expect((await loadProfilesHashed([file], cache)).profiles[0].loaded.profile.name).toBe('planted');
    // one more comment line is another file: loaded again, a second entry
    await fs.writeFile(file, `${text}# one more line\n`);
    expect((await loadProfilesHashed([file], cache)).profiles[0].loaded.profile.name).toBe('act-8of16');
    expect(await profileEntries(cache)).toHaveLength(2);
    // the same bytes at another path: LoadedProfile.file and the tech folders are the path's, so another entry
    await fs.writeFile(file, text);
    const moved = path.join(path.dirname(file), 'moved.yaml');
    await fs.copyFile(file, moved);
    const again = await loadProfilesHashed([moved], cache);
    expect(again.profiles[0].loaded).toEqual(await loadProfile(moved));
    expect(await profileEntries(cache)).toHaveLength(3);
  });

  it("a hit whose tech file is gone gives loadProfile's error, not the stored profile", async () => {
    const { file, cache } = await setUp('tech-gone');
    await loadProfilesHashed([file], cache);
    expect(await profileEntries(cache)).toHaveLength(1);
    await fs.rm(path.join(path.dirname(file), 'tech', 'mytech.yaml'));
    const expected = await errorOf(loadProfile(file));
    expect(JSON.stringify(expected)).toContain('profile/unknown-tech');
    expect(await errorOf(loadProfilesHashed([file], cache))).toEqual(expected);
  });

  it("a profile that fails to load throws loadProfile's diagnostics every time and stores nothing", async () => {
    const { file, cache } = await setUp('bad');
    await fs.writeFile(file, text.replace('tech: mytech', 'tech: ../mytech'));
    const expected = await errorOf(loadProfile(file));
    expect(Array.isArray(expected)).toBe(true);
    for (let i = 0; i < 2; i++) expect(await errorOf(loadProfilesHashed([file], cache))).toEqual(expected);
    expect(await profileEntries(cache)).toEqual([]);
  });
});

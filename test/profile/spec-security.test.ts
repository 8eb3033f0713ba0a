/**
 * Issue 11, profile security: a profile's `tech:` names a tech file (never a path), and no
 * diagnostic ever echoes a file's contents — at most a short, escaped excerpt of the user's
 * own spec value. Also the hostile-YAML cases: alias bombs, merge keys, huge files, a tech
 * file given as a profile and the other way round.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadProfile } from '../../src/profile/load.js';
import { loadTech } from '../../src/profile/tech.js';
import { loadMeasuredSparsity } from '../../src/perf/measured-file.js';
import { NmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { SHIPPED_TECH_DIR } from '../../src/profile/paths.js';
import { goodProfile, printed, profileDiagnostics, tempDir, writeSpec } from './fixture.js';

const dir = tempDir('nmsim-spec-security-');
/** a recognisable secret (100 characters) */
const SECRET = 'TOP-SECRET-' + 'x9Q'.repeat(30);
/** where a file's contents must not appear at all: not even its first characters */
const SECRET_PART = 'TOP-SEC';
/** where a user's own value may be quoted: only as a short excerpt (at most 40 characters) */
const SECRET_41 = SECRET.slice(0, 41);

async function diagnosticsOfPromise(p: Promise<unknown>): Promise<Diagnostic[]> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof NmsimError)) throw e;
    return e.diagnostics;
  }
  throw new Error('expected a rejection');
}

describe('tech: is a name, resolved only among known folders', () => {
  const secretFile = writeSpec(dir, 'outside/secret.yaml', `${SECRET}\nroot:x:0:0:root:/root:/bin/bash\n`);

  test.each([['../../../../etc/passwd'], [path.relative(path.join(dir, 'p'), secretFile).replace(/\.yaml$/, '')], [secretFile], ['..'], ['tech/../nangate45'], ['nangate45.yaml'], ['.hidden']])(
    'tech: %s is refused with the valid names listed and nothing read',
    async (value) => {
      const doc = goodProfile();
      doc.tech = value;
      const ds = await profileDiagnostics(writeSpec(dir, `p/with-${Math.random().toString(36).slice(2)}.yaml`, doc));
      expect(ds[0]).toMatchObject({ code: 'profile/invalid-tech', path: 'tech' });
      expect(ds[0].hint).toMatch(/5nm, asap7, nangate45/);
      expect(printed(ds)).not.toContain(SECRET_PART);
      expect(printed(ds)).not.toContain('root:x');
    },
  );

  test('loadTech refuses a path as a name (the library entry point, not only the profile loader)', async () => {
    const ds = await diagnosticsOfPromise(loadTech(secretFile));
    expect(ds[0].code).toBe('tech/invalid-name');
    expect(printed(ds)).not.toContain(SECRET_PART);
  });

  test('a tech file next to the profile, in its folder or its tech/ subfolder, is found by name; the tech/ one wins', async () => {
    const nangate = fs.readFileSync(path.join(SHIPPED_TECH_DIR, 'nangate45.yaml'), 'utf8');
    writeSpec(dir, 'q/mynode.yaml', nangate.replace(/^name: .*$/m, 'name: mynode-in-folder'));
    writeSpec(dir, 'q/tech/mynode.yaml', nangate.replace(/^name: .*$/m, 'name: mynode-in-tech'));
    writeSpec(dir, 'q/other.yaml', nangate.replace(/^name: .*$/m, 'name: other-in-folder'));
    const doc = goodProfile();
    doc.tech = 'mynode';
    const loaded = await loadProfile(writeSpec(dir, 'q/core.yaml', doc));
    expect((await loadTech(loaded.profile.tech, loaded.techDirs)).name).toBe('mynode-in-tech');
    doc.tech = 'other';
    const other = await loadProfile(writeSpec(dir, 'q/core2.yaml', doc));
    expect((await loadTech(other.profile.tech, other.techDirs)).name).toBe('other-in-folder');
  });

  test('a non-tech file found by name next to the profile is refused without echoing it', async () => {
    writeSpec(dir, 'r/notes.yaml', `${SECRET}\n`);
    const doc = goodProfile();
    doc.tech = 'notes';
    const loaded = await loadProfile(writeSpec(dir, 'r/core.yaml', doc));
    const ds = await diagnosticsOfPromise(loadTech(loaded.profile.tech, loaded.techDirs));
    expect(ds.length).toBeGreaterThan(0);
    expect(printed(ds)).not.toContain(SECRET_PART);
  });

  test('a tech file that derives from itself is a cycle, reported once', async () => {
    const nangate = fs.readFileSync(path.join(SHIPPED_TECH_DIR, 'nangate45.yaml'), 'utf8');
    writeSpec(dir, 's/tech/loop.yaml', nangate.replace(/^name: .*$/m, 'name: loop') + '\nderivedFrom: { tech: loop, logicAreaScale: { value: 0.5, unit: fraction, source: test } }\n');
    const doc = goodProfile();
    doc.tech = 'loop';
    const loaded = await loadProfile(writeSpec(dir, 's/core.yaml', doc));
    const ds = await diagnosticsOfPromise(loadTech(loaded.profile.tech, loaded.techDirs));
    expect(ds[0].code).toBe('tech/derivation-cycle');
  });

  test('derivedFrom.tech is a name too', async () => {
    const nangate = fs.readFileSync(path.join(SHIPPED_TECH_DIR, 'nangate45.yaml'), 'utf8');
    writeSpec(dir, 't/tech/sneaky.yaml', nangate.replace(/^name: .*$/m, 'name: sneaky') + `\nderivedFrom: { tech: "${secretFile}", logicAreaScale: { value: 0.5, unit: fraction, source: test } }\n`);
    const doc = goodProfile();
    doc.tech = 'sneaky';
    const loaded = await loadProfile(writeSpec(dir, 't/core.yaml', doc));
    const ds = await diagnosticsOfPromise(loadTech(loaded.profile.tech, loaded.techDirs));
    expect(ds[0]).toMatchObject({ code: 'tech/invalid-name', path: 'derivedFrom.tech' });
    expect(printed(ds)).not.toContain(SECRET_PART);
  });
});

describe('no diagnostic echoes a file', () => {
  test('a text file given as a profile: the error says what it is, not what it says', async () => {
    const ds = await profileDiagnostics(writeSpec(dir, 'passwd.yaml', `${SECRET}\nroot:x:0:0:root:/root:/bin/bash\n`));
    expect(printed(ds)).not.toContain(SECRET_PART);
    expect(printed(ds)).not.toContain('root:x');
  });

  test.each([
    ['block scalar header', `name: x\ndescription: |${SECRET}\n  text\n`],
    ['unresolved alias', `name: *${SECRET}\n`],
    ['unknown tag', `name: !${SECRET} x\n`],
    ['bad indentation', `name: x\n  ${SECRET}: 1\n bad: 2\n`],
  ])('broken YAML (%s) gives the line, not the text', async (_what, text) => {
    const ds = await profileDiagnostics(writeSpec(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`, text));
    expect(ds[0].code).toBe('profile/bad-yaml');
    expect(ds[0].message).toMatch(/line \d+/);
    expect(printed(ds)).not.toContain(SECRET_PART);
  });

  test('broken JSON says where and what, in its own words', async () => {
    const ds = await profileDiagnostics(writeSpec(dir, 'trailing.json', '{\n  "name": "x",\n}'));
    expect(ds[0].message).toBe('not valid JSON at line 3, column 1: a key is missing or not in double quotes (or a comma trails).');
  });

  test('broken JSON gives no excerpt of the file', async () => {
    const ds = await profileDiagnostics(writeSpec(dir, 'bad.json', `{"name": ${SECRET}}`));
    expect(ds[0].code).toBe('profile/bad-json');
    expect(printed(ds)).not.toContain(SECRET_PART);
  });

  test('a long bad value is quoted as a short escaped excerpt', async () => {
    const doc = goodProfile();
    doc.clock = `${SECRET} GHz`;
    doc[`${SECRET}-key`] = 1;
    const schemaLevel = await profileDiagnostics(writeSpec(dir, 'long-values.yaml', doc));
    expect(schemaLevel.map((d) => d.code).sort()).toEqual(['profile/bad-unit', 'profile/unknown-key']);
    const later = goodProfile();
    later.sparsity.patterns = ['2:4', `${SECRET}\u0007`];
    later.tech = `nangate45\u202e${SECRET}`;
    const afterSchema = await profileDiagnostics(writeSpec(dir, 'long-values-2.yaml', later));
    expect(afterSchema.map((d) => d.code)).toEqual(['profile/invalid-pattern', 'profile/invalid-tech']);
    for (const ds of [schemaLevel, afterSchema]) {
      expect(printed(ds)).not.toContain(SECRET_41);
      expect(printed(ds)).not.toMatch(/[\u0007\u202e]/);
    }
  });

  test('--measured: a file that is not JSON is named, not quoted', async () => {
    const f = writeSpec(dir, 'measured.json', `${SECRET}\n`);
    const ds = await diagnosticsOfPromise(loadMeasuredSparsity(f));
    expect(ds[0].code).toBe('perf/bad-measured');
    expect(printed(ds)).not.toContain(SECRET_PART);
  });
});

describe('hostile and mistaken spec files', () => {
  test('a YAML alias bomb ("billion laughs") is refused in well under a second', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const started = performance.now();
    const ds = await profileDiagnostics(writeSpec(dir, 'laughs.yaml', lines.join('\n') + '\n'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(ds[0].code).toBe('profile/bad-yaml');
    expect(ds[0].message).toMatch(/alias/);
  });

  test('a YAML merge key (<<) is named with a hint to write the keys out', async () => {
    const doc = goodProfile();
    const text = stringify(doc).replace('tensorCore:\n', 'tensorCore:\n  <<: { count: 4 }\n').replace('  count: 4\n', '');
    const ds = await profileDiagnostics(writeSpec(dir, 'merge.yaml', text));
    const d = ds.find((x) => x.path === 'tensorCore.<<');
    expect(d).toBeDefined();
    expect(d!.hint).toMatch(/merge keys/);
  });

  test('a profile over 1 MiB is refused without being parsed', async () => {
    const f = path.join(dir, 'huge.yaml');
    fs.writeFileSync(f, stringify(goodProfile()) + `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const ds = await profileDiagnostics(f);
    expect(ds[0]).toMatchObject({ code: 'profile/too-large' });
    expect(printed(ds)).toContain('1 MiB');
  });

  test('a tech file given as a profile is named as a tech file', async () => {
    const ds = await profileDiagnostics(path.join(SHIPPED_TECH_DIR, 'asap7.yaml'));
    expect(ds).toHaveLength(1);
    expect(ds[0].code).toBe('profile/is-tech-file');
    expect(ds[0].hint).toMatch(/tech: asap7/);
  });

  test('a profile named as a tech file is named as a profile', async () => {
    writeSpec(dir, 'u/tech/core-as-tech.yaml', goodProfile());
    const doc = goodProfile();
    doc.tech = 'core-as-tech';
    const loaded = await loadProfile(writeSpec(dir, 'u/core.yaml', doc));
    const ds = await diagnosticsOfPromise(loadTech(loaded.profile.tech, loaded.techDirs));
    expect(ds).toHaveLength(1);
    expect(ds[0].code).toBe('tech/is-profile');
  });

  test('a YAML file of other keys (an .env-like or /proc status file) is named as not a profile, its keys unlisted', async () => {
    const ds = await profileDiagnostics(writeSpec(dir, 'env.yaml', `SECRET_TOKEN_NAME: ${SECRET}\npassword: hunter2\n`));
    expect(ds).toHaveLength(1);
    expect(ds[0].code).toBe('profile/not-a-profile');
    expect(printed(ds)).not.toMatch(/SECRET_TOKEN_NAME|hunter2|TOP-SEC/);
    const notTech = writeSpec(dir, 'w/tech/notes.yaml', `SECRET_TOKEN_NAME: ${SECRET}\n`);
    const tds = await diagnosticsOfPromise(loadTech('notes', [path.dirname(notTech)]));
    expect(tds[0].code).toBe('tech/not-a-tech-file');
    expect(printed(tds)).not.toMatch(/SECRET_TOKEN_NAME|TOP-SEC/);
  });

  test('a JSON profile saved with a byte-order mark loads', async () => {
    const f = writeSpec(dir, 'bom.json', '\uFEFF' + JSON.stringify(goodProfile()));
    expect((await loadProfile(f)).profile.name).toBe('test-core');
  });

  test('20,000 nested brackets are a YAML error, not a crash', async () => {
    const ds = await profileDiagnostics(writeSpec(dir, 'deep.yaml', '['.repeat(20_000)));
    expect(ds[0].code).toBe('profile/bad-yaml');
  });

  test('a __proto__ key is an unknown key and pollutes nothing', async () => {
    const text = stringify(goodProfile()) + '__proto__: { polluted: true }\n';
    const ds = await profileDiagnostics(writeSpec(dir, 'proto.yaml', text));
    expect(ds.map((d) => d.path)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('an unknown unit is named with the unit and the key', async () => {
    const doc = goodProfile();
    doc.clock = '1.41 GHzz';
    const ds = await profileDiagnostics(writeSpec(dir, 'unit.yaml', doc));
    expect(ds[0]).toMatchObject({ code: 'profile/bad-unit', path: 'clock' });
    expect(ds[0].message).toContain('GHzz');
  });
});

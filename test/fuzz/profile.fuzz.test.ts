/**
 * Fuzzing the hardware-profile loader (YAML and JSON parsing, quantities with units, the zod
 * schema, patterns, tech names) with mutations of the shipped profiles: every case ends in a
 * result or an input error naming the file (fuzz-kit.ts). 1,500 cases.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadProfile } from '../../src/profile/load.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../trace/tmp.js';
import { applyByteEdits, applyJsonEdits, byteEdit, expectResultOrInputError, fuzzParams, jsonEdit, jsonEditNesting, nastyNumberText, nastyString, newOutcomes, rssMiB } from './fuzz-kit.js';

const { dir, cleanup } = tempDir('nmsim-fuzz-profile-');
afterAll(cleanup);

const PROFILE_DIR = path.join(REPO_ROOT, 'hardware-profiles');
const TEXTS = fs
  .readdirSync(PROFILE_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => fs.readFileSync(path.join(PROFILE_DIR, f), 'utf8'));
const OBJECTS = TEXTS.map((t) => parseYaml(t) as unknown);

const outcomes = newOutcomes();
let rssStart = 0;
let n = 0;
beforeAll(() => {
  rssStart = rssMiB();
});

/** Writes the case to a fresh file name (.yaml or .json) and loads it. */
async function load(text: string | Uint8Array, ext: '.yaml' | '.json'): Promise<void> {
  const file = path.join(dir, `case-${n++}${ext}`);
  fs.writeFileSync(file, text);
  try {
    await expectResultOrInputError(outcomes, file, () => loadProfile(file));
  } finally {
    fs.rmSync(file);
  }
}

/** YAML-specific trouble, spliced in place of one line's value. */
const yamlNasty = fc.oneof(
  fc.constantFrom(
    '&a [1, 2]',
    '*a',
    '*undefined_alias',
    '!!binary aGVsbG8=',
    '!!js/function "x"',
    '!!float .nan',
    '.inf',
    '-.inf',
    '~',
    '{ << : { x: 1 } }',
    '"1e999 GHz"',
    '"NaN MHz"',
    '"-5 MHz"',
    '"1.41 GHz GHz"',
    '"3 kg"',
    '"0x10 MHz"',
    '"1e-400 ns"',
    '|\n  multi\n  line',
    '[' + '['.repeat(20) + ']'.repeat(21),
    '"\\ud800"',
  ),
  nastyNumberText,
  nastyString.map((s) => JSON.stringify(s)),
  fc.constantFrom(10, 65, 500).map((d) => '['.repeat(d) + ']'.repeat(d)), // 20,000 deep: found-by-fuzzing.test.ts
);

/** An alias bomb ("billion laughs"): nine levels of ten aliases each. */
const ALIAS_BOMB = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)].join('\n');

describe('profile loader under fuzzing', () => {
  test('structural edits of the shipped profiles written as JSON, nesting up to 20,000 deep: 400 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: OBJECTS.length - 1 }), fc.array(jsonEdit, { minLength: 1, maxLength: 4 }), async (i, edits) => {
        await load(applyJsonEdits(OBJECTS[i], edits), '.json');
      }),
      fuzzParams(400),
    );
  });

  test('the same edits written as YAML, nesting up to 200 deep (the YAML parser is slower per level; deeper: found-by-fuzzing.test.ts): 300 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: OBJECTS.length - 1 }), fc.array(jsonEditNesting(2, 50, 200), { minLength: 1, maxLength: 4 }), async (i, edits) => {
        await load(applyJsonEdits(OBJECTS[i], edits), '.yaml');
      }),
      fuzzParams(300),
    );
  });

  test('line edits of the shipped YAML: a value replaced with YAML trouble, a line repeated (duplicate key), deleted or re-indented: 500 cases', async () => {
    const lineEdit = fc.record({ line: fc.nat(), op: fc.constantFrom('value', 'repeat', 'delete', 'indent', 'bomb'), value: yamlNasty });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: TEXTS.length - 1 }), fc.array(lineEdit, { minLength: 1, maxLength: 3 }), async (i, edits) => {
        const lines = TEXTS[i].split('\n');
        for (const e of edits) {
          const at = e.line % lines.length;
          if (e.op === 'value') lines[at] = lines[at].replace(/:(\s.*)?$/, `: ${e.value}`);
          else if (e.op === 'repeat') lines.splice(at, 0, lines[at]);
          else if (e.op === 'delete') lines.splice(at, 1);
          else if (e.op === 'indent') lines[at] = `   ${lines[at]}`;
          else lines.push(ALIAS_BOMB);
        }
        await load(lines.join('\n'), '.yaml');
      }),
      fuzzParams(500),
    );
  });

  test('byte flips, truncations and insertions of the shipped YAML: 300 cases', async () => {
    const bytes = TEXTS.map((t) => new TextEncoder().encode(t));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), fc.array(byteEdit, { minLength: 1, maxLength: 6 }), fc.boolean(), async (i, edits, asJson) => {
        await load(applyByteEdits(asJson ? new TextEncoder().encode(JSON.stringify(OBJECTS[i])) : bytes[i], edits), asJson ? '.json' : '.yaml');
      }),
      fuzzParams(300),
    );
  });

  test('the cases reached both outcomes, several error codes, and memory stayed bounded', () => {
    if (process.env.NMSIM_FUZZ_VERBOSE) console.log(outcomes, rssMiB() - rssStart);
    expect(outcomes.ok).toBeGreaterThan(20);
    expect(outcomes.input).toBeGreaterThan(500);
    expect(outcomes.codes.size).toBeGreaterThanOrEqual(4);
    expect(rssMiB() - rssStart).toBeLessThan(512);
  });
});

/**
 * Fuzzing the manifest parser (JSON, duplicate keys, the zod schema, bounds, metric ranges,
 * patterns, ids) with mutations of the shipped bundle's real manifest and with JSON built from
 * nothing: every case ends in a result or an input error naming the file (fuzz-kit.ts).
 * 3,000 cases.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseManifest } from '../../src/trace/manifest-check.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { applyByteEdits, applyJsonEdits, byteEdit, deepJsonText, expectResultOrInputError, fuzzParams, jsonEdit, newOutcomes, rssMiB } from './fuzz-kit.js';

const FILE = 'bundle/manifest.json';
const FULL_TEXT = fs.readFileSync(path.join(REPO_ROOT, 'traces', 'stories260k', 'manifest.json'), 'utf8');
const FULL = JSON.parse(FULL_TEXT) as { runs: { sites: unknown[] }[] };
/** The real manifest cut to two runs of three sites (masks, weight statistics and all), so a case takes ~1 ms instead of 20. */
const SMALL = { ...FULL, runs: [FULL.runs[0], FULL.runs[6]].map((r) => ({ ...r, sites: r.sites.slice(0, 3) })) };

const outcomes = newOutcomes();
let rssStart = 0;
beforeAll(() => {
  rssStart = rssMiB();
});

const parse = (text: string) => expectResultOrInputError(outcomes, FILE, () => parseManifest(text, FILE));

describe('manifest parser under fuzzing', () => {
  test('the real manifest, cut small, parses (the baseline every mutation starts from)', () => {
    expect(parseManifest(JSON.stringify(SMALL), FILE).runs).toHaveLength(2);
  });

  test('structural edits of the real manifest (nasty numbers, strings, deep nesting, unicode, duplicate keys, type swaps): 1,800 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jsonEdit, { minLength: 1, maxLength: 5 }), async (edits) => {
        await parse(applyJsonEdits(SMALL, edits));
      }),
      fuzzParams(1800),
    );
  });

  test('byte flips, truncations, insertions and repeats of the real manifest text: 700 cases', async () => {
    const text = new TextEncoder().encode(JSON.stringify(SMALL, null, 1));
    await fc.assert(
      fc.asyncProperty(fc.array(byteEdit, { minLength: 1, maxLength: 6 }), async (edits) => {
        await parse(new TextDecoder().decode(applyByteEdits(text, edits)));
      }),
      fuzzParams(700),
    );
  });

  test('the full 577 KB real manifest with one or two edits: 60 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jsonEdit, { minLength: 1, maxLength: 2 }), async (edits) => {
        await parse(applyJsonEdits(FULL, edits));
      }),
      fuzzParams(60),
    );
  });

  test('JSON built from nothing, and documents nested up to 100,000 deep: 440 cases', async () => {
    const doc = fc.oneof(
      fc.json({ maxDepth: 5 }),
      fc.string({ maxLength: 40 }),
      fc.record({ depth: fc.oneof({ arbitrary: fc.constantFrom(10, 1000), weight: 9 }, { arbitrary: fc.constant(100_000), weight: 1 }), kind: fc.constantFrom('array' as const, 'object' as const) }).map(({ depth, kind }) => deepJsonText(depth, kind)),
    );
    await fc.assert(
      fc.asyncProperty(doc, async (text) => {
        await parse(text);
      }),
      fuzzParams(440),
    );
  });

  test('the cases reached both outcomes, many error codes, and memory stayed bounded', () => {
    if (process.env.NMSIM_FUZZ_VERBOSE) console.log(outcomes, rssMiB() - rssStart);
    expect(outcomes.ok).toBeGreaterThan(50);
    expect(outcomes.input).toBeGreaterThan(1000);
    expect(outcomes.codes.size).toBeGreaterThanOrEqual(4);
    expect(rssMiB() - rssStart).toBeLessThan(512);
  });
});

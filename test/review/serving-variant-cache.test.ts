/**
 * Issue 16: the serving cache entry of a loaded profile holds all its design-axis variants' rows,
 * so its key must hold each variant's applied design: a review that sweeps other values of an axis
 * must not read the entry another sweep stored, and a cached entry equals the uncached rows.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveProfileRef } from '../../src/profile/load.js';
import { designVariants } from '../../src/review/axes.js';
import { encodeValue } from '../../src/review/cache.js';
import { loadProfilesHashed } from '../../src/review/inputs.js';
import { servingForCached } from '../../src/review/profile-cache.js';
import { servingFor } from '../../src/review/serving.js';
import { nm } from '../../src/sparsity/pattern.js';
import { catalogModel } from '../../src/workload/catalog.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-serving-variant-cache-'));
});
afterAll(async () => fs.rm(tmp, { recursive: true, force: true }));

describe('the serving cache over design-axis variants', () => {
  it('keys each entry on the variants’ designs: another encoding sweep misses, the same one hits, and both equal servingFor of each variant', async () => {
    const { profiles } = await loadProfilesHashed([resolveProfileRef('act-8of16')]);
    const shape = catalogModel('llama3.1-8b');
    const mix = { promptTokens: 512, outputTokens: 64 };
    const dir = path.join(tmp, 'cache');
    const run = (encoding: ('index' | 'bitmask' | 'combinatorial')[]) =>
      servingForCached(dir, designVariants(profiles, { selector: ['mux', 'sorted-mux'], encoding, provisioning: ['dense-balanced'] }), [nm(8, 16)], shape, [], mix, 50);
    const a = await run(['index', 'bitmask']);
    const b = await run(['index', 'combinatorial']);
    const a2 = await run(['index', 'bitmask']);
    expect([a.status, b.status, a2.status]).toEqual([['miss'], ['miss'], ['hit']]);
    // 2 selectors × 2 encodings: a dense and an 8:16 row each, named after the variant
    expect(b.serving.rows.map((r) => r.profile)).toEqual(['act-8of16', 'act-8of16', 'act-8of16 · sorted-mux', 'act-8of16 · sorted-mux', 'act-8of16 · combinatorial', 'act-8of16 · combinatorial', 'act-8of16 · sorted-mux · combinatorial', 'act-8of16 · sorted-mux · combinatorial']);
    // the rows a selector-only twin shares are the ones servingFor gives that variant's profile
    const v = designVariants(profiles, { selector: ['mux', 'sorted-mux'], encoding: ['index', 'combinatorial'], provisioning: ['dense-balanced'] });
    const direct = v.profiles.flatMap((h) => servingFor([h.loaded.profile], [nm(8, 16)], shape, [], mix, 50).rows);
    expect(encodeValue(b.serving.rows)).toBe(encodeValue(direct));
    expect(encodeValue(a2.serving)).toBe(encodeValue(a.serving));
    // the encoding changes the 8:16 prefill (metadata bytes): the two sweeps' entries differ
    expect(b.serving.rows[5].ttftMs).not.toBe(a.serving.rows[5].ttftMs);
  }, 60_000);
});

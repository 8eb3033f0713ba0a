/**
 * On a real captured bundle (the shipped traces/stories260k, or NMSIM_STORIES_BUNDLE), the fast
 * kernel re-derives, from each pruned run's recorded pre-pruning inputs, the masks the capture
 * engine applied through sparsity/prune.ts (magnitude runs). The engine selected on float32
 * values and the trace stores them as F16, so two values that differ in float32 can tie in the
 * trace; there the tie rule picks the lower index. The test therefore demands, in every group,
 * the same multiset of kept magnitudes, and positions that differ only where magnitudes tie.
 * Skips when no bundle exists.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { openBundle } from '../../src/trace/bundle.js';
import { unpackMask } from '../../src/trace/mask.js';
import { NetworkSelector, isNetworkPattern } from '../../src/analysis/network-kernel.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { REPO_ROOT } from '../helpers/cli.js';

const bundlePath = process.env.NMSIM_STORIES_BUNDLE ?? path.join(REPO_ROOT, 'traces', 'stories260k');
const maybe = existsSync(path.join(bundlePath, 'manifest.json')) ? describe : describe.skip;

maybe(existsSync(path.join(bundlePath, 'manifest.json')) ? 'captured masks' : `captured masks (skipped: no bundle at ${bundlePath})`, () => {
  test('the network kernel reproduces every mask a magnitude N:M run recorded, up to F16 ties', async () => {
    const bundle = await openBundle(bundlePath);
    let checked = 0;
    try {
      for (const run of bundle.manifest.runs) {
        const pattern = parsePattern(run.config.pattern);
        if ((run.config.criterion ?? 'magnitude') !== 'magnitude' || !isNetworkPattern(pattern) || !['none', undefined, 'var', 'affine'].includes(run.config.mitigation)) continue;
        for (const site of run.sites) {
          for (const mask of site.masks ?? []) {
            const src = await bundle.tensor(site.tensor);
            const x = await src.readRows(0, src.rows);
            const k = src.cols;
            const recorded = unpackMask(await bundle.readMask(mask.tensor), src.rows, k);
            const sel = new NetworkSelector(k, [pattern]);
            const bits = new Int32Array(x.buffer, x.byteOffset, x.length);
            const x2 = new Float64Array(k);
            let badGroups = 0;
            for (let t = 0; t < src.rows; t++) {
              sel.select(bits, t * k, x2);
              for (let g = 0; g < k; g += pattern.m) {
                const ours: number[] = [];
                const theirs: number[] = [];
                for (let j = g; j < Math.min(k, g + pattern.m); j++) {
                  if ((sel.words[0][j >>> 5] >>> (j & 31)) & 1) ours.push(Math.abs(x[t * k + j]));
                  if (recorded[t * k + j]) theirs.push(Math.abs(x[t * k + j]));
                }
                ours.sort((a, b) => a - b);
                theirs.sort((a, b) => a - b);
                if (ours.length !== theirs.length || ours.some((v, i) => v !== theirs[i])) badGroups++;
              }
            }
            expect(badGroups).toBe(0);
            checked++;
          }
        }
      }
    } finally {
      await bundle.close();
    }
    expect(checked).toBeGreaterThan(0);
  });
});

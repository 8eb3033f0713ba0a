/**
 * The weight runs shipped in traces/stories260k (issue 14) are the numpy reference's, read
 * back from the bundle alone: every run's perplexity within 1e-6 of
 * test/fixtures/capture/stories260k-weight-first100-numpy.json and the sha256 of its 35 packed
 * weight masks (layers 0…4, consumers q k v o gate up down) equal to the reference digest; the
 * activation runs of the same patterns keep their own perplexities.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { openBundle } from '../../src/trace/bundle.js';
import { runOperand } from '../../src/trace/manifest.js';
import { REPO_ROOT } from '../helpers/cli.js';

const BUNDLE = path.join(REPO_ROOT, 'traces', 'stories260k');
const REF = fs
  .readFileSync(path.join(REPO_ROOT, 'test/fixtures/capture/stories260k-weight-first100-numpy.json'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { kind: string; pattern: string; criterion?: string; perplexity: number; mask_sha256?: string });
const ORDER = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

test('the shipped weight runs carry the numpy reference\'s masks (sha256) and perplexities (1e-6) for 2:4, 8:16 and unstructured at least', async () => {
  const b = await openBundle(BUNDLE);
  try {
    const weightRuns = b.manifest.runs.filter((r) => runOperand(r.config) === 'weight');
    const patterns = new Set(weightRuns.map((r) => r.config.pattern));
    for (const p of ['2:4', '8:16', 'unstructured']) expect(patterns.has(p)).toBe(true);
    for (const run of weightRuns) {
      const ref = REF.find((x) => x.kind === 'weight' && x.pattern === run.config.pattern && x.criterion === run.config.criterion)!;
      const ppl = run.metrics.find((m) => m.metric === 'perplexity')!;
      expect(Math.abs(ppl.value / ref.perplexity - 1)).toBeLessThan(1e-6);
      expect(ppl.tokens).toBe(32927);
      const masks = run.sites.flatMap((s) => (s.weight_masks ?? []).map((m) => ({ layer: s.layer!, order: ORDER.indexOf(m.consumer), ref: m.tensor })));
      masks.sort((x, y) => x.layer - y.layer || x.order - y.order);
      expect(masks).toHaveLength(35);
      const h = createHash('sha256');
      for (const m of masks) h.update(await b.readMask(m.ref));
      expect(h.digest('hex')).toBe(ref.mask_sha256);
      expect(run.sites.every((s) => (s.input_norms !== undefined) === (run.config.criterion === 'wanda'))).toBe(true);
    }
    const act24 = b.manifest.runs.find((r) => r.config.pattern === '2:4' && runOperand(r.config) === 'activation' && r.config.mitigation === 'none')!;
    expect(act24.metrics[0].value).toBeCloseTo(25.06, 2);
  } finally {
    await b.close();
  }
});

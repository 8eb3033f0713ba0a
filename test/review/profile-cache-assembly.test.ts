import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeValue } from '../../src/review/cache.js';
import { SHIPPED_PROFILE_DIR } from '../../src/profile/paths.js';
import { evaluatePointsCached } from '../../src/review/profile-cache.js';
import { loadProfilesHashed, openBundlesHashed } from '../../src/review/inputs.js';
import { assembleReview } from '../../src/review/points.js';
import { prepareReview, resolveReviewOptions, withChosenServing } from '../../src/review/run-review.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { chooseVariants } from '../../src/explore/variants.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-assembly-'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('the review assembly reuses the variant choice withChosenServing made', () => {
  it('assembleReview given withChosenServing\'s choice gives the ReviewData it gives choosing itself, and a choice over other points changes it', async () => {
    const bundle = path.join(tmp, 'bundle');
    await writeSyntheticBundle(bundle);
    const opts = resolveReviewOptions({ traces: [bundle], patterns: ['8:16', '16:32'].map((p) => parsePattern(p)), criteria: ['magnitude'], mitigations: ['none'], axes: { selector: ['mux', 'hierarchical'] } });
    const { profiles } = await loadProfilesHashed(['act-8of16.yaml', 'act-16of32.yaml'].map((f) => path.join(SHIPPED_PROFILE_DIR, f)));
    const bundles = await openBundlesHashed([bundle]);
    try {
      const unserved = await prepareReview(opts, profiles, bundles, undefined, undefined, 'after-choice');
      const evaluated = await evaluatePointsCached(unserved.inputs, undefined);
      const records = { points: evaluated.records.flatMap((r) => r.points), profiles: evaluated.records.flatMap((r) => r.profiles), energy: evaluated.records.flatMap((r) => r.energy) };
      const prepared = await withChosenServing(unserved, opts, records);
      const choice = prepared.variantChoice!;
      // a real choice: two selector variants per core, one of them not chosen
      expect(choice.rows.filter((r) => !r.chosen).length).toBeGreaterThan(0);
      const own = encodeValue(assembleReview(prepared.common, [records]));
      expect(encodeValue(assembleReview(prepared.common, [records], choice))).toBe(own);
      // the choice is what the assembly uses: one made over act-16of32's points alone leaves act-8of16's variants out
      const other = chooseVariants(records.points.flatMap((r) => (r.point && r.point.variant?.base === 'act-16of32' ? [r.point] : [])));
      expect(encodeValue(assembleReview(prepared.common, [records], other))).not.toBe(own);
    } finally {
      await Promise.all(bundles.map((b) => b.bundle.close()));
    }
  }, 60_000);
});

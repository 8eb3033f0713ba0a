/**
 * The one slow end-to-end check of weight runs (issue 14; ~1 min on an idle core): wanda's input
 * norms of stories260K calibrated on stories 900–949 against the independent numpy
 * implementation's (test/fixtures/capture/stories260k-wanda-norms-numpy.json), and the
 * perplexity of 16:32 wanda — the configuration with the nearest tie (layer 1 down row 32,
 * margin 9.7e-8) — on the first 100 stories against its numpy perplexity and mask digest.
 * The other nine weight configurations are measured by bench/weight-perplexity-table.mjs
 * (src/capture/README.md); their masks are checked here fast (weight-runs.test.ts).
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { parseTokenizer } from '../../src/capture/tokenizer.js';
import { splitStories } from '../../src/capture/stories.js';
import { encodeStream } from '../../src/capture/perplexity.js';
import { calibrateInputNorms } from '../../src/capture/calibrate.js';
import { captureRuns } from '../../src/capture/capture.js';
import { packMask } from '../../src/trace/mask.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

const FIX = `${REPO_ROOT}/test/fixtures/capture`;

describeWithShared('weight-pruned stories260K against the numpy reference', ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'], () => {
  let model: ModelWeights;
  let stories: string[];
  let encode: (s: string[]) => Int32Array;
  beforeAll(() => {
    model = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
    const tok = parseTokenizer(fs.readFileSync(sharedPath('models/tok512.bin')), 512, 'tok512.bin');
    stories = splitStories(fs.readFileSync(sharedPath('data/tinystories_hf_validation_head.stories.txt'), 'utf8'));
    encode = (s) => encodeStream(tok, s);
  });

  test('wanda norms equal the numpy float32-storage norms to 1e-6 and the float64 ones to 1e-6; 16:32 wanda perplexity matches numpy to 1e-6 with the same masks', () => {
    const ref = JSON.parse(fs.readFileSync(`${FIX}/stories260k-wanda-norms-numpy.json`, 'utf8')) as { calib_rows: number; norms: Record<string, number[]>; norms_f32_storage: Record<string, number[]> };
    const calib = encode(stories.slice(900, 950));
    const norms = calibrateInputNorms(model, calib);
    expect([...norms.keys()].sort()).toEqual(Object.keys(ref.norms_f32_storage).sort());
    let worstF32 = 0;
    let worstF64 = 0;
    for (const [site, v] of norms) {
      v.forEach((x, j) => {
        worstF32 = Math.max(worstF32, Math.abs(x / ref.norms_f32_storage[site][j] - 1));
        worstF64 = Math.max(worstF64, Math.abs(x / ref.norms[site][j] - 1));
      });
    }
    expect(worstF32).toBeLessThan(1e-6);
    expect(worstF64).toBeLessThan(1e-6);

    const line = fs
      .readFileSync(`${FIX}/stories260k-weight-first100-numpy.json`, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l))
      .find((x) => x.kind === 'weight' && x.pattern === '16:32' && x.criterion === 'wanda');
    const [run] = captureRuns(model, { evalStream: encode(stories.slice(0, 100)), calibStream: calib, specs: [{ operand: 'weight', pattern: { kind: 'nm', n: 16, m: 32 }, criterion: 'wanda' }], traceTokens: 0 });
    const h = createHash('sha256');
    for (const m of run.weightMasks!) h.update(packMask(m.keep, m.outFeatures, m.inFeatures));
    expect(h.digest('hex')).toBe(line.mask_sha256);
    expect(run.result.scoredTokens).toBe(line.scored_tokens);
    expect(Math.abs(run.result.perplexity / line.perplexity - 1)).toBeLessThan(1e-6);
    expect(run.weightMaskStats!.satisfiesPattern).toBe(true);
  }, 900_000);
});

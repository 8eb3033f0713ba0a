/**
 * Worker threads across evaluation windows (src/capture/perplexity-pool.ts) give the same bits as
 * the single-thread evaluatePerplexity: the run's float64 NLL sum, each story's sum and the
 * scored-token counts, for 1, 2 and 3 threads, dense and pruned (magnitude and amber, whose
 * factors each worker computes itself). Workers run compiled code, so the pool is loaded from
 * dist/ (build first, like the CLI tests); the reference is the TypeScript source.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { encodeStories, evaluatePerplexity } from '../../src/capture/perplexity.js';
import { createPruningHooks, type RunSpec } from '../../src/capture/prune-hooks.js';
import { parseTokenizer } from '../../src/capture/tokenizer.js';
import { splitStories } from '../../src/capture/stories.js';
import { nm } from '../../src/sparsity/pattern.js';
import type * as Pool from '../../src/capture/perplexity-pool.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';
import { REPO_ROOT } from '../helpers/cli.js';

const distPool = (): Promise<typeof Pool> => import(pathToFileURL(path.join(REPO_ROOT, 'dist', 'capture', 'perplexity-pool.js')).href);

describeWithShared(
  'perplexity on worker threads',
  ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'],
  () => {
    let model: ModelWeights;
    let stream: Int32Array;
    let storyStarts: number[];
    beforeAll(() => {
      const full = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
      // windows of 64 tokens instead of 512 keep the test fast; the protocol reads seq_len from the config
      model = { ...full, config: { ...full.config, seqLen: 64 } };
      const tok = parseTokenizer(fs.readFileSync(sharedPath('models/tok512.bin')), 512, 'tok512.bin');
      const stories = splitStories(fs.readFileSync(sharedPath('data/tinystories_hf_validation_head.stories.txt'), 'utf8')).slice(0, 2);
      ({ stream, storyStarts } = encodeStories(tok, stories));
    });

    test('the stream of two stories spans several windows, so the threads really share the work', () => {
      // 64-token windows with stride 63: at least 5 windows for the pool to interleave
      expect(stream.length).toBeGreaterThan(4 * 63 + 1);
      expect(storyStarts.length).toBe(2);
    });

    test('dense: 1, 2 and 3 threads give the single-thread NLL sums bit for bit, per story too', async () => {
      const { evaluatePerplexityThreaded } = await distPool();
      const ref = evaluatePerplexity(model, stream, undefined, undefined, storyStarts);
      for (const threads of [1, 2, 3]) {
        const done: number[] = [];
        const r = await evaluatePerplexityThreaded(model, stream, { threads, storyStarts, onWindow: (d) => done.push(d) });
        expect(Object.is(r.nllSumNats, ref.nllSumNats)).toBe(true);
        expect(r.scoredTokens).toBe(stream.length - 1);
        expect(r.perStory!.nllSumsNats).toEqual(ref.perStory!.nllSumsNats);
        expect(r.perStory!.tokens).toEqual(ref.perStory!.tokens);
        expect(r.windows).toBe(ref.windows);
        // progress is reported once per window, in window order
        expect(done).toEqual(Array.from({ length: ref.windows }, (_, i) => i + 1));
      }
    });

    test('8:16 magnitude and 4:8 amber on 2 threads give the single-thread NLL sums bit for bit', async () => {
      const { evaluatePerplexityThreaded } = await distPool();
      const dense = evaluatePerplexity(model, stream);
      const specs: RunSpec[] = [
        { pattern: nm(8, 16), criterion: 'magnitude', mitigation: 'none' },
        { pattern: nm(4, 8), criterion: 'amber', mitigation: 'none' },
      ];
      for (const spec of specs) {
        const ref = evaluatePerplexity(model, stream, () => createPruningHooks(model, spec));
        const r = await evaluatePerplexityThreaded(model, stream, { threads: 2, spec });
        expect(Object.is(r.nllSumNats, ref.nllSumNats)).toBe(true);
        // pruning changes the result: the spec reached the workers
        expect(r.meanNllNats).toBeGreaterThan(dense.meanNllNats);
      }
    });

    test('a configuration the workers cannot run is refused with its diagnostic code, not a crash', async () => {
      const { evaluatePerplexityThreaded } = await distPool();
      // spts needs calibrated shifts: pruneMatrix's usage diagnostic, raised inside a worker
      const spec: RunSpec = { pattern: nm(2, 4), criterion: 'magnitude', mitigation: 'spts' };
      let serialCode: string | undefined;
      try {
        evaluatePerplexity(model, stream, () => createPruningHooks(model, spec));
      } catch (e) {
        serialCode = (e as { diagnostics?: { code: string }[] }).diagnostics?.[0].code;
      }
      expect(serialCode).toBeDefined();
      await expect(evaluatePerplexityThreaded(model, stream, { threads: 2, spec })).rejects.toMatchObject({
        name: 'NmsimError',
        kind: 'usage',
        diagnostics: [expect.objectContaining({ code: serialCode })],
      });
    });
  },
);

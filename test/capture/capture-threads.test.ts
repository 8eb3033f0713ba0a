/**
 * captureRunsThreaded (src/capture/capture.ts) against captureRuns: the runs that record nothing
 * go to worker threads and must give the same bits — perplexity, NLL sums per story, spts shifts —
 * and runs that record stay in the main thread with the same recordings. stories260K with
 * 64-token windows (seq_len shortened as in perplexity-pool.test.ts) over two stories: 6 windows.
 * Loaded from dist/ (the workers run the built JavaScript).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Capture from '../../src/capture/capture.js';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { encodeStories } from '../../src/capture/perplexity.js';
import { splitStories } from '../../src/capture/stories.js';
import { parseTokenizer } from '../../src/capture/tokenizer.js';
import { nm } from '../../src/sparsity/pattern.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';
import { REPO_ROOT } from '../helpers/cli.js';

const distCapture = (): Promise<typeof Capture> => import(pathToFileURL(path.join(REPO_ROOT, 'dist', 'capture', 'capture.js')).href);

describeWithShared(
  'capture runs on worker threads',
  ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'],
  () => {
    let model: ModelWeights;
    let opts: Capture.CaptureOptions;
    beforeAll(() => {
      const full = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
      model = { ...full, config: { ...full.config, seqLen: 64 } };
      const tok = parseTokenizer(fs.readFileSync(sharedPath('models/tok512.bin')), 512, 'tok512.bin');
      const stories = splitStories(fs.readFileSync(sharedPath('data/tinystories_hf_validation_head.stories.txt'), 'utf8'));
      const evalSet = encodeStories(tok, stories.slice(0, 2));
      opts = {
        evalStream: evalSet.stream,
        evalStoryStarts: evalSet.storyStarts,
        calibStream: encodeStories(tok, stories.slice(900, 902)).stream,
        specs: [
          { pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' },
          { pattern: nm(8, 16), criterion: 'magnitude', mitigation: 'none' },
          { pattern: nm(4, 8), criterion: 'amber', mitigation: 'spts' },
          { operand: 'weight', pattern: nm(2, 4), criterion: 'magnitude' },
        ],
        traceTokens: 0,
      };
    });

    const same = (a: Capture.CapturedRun[], b: Capture.CapturedRun[]) => {
      expect(a.map((r) => r.id)).toEqual(b.map((r) => r.id));
      a.forEach((r, i) => {
        const q = b[i];
        expect(Object.is(r.result.nllSumNats, q.result.nllSumNats)).toBe(true);
        expect(Object.is(r.result.perplexity, q.result.perplexity)).toBe(true);
        expect(r.result.scoredTokens).toBe(q.result.scoredTokens);
        expect(r.result.windows).toBe(q.result.windows);
        expect(r.result.perStory).toEqual(q.result.perStory);
        expect(r.staticShift).toEqual(q.staticShift);
        expect(r.recordings).toEqual(q.recordings);
      });
    };

    test('with nothing recorded, 2 threads give every run of 1 thread bit for bit (dense, 8:16, amber + spts, a weight run)', async () => {
      const { captureRuns, captureRunsThreaded } = await distCapture();
      const ref = captureRuns(model, opts);
      expect(ref[0].result.windows).toBeGreaterThanOrEqual(5);
      // the runs differ from each other: the configurations reached the workers
      expect(new Set(ref.map((r) => r.result.nllSumNats)).size).toBe(4);
      const progress: string[] = [];
      const threaded = await captureRunsThreaded(model, { ...opts, onProgress: (run, done) => progress.push(`${run}:${done}`) }, 2);
      same(threaded, ref);
      expect(progress.filter((p) => p.startsWith('3:')).length).toBe(ref[3].result.windows);
    });

    test('runs that record stay in the main thread with the same recordings, beside a weight run that records nothing (threaded): the same bits', async () => {
      const { captureRuns, captureRunsThreaded } = await distCapture();
      const recording = { ...opts, specs: [opts.specs[1], opts.specs[3]], traceTokens: 8, weightTraceTokens: 0 };
      const ref = captureRuns(model, recording);
      expect(ref[0].recordings.length).toBeGreaterThan(0);
      same(await captureRunsThreaded(model, recording, 2), ref);
    });
  },
);

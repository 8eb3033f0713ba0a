/**
 * forwardChunk reuses one set of activation buffers per model (src/capture/forward.ts). Calls of
 * different lengths, pruned and dense, whole-sequence and KV-step, interleaved on one model must
 * give bit for bit the logits of a freshly loaded copy of the model (its own, new buffers), and a
 * returned logits array must not change under later calls.
 */
import * as fs from 'node:fs';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { createKvCache, forwardSequence, forwardStep, forwardWindow } from '../../src/capture/forward.js';
import { createPruningHooks } from '../../src/capture/prune-hooks.js';
import { nm } from '../../src/sparsity/pattern.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

const load = (): ModelWeights => parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describeWithShared('forward pass buffer reuse', ['models/stories260K.bin'], () => {
  test('interleaved calls of 40, 17 and 1 tokens, dense and 2:4-pruned, equal fresh models bit for bit', () => {
    const a = Array.from({ length: 40 }, (_, i) => (i * 37 + 1) % 512);
    const b = Array.from({ length: 17 }, (_, i) => (i * 11 + 5) % 512);
    const spec = { pattern: nm(2, 4), criterion: 'magnitude', mitigation: 'none' } as const;

    const shared = load();
    const denseA = forwardSequence(shared, a);
    const denseABits = bits(denseA);
    const prunedA = forwardSequence(shared, a, createPruningHooks(shared, spec));
    const denseB = forwardSequence(shared, b);
    const cache = createKvCache(shared);
    const steps = b.slice(0, 3).map((id, pos) => bits(forwardStep(shared, cache, id, pos)));
    const denseAAgain = forwardSequence(shared, a);

    // the first result was not overwritten by the later calls
    expect(bits(denseA)).toEqual(denseABits);
    expect(bits(denseAAgain)).toEqual(denseABits);
    // each result equals that of a model that ran nothing before
    expect(bits(forwardSequence(load(), a))).toEqual(denseABits);
    const fresh = load();
    expect(bits(prunedA)).toEqual(bits(forwardSequence(fresh, a, createPruningHooks(fresh, spec))));
    expect(bits(denseB)).toEqual(bits(forwardSequence(load(), b)));
    const freshStepModel = load();
    const freshCache = createKvCache(freshStepModel);
    expect(steps).toEqual(b.slice(0, 3).map((id, pos) => bits(forwardStep(freshStepModel, freshCache, id, pos))));
    // pruning changed the logits (the comparison above is not dense against dense)
    expect(bits(prunedA)).not.toEqual(denseABits);
  });

  test('forwardWindow (reused logits and KV cache) equals forwardSequence on a fresh model for windows of 40, 17, 40 and 5 tokens, dense and 2:4', () => {
    const a = Array.from({ length: 40 }, (_, i) => (i * 29 + 3) % 512);
    const b = Array.from({ length: 17 }, (_, i) => (i * 13 + 7) % 512);
    const c = Array.from({ length: 5 }, (_, i) => (i * 101 + 1) % 512);
    const spec = { pattern: nm(2, 4), criterion: 'magnitude', mitigation: 'none' } as const;
    const shared = load();
    const got = [
      bits(forwardWindow(shared, a)),
      bits(forwardWindow(shared, b)), // the cache still holds a's 40 positions
      bits(forwardWindow(shared, a, createPruningHooks(shared, spec))),
      bits(forwardWindow(shared, c)),
    ];
    const fresh = () => load();
    const f = fresh();
    const want = [
      bits(forwardSequence(fresh(), a)),
      bits(forwardSequence(fresh(), b)),
      bits(forwardSequence(f, a, createPruningHooks(f, spec))),
      bits(forwardSequence(fresh(), c)),
    ];
    expect(got.map((g) => g.length)).toEqual([40 * 512, 17 * 512, 40 * 512, 5 * 512]);
    expect(got).toEqual(want);
    // a view of the workspace's buffer: the next call overwrites it (callers read it at once)
    const view = forwardWindow(shared, c);
    forwardWindow(shared, b);
    expect(bits(view)).not.toEqual(want[3]);
  });
});

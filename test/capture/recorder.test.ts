import { createRecorder } from '../../src/capture/recorder.js';
import type { ModelConfig } from '../../src/capture/checkpoint.js';

const CONFIG: ModelConfig = { dim: 2, hiddenDim: 3, nLayers: 1, nHeads: 1, nKvHeads: 1, vocabSize: 8, seqLen: 4, sharedClassifier: true, format: 'legacy' };

describe('recorder', () => {
  test('records each stream position once, at its first occurrence, and stops at traceTokens', () => {
    const rec = createRecorder(CONFIG, 5);
    // windows of 4 sharing one boundary token: stream positions 0..3, then 3..6
    const rows = (start: number, n: number) => Float32Array.from({ length: n * 2 }, (_, i) => 10 * (start + Math.floor(i / 2)) + (i % 2));
    const keep = (n: number) => [Uint8Array.from({ length: n * 2 }, (_, i) => i % 2), Uint8Array.from({ length: n * 2 }, (_, i) => 1 - (i % 2)), Uint8Array.from({ length: n * 2 }, () => 1)];
    rec.observerFor(0)(0, 'qkv', rows(0, 4), 4, 2, 0, keep(4));
    // the second window's row 0 is stream position 3 again (its value differs: no context) and must be skipped
    const second = rows(3, 4);
    second[0] = -1;
    second[1] = -1;
    rec.observerFor(3)(0, 'qkv', second, 4, 2, 0, keep(4));
    const qkv = rec.recordings().find((r) => r.name === 'layers.0.self_attn.qkv.input')!;
    expect(qkv.tokens).toBe(5);
    expect(Array.from(qkv.input)).toEqual([0, 1, 10, 11, 20, 21, 30, 31, 40, 41]);
    expect(qkv.masks).toHaveLength(3);
    expect(Array.from(qkv.masks![1])).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    // a site never observed records nothing and has no masks
    const down = rec.recordings().find((r) => r.kind === 'down')!;
    expect(down.tokens).toBe(0);
    expect(down.k).toBe(3);
    expect(down.masks).toBeUndefined();
  });
});

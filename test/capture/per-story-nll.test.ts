/**
 * Issue 16: capture records each story's NLL sum and scored tokens next to the run's perplexity,
 * so that the review can bootstrap over stories. Checked against a by-hand re-scoring of the
 * same logits (one forward pass, every prediction assigned to the story of its context token).
 */
import * as fs from 'node:fs';
import { parseCheckpoint, type ModelWeights } from '../../src/capture/checkpoint.js';
import { parseTokenizer, encode, type Tokenizer } from '../../src/capture/tokenizer.js';
import { forwardSequence } from '../../src/capture/forward.js';
import { encodeStories, encodeStream, evaluatePerplexity, tokenNll } from '../../src/capture/perplexity.js';
import { splitStories } from '../../src/capture/stories.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

describeWithShared('per-story NLL of a capture run', ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'], () => {
  let model: ModelWeights;
  let tok: Tokenizer;
  let three: string[];
  beforeAll(() => {
    model = parseCheckpoint(fs.readFileSync(sharedPath('models/stories260K.bin')), 'stories260K.bin');
    tok = parseTokenizer(fs.readFileSync(sharedPath('models/tok512.bin')), 512, 'tok512.bin');
    // three short stories: the whole stream fits one 512-token window
    three = splitStories(fs.readFileSync(sharedPath('data/tinystories_hf_validation_head.stories.txt'), 'utf8'))
      .slice(0, 3)
      .map((s) => s.slice(0, 120));
  });

  test('three stories: each story\'s NLL is the sum of its own predictions, by hand from one forward pass', () => {
    const lengths = three.map((s) => encode(tok, s.trim(), true, false).length);
    const { stream, storyStarts } = encodeStories(tok, three);
    expect(storyStarts).toEqual([0, lengths[0], lengths[0] + lengths[1]]);
    expect(stream.length).toBeLessThan(model.config.seqLen);
    const logits = forwardSequence(model, stream);
    const vocab = model.config.vocabSize;
    const byHand = [0, 0, 0];
    for (let q = 0; q + 1 < stream.length; q++) {
      const story = q < lengths[0] ? 0 : q < lengths[0] + lengths[1] ? 1 : 2;
      byHand[story] += tokenNll(logits, q * vocab, vocab, stream[q + 1]);
    }
    const r = evaluatePerplexity(model, stream, undefined, undefined, storyStarts);
    // a story scores its own tokens after BOS plus the next story's BOS; the last has no next BOS
    expect(r.perStory!.tokens).toEqual([lengths[0], lengths[1], lengths[2] - 1]);
    r.perStory!.nllSumsNats.forEach((s, k) => expect(Math.abs(s - byHand[k])).toBeLessThan(1e-12 * byHand[k]));
    const sum = r.perStory!.nllSumsNats.reduce((a, b) => a + b, 0);
    const tokens = r.perStory!.tokens.reduce((a, b) => a + b, 0);
    expect(tokens).toBe(r.scoredTokens);
    expect(Math.abs(Math.exp(sum / tokens) - r.perplexity)).toBeLessThan(1e-12 * r.perplexity);
  });

  test('recording per-story NLL leaves the perplexity bit-identical, and stories split across windows are scored once each', () => {
    // seq_len 24: the three stories' stream spans several windows sharing one boundary token each
    const short: ModelWeights = { ...model, config: { ...model.config, seqLen: 24 } };
    const { stream, storyStarts } = encodeStories(tok, three);
    expect(stream).toEqual(encodeStream(tok, three));
    const plain = evaluatePerplexity(short, stream);
    const r = evaluatePerplexity(short, stream, undefined, undefined, storyStarts);
    expect(r.perplexity).toBe(plain.perplexity);
    expect(r.nllSumNats).toBe(plain.nllSumNats);
    expect(plain.perStory).toBeUndefined();
    expect(r.windows).toBeGreaterThan(3);
    const tokens = r.perStory!.tokens;
    expect(tokens.reduce((a, b) => a + b, 0)).toBe(stream.length - 1);
    expect(tokens).toEqual([storyStarts[1], storyStarts[2] - storyStarts[1], stream.length - storyStarts[2] - 1]);
    const sum = r.perStory!.nllSumsNats.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - r.nllSumNats)).toBeLessThan(1e-12 * r.nllSumNats);
    expect(Math.abs(Math.exp(sum / (stream.length - 1)) - r.perplexity)).toBeLessThan(1e-12 * r.perplexity);
  });

  test('story starts that do not begin at 0 are a caller bug, refused', () => {
    const { stream } = encodeStories(tok, three);
    expect(() => evaluatePerplexity(model, stream, undefined, undefined, [1, 5])).toThrow(/story starts must begin at 0/);
  });
});

/**
 * ChannelCounter keeps uint32 counts (half the memory of float64) and widens them before any
 * could overflow: counts are checked against a plain per-channel tally.
 */
import { ChannelCounter } from '../../src/analysis/channel-counter.js';
import { lcg } from './helpers.js';

describe('ChannelCounter', () => {
  test('counts every channel’s kept rows exactly across several flushes', () => {
    const k = 77;
    const rand = lcg(9);
    const counter = new ChannelCounter(k);
    const tally = new Array<number>(k).fill(0);
    const words = new Uint32Array(3);
    for (let t = 0; t < 600; t++) {
      words.fill(0);
      for (let j = 0; j < k; j++) if (rand() < 0.4) {
        words[j >>> 5] |= 1 << (j & 31);
        tally[j]++;
      }
      counter.add(words);
    }
    expect(Array.from(counter.result())).toEqual(tally);
  });

  test('a merged count near 2^32 keeps counting past it without wrapping', () => {
    const k = 40;
    const counter = new ChannelCounter(k);
    const merged = new Float64Array(k);
    merged[5] = 2 ** 32 - 10;
    counter.addCounts(merged);
    const words = Uint32Array.of(1 << 5, 0);
    for (let t = 0; t < 300; t++) counter.add(words);
    const result = counter.result();
    expect(result[5]).toBe(2 ** 32 + 290);
    expect(result[6]).toBe(0);
  });
});

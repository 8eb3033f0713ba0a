/**
 * Tokenizer: a vocabulary written here (so merges and scores are known by hand) and the real
 * tok512.bin round trips.
 */
import * as fs from 'node:fs';
import { parseTokenizer, encode, decode, BOS_ID, EOS_ID, type Tokenizer } from '../../src/capture/tokenizer.js';
import { NmsimError } from '../../src/diagnostics.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

/** <unk>, <s>, </s>, 256 byte tokens, then the given pieces with scores. */
function tokenizerFile(pieces: [string, number][]): { bytes: Uint8Array; vocab: number } {
  const all: [string, number][] = [
    ['<unk>', 0],
    ['\n<s>\n', 0],
    ['\n</s>\n', 0],
    ...Array.from({ length: 256 }, (_, b) => [`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0] as [string, number]),
    ...pieces,
  ];
  const chunks: Buffer[] = [Buffer.from(Int32Array.from([16]).buffer)];
  for (const [p, s] of all) {
    const b = Buffer.from(p, 'utf8');
    const head = Buffer.alloc(8);
    head.writeFloatLE(s, 0);
    head.writeInt32LE(b.length, 4);
    chunks.push(head, b);
  }
  return { bytes: new Uint8Array(Buffer.concat(chunks)), vocab: all.length };
}

// ids: 259 ' ', 260 'a', 261 'b', 262 'ab', 263 ' a', 264 ' ab', 265 'ba', 266 'é'
const PIECES: [string, number][] = [
  [' ', -1],
  ['a', -1],
  ['b', -1],
  ['ab', -2],
  [' a', -3],
  [' ab', -5],
  ['ba', -2],
  ['é', -1],
];
function tiny(): Tokenizer {
  const { bytes, vocab } = tokenizerFile(PIECES);
  return parseTokenizer(bytes, vocab, 'tiny-tok.bin');
}

describe('tokenizer', () => {
  test('a space is prepended and the best-scoring pair merges first', () => {
    const tok = tiny();
    // " ab": pairs (' ','a') → ' a' (−3), ('a','b') → 'ab' (−2): 'ab' wins; then (' ','ab') → ' ab' (−5)
    expect(encode(tok, 'ab', false, false)).toEqual([264]);
    expect(encode(tok, 'ab', true, true)).toEqual([BOS_ID, 264, EOS_ID]);
  });

  test('on equal scores the leftmost pair merges first', () => {
    const tok = tiny();
    // " bab": ('b','a') → 'ba' (−2) at 1 and ('a','b') → 'ab' (−2) at 2 tie: leftmost 'ba' merges → [' ', 'ba', 'b']
    expect(encode(tok, 'bab', false, false)).toEqual([259, 265, 261]);
  });

  test('characters outside the vocabulary fall back to one token per UTF-8 byte (byte + 3)', () => {
    const tok = tiny();
    // 'ü' = C3 BC is not a piece → 0xC3 + 3, 0xBC + 3; 'é' is a piece
    expect(encode(tok, 'üé', false, false)).toEqual([259, 0xc3 + 3, 0xbc + 3, 266]);
    expect(decode(tok, encode(tok, 'üé', false, false), 0)).toBe(' üé');
  });

  test('decoding after BOS drops the leading space of the first piece', () => {
    const tok = tiny();
    expect(decode(tok, [264, 263], BOS_ID)).toBe('ab a');
    expect(decode(tok, [264], 260)).toBe(' ab');
  });

  test('a file shorter than the vocabulary is rejected naming the token', () => {
    const { bytes, vocab } = tokenizerFile(PIECES);
    let err: unknown;
    try {
      parseTokenizer(bytes.subarray(0, bytes.length - 3), vocab, 'cut-tok.bin');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NmsimError);
    expect((err as NmsimError).diagnostics[0]).toMatchObject({ code: 'tokenizer/truncated', file: 'cut-tok.bin', path: `tokens[${vocab - 1}]` });
  });
});

describeWithShared('tok512.bin', ['models/tok512.bin'], () => {
  const tok = () => parseTokenizer(fs.readFileSync(sharedPath('models/tok512.bin')), 512, 'tok512.bin');

  test('text round-trips through encode and decode, ASCII, newlines and byte-fallback alike', () => {
    const t = tok();
    for (const text of [
      'Once upon a time, there was a little girl named Lily.',
      'Spot saw the shiny car.\nKitty smiled and replied, "Thank you, Spot."',
      'naïve café — 日本語 ✓ â€œ',
      '  two leading spaces and trailing  ',
    ]) {
      const ids = encode(t, text, true, false);
      expect(ids[0]).toBe(BOS_ID);
      expect(decode(t, ids.slice(1), BOS_ID)).toBe(text);
    }
  });

  test('the dummy prefix makes "Once" one token, " Once", as in the training data', () => {
    const t = tok();
    const ids = encode(t, 'Once upon a time', true, false);
    expect(t.pieces[ids[1]]).toBe(' Once');
    expect(ids.length).toBeLessThanOrEqual(6);
  });
});

/**
 * llama2.c tokenizer.bin: int32 max_token_length, then per token: f32 merge score, int32 byte
 * length, the bytes. Encoding is SentencePiece-BPE style, as llama2.c run.c does it:
 * - a space is prepended to non-empty text (SentencePiece's dummy prefix; the training data was
 *   tokenized that way, and the reference greedy sample reproduces only with it);
 * - the text is split into UTF-8 code points; each one becomes its token, or, when the
 *   vocabulary lacks it, one byte-fallback token per byte (id = byte + 3: ids 3..258 are
 *   <0x00>..<0xFF>);
 * - then repeatedly the adjacent pair whose concatenation is a token with the highest score is
 *   merged (the first such pair wins on equal scores) until no pair merges.
 * Decoding strips the leading space of the piece that follows BOS and maps <0xXX> to the byte.
 * Token pieces are held as "binary strings" (one char per byte) so that lookups are byte-exact.
 */
import { inputError } from '../diagnostics.js';
import { readInputFile } from './input-file.js';

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const BYTE_FALLBACK_OFFSET = 3;

export interface Tokenizer {
  vocabSize: number;
  maxTokenLength: number;
  /** piece of each id, one char per byte */
  pieces: string[];
  scores: Float32Array;
  /** piece → id (first id wins for duplicates) */
  lookup: Map<string, number>;
}

export function parseTokenizer(bytes: Uint8Array, vocabSize: number, file = '<tokenizer>'): Tokenizer {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = (i: number, off: number) =>
    inputError({
      code: 'tokenizer/truncated',
      file,
      path: `tokens[${i}]`,
      message: `the tokenizer file ends at byte ${bytes.byteLength}, inside token ${i} of the ${vocabSize} the model needs (offset ${off}).`,
      expected: `${vocabSize} tokens`,
      found: `${i} complete tokens`,
      hint: 'pass the tokenizer the model was trained with (tok512.bin for stories260K); a tokenizer of a smaller vocabulary does not fit',
    });
  if (bytes.byteLength < 4) throw truncated(0, 0);
  const maxTokenLength = view.getInt32(0, true);
  const pieces: string[] = [];
  const scores = new Float32Array(vocabSize);
  const lookup = new Map<string, number>();
  let off = 4;
  for (let i = 0; i < vocabSize; i++) {
    if (off + 8 > bytes.byteLength) throw truncated(i, off);
    scores[i] = view.getFloat32(off, true);
    const len = view.getInt32(off + 4, true);
    off += 8;
    if (len < 0 || len > Math.max(maxTokenLength, 64) || off + len > bytes.byteLength) {
      if (off + len > bytes.byteLength) throw truncated(i, off - 8);
      throw inputError({
        code: 'tokenizer/bad-token',
        file,
        path: `tokens[${i}].length`,
        message: `token ${i} claims ${len} bytes, more than the file's max_token_length ${maxTokenLength}.`,
        expected: `0..${maxTokenLength}`,
        found: String(len),
        hint: 'the file is not a llama2.c tokenizer.bin, or it is corrupted',
      });
    }
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(bytes[off + j]);
    off += len;
    pieces.push(s);
    if (!lookup.has(s)) lookup.set(s, i);
  }
  return { vocabSize, maxTokenLength, pieces, scores, lookup };
}

export async function loadTokenizer(file: string, vocabSize: number): Promise<Tokenizer> {
  const bytes = await readInputFile(file, { code: 'tokenizer/unreadable', noun: 'tokenizer file', hint: 'pass --tokenizer with a llama2.c tokenizer .bin (tok512.bin for stories260K)' });
  return parseTokenizer(bytes, vocabSize, file);
}

function utf8Binary(text: string): string {
  const b = Buffer.from(text, 'utf8');
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Encodes text to ids; BOS/EOS optional. */
export function encode(tok: Tokenizer, text: string, bos: boolean, eos: boolean): number[] {
  const ids: number[] = [];
  if (bos) ids.push(BOS_ID);
  if (text.length > 0) {
    const prefix = tok.lookup.get(' ');
    if (prefix !== undefined) ids.push(prefix);
  }
  const bytes = utf8Binary(text);
  let i = 0;
  while (i < bytes.length) {
    // one code point: a lead byte and its continuation bytes (at most 4 bytes in all)
    let j = i + 1;
    while (j < bytes.length && j - i < 4 && (bytes.charCodeAt(j) & 0xc0) === 0x80) j++;
    const cp = bytes.slice(i, j);
    const id = tok.lookup.get(cp);
    if (id !== undefined) ids.push(id);
    else for (let b = i; b < j; b++) ids.push(bytes.charCodeAt(b) + BYTE_FALLBACK_OFFSET);
    i = j;
  }
  // merge the best-scoring adjacent pair until none merges (BOS takes part only if a merge exists,
  // which for "<s>" + piece never happens, as in run.c)
  for (;;) {
    let bestScore = -Infinity;
    let bestId = -1;
    let bestIdx = -1;
    for (let k = 0; k + 1 < ids.length; k++) {
      const id = tok.lookup.get(tok.pieces[ids[k]] + tok.pieces[ids[k + 1]]);
      if (id !== undefined && tok.scores[id] > bestScore) {
        bestScore = tok.scores[id];
        bestId = id;
        bestIdx = k;
      }
    }
    if (bestIdx < 0) break;
    ids.splice(bestIdx, 2, bestId);
  }
  if (eos) ids.push(EOS_ID);
  return ids;
}

/** Bytes of one token as it is printed after `prev` (llama2.c decode rules). */
export function decodePieceBytes(tok: Tokenizer, prev: number, id: number): number[] {
  let piece = tok.pieces[id] ?? '';
  if (prev === BOS_ID && piece.startsWith(' ')) piece = piece.slice(1);
  const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
  if (m) return [parseInt(m[1], 16)];
  return Array.from(piece, (c) => c.charCodeAt(0));
}

/** Decodes a token sequence (as generated after `prev`) to text. */
export function decode(tok: Tokenizer, ids: readonly number[], prev = BOS_ID): string {
  const bytes: number[] = [];
  let p = prev;
  for (const id of ids) {
    for (const b of decodePieceBytes(tok, p, id)) bytes.push(b);
    p = id;
  }
  return Buffer.from(bytes).toString('utf8');
}

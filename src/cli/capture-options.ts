/**
 * Options and input loading shared by `nmsim capture` and `nmsim generate`: the checkpoint,
 * its tokenizer, the story text, story ranges and the calibration range.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { usageError } from '../diagnostics.js';
import { parseCheckpoint, type ModelWeights } from '../capture/checkpoint.js';
import { loadTokenizer, type Tokenizer } from '../capture/tokenizer.js';
import { formatStoryRange, loadStories, selectStories, type StoryRange } from '../capture/stories.js';
import { encodeStream } from '../capture/perplexity.js';
import { sha256Hex } from '../capture/capture-bundle.js';
import type { RunSpec } from '../capture/prune-hooks.js';

export const DEFAULT_CALIB_OFFSET = 900;
export const DEFAULT_CALIB_STORIES = 50;

export const modelOptions = {
  model: { type: 'string', demandOption: true, describe: 'llama2.c checkpoint (.bin): legacy fp32, version 1 fp32 or version 2 Q8_0' },
  tokenizer: { type: 'string', demandOption: true, describe: 'llama2.c tokenizer .bin with the model\'s vocabulary (tok512.bin for stories260K)' },
} as const;

export const calibOptions = {
  'calib-offset': {
    type: 'number',
    default: DEFAULT_CALIB_OFFSET,
    describe: 'first calibration story (spts shift, affine fit); must not overlap the evaluated stories',
  },
  'calib-stories': { type: 'number', default: DEFAULT_CALIB_STORIES, describe: 'number of calibration stories' },
} as const;

export interface LoadedModel {
  model: ModelWeights;
  tokenizer: Tokenizer;
  checkpointSha256: string;
}

export async function loadModelAndTokenizer(modelPath: string, tokenizerPath: string): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(modelPath);
  } catch (e) {
    throw usageError({
      code: 'capture/model-unreadable',
      file: modelPath,
      path: '--model',
      message: `cannot read the model file: ${(e as Error).message}.`,
      hint: 'pass --model with the path of a llama2.c .bin checkpoint',
    });
  }
  const model = parseCheckpoint(bytes, modelPath);
  const tokenizer = await loadTokenizer(tokenizerPath, model.config.vocabSize);
  return { model, tokenizer, checkpointSha256: sha256Hex(bytes) };
}

export function checkCount(value: number, option: string, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw usageError({
      code: 'cli/bad-number',
      path: option,
      message: `${option} must be a whole number ≥ ${min}.`,
      found: String(value),
      hint: `for example ${option} ${Math.max(min, 1)}`,
    });
  }
  return value;
}

function overlaps(a: StoryRange, b: StoryRange): boolean {
  return a.offset < b.offset + b.count && b.offset < a.offset + a.count;
}

/** Encodes the calibration stories, refusing a range that overlaps the evaluated one. */
export async function loadCalibStream(
  textPath: string,
  tok: Tokenizer,
  calib: StoryRange,
  evaluated?: StoryRange,
): Promise<{ stream: Int32Array; label: string }> {
  checkCount(calib.offset, '--calib-offset', 0);
  checkCount(calib.count, '--calib-stories', 1);
  if (evaluated && overlaps(calib, evaluated)) {
    throw usageError({
      code: 'capture/calibration-overlap',
      path: '--calib-offset',
      message: `the calibration ${formatStoryRange(calib)} overlap the evaluated ${formatStoryRange(evaluated)}; spts and affine must be calibrated on other text.`,
      hint: `move them, e.g. --calib-offset ${evaluated.offset + evaluated.count}`,
    });
  }
  const stories = await loadStories(textPath);
  const stream = encodeStream(tok, selectStories(stories, calib, textPath, '--calib-offset/--calib-stories'));
  return { stream, label: `${path.basename(textPath)} ${formatStoryRange(calib)}` };
}

export function specsNeedCalibration(specs: RunSpec[]): boolean {
  return specs.some((s) => s.pattern.kind !== 'dense' && (s.mitigation === 'spts' || s.mitigation === 'affine'));
}

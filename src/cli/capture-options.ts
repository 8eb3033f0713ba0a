/**
 * Options and input loading shared by `nmsim capture` and `nmsim generate`: the checkpoint,
 * its tokenizer, the story text, story ranges and the calibration range.
 */
import * as path from 'node:path';
import { usageError } from '../diagnostics.js';
import { parseCheckpoint, type ModelConfig, type ModelWeights } from '../capture/checkpoint.js';
import { SITE_CONSUMERS, SITE_KINDS, siteInputDim } from '../capture/sites.js';
import { formatBound, noEffect, OPTION_BOUNDS, wholeNumberOption } from './options.js';
import { loadTokenizer, type Tokenizer } from '../capture/tokenizer.js';
import { formatStoryRange, loadStories, selectStories, type StoryRange } from '../capture/stories.js';
import { encodeStream } from '../capture/perplexity.js';
import { sha256Hex } from '../capture/capture-bundle.js';
import { needsCalibration } from '../capture/capture.js';
import { readInputFile } from '../capture/input-file.js';
import type { CaptureSpec } from '../capture/capture.js';
import { DEFAULT_PRECISION, isPrecision, PRECISIONS, type Precision } from '../capture/precision.js';

export const DEFAULT_CALIB_OFFSET = 900;
export const DEFAULT_CALIB_STORIES = 50;

export const modelOptions = {
  model: { type: 'string', demandOption: true, describe: 'llama2.c checkpoint (.bin): legacy fp32, version 1 fp32 or version 2 Q8_0' },
  tokenizer: { type: 'string', demandOption: true, describe: 'llama2.c tokenizer .bin with the model\'s vocabulary (tok512.bin for stories260K)' },
} as const;

export const calibOptions = {
  'calib-offset': {
    type: 'string',
    defaultDescription: String(DEFAULT_CALIB_OFFSET),
    describe: `spts/affine (capture: and wanda) only: first calibration story (0–${formatBound(OPTION_BOUNDS['calib-offset'].max)}); must not overlap the evaluated stories`,
  },
  'calib-stories': { type: 'string', defaultDescription: String(DEFAULT_CALIB_STORIES), describe: `spts/affine (capture: and wanda) only: number of calibration stories (1–${formatBound(OPTION_BOUNDS['calib-stories'].max)})` },
} as const;

export interface CalibArgs {
  'calib-offset'?: string;
  'calib-stories'?: string;
}

/** The calibration range the options give (defaults where absent). */
export function calibRange(argv: CalibArgs): StoryRange {
  return {
    offset: wholeNumberOption('calib-offset', argv['calib-offset'], DEFAULT_CALIB_OFFSET),
    count: wholeNumberOption('calib-stories', argv['calib-stories'], DEFAULT_CALIB_STORIES),
  };
}

/**
 * Calibration options (and `extra`, e.g. generate's --text) act only for spts and affine (and,
 * in capture, wanda weight runs): given for a run that calibrates nothing, they are a usage error
 * naming both options.
 */
export function refuseUnusedCalibration(
  argv: CalibArgs,
  needsCalibration: boolean,
  mitigationOption: string,
  extra: Record<string, unknown> = {},
  weightCriteriaOption?: string,
): void {
  if (needsCalibration) return;
  const wanda = weightCriteriaOption ? `, or ${weightCriteriaOption} includes wanda with --operand weight` : '';
  for (const [option, value] of Object.entries({ '--calib-offset': argv['calib-offset'], '--calib-stories': argv['calib-stories'], ...extra })) {
    if (value !== undefined) {
      noEffect(
        option,
        `unless ${mitigationOption} includes spts or affine${wanda} (only they are calibrated)`,
        `drop ${option}, or add spts or affine to ${mitigationOption}${weightCriteriaOption ? ` (or wanda to ${weightCriteriaOption} with --operand weight)` : ''}.`,
      );
    }
  }
}

export interface LoadedModel {
  model: ModelWeights;
  tokenizer: Tokenizer;
  checkpointSha256: string;
}

export async function loadModelAndTokenizer(modelPath: string, tokenizerPath: string): Promise<LoadedModel> {
  const bytes = await readInputFile(modelPath, { code: 'capture/model-unreadable', noun: 'model file', path: '--model', hint: 'pass --model with the path of a llama2.c .bin checkpoint' });
  const model = parseCheckpoint(bytes, modelPath);
  const tokenizer = await loadTokenizer(tokenizerPath, model.config.vocabSize);
  return { model, tokenizer, checkpointSha256: sha256Hex(bytes) };
}

/**
 * Bytes the recorder holds per recorded stream position: every site's F32 input and one mask
 * byte per consumer (capture/recorder.ts).
 */
export function recordedBytesPerPosition(c: ModelConfig): number {
  return c.nLayers * SITE_KINDS.reduce((sum, kind) => sum + siteInputDim(c, kind) * (4 + SITE_CONSUMERS[kind].length), 0);
}

/** Memory the recorded positions may take: they are all held until the bundle is written. */
export const MAX_RECORDING_BYTES = 2 ** 30;

/** Refuses a --trace-tokens whose recording would not fit MAX_RECORDING_BYTES for this model. */
export function checkRecordingMemory(traceTokens: number, c: ModelConfig): void {
  const perPosition = recordedBytesPerPosition(c);
  if (traceTokens * perPosition <= MAX_RECORDING_BYTES) return;
  const fits = Math.floor(MAX_RECORDING_BYTES / perPosition);
  throw usageError({
    code: 'cli/out-of-range',
    path: '--trace-tokens',
    message: `--trace-tokens ${traceTokens} would hold ${(traceTokens * perPosition / 2 ** 30).toFixed(1)} GiB of recordings in memory for this model (${perPosition.toLocaleString('en-US')} bytes per position); at most 1 GiB.`,
    expected: `at most ${fits.toLocaleString('en-US')} positions for this model`,
    found: String(traceTokens),
    hint: `record fewer positions, e.g. --trace-tokens ${Math.min(fits, 2048)}.`,
  });
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
  if (evaluated && overlaps(calib, evaluated)) {
    throw usageError({
      code: 'capture/calibration-overlap',
      path: '--calib-offset',
      message: `the calibration ${formatStoryRange(calib)} overlap the evaluated ${formatStoryRange(evaluated)}; spts, affine and wanda must be calibrated on other text.`,
      hint: `move them, e.g. --calib-offset ${evaluated.offset + evaluated.count}`,
    });
  }
  const stories = await loadStories(textPath);
  const stream = encodeStream(tok, selectStories(stories, calib, textPath, '--calib-offset/--calib-stories'));
  return { stream, label: `${path.basename(textPath)} ${formatStoryRange(calib)}` };
}

export function specsNeedCalibration(specs: readonly CaptureSpec[]): boolean {
  return specs.some(needsCalibration);
}

export const precisionOption = {
  type: 'string',
  defaultDescription: DEFAULT_PRECISION,
  describe:
    'evaluation arithmetic: f64 (float32 weights and activations, float64 accumulation: bit-identical to the reference, as every shipped trace) or f32 ' +
    '(the projections, the attention and SwiGLU compute in float32 with 4-lane SIMD, as llama2.c run.c and numpy float32 do: faster, not bit-identical to f64: dense mean NLL within ~1e-6 relative, pruned runs further apart where near-tied elements flip, 2e-4 measured at 8:16; ' +
    'RMSNorm and the NLL stay as in f64). f32 measures perplexity only (no --out)',
} as const;

/** --precision (default f64); f32 with --out is refused: a bundle's traces are the f64 reference's bits. */
export function parsePrecision(value: string | undefined, out: string | undefined): Precision {
  if (value === undefined) return DEFAULT_PRECISION;
  if (!isPrecision(value)) {
    throw usageError({ code: 'capture/unknown-precision', path: '--precision', message: `"${value}" is not a precision; expected one of ${PRECISIONS.join(', ')}.`, hint: 'write --precision f64 (the default, bit-identical) or --precision f32 (float32 accumulation, faster)' });
  }
  if (value === 'f32' && out !== undefined) {
    throw usageError({
      code: 'capture/precision-with-out',
      path: '--precision',
      message: 'a bundle is written in the default precision only (f64: its traces and perplexities are the reference\'s bits), but --precision is f32.',
      hint: 'drop --precision to write the bundle, or drop --out to measure perplexity in float32',
    });
  }
  return value;
}

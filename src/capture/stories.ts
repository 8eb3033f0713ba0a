/**
 * Story text files: stories separated by a line "<|endoftext|>" (the layout of
 * ../shared/data/tinystories_hf_validation_head.stories.txt and of TinyStories-valid.txt).
 * Each story is stripped of surrounding whitespace; empty ones are dropped.
 */
import { inputError } from '../diagnostics.js';
import { readInputFile } from './input-file.js';

export const STORY_SEPARATOR = '<|endoftext|>';

export function splitStories(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n?<\|endoftext\|>\n?/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export async function loadStories(file: string): Promise<string[]> {
  const text = (await readInputFile(file, { code: 'capture/text-unreadable', noun: 'text file', hint: 'pass --text with a UTF-8 file of stories separated by "<|endoftext|>" lines' })).toString('utf8');
  const stories = splitStories(text);
  if (stories.length === 0) {
    throw inputError({
      code: 'capture/empty-text',
      file,
      message: 'the text file holds no story.',
      hint: 'stories are separated by lines holding "<|endoftext|>"; the file must contain at least one',
    });
  }
  return stories;
}

/** A contiguous range of stories, [offset, offset + count). */
export interface StoryRange {
  offset: number;
  count: number;
}

export function formatStoryRange(r: StoryRange): string {
  return r.count === 1 ? `story ${r.offset}` : `stories ${r.offset}–${r.offset + r.count - 1}`;
}

/** Selects a range; throws a usage diagnostic naming `option` when it does not fit. */
export function selectStories(stories: string[], r: StoryRange, file: string, option: string): string[] {
  if (!(Number.isInteger(r.offset) && r.offset >= 0 && Number.isInteger(r.count) && r.count >= 1) || r.offset + r.count > stories.length) {
    throw inputError({
      code: 'capture/story-range',
      file,
      path: option,
      message: `${formatStoryRange(r)} do not fit: the file holds ${stories.length} stories (0–${stories.length - 1}).`,
      expected: `offset ≥ 0, count ≥ 1, offset + count ≤ ${stories.length}`,
      found: `offset ${r.offset}, count ${r.count}`,
      hint: `choose a range inside 0–${stories.length - 1}`,
    });
  }
  return stories.slice(r.offset, r.offset + r.count);
}

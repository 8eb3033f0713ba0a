/**
 * Option values of every command: whole numbers inside documented bounds, lists that must name
 * something, options that act only in one mode, options given twice or without their value.
 * Every problem is a usage error (exit 2) that names the option, what it takes and why.
 *
 * Numbers are decimal digits only: "0x10", "1e3", "1_000", "NaN", "Infinity" and "-5" are
 * refused (yargs' own number parsing would read the first two as 16 and 1000 and the next ones
 * as NaN or Infinity), with the decimal spelling as the hint where there is one.
 */
import { isNmsimError, usageError, type Diagnostic } from '../diagnostics.js';
import { excerpt } from '../user-text.js';
import { MAX_BATCH_SIZE } from '../analysis/plan.js';
import { DEFAULT_DECODE_CONTEXT_TOKENS, DEFAULT_PATTERNS_TEXT } from '../defaults.js';
import { parsePatternList, type Pattern } from '../sparsity/pattern.js';

export interface OptionBound {
  min: number;
  max: number;
  /** what the number counts, for messages and the README table */
  unit: string;
  /** why the bound is where it is */
  why: string;
}

/**
 * Every bounded number option, by name. Generous: each maximum is beyond what real workloads
 * use, and keeps one run to seconds or its memory to about a gigabyte. README.md "Option
 * bounds" shows this table (a test keeps the two in step).
 */
export const OPTION_BOUNDS = {
  tokens: { min: 1, max: 131_072, unit: 'tokens', why: 'the catalog models read at most 128k tokens of context, and the performance model simulates every output tile (at most 2^20 per GEMM)' },
  'prefill-tokens': { min: 1, max: 131_072, unit: 'tokens', why: 'the catalog models read at most 128k tokens of context, and the performance model simulates every output tile (at most 2^20 per GEMM) for every profile' },
  batch: { min: 1, max: 8_192, unit: 'sequences', why: 'serving batches are a few hundred sequences, and the logits GEMM of a larger batch (262k-token vocabulary) exceeds the tile simulation\'s 2^20 tiles' },
  'decode-batches': { min: 1, max: MAX_BATCH_SIZE, unit: 'tokens per step', why: 'every decode batch is measured on the trace, and the analysis draws batches of at most 4,096 tokens' },
  context: { min: 1, max: 16_777_216, unit: 'tokens', why: '16M tokens is beyond every published context window' },
  'max-tokens': { min: 1, max: Number.MAX_SAFE_INTEGER, unit: 'tokens', why: 'a cap above the tokens of a site just scans them all' },
  stories: { min: 1, max: 10_000_000, unit: 'stories', why: 'the range must also lie inside the story file' },
  offset: { min: 0, max: 10_000_000, unit: 'stories', why: 'the range must also lie inside the story file' },
  'calib-stories': { min: 1, max: 10_000_000, unit: 'stories', why: 'the range must also lie inside the story file' },
  'calib-offset': { min: 0, max: 10_000_000, unit: 'stories', why: 'the range must also lie inside the story file' },
  'trace-tokens': { min: 0, max: 65_536, unit: 'positions', why: 'every recorded position is held in memory (F32 inputs and one mask byte per consumer at every site) until the bundle is written' },
  steps: { min: 1, max: 1_048_576, unit: 'positions', why: 'generation stops at the model\'s seq_len anyway' },
  threads: { min: 0, max: 64, unit: 'worker threads', why: 'more workers than cores only adds start-up time and memory' },
  seed: { min: 0, max: 4_294_967_295, unit: '', why: 'the random batches use a 32-bit generator (mulberry32)' },
  'piece-tokens': { min: 0, max: 1_048_576, unit: 'token rows', why: 'a piece is one task\'s unit of work; 2^20 rows of the widest site is far past one machine\'s memory bound anyway' },
} as const satisfies Record<string, OptionBound>;

export type BoundedOption = keyof typeof OPTION_BOUNDS;

/** Patterns one list option may name: each is a whole-model simulation, analysis or capture run. */
export const MAX_LIST_PATTERNS = 32;
/** Bytes of `nmsim generate --prompt`: the llama2.c BPE encoder is quadratic in it (40 KB take ~26 s), and generation stops at seq_len. */
export const MAX_PROMPT_BYTES = 16_384;

/** 1048576 → "1,048,576" (what messages and the README show). */
export function formatBound(v: number): string {
  return v === Number.MAX_SAFE_INTEGER ? '2^53 − 1' : v.toLocaleString('en-US', { maximumFractionDigits: 12 });
}

function rangeText(b: OptionBound): string {
  return `a whole number from ${formatBound(b.min)} to ${formatBound(b.max)}${b.unit ? ` (${b.unit})` : ''}`;
}

/** "1–4,096": an option's bound, for its --help text. */
export function boundText(option: BoundedOption): string {
  return `${formatBound(OPTION_BOUNDS[option].min)}–${formatBound(OPTION_BOUNDS[option].max)}`;
}

/** A decimal spelling of what the user probably meant ("0x10" → 16), when there is one. */
function decimalReading(text: string): number | undefined {
  const v = Number(text.replace(/_/g, ''));
  return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/**
 * A whole-number option: `raw` is what the parser gave (a string; a number only from a
 * default), `fallback` what an absent option means. Throws a usage error naming the option.
 */
export function wholeNumberOption(option: BoundedOption, raw: unknown, fallback?: number, label = `--${option}`): number {
  const b: OptionBound = OPTION_BOUNDS[option];
  if (raw === undefined) {
    if (fallback === undefined) throw usageError({ code: 'cli/missing-value', path: label, message: `${label} needs a value.`, expected: rangeText(b) });
    return fallback;
  }
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^\d+$/.test(raw.trim())) value = Number(raw.trim());
  else {
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      throw usageError({ code: 'cli/missing-value', path: label, message: `${label} needs a value.`, expected: rangeText(b), hint: `e.g. ${label} ${formatBound(Math.max(b.min, 1)).replace(/,/g, '')}` });
    }
    const reading = decimalReading(text);
    throw usageError({
      code: 'cli/not-a-whole-number',
      path: label,
      message: `${label} takes a whole number written in decimal digits.`,
      expected: rangeText(b),
      found: excerpt(raw),
      hint: reading !== undefined && reading >= b.min && reading <= b.max ? `write ${label} ${reading}` : `e.g. ${label} ${Math.max(b.min, 1)}`,
    });
  }
  if (!Number.isInteger(value) || value < b.min || value > b.max) {
    throw usageError({
      code: 'cli/out-of-range',
      path: label,
      message: `${label} must be ${rangeText(b)}.`,
      expected: rangeText(b),
      found: typeof raw === 'string' ? excerpt(raw.trim()) : String(raw),
      hint: `${b.why}.`,
    });
  }
  return value;
}

/**
 * A comma-separated list of whole numbers (e.g. `--decode-batches 1,8`): distinct, ascending.
 */
export function wholeNumberListOption(option: BoundedOption, raw: unknown, label = `--${option}`): number[] {
  const parts = String(raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) {
    throw usageError({ code: 'cli/missing-value', path: label, message: `${label} needs at least one value.`, expected: `${rangeText(OPTION_BOUNDS[option])}, or several separated by commas`, found: excerpt(String(raw ?? '')), hint: `e.g. ${label} 1,8` });
  }
  return [...new Set(parts.map((p) => wholeNumberOption(option, p, undefined, label)))].sort((a, b) => a - b);
}

/** A list option that must name something (`--patterns ''` names nothing). */
export function nonEmptyList<T>(list: readonly T[], label: string, raw: unknown, what: string, example: string): T[] {
  if (list.length === 0) {
    throw usageError({ code: 'cli/empty-list', path: label, message: `${label} names no ${what}.`, found: excerpt(String(raw ?? '')), hint: `e.g. ${label} ${example}` });
  }
  if (list.length > MAX_LIST_PATTERNS) {
    throw usageError({
      code: 'cli/out-of-range',
      path: label,
      message: `${label} names ${list.length} ${what}s; at most ${MAX_LIST_PATTERNS} per run.`,
      expected: `1 to ${MAX_LIST_PATTERNS} ${what}s`,
      found: `${list.length}`,
      hint: `each ${what} is a separate run of the model; split the list over several runs.`,
    });
  }
  return [...list];
}

/**
 * An option the user gave that has no effect in the mode another option chose: a usage error
 * naming both (`--batch` with `--phase prefill`).
 */
export function noEffect(option: string, because: string, hint: string): never {
  throw usageError({ code: 'cli/no-effect', path: option, message: `${option} has no effect ${because}.`, hint });
}

/**
 * Parses the user's option text with a library parser whose diagnostics quote the offending
 * part verbatim ("\"…\" is not a sparsity pattern"): the quote becomes a short escaped excerpt,
 * so a long or control-character value is not printed back whole.
 */
export function parseQuoted<T>(text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    const parts = [...new Set([text, ...text.split(',')].map((p) => p.trim()).filter((p) => p !== ''))].sort((a, b) => b.length - a.length);
    for (const d of e.diagnostics) {
      for (const part of parts) {
        d.message = d.message.split(`"${part}"`).join(excerpt(part));
        if (d.found === JSON.stringify(part) || d.found === part) d.found = excerpt(part);
      }
    }
    throw e;
  }
}

/** The option names yargs reports, as the user types them. */
const flag = (key: string) => (key.length === 1 ? `-${key}` : `--${key}`);

/**
 * Checks the shape of every option before a command runs: an option given twice (yargs would
 * pass an array, or join it into "a,b") unless it is declared as a list, and a value option
 * given as a flag (`--no-profile` would be the profile "false").
 */
export function checkOptionShapes(argv: Record<string, unknown>, declared: { array: readonly string[]; string: readonly string[] }): void {
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0' || /[A-Z]/.test(key)) continue;
    const isList = declared.array.includes(key);
    if (Array.isArray(value) && !isList) {
      throw usageError({
        code: 'cli/repeated-option',
        path: flag(key),
        message: `${flag(key)} is given ${value.length} times; it takes one value.`,
        found: value.map((v) => excerpt(v)).join(', '),
        hint: `give ${flag(key)} once.`,
      });
    }
    if (declared.string.includes(key)) {
      const values = Array.isArray(value) ? value : [value];
      if (values.some((v) => typeof v === 'boolean')) {
        throw usageError({ code: 'cli/missing-value', path: flag(key), message: `${flag(key)} takes a value; it is not a switch.`, hint: `write ${flag(key)} VALUE (run with --help for what it takes).` });
      }
    }
  }
}

/** `--traces a,b --traces c` → ['a', 'b', 'c']: a list option given comma-separated or repeated. */
export function listArg(v: readonly unknown[] | string | undefined): string[] {
  const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return values.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * `--patterns` of simulate, review and area: the sparse patterns compared with dense (dense is
 * always the baseline, so naming it adds nothing). At least one, at most MAX_LIST_PATTERNS.
 */
export function sparsePatternsOption(text: string, label = '--patterns'): Pattern[] {
  const parsed = parseQuoted(text, (t) => parsePatternList(t, { path: label })).filter((p) => p.kind !== 'dense');
  return nonEmptyList(parsed, label, text, 'sparse pattern (dense is always the baseline)', '2:4,8:16');
}

/**
 * The profile of a command that models one (`simulate`, `area`): `--profile` or its alias
 * `--profiles`, naming exactly one; `nmsim review` compares several.
 */
export function oneProfileOption(value: unknown, command: string): string {
  const refs = listArg(value as string | string[] | undefined);
  if (refs.length === 1) return refs[0];
  throw usageError({
    code: refs.length === 0 ? 'cli/missing-value' : 'cli/one-profile',
    path: '--profile',
    message: refs.length === 0 ? '--profile needs a value.' : `nmsim ${command} models one profile; --profile names ${refs.length}.`,
    found: refs.length === 0 ? undefined : excerpt(refs.join(',')),
    hint: refs.length === 0 ? 'e.g. --profile act-8of16 (a shipped name or a .yaml/.json file).' : `run nmsim ${command} once per profile, or compare them side by side with nmsim review --profiles ${refs.join(',')}.`,
  });
}

/**
 * Option declarations several commands share, so that an option means the same thing, with the
 * same default, in every command that takes it.
 */
export const SHARED_OPTIONS = {
  patterns: {
    type: 'string',
    default: DEFAULT_PATTERNS_TEXT,
    describe: `activation patterns compared with dense, comma-separated (N:M or unstructured; 1–${MAX_LIST_PATTERNS}; dense is always the baseline)`,
  },
  context: {
    type: 'string',
    defaultDescription: String(DEFAULT_DECODE_CONTEXT_TOKENS),
    describe: `decode only: context length L in tokens (${boundText('context')}; the KV cache read per step)`,
  },
} as const;

/**
 * The deprecated spelling of an option: still accepted, with a warning that names the new one
 * (returned as a diagnostic; the command prints it). Giving both is a usage error.
 */
export function deprecatedAlias<T>(oldName: string, newName: string, oldValue: T | undefined, newValue: T | undefined): { value: T | undefined; warning?: Diagnostic } {
  if (oldValue === undefined) return { value: newValue };
  if (newValue !== undefined) {
    throw usageError({ code: 'cli/repeated-option', path: newName, message: `${oldName} is the old spelling of ${newName}; give one of them.`, hint: `write ${newName} only.` });
  }
  return {
    value: oldValue,
    warning: { code: 'cli/deprecated-option', severity: 'warning', path: oldName, message: `${oldName} is deprecated: every command spells it ${newName}.`, hint: `write ${newName}; ${oldName} will be removed.` },
  };
}

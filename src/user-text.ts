/**
 * How text the user gave (an option value, a value from a spec file) appears in a diagnostic:
 * as a short escaped excerpt, never whole — a diagnostic must not become a way to print a
 * file — and, for a misspelt name, the closest valid one.
 */
import { previewJson } from './diagnostics.js';

/** Characters of a user's value a diagnostic quotes at most. */
export const EXCERPT_CHARS = 40;

/** control, bidi-override, zero-width and line/paragraph separators: shown as \uXXXX */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/gu;

function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A value as a quoted, escaped excerpt of at most `maxChars` characters (code points):
 * `"1.41 GHzz"`, or `"TOP-SECRET-x9Qx9Q…" (100 characters)` when it is longer.
 */
export function excerpt(value: unknown, maxChars = EXCERPT_CHARS): string {
  // previewJson is iterative and bounded: a value nested 20k deep must not overflow the stack
  const text = typeof value === 'string' ? value : previewJson(value, maxChars * 2);
  const chars = [...text];
  if (chars.length <= maxChars) return `"${escapeText(text)}"`;
  return `"${escapeText(chars.slice(0, maxChars).join(''))}…" (${chars.length} characters)`;
}

/** Optimal string alignment distance (edits, with adjacent swaps), case-insensitive. */
function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/**
 * The valid name closest to a misspelt one, when it is close: at most a third of its length
 * in edits (at least 2), ignoring case and the separators `-`, `_`, `.` and spaces.
 */
export function closestName(input: string, names: readonly string[]): string | undefined {
  if (input.length > 64) return undefined;
  const squash = (s: string) => s.toLowerCase().replace(/[-_.\s]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const dist = Math.min(editDistance(input, name), editDistance(squash(input), squash(name)));
    if (dist < bestDistance) {
      best = name;
      bestDistance = dist;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** ` Did you mean "x"?` when a close name exists, else ''. */
export function didYouMean(input: string, names: readonly string[]): string {
  const best = closestName(input, names);
  return best === undefined || best === input ? '' : ` Did you mean "${best}"?`;
}

/** "line 3, column 7" from V8's JSON.parse message, when it gives a position. */
function jsonPosition(text: string, message: string): string | undefined {
  const m = /at position (\d+)/.exec(message);
  if (!m) return undefined;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return `line ${line}, column ${Number(m[1]) - before.lastIndexOf('\n')}`;
}

/** What kind of JSON problem V8 reports, in words that quote nothing from the file. */
function jsonReason(message: string): string {
  if (/Unexpected end of JSON input/i.test(message)) return 'the text ends before the JSON does';
  if (/Unexpected non-whitespace character after JSON/i.test(message)) return 'more text follows the JSON value';
  if (/Bad control character/i.test(message)) return 'a control character inside a string';
  if (/property name/i.test(message)) return 'a key is missing or not in double quotes (or a comma trails)';
  if (/Expected ',' or/i.test(message)) return 'a comma or a closing bracket is missing';
  if (/Unexpected token/i.test(message)) return 'an unexpected character';
  return 'a syntax error';
}

/**
 * "not valid JSON at line 3, column 7: a key is missing or not in double quotes" for a
 * JSON.parse error, quoting nothing of the text (V8's own message quotes up to ~10 characters
 * of it). For any reader of JSON files.
 */
export function jsonSyntaxProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = jsonPosition(text, message);
  return `not valid JSON${at ? ` at ${at}` : ''}: ${jsonReason(message)}`;
}

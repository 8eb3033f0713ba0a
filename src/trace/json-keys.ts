/**
 * Repeated keys in JSON text. JSON.parse keeps the last of two equal keys without a word, so a
 * safetensors header naming tensor "x" twice, or a manifest run with two "id"s, would be read
 * as whichever came last. This scan finds them; run it on text JSON.parse has accepted.
 *
 * Iterative (an explicit stack, no recursion) and linear in the text: strings are skipped with
 * indexOf, and only keys that contain an escape are decoded (so "x" and "\u0078" compare equal).
 */
import { type Diagnostic, formatKeyPath } from '../diagnostics.js';

export interface DuplicateKey {
  /** key path of the object holding the repeated key */
  path: (string | number)[];
  key: string;
}

interface Frame {
  isObject: boolean;
  keys?: Set<string>;
  /** object: the key being read; array: the element index */
  at: string | number;
  expectKey: boolean;
}

/** Every repeated key, in the order the repeats occur (at most `limit`). Assumes valid JSON. */
export function findDuplicateKeys(text: string, limit = Infinity): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  const pathOf = () => stack.slice(0, -1).map((f) => f.at);
  let i = 0;
  const n = text.length;
  while (i < n && found.length < limit) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        for (let j = end - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      const top = stack[stack.length - 1];
      if (top?.isObject && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (top.keys!.has(key)) found.push({ path: pathOf(), key });
        else top.keys!.add(key);
        top.at = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b /* { */) stack.push({ isObject: true, keys: new Set(), at: '', expectKey: true });
    else if (c === 0x5b /* [ */) stack.push({ isObject: false, at: 0, expectKey: false });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top.isObject) top.expectKey = true;
      else top.at = (top.at as number) + 1;
    }
    i++;
  }
  return found;
}

/** One error diagnostic per repeated key (code trace/duplicate-key). */
export function duplicateKeyDiagnostics(text: string, file: string, what: string, limit = Infinity): Diagnostic[] {
  return findDuplicateKeys(text, limit).map(({ path, key }) => {
    const where = formatKeyPath([...path, key]);
    return {
      code: 'trace/duplicate-key',
      severity: 'error',
      file,
      path: where,
      message: `Key "${key.length > 80 ? `${key.slice(0, 79)}…` : key}" appears twice in ${path.length === 0 ? `the ${what}` : formatKeyPath(path)}; it is ambiguous which one is meant.`,
      expected: 'every key once per object',
      found: `"${key.length > 40 ? `${key.slice(0, 39)}…` : key}" twice`,
      hint: 'a JSON reader would silently keep only the last one; remove the duplicate or export the file again.',
    };
  });
}

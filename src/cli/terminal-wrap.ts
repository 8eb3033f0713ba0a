/**
 * Word-wrapping of the prose in a command's terminal summary. The review's answer paragraph is a
 * single line of ~2,500 characters; a terminal breaks it mid-word at its right edge. On a TTY,
 * `wrapProse` breaks such lines at spaces to the terminal's width (at most PROSE_MAX_COLUMNS, a
 * readable measure) and indents the continuation like the line itself. Tables are left alone:
 * a line whose text holds a run of two spaces is a table row (its columns are aligned by
 * padding) and is never re-broken. A lone symbol ("=", "·", "×", "−") is never the first or
 * last word of a piece: "B = 8" and "act-8of16 · hierarchical" stay on one line. Piped output (no
 * TTY) is unchanged, byte for byte.
 */

/** The widest line `wrapProse` makes on a wide terminal (characters). */
export const PROSE_MAX_COLUMNS = 100;

/** The width to wrap prose at on `stream`, or undefined where it is not a terminal. */
export function proseColumns(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  if (!stream.isTTY || !stream.columns || stream.columns < 20) return undefined;
  return Math.min(stream.columns - 1, PROSE_MAX_COLUMNS);
}

/**
 * `text` with each prose line longer than `columns` broken at spaces; a word longer than the
 * line stays whole. Joining a wrapped line's pieces (indent removed) with single spaces gives the
 * original line back.
 */
export function wrapProse(text: string, columns: number | undefined): string {
  if (columns === undefined) return text;
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= columns) return line;
      const indent = /^ */.exec(line)![0];
      const body = line.slice(indent.length);
      if (body.includes('  ')) return line;
      const out: string[] = [];
      let cur = '';
      for (const word of unbreakable(body)) {
        if (cur !== '' && indent.length + cur.length + 1 + word.length > columns) {
          out.push(indent + cur);
          cur = word;
        } else cur = cur === '' ? word : `${cur} ${word}`;
      }
      out.push(indent + cur);
      return out.join('\n');
    })
    .join('\n');
}

/** The words of `body`, each lone symbol joined (with its spaces) to the words either side. */
function unbreakable(body: string): string[] {
  const chunks: string[] = [];
  let glueNext = false;
  for (const word of body.split(' ')) {
    const symbol = /^[^\p{L}\p{N}]$/u.test(word);
    if (chunks.length > 0 && (symbol || glueNext)) chunks[chunks.length - 1] += ` ${word}`;
    else chunks.push(word);
    glueNext = symbol;
  }
  return chunks;
}

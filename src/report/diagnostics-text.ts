/** Diagnostics as terminal text, for commands that can raise many warnings of one kind. */
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';

/** Warnings for the terminal: the first of each code in full, then how many more share it. */
export function collapseWarnings(warnings: readonly Diagnostic[]): string {
  const byCode = new Map<string, Diagnostic[]>();
  for (const w of warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
  let out = '';
  for (const [code, list] of byCode) {
    out += formatDiagnostic(list[0]) + '\n';
    if (list.length > 1) out += `  … and ${list.length - 1} more ${code} (all in --json output)\n`;
  }
  return out;
}

/**
 * Errors are data. Loaders and models report problems as diagnostics with a stable code, the
 * file, the key path, what was expected and found, and a hint. Only the CLI prints them and
 * chooses the exit code (1 for bad input, 2 for bad usage).
 */
export const SEVERITIES = ['error', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Diagnostic {
  /** stable, greppable: `area/unknown-node`, `trace/truncated-file` … */
  code: string;
  severity: Severity;
  /** the file the problem is in, as the user gave it */
  file?: string;
  /** key path inside the file: `runs[2].sites[0].tensor.key`, `sparsity.patterns[1]` */
  path?: string;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
  /** only on the summary line of a capped list (OMITTED_DIAGNOSTICS_CODE): how many it stands for */
  omitted?: number;
}

/** 'input': the user's files are wrong (exit 1). 'usage': the command line is wrong (exit 2). */
export type ErrorKind = 'input' | 'usage';

/**
 * An input with 200,000 bad entries must not print a million lines: an error keeps the first
 * MAX_REPORTED_DIAGNOSTICS problems and one summary line counting the rest. Twenty is about two
 * screens of the human form, enough to see the pattern of a systematic mistake.
 */
export const MAX_REPORTED_DIAGNOSTICS = 20;
export const OMITTED_DIAGNOSTICS_CODE = 'diagnostics/omitted';

/**
 * The first `max` diagnostics plus one summary line counting the others. Summary lines already
 * in the list (from merging capped errors) are folded into the new count, so nothing is lost.
 */
export function capDiagnostics(list: readonly Diagnostic[], max = MAX_REPORTED_DIAGNOSTICS): Diagnostic[] {
  const kept: Diagnostic[] = [];
  let omitted = 0;
  let omittedErrors = false;
  for (const d of list) {
    if (d.code === OMITTED_DIAGNOSTICS_CODE) {
      omitted += d.omitted ?? 0;
      omittedErrors ||= d.severity === 'error';
    } else if (kept.length < max) {
      kept.push(d);
    } else {
      omitted += 1;
      omittedErrors ||= d.severity === 'error';
    }
  }
  if (omitted === 0) return kept;
  const total = kept.length + omitted;
  kept.push({
    code: OMITTED_DIAGNOSTICS_CODE,
    severity: omittedErrors ? 'error' : 'warning',
    message: `… and ${omitted.toLocaleString('en-US')} more problems not shown (${total.toLocaleString('en-US')} in all).`,
    found: `${total} problems`,
    hint: 'fix the ones shown (they often share one cause) and run again.',
    omitted,
  });
  return kept;
}

/** Thrown by loaders and library entry points; carries one or more diagnostics (capped: capDiagnostics). */
export class NmsimError extends Error {
  readonly diagnostics: Diagnostic[];
  readonly kind: ErrorKind;
  constructor(diagnostics: Diagnostic | Diagnostic[], kind: ErrorKind = 'input') {
    const list = capDiagnostics(Array.isArray(diagnostics) ? diagnostics : [diagnostics]);
    super(list.map((d) => `${d.code}: ${d.message}`).join('\n'));
    this.name = 'NmsimError';
    this.diagnostics = list;
    this.kind = kind;
  }
}

export function isNmsimError(e: unknown): e is NmsimError {
  return e instanceof NmsimError;
}

/** Shorthand for the common case of one error diagnostic. */
export function inputError(d: Omit<Diagnostic, 'severity'>): NmsimError {
  return new NmsimError({ severity: 'error', ...d }, 'input');
}

export function usageError(d: Omit<Diagnostic, 'severity'>): NmsimError {
  return new NmsimError({ severity: 'error', ...d }, 'usage');
}

/**
 * A printed field (message, path, found …) is cut to this many characters: a 5 MB tensor key
 * must not print 10 MB of diagnostics.
 */
export const MAX_DIAGNOSTIC_FIELD_CHARS = 1000;

function cut(s: string): string {
  return s.length > MAX_DIAGNOSTIC_FIELD_CHARS ? `${s.slice(0, MAX_DIAGNOSTIC_FIELD_CHARS - 1)}…` : s;
}

/**
 * Human form, e.g.
 * ✖ profile/invalid-pattern  hardware-profiles/stc-8of16.yaml › sparsity.patterns[1]
 *   "16:8" is not an N:M pattern: n (16) must be between 1 and m (8).
 *   hint: write kept:group — "8:16" keeps 8 of every 16 elements.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const mark = d.severity === 'error' ? '✖' : '⚠';
  const where = [d.file, d.path].filter((s): s is string => s !== undefined && s !== '').map(cut).join(' › ');
  const lines = [`${mark} ${d.code}${where ? `  ${where}` : ''}`, `  ${cut(d.message)}`];
  if (d.expected !== undefined) lines.push(`  expected: ${cut(d.expected)}`);
  if (d.found !== undefined) lines.push(`  found: ${cut(d.found)}`);
  if (d.hint !== undefined) lines.push(`  hint: ${cut(d.hint)}`);
  return lines.join('\n');
}

/** JSON form for `--json` consumers (snake_case keys). */
export function diagnosticToJson(d: Diagnostic): Record<string, string> {
  const out: Record<string, string> = { code: d.code, severity: d.severity, message: cut(d.message) };
  if (d.file !== undefined) out.file = cut(d.file);
  if (d.path !== undefined) out.path = cut(d.path);
  if (d.expected !== undefined) out.expected = cut(d.expected);
  if (d.found !== undefined) out.found = cut(d.found);
  if (d.hint !== undefined) out.hint = cut(d.hint);
  return out;
}

/**
 * A short JSON-like rendering of a found value for a diagnostic: at most `maxChars` characters
 * (the last one an ellipsis when cut). Iterative, so a value nested a million deep or a 100 MB
 * string costs only what is shown (JSON.stringify would overflow the stack or copy it all).
 */
export function previewJson(value: unknown, maxChars = 60): string {
  type Frame = { close: string; items: unknown[]; keys?: string[]; i: number };
  let out = '';
  const full = () => out.length >= maxChars;
  const scalar = (v: unknown): string => {
    if (typeof v === 'string') return JSON.stringify(v.length > maxChars ? v.slice(0, maxChars) : v);
    if (typeof v === 'number') return String(v); // Infinity (JSON's 1e999) shown as such, not as null
    if (v === null || typeof v === 'boolean') return String(v);
    return String(typeof v === 'bigint' ? `${v}n` : typeof v === 'undefined' ? 'undefined' : `[${typeof v}]`);
  };
  const open = (v: unknown): Frame | undefined => {
    if (Array.isArray(v)) {
      out += '[';
      return { close: ']', items: v, i: 0 };
    }
    if (v !== null && typeof v === 'object') {
      out += '{';
      const keys = Object.keys(v);
      return { close: '}', items: keys.map((k) => (v as Record<string, unknown>)[k]), keys, i: 0 };
    }
    out += scalar(v);
    return undefined;
  };
  const stack: Frame[] = [];
  const first = open(value);
  if (first) stack.push(first);
  while (stack.length > 0 && !full()) {
    const top = stack[stack.length - 1];
    if (top.i >= top.items.length) {
      out += top.close;
      stack.pop();
      continue;
    }
    if (top.i > 0) out += ',';
    if (top.keys) out += `${JSON.stringify(top.keys[top.i].slice(0, maxChars))}:`;
    const child = open(top.items[top.i]);
    top.i += 1;
    if (child) stack.push(child);
  }
  return out.length > maxChars || stack.length > 0 ? `${out.slice(0, maxChars - 1)}…` : out;
}

/** ['runs', 2, 'sites', 0, 'tensor', 'key'] → "runs[2].sites[0].tensor.key" (the `path` of a diagnostic). */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** The value at a key path inside parsed JSON/YAML, or undefined where the path leaves it. */
export function valueAtPath(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

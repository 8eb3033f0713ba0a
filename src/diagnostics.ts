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
}

/** 'input': the user's files are wrong (exit 1). 'usage': the command line is wrong (exit 2). */
export type ErrorKind = 'input' | 'usage';

/** Thrown by loaders and library entry points; carries one or more diagnostics. */
export class NmsimError extends Error {
  readonly diagnostics: Diagnostic[];
  readonly kind: ErrorKind;
  constructor(diagnostics: Diagnostic | Diagnostic[], kind: ErrorKind = 'input') {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
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
 * Human form, e.g.
 * ✖ profile/invalid-pattern  hardware-profiles/stc-8of16.yaml › sparsity.patterns[1]
 *   "16:8" is not an N:M pattern: n (16) must be between 1 and m (8).
 *   hint: write kept:group — "8:16" keeps 8 of every 16 elements.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const mark = d.severity === 'error' ? '✖' : '⚠';
  const where = [d.file, d.path].filter((s) => s !== undefined && s !== '').join(' › ');
  const lines = [`${mark} ${d.code}${where ? `  ${where}` : ''}`, `  ${d.message}`];
  if (d.expected !== undefined) lines.push(`  expected: ${d.expected}`);
  if (d.found !== undefined) lines.push(`  found: ${d.found}`);
  if (d.hint !== undefined) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}

/** JSON form for `--json` consumers (snake_case keys). */
export function diagnosticToJson(d: Diagnostic): Record<string, string> {
  const out: Record<string, string> = { code: d.code, severity: d.severity, message: d.message };
  if (d.file !== undefined) out.file = d.file;
  if (d.path !== undefined) out.path = d.path;
  if (d.expected !== undefined) out.expected = d.expected;
  if (d.found !== undefined) out.found = d.found;
  if (d.hint !== undefined) out.hint = d.hint;
  return out;
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

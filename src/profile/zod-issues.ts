/**
 * zod issues → nmsim diagnostics: the file, the key path (`memory.buffers[0].sizeKiB`), what
 * was expected and found, and a hint listing the valid names at that level. Shared by the
 * profile and tech-file loaders.
 */
import type { z } from 'zod';
import { type Diagnostic, formatKeyPath, valueAtPath } from '../diagnostics.js';
import { excerpt } from '../user-text.js';
import { rangeText, type ListLimit, type NumberLimit } from './limits.js';

/** Walks optional/default/nullable wrappers down to the schema that carries a shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s: any = schema;
  for (let i = 0; i < 8 && s && typeof s.unwrap === 'function' && s.def?.type !== 'array'; i++) s = s.unwrap();
  return s as z.ZodType;
}

/** The sub-schema at a key path, or undefined when the path leaves the schema. */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: any = unwrap(schema);
  for (const part of path) {
    if (s?.def?.type === 'array' && typeof part === 'number') s = unwrap(s.element);
    else if (s?.def?.type === 'object' && typeof part === 'string' && s.shape[part]) s = unwrap(s.shape[part]);
    else return undefined;
  }
  return s as z.ZodType;
}

/** Keys an object schema accepts at a path (for "valid names" hints). */
export function validKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const s: any = schemaAt(schema, path);
  return s?.def?.type === 'object' ? Object.keys(s.shape) : [];
}

/**
 * What was found, for a diagnostic: a short escaped excerpt of a value, never more. At the
 * top of a document (a file that is not a mapping at all — perhaps not a spec file) only its
 * kind is named, so a wrong file is never echoed.
 */
export function describeFound(v: unknown, atRoot = false): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (v === null) return 'null (an empty value)';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `${v} (not a finite number)`;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return atRoot ? `text of ${[...v].length} characters` : excerpt(v);
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (v instanceof Uint8Array) return `binary data (${v.length} bytes)`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object);
    return atRoot ? `a mapping of ${keys.length} keys` : `a mapping (keys ${excerpt(keys.join(', '))})`;
  }
  return typeof v;
}

function foundAt(raw: unknown, path: readonly PropertyKey[]): string {
  return describeFound(valueAtPath(raw, path), path.length === 0);
}

export interface IssueContext {
  /** code prefix, e.g. "profile" or "tech" */
  prefix: string;
  file: string;
  schema: z.ZodType;
  raw: unknown;
  /** extra accepted names per object path (e.g. quantity keys written with units) */
  extraKeys?: (path: string) => string[];
  /** the bound of a number at a key path (profile/limits.ts) */
  numberLimit?: (path: string) => NumberLimit | undefined;
  /** the bound of a list's length at a key path */
  listLimit?: (path: string) => ListLimit | undefined;
  /** what a document of this kind is, for a file that is not a mapping: "a hardware profile" */
  documentKind?: string;
}

/** The issue is about a number outside its bound (or not whole, or not finite). */
function isNumberBoundIssue(issue: z.core.$ZodIssue, found: unknown): boolean {
  if (issue.code === 'too_big' || issue.code === 'too_small') return (issue as { origin?: string }).origin !== 'array';
  if (issue.code === 'invalid_type') return (issue as { expected?: string }).expected === 'int' || (typeof found === 'number' && !Number.isFinite(found));
  return false;
}

function numberBoundDiagnostic(ctx: IssueContext, path: string, l: NumberLimit, found: unknown): Diagnostic {
  const what = `${l.integer ? 'a whole number' : 'a number'} from ${rangeText(l)} (${l.unit})`;
  const inRange = typeof found === 'number' && found >= l.min && found <= l.max;
  return {
    code: `${ctx.prefix}/${inRange && l.integer && !Number.isInteger(found) ? 'not-whole' : 'out-of-range'}`,
    severity: 'error',
    file: ctx.file,
    path,
    message: `${path} must be ${what}.`,
    expected: what,
    found: describeFound(found),
    hint: `${l.why}.`,
  };
}

export function zodIssuesToDiagnostics(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const boundReported = new Set<string>();
  for (const issue of issues) {
    const path = formatKeyPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const valid = [...validKeysAt(ctx.schema, issue.path), ...(ctx.extraKeys?.(path) ?? [])];
      for (const key of issue.keys) {
        const shown = key.length > 40 ? excerpt(key) : key;
        out.push({
          code: `${ctx.prefix}/unknown-key`,
          severity: 'error',
          file: ctx.file,
          path: path === '' ? shown : `${path}.${shown}`,
          message: `${excerpt(key)} is not a known key${path === '' ? ' at the top level' : ` in ${path}`}.`,
          hint: key === '<<' ? 'YAML merge keys (<<) are not supported: write the keys out in full.' : `valid keys here: ${valid.join(', ')}.`,
        });
      }
      continue;
    }
    const found = valueAtPath(ctx.raw, issue.path);
    const limit = ctx.numberLimit?.(path);
    if (limit && isNumberBoundIssue(issue, found)) {
      if (!boundReported.has(path)) out.push(numberBoundDiagnostic(ctx, path, limit, found));
      boundReported.add(path);
      continue;
    }
    const list = ctx.listLimit?.(path);
    if (list && (issue.code === 'too_big' || issue.code === 'too_small') && Array.isArray(found)) {
      out.push({
        code: `${ctx.prefix}/out-of-range`,
        severity: 'error',
        file: ctx.file,
        path,
        message: `${path} lists ${found.length} ${list.what}; it takes ${rangeText(list)}.`,
        expected: `${rangeText(list)} ${list.what}`,
        found: `${found.length} ${list.what}`,
        hint: `${list.why}.`,
      });
      continue;
    }
    if (issue.path.length === 0 && ctx.documentKind && (found === null || typeof found !== 'object' || Array.isArray(found))) {
      out.push({
        code: `${ctx.prefix}/not-a-mapping`,
        severity: 'error',
        file: ctx.file,
        message: `this file is not ${ctx.documentKind}: it holds ${foundAt(ctx.raw, [])}, not a mapping of keys.`,
        hint: 'hardware-profiles/README.md shows the layout, with an example.',
      });
      continue;
    }
    if (issue.code === 'invalid_value') {
      const values = (issue as any).values as unknown[];
      out.push({
        code: `${ctx.prefix}/invalid-value`,
        severity: 'error',
        file: ctx.file,
        path,
        message: `${path} must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}.`,
        found: foundAt(ctx.raw, issue.path),
        hint: `valid names: ${values.join(', ')}.`,
      });
      continue;
    }
    if (issue.code === 'invalid_type' && found === undefined) {
      out.push({
        code: `${ctx.prefix}/missing-key`,
        severity: 'error',
        file: ctx.file,
        path,
        message: `${path} is required.`,
        expected: String((issue as any).expected),
        hint: `add "${String(issue.path[issue.path.length - 1])}"; hardware-profiles/README.md describes every key.`,
      });
      continue;
    }
    out.push({
      code: `${ctx.prefix}/invalid-value`,
      severity: 'error',
      file: ctx.file,
      path,
      message: `${path === '' ? 'the document' : path}: ${issue.message}.`,
      found: foundAt(ctx.raw, issue.path),
      hint: 'hardware-profiles/README.md describes every key and its unit.',
    });
  }
  return out;
}

/**
 * zod issues → nmsim diagnostics: the file, the key path (`memory.buffers[0].sizeKiB`), what
 * was expected and found, and a hint listing the valid names at that level. Shared by the
 * profile and tech-file loaders.
 */
import type { z } from 'zod';
import { type Diagnostic, formatKeyPath, previewJson, valueAtPath } from '../diagnostics.js';

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

function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  return previewJson(v, 80); // iterative: JSON.stringify overflows the stack on a value nested 20k deep
}

export interface IssueContext {
  /** code prefix, e.g. "profile" or "tech" */
  prefix: string;
  file: string;
  schema: z.ZodType;
  raw: unknown;
  /** extra accepted names per object path (e.g. quantity keys written with units) */
  extraKeys?: (path: string) => string[];
}

export function zodIssuesToDiagnostics(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = formatKeyPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const valid = [...validKeysAt(ctx.schema, issue.path), ...(ctx.extraKeys?.(path) ?? [])];
      for (const key of issue.keys) {
        out.push({
          code: `${ctx.prefix}/unknown-key`,
          severity: 'error',
          file: ctx.file,
          path: path === '' ? key : `${path}.${key}`,
          message: `"${key}" is not a known key${path === '' ? ' at the top level' : ` in ${path}`}.`,
          hint: `valid keys here: ${valid.join(', ')}.`,
        });
      }
      continue;
    }
    const found = valueAtPath(ctx.raw, issue.path);
    if (issue.code === 'invalid_value') {
      const values = (issue as any).values as unknown[];
      out.push({
        code: `${ctx.prefix}/invalid-value`,
        severity: 'error',
        file: ctx.file,
        path,
        message: `${path} must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}.`,
        found: describeFound(found),
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
      found: describeFound(found),
      hint: 'hardware-profiles/README.md describes every key and its unit.',
    });
  }
  return out;
}

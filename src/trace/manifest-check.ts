/**
 * manifest.json → a validated Manifest, or diagnostics with the key path of every problem
 * (`runs[2].sites[0].tensor.key`). Checks that need the tensor files live in bundle.ts.
 */
import { jsonSyntaxProblem } from '../user-text.js';
import type { ZodError } from 'zod';
import { type Diagnostic, NmsimError, formatKeyPath, inputError, isNmsimError, previewJson, valueAtPath } from '../diagnostics.js';
import { parsePattern } from '../sparsity/pattern.js';
import { duplicateKeyDiagnostics } from './json-keys.js';
import { type Manifest, ManifestSchema, type Run, runOperand } from './manifest.js';
import { CRITERIA } from '../sparsity/registry.js';
import { WEIGHT_CRITERIA, WEIGHT_CRITERION_INFO, isWeightCriterion } from '../sparsity/weight-registry.js';

const SPEC_HINT = 'see traces/README.md (format v1) or traces/manifest.schema.json.';

/** The found value, short (iterative: a value nested 100k deep must not overflow the stack). */
function show(v: unknown): string {
  return previewJson(v, 60);
}

/** One diagnostic per zod issue, with the key path, what was expected and (given `raw`) what was found. */
export function zodIssuesToDiagnostics(issues: ZodError['issues'], file: string, raw?: unknown): Diagnostic[] {
  return issues.map((issue) => {
    const where = formatKeyPath(issue.path);
    const d: Diagnostic = { code: 'trace/invalid-manifest', severity: 'error', file, path: where, message: issue.message, hint: SPEC_HINT };
    const i = issue as unknown as Record<string, unknown>;
    const value = raw === undefined ? undefined : valueAtPath(raw, issue.path);
    if (issue.code === 'invalid_type') {
      d.expected = String(i.expected);
      if (raw !== undefined && value === undefined) {
        d.message = `${where} is missing (required: ${d.expected}).`;
        d.found = 'nothing';
      } else {
        d.message = `${where || 'the manifest'} must be ${d.expected === 'array' ? 'an array' : `a ${d.expected}`}.`;
        if (raw !== undefined) d.found = show(value);
      }
    } else if (issue.code === 'unrecognized_keys') {
      d.found = (i.keys as string[]).join(', ');
      d.message = `unknown key(s) ${(i.keys as string[]).map((k) => `"${k}"`).join(', ')}${where ? ` in ${where}` : ''} (check the spelling: keys are snake_case).`;
    } else if (issue.code === 'invalid_value') {
      d.expected = (i.values as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
      d.message = `${where} must be one of ${d.expected}.`;
      if (raw !== undefined) d.found = show(value);
    } else if (issue.code === 'custom') {
      // refinements (metric ranges) carry their own expected and hint
      const params = (i.params ?? {}) as { expected?: string; hint?: string };
      d.message = `${where}: ${issue.message}`;
      if (params.expected !== undefined) d.expected = params.expected;
      if (params.hint !== undefined) d.hint = `${params.hint} ${SPEC_HINT}`;
      if (raw !== undefined && value !== undefined) d.found = show(value);
    } else if (issue.code === 'too_big' || issue.code === 'too_small') {
      const bound = String(issue.code === 'too_big' ? i.maximum : i.minimum);
      const unit = i.origin === 'array' ? ' items' : i.origin === 'string' ? ' characters' : '';
      d.expected = issue.code === 'too_big' ? `≤ ${bound}${unit}` : `≥ ${bound}${unit}`;
      if (i.inclusive === false) d.expected = `${issue.code === 'too_big' ? '<' : '>'} ${bound}${unit}`;
      d.message = `${where || 'the manifest'}: ${issue.message}.`;
      if (raw !== undefined && value !== undefined) d.found = i.origin === 'string' && typeof value === 'string' ? `${value.length} characters` : i.origin === 'array' && Array.isArray(value) ? `${value.length} items` : show(value);
    } else {
      d.message = `${where || 'the manifest'}: ${issue.message}`;
      if (raw !== undefined && value !== undefined) d.found = show(value);
    }
    return d;
  });
}

/**
 * What a run's operand allows (issue 14). A weight run pruned its weights once: a weight
 * criterion, no mitigation, no activation masks, its keep-masks in weight_masks and, for wanda,
 * the input norms it scored with. An activation run (operand absent, as in every bundle before
 * weight runs existed) has none of the weight keys. Each consumer's weight mask once, from a
 * consumer of the site.
 */
function operandProblems(run: Run, i: number, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const c = run.config;
  const weight = runOperand(c) === 'weight';
  const problem = (path: string, message: string, expected: string, found: string, hint: string) =>
    out.push({ code: 'trace/operand-mismatch', severity: 'error', file, path, message, expected, found, hint });
  if (weight) {
    if (c.criterion !== undefined && !isWeightCriterion(c.criterion)) {
      problem(`runs[${i}].config.criterion`, `Run "${run.id}" prunes weights, but "${c.criterion}" scores activations.`, WEIGHT_CRITERIA.join(' | '), c.criterion, 'a weight run is scored by magnitude (|W|) or wanda (|W|·‖X_j‖₂); drop "operand": "weight" if the run pruned activations.');
    }
    if (c.mitigation !== undefined && c.mitigation !== 'none') {
      problem(`runs[${i}].config.mitigation`, `Run "${run.id}" prunes weights once, before the run: the activation mitigation "${c.mitigation}" cannot act on it.`, '"none" or no mitigation', c.mitigation, 'drop the mitigation, or drop "operand": "weight" if the run pruned activations.');
    }
  } else if (c.criterion !== undefined && !(CRITERIA as readonly string[]).includes(c.criterion)) {
    problem(`runs[${i}].config.criterion`, `"${c.criterion}" scores weights, but run "${run.id}" is an activation run.`, CRITERIA.join(' | '), c.criterion, 'add "operand": "weight" to the run\'s config if it pruned its weights.');
  }
  run.sites.forEach((site, j) => {
    const sp = `runs[${i}].sites[${j}]`;
    if (weight && site.masks !== undefined) {
      problem(`${sp}.masks`, `Run "${run.id}" prunes weights, not activations: activation keep-masks cannot belong to it.`, 'weight_masks (one per consumer)', `${site.masks.length} activation masks`, 'put the weight masks in weight_masks, [out_features, ceil(K/8)] each.');
    }
    if (!weight && site.weight_masks !== undefined) {
      problem(`${sp}.weight_masks`, `Weight masks on site "${site.name}" of run "${run.id}", an activation run.`, 'weight_masks only on runs with "operand": "weight"', `${site.weight_masks.length} weight masks`, 'set config.operand to "weight" if the run pruned its weights, else drop weight_masks.');
    }
    if (site.input_norms !== undefined && !(weight && c.criterion !== undefined && isWeightCriterion(c.criterion) && WEIGHT_CRITERION_INFO[c.criterion].needsInputNorms)) {
      problem(`${sp}.input_norms`, `Site "${site.name}" of run "${run.id}" holds input norms, which only a wanda weight run scores with.`, 'input_norms only with "operand": "weight" and "criterion": "wanda"', `${weight ? 'a weight' : 'an activation'} run, criterion ${c.criterion ?? 'absent'}`, 'drop input_norms, or fix the run\'s config.');
    }
    const seen = new Set<string>();
    (site.weight_masks ?? []).forEach((mask, k) => {
      const path = `${sp}.weight_masks[${k}].consumer`;
      if (!site.consumers.includes(mask.consumer)) {
        out.push({ code: 'trace/unknown-consumer', severity: 'error', file, path, message: `A weight mask is given for consumer "${mask.consumer}", which does not read site "${site.name}".`, expected: site.consumers.join(', '), found: mask.consumer, hint: 'add the consumer to the site’s consumers, or attach the mask to the right site.' });
      } else if (seen.has(mask.consumer)) {
        out.push({ code: 'trace/duplicate-id', severity: 'error', file, path, message: `Site "${site.name}" of run "${run.id}" has two weight masks for consumer "${mask.consumer}".`, hint: 'give each consumer’s weight mask once.' });
      }
      seen.add(mask.consumer);
    });
  });
  return out;
}

/** Parses and validates manifest text (schema, pattern strings, unique ids). Throws NmsimError. */
export function parseManifest(text: string, file: string): Manifest {
  if (text.trim() === '') {
    throw inputError({
      code: 'trace/empty-bundle',
      file,
      message: 'manifest.json is empty.',
      expected: 'a JSON manifest with at least one run (format v1)',
      found: '0 bytes of JSON',
      hint: SPEC_HINT,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw inputError({
      code: 'trace/manifest-not-json',
      file,
      message: `manifest.json is ${jsonSyntaxProblem(text, e)}.`,
      hint: 'check for a trailing comma or an unquoted key.',
    });
  }
  // JSON.parse kept the last of any repeated key; which one the writer meant is unknowable
  const duplicates = duplicateKeyDiagnostics(text, file, 'manifest');
  if (duplicates.length > 0) throw new NmsimError(duplicates, 'input');
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new NmsimError(zodIssuesToDiagnostics(parsed.error.issues, file, raw), 'input');
  const manifest = parsed.data;
  const problems: Diagnostic[] = [];
  const runIds = new Set<string>();
  manifest.runs.forEach((run, i) => {
    if (runIds.has(run.id)) {
      problems.push({ code: 'trace/duplicate-id', severity: 'error', file, path: `runs[${i}].id`, message: `Run id "${run.id}" is used twice.`, hint: 'give every run its own id.' });
    }
    runIds.add(run.id);
    try {
      parsePattern(run.config.pattern, { file, path: `runs[${i}].config.pattern` });
    } catch (e) {
      if (!isNmsimError(e)) throw e;
      for (const d of e.diagnostics) problems.push({ ...d, code: 'trace/invalid-pattern', severity: 'error' });
    }
    problems.push(...operandProblems(run, i, file));
    const names = new Set<string>();
    run.sites.forEach((site, j) => {
      if (names.has(site.name)) {
        problems.push({ code: 'trace/duplicate-id', severity: 'error', file, path: `runs[${i}].sites[${j}].name`, message: `Site "${site.name}" appears twice in run "${run.id}".`, hint: 'list every site once per run.' });
      }
      names.add(site.name);
      (site.masks ?? []).forEach((mask, k) => {
        if (!site.consumers.includes(mask.consumer)) {
          problems.push({
            code: 'trace/unknown-consumer',
            severity: 'error',
            file,
            path: `runs[${i}].sites[${j}].masks[${k}].consumer`,
            message: `A mask is given for consumer "${mask.consumer}", which does not read site "${site.name}".`,
            expected: site.consumers.join(', '),
            found: mask.consumer,
            hint: 'add the consumer to the site’s consumers, or attach the mask to the right site.',
          });
        }
      });
    });
  });
  if (manifest.runs.every((r) => r.sites.length === 0)) {
    problems.push({
      code: 'trace/empty-bundle',
      severity: 'error',
      file,
      path: 'runs',
      message: 'The bundle has no sites: no run lists a tensor.',
      expected: 'at least one site with a tensor',
      found: `${manifest.runs.length} run(s), 0 sites`,
      hint: 'export at least one linear-layer input per run (traces/README.md).',
    });
  }
  if (problems.length > 0) throw new NmsimError(problems, 'input');
  return manifest;
}

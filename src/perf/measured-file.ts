/** Reads `--measured FILE.json`: one MeasuredSparsity or a list of them (analysis output). */
import { z } from 'zod';
import { inputError, isNmsimError } from '../diagnostics.js';
import { readSpecFile } from '../profile/read-spec.js';
import type { MeasuredSparsity } from './measured-sparsity.js';

const Fraction = z.number().min(0).max(1);
export const MeasuredSparsitySchema = z
  .object({
    pattern: z.string().min(1),
    keptFraction: Fraction,
    unionDensityByBatch: z.record(z.string().regex(/^\d+$/), Fraction),
    unionSource: z.string().min(1),
    compatibleFraction: z.record(z.string(), Fraction),
  })
  .strict();

export function loadMeasuredSparsity(file: string): MeasuredSparsity[] {
  let raw: unknown;
  try {
    // the spec-file reader: at most 1 MiB, and its errors never quote the file
    raw = readSpecFile(file, 'perf');
  } catch (e) {
    if (!isNmsimError(e)) throw e;
    throw inputError({ code: 'perf/bad-measured', file, message: `cannot read measured statistics: ${e.diagnostics[0].message}`, hint: 'give a JSON file written by the analysis (measuredSparsityFor).' });
  }
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((item, i) => {
    const r = MeasuredSparsitySchema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw inputError({
        code: 'perf/bad-measured',
        file,
        path: [Array.isArray(raw) ? `[${i}]` : '', ...issue.path.map(String)].filter((s) => s !== '').join('.'),
        message: `measured statistics are malformed: ${issue.message}.`,
        expected: '{ pattern, keptFraction, unionDensityByBatch: { "8": 0.7, … }, unionSource, compatibleFraction: { "8:16": 0.9, … } }',
        hint: 'write it with the analysis module (measuredSparsityFor); fractions lie in [0, 1].',
      });
    }
    const d = r.data;
    const byBatch: Record<number, number> = {};
    for (const [k, v] of Object.entries(d.unionDensityByBatch)) byBatch[Number(k)] = v;
    return { ...d, unionDensityByBatch: byBatch };
  });
}

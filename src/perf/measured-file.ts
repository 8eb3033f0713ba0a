/**
 * Reads `nmsim simulate --measured FILE`: the analysis of a trace, exactly as nmsim writes it —
 * analysis.json from `nmsim analyze --out`, or the document `nmsim analyze --json` prints (the
 * same snake_case JSON, report/analysis-json.ts). From its first run (the dense run, the
 * pre-pruning inputs) it takes, per analysed pattern, what the performance model reads: the
 * magnitude selection's kept fraction, union density of consecutive decode batches per batch
 * size, and structural compatible fraction per target pattern — the same fields and the same
 * configuration the review takes from the analysis in memory (analysis/measured-sparsity.ts
 * measuredSparsityFor; a test keeps the two equal).
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { z } from 'zod';
import { inputError, type Diagnostic } from '../diagnostics.js';
import { formatPattern, parsePattern } from '../sparsity/pattern.js';
import { jsonSyntaxProblem } from '../user-text.js';
import type { MeasuredSparsity } from './measured-sparsity.js';

/**
 * An analysis of a large trace runs to tens of megabytes (per-site records for every
 * configuration); far beyond that, the file is not an analysis.
 */
export const MAX_MEASURED_FILE_BYTES = 256 * 1024 * 1024;

/** The configuration whose statistics stand for a pattern's sparsity structure (the review's too). */
export const STRUCTURE_SELECTION = { criterion: 'magnitude', mitigation: 'none' } as const;

const Fraction = z.number().min(0).max(1);
const Config = z.object({
  pattern: z.string(),
  criterion: z.string(),
  mitigation: z.string(),
  model: z.object({
    slots: z.number(),
    kept_fraction: Fraction.nullable(),
    union_density: z.array(z.object({ batch_size: z.number().int().positive(), consecutive: Fraction.nullable() })),
    compatibility: z.array(z.object({ target: z.string(), structural_fraction: Fraction.nullable() })),
  }),
});
/** The part of the analysis JSON the performance model reads; everything else is ignored. */
export const AnalysisJsonSchema = z.object({
  tool: z.string().optional(),
  ok: z.boolean().optional(),
  source: z.object({ root: z.string() }).partial().optional(),
  runs: z.array(z.object({ run_id: z.string(), configs: z.array(Config) })).min(1),
});

const EXPECTED = 'the analysis of a trace: analysis.json from `nmsim analyze --out DIR`, or what `nmsim analyze --json` prints';

function bad(file: string, message: string, extra: Partial<Diagnostic> = {}) {
  return inputError({ code: 'perf/bad-measured', file, message, expected: EXPECTED, hint: 'nmsim analyze BUNDLE --out DIR writes DIR/analysis.json; pass that file.', ...extra });
}

/** The file's text, read without blocking on a FIFO and refused when it is not a regular file or too large. */
async function readBounded(file: string): Promise<string> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw bad(file, `cannot read measured statistics: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}.`, { hint: 'check the path; nmsim analyze BUNDLE --out DIR writes DIR/analysis.json.' });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw bad(file, 'cannot read measured statistics: not a regular file.', { hint: 'write the analysis to a file first (nmsim analyze BUNDLE --json > analysis.json).' });
    if (st.size > MAX_MEASURED_FILE_BYTES) {
      throw bad(file, `cannot read measured statistics: ${st.size.toLocaleString('en-US')} bytes, more than an analysis holds (at most ${MAX_MEASURED_FILE_BYTES / 2 ** 20} MiB).`);
    }
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** The MeasuredSparsity of every pattern the analysis in `file` holds (magnitude selection, no mitigation). */
export async function loadMeasuredSparsity(file: string): Promise<MeasuredSparsity[]> {
  return measuredSparsityFromJson(await readBounded(file), file);
}

/**
 * The same from the analysis JSON's text (`nmsim simulate --measured -` reads it from a pipe);
 * `file` names where it came from in diagnostics.
 */
export function measuredSparsityFromJson(text: string, file: string): MeasuredSparsity[] {
  let raw: unknown;
  if (Buffer.byteLength(text, 'utf8') > MAX_MEASURED_FILE_BYTES) {
    throw bad(file, `cannot read measured statistics: more than an analysis holds (at most ${MAX_MEASURED_FILE_BYTES / 2 ** 20} MiB).`);
  }
  // a byte-order mark (Windows editors) is not part of the document
  text = text.replace(/^\uFEFF/, '');
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // the file's text is never quoted: it may be anything the user pointed at
    throw bad(file, `cannot read measured statistics: ${jsonSyntaxProblem(text, e)}.`);
  }
  if (Array.isArray(raw) || (raw !== null && typeof raw === 'object' && 'keptFraction' in raw)) {
    throw bad(file, 'this is the measured-sparsity list of nmsim 0.1 (camelCase keys); simulate now reads the analysis itself.');
  }
  const parsed = AnalysisJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(file, `measured statistics are malformed: ${issue.message}.`, { path: issue.path.map(String).join('.') });
  }
  const doc = parsed.data;
  if (doc.ok === false) throw bad(file, 'the analysis in this file failed (ok: false); it holds no statistics to use.', { path: 'ok' });
  const run = doc.runs[0];
  const where = `${doc.source?.root ?? 'the analysed trace'} run "${run.run_id}"`;
  const out: MeasuredSparsity[] = [];
  for (const [i, c] of run.configs.entries()) {
    if (c.criterion !== STRUCTURE_SELECTION.criterion || c.mitigation !== STRUCTURE_SELECTION.mitigation) continue;
    // a configuration with no analysed token (every row non-finite) has no kept fraction to give
    if (c.model.slots <= 0 || c.model.kept_fraction === null) continue;
    let pattern: string;
    try {
      pattern = formatPattern(parsePattern(c.pattern));
    } catch {
      throw bad(file, 'a configuration names no sparsity pattern.', { path: `runs.0.configs.${i}.pattern` });
    }
    const unionDensityByBatch: Record<number, number> = {};
    for (const u of c.model.union_density) if (u.consecutive !== null) unionDensityByBatch[u.batch_size] = u.consecutive;
    const compatibleFraction: Record<string, number> = {};
    for (const t of c.model.compatibility) if (t.structural_fraction !== null) compatibleFraction[t.target] = t.structural_fraction;
    out.push({ pattern, keptFraction: c.model.kept_fraction, unionDensityByBatch, unionSource: `consecutive batches of ${where}`, compatibleFraction });
  }
  if (out.length === 0) {
    throw bad(file, `the analysis holds no ${STRUCTURE_SELECTION.criterion} selection without mitigation (the sparsity structure the performance model reads).`, {
      path: 'runs.0.configs',
      hint: 'analyse with the default criterion and mitigation: nmsim analyze BUNDLE --out DIR (add --criteria and --mitigations only beside magnitude and none).',
    });
  }
  return out;
}

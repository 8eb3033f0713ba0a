/**
 * The validation corpus (`validation/` at the repository root): published hardware
 * measurements, each dataset with its source, measurement method, the profile that models the
 * GPU and the per-call overhead of the measurement harness. Loads `corpus.yaml` and its CSV
 * files into rows with one unit (measured time in µs). The only file I/O of src/validation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { inputError } from '../diagnostics.js';
import { fileURLToPath } from 'node:url';
import { readSpecFile } from '../profile/read-spec.js';
import { isModelId, MODEL_IDS } from '../workload/catalog.js';

/** The corpus shipped with nmsim (the package's validation/ folder). */
export const SHIPPED_CORPUS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'validation');

/**
 * calibration: a shipped constant was chosen on the row; held-out: used for nothing, only checks the
 * model; unreliable: its provenance does not support it as a check (the reason is in the row's
 * source), so it is predicted and shown but summarised only in its own group.
 */
export const VALIDATION_ROLES = ['calibration', 'held-out', 'unreliable'] as const;
export type ValidationRole = (typeof VALIDATION_ROLES)[number];
export const STREAMING_OPS = ['softmax', 'layernorm', 'gelu'] as const;
export type StreamingOp = (typeof STREAMING_OPS)[number];

const positive = z.number().finite().nonnegative();
const DatasetSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['gemm', 'streaming', 'speedup', 'decode', 'prune']),
    file: z.string().min(1),
    /** the profile of every row; a dataset without one names it per row (column `profile`) */
    profile: z.string().min(1).optional(),
    measured: z.enum(['latency', 'throughput', 'tflops', 'speedup', 'tokens_per_s']),
    source: z.string().min(1),
    method: z.string().min(1),
    harnessOverheadUs: z.record(z.string(), positive),
    bytesPerElement: z.record(z.string(), positive).optional(),
    flopsPerElement: z.record(z.string(), positive).optional(),
  })
  .strict();
const CorpusSchema = z.object({ datasets: z.array(DatasetSchema).min(1) }).strict();
export type DatasetSpec = z.infer<typeof DatasetSchema>;

interface RowBase {
  dataset: string;
  id: string;
  profile: string;
  role: ValidationRole;
  /** measured time in µs (converted from the published unit at load); for a speed-up row, the speed-up (×) */
  measuredUs: number;
  /** the harness's own time per call, added to the prediction (the dataset's figure for this operator) */
  harnessOverheadUs: number;
}
export interface GemmRow extends RowBase {
  kind: 'gemm';
  m: number;
  k: number;
  n: number;
}
export interface StreamingRow extends RowBase {
  kind: 'streaming';
  op: StreamingOp;
  elements: number;
  bytesPerElement: number;
  flopsPerElement: number;
}
/** A published speed-up of weight N:M over dense for one GEMM (measuredUs holds the speed-up, ×). */
export interface SpeedupRow extends RowBase {
  kind: 'speedup';
  m: number;
  k: number;
  n: number;
  pattern: string;
}
/**
 * A published single-stream decode rate of a whole model (measuredUs holds tokens/s): one decode
 * step of `batch` sequences at `contextTokens` of context, dense, on the row's profile.
 */
export interface DecodeRow extends RowBase {
  kind: 'decode';
  /** workload catalog id (src/workload/catalog.ts) */
  model: string;
  batch: number;
  contextTokens: number;
}
/** A published software prune-and-compress kernel time for one rows × k FP16 tensor pruned to `pattern` along k. */
export interface PruneRow extends RowBase {
  kind: 'prune';
  rows: number;
  k: number;
  pattern: string;
}
export type ValidationRow = GemmRow | StreamingRow | SpeedupRow | DecodeRow | PruneRow;

export interface Corpus {
  dir: string;
  datasets: DatasetSpec[];
  rows: ValidationRow[];
}

/** RFC 4180 CSV: quoted fields may hold commas and doubled quotes; one record per line. */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cells: string[] = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let v = '';
        i++;
        while (i < line.length) {
          if (line[i] === '"' && line[i + 1] === '"') {
            v += '"';
            i += 2;
          } else if (line[i] === '"') {
            i++;
            break;
          } else v += line[i++];
        }
        cells.push(v);
        i++; // the comma
      } else {
        const j = line.indexOf(',', i);
        const end = j < 0 ? line.length : j;
        cells.push(line.slice(i, end));
        i = end + 1;
      }
    }
    out.push(cells);
  }
  return out;
}

function bad(file: string, pathText: string, message: string, expected: string, found: string) {
  return inputError({ code: 'validation/bad-row', file, path: pathText, message, expected, found, hint: 'fix the row; validation/README.md describes every column.' });
}

/** The rows of one dataset's CSV, by header name. */
function readTable(file: string): Record<string, string>[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw inputError({ code: 'validation/not-found', file, message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}.`, hint: 'corpus.yaml names a file that is not next to it.' });
  }
  const [header, ...body] = parseCsv(text);
  if (!header) throw bad(file, 'line 1', `${file} is empty.`, 'a header row and data rows', 'nothing');
  return body.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
}

function num(file: string, row: number, rec: Record<string, string>, key: string): number {
  const v = Number(rec[key]);
  if (rec[key] === undefined || rec[key] === '' || !Number.isFinite(v) || v <= 0) {
    throw bad(file, `row ${row + 1}.${key}`, `${key} must be a positive number.`, 'a positive number', JSON.stringify(rec[key] ?? null));
  }
  return v;
}

function roleOf(file: string, row: number, rec: Record<string, string>): ValidationRole {
  const r = rec.role as ValidationRole;
  if (!VALIDATION_ROLES.includes(r)) throw bad(file, `row ${row + 1}.role`, 'role says whether a constant was calibrated on the row, or that the row is unreliable (say why in its source).', VALIDATION_ROLES.join(' or '), JSON.stringify(rec.role ?? null));
  return r;
}

function datasetRows(dir: string, d: DatasetSpec): ValidationRow[] {
  const file = path.join(dir, d.file);
  return readTable(file).map((rec, i) => {
    const profile = d.profile ?? rec.profile;
    if (!profile) throw bad(file, `row ${i + 1}.profile`, 'the dataset names no profile, so each row must.', 'a shipped profile name', '""');
    const base = { dataset: d.id, id: rec.id || `${d.id}-${i + 1}`, profile, role: roleOf(file, i, rec) };
    if (d.kind === 'speedup') {
      const [m, k, n] = [num(file, i, rec, 'm'), num(file, i, rec, 'k'), num(file, i, rec, 'n')];
      if (!rec.pattern) throw bad(file, `row ${i + 1}.pattern`, 'the weight pattern of the sparse GEMM.', 'an N:M pattern, e.g. 2:4', '""');
      return { ...base, kind: 'speedup', m, k, n, pattern: rec.pattern, measuredUs: num(file, i, rec, 'measured_speedup'), harnessOverheadUs: 0 };
    }
    if (d.kind === 'prune') {
      if (!rec.pattern) throw bad(file, `row ${i + 1}.pattern`, 'the pattern the kernel prunes to.', 'an N:M pattern, e.g. 2:4', '""');
      return { ...base, kind: 'prune', rows: num(file, i, rec, 'rows'), k: num(file, i, rec, 'k'), pattern: rec.pattern, measuredUs: num(file, i, rec, 'measured_us'), harnessOverheadUs: 0 };
    }
    if (d.kind === 'decode') {
      if (!rec.model || !isModelId(rec.model)) throw bad(file, `row ${i + 1}.model`, 'the model whose decode was measured, as a workload catalog id.', MODEL_IDS.join(', '), JSON.stringify(rec.model ?? null));
      return {
        ...base,
        kind: 'decode',
        model: rec.model,
        batch: num(file, i, rec, 'batch'),
        contextTokens: num(file, i, rec, 'context_tokens'),
        measuredUs: num(file, i, rec, 'measured_tokens_per_s'),
        harnessOverheadUs: 0,
      };
    }
    if (d.kind === 'gemm') {
      const [m, k, n] = [num(file, i, rec, 'm'), num(file, i, rec, 'k'), num(file, i, rec, 'n')];
      const measuredUs = d.measured === 'tflops' ? (2 * m * k * n) / (num(file, i, rec, 'measured_tflops') * 1e6) : num(file, i, rec, 'measured_us');
      return { ...base, kind: 'gemm', m, k, n, measuredUs, harnessOverheadUs: d.harnessOverheadUs.gemm ?? 0 };
    }
    const op = rec.op as StreamingOp;
    if (!STREAMING_OPS.includes(op)) throw bad(file, `row ${i + 1}.op`, 'a streaming operator the model knows.', STREAMING_OPS.join(', '), JSON.stringify(rec.op ?? null));
    const elements = num(file, i, rec, 'elements');
    const measuredUs = d.measured === 'throughput' ? elements / (num(file, i, rec, 'measured_gelem_per_s') * 1e3) : num(file, i, rec, 'measured_us');
    return {
      ...base,
      kind: 'streaming',
      op,
      elements,
      measuredUs,
      harnessOverheadUs: d.harnessOverheadUs[op] ?? 0,
      bytesPerElement: d.bytesPerElement?.[op] ?? 4,
      flopsPerElement: d.flopsPerElement?.[op] ?? 0,
    };
  });
}

/** Loads `corpus.yaml` in `dir` and every dataset it names. */
export function loadCorpus(dir: string): Corpus {
  const file = path.join(dir, 'corpus.yaml');
  const doc = readSpecFile(file, 'validation');
  const parsed = CorpusSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw inputError({
      code: 'validation/bad-corpus',
      file,
      path: issue.path.join('.'),
      message: issue.message,
      hint: 'validation/README.md describes corpus.yaml.',
    });
  }
  return { dir, datasets: parsed.data.datasets, rows: parsed.data.datasets.flatMap((d) => datasetRows(dir, d)) };
}

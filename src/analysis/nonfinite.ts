/**
 * Non-finite values (NaN, ±Inf) in a site's activations. The rule (README "Non-finite values"):
 * a token row holding any non-finite value is excluded from every statistic of its site — the
 * site is analysed exactly as if the row were not in the tensor — and counted; with
 * `nonfinite: 'error'` the analysis refuses at the first one.
 *
 * Clean traces pay nothing extra: the analysis pass notices a non-finite row for free (its Σx²
 * is not finite) and only then this module scans the rest of the tensor for every excluded row
 * and the pass is redone on `FiniteRowView`, the tensor without those rows.
 */
import { inputError } from '../diagnostics.js';
import type { NonfiniteSite } from './types.js';
import type { RowSource } from './site-analysis.js';

/** One row bit per token: set = excluded. */
export type RowBitset = Uint32Array;

export interface NonfiniteScan extends NonfiniteSite {
  excluded: RowBitset;
}

export function cleanRecord(site: string, tensorKey: string, tokens: number, k: number): NonfiniteSite {
  return { site, tensorKey, tokens, k, rows: 0, values: 0, nan: 0, posInf: 0, negInf: 0, firstRow: null, firstColumn: null };
}

function isExcluded(bits: RowBitset, row: number): boolean {
  return ((bits[row >>> 5] >>> (row & 31)) & 1) === 1;
}

/** Rows per scan read: about 1 Mi elements. */
function scanRows(k: number): number {
  return Math.max(1, Math.floor((1 << 20) / Math.max(1, k)));
}

/**
 * Counts every non-finite value from row `fromRow` on (rows before it are known to be clean)
 * and marks the rows holding one.
 */
export async function scanNonfinite(source: RowSource, fromRow: number, site: string, tensorKey: string): Promise<NonfiniteScan> {
  const tokens = source.rows;
  const k = source.cols;
  const rec: NonfiniteScan = { ...cleanRecord(site, tensorKey, tokens, k), excluded: new Uint32Array((tokens + 31) >>> 5) };
  const step = scanRows(k);
  let buf: Float32Array = new Float32Array(Math.min(step, Math.max(1, tokens - fromRow)) * k);
  for (let r0 = fromRow; r0 < tokens; r0 += step) {
    const rows = Math.min(step, tokens - r0);
    buf = await source.readRows(r0, rows, buf);
    for (let i = 0; i < rows; i++) {
      let bad = 0;
      const off = i * k;
      for (let j = 0; j < k; j++) {
        const v = buf[off + j];
        if (v - v === 0) continue; // finite
        bad++;
        if (v !== v) rec.nan++;
        else if (v > 0) rec.posInf++;
        else rec.negInf++;
        if (rec.firstRow === null) {
          rec.firstRow = r0 + i;
          rec.firstColumn = j;
        }
      }
      if (bad > 0) {
        rec.rows++;
        rec.values += bad;
        rec.excluded[(r0 + i) >>> 5] |= 1 << ((r0 + i) & 31);
      }
    }
  }
  return rec;
}

/** The first non-finite value of row `row`: its column and value (for the refusal). */
export async function firstNonfiniteInRow(source: RowSource, row: number): Promise<{ column: number; value: number }> {
  const x = await source.readRows(row, 1);
  for (let j = 0; j < source.cols; j++) if (!Number.isFinite(x[j])) return { column: j, value: x[j] };
  return { column: -1, value: NaN };
}

export function formatValue(v: number): string {
  return v !== v ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** --nonfinite error: refuses with the tensor key and the first position. */
export function nonfiniteError(where: { file?: string; path?: string }, tensorKey: string, site: string, shape: [number, number], row: number, column: number, value: number) {
  return inputError({
    code: 'analysis/nonfinite-value',
    ...where,
    message: `Tensor "${tensorKey}" (site ${site}, shape [${shape.join(', ')}]) holds ${formatValue(value)} at [${row}, ${column}]; --nonfinite error refuses non-finite activations.`,
    expected: 'finite values',
    found: formatValue(value),
    hint: 'fix the export (overflow in F16? a diverged run?), or analyse with --nonfinite exclude to leave out the token rows that hold them',
  });
}

/**
 * A non-finite row inside one token range of a site split across shards (analysis/shard.ts):
 * excluding it renumbers every later token of the site — its consecutive windows, random
 * batches and clact batches — which a range cannot know of the others, so it is refused.
 */
export function nonfiniteInSliceError(site: { name: string; where?: { file?: string; path?: string } }, tensorKey: string, shape: [number, number], row: number, column: number, value: number) {
  return inputError({
    code: 'analysis/nonfinite-in-split-site',
    ...(site.where ?? {}),
    message: `Tensor "${tensorKey}" (site ${site.name}, shape [${shape.join(', ')}]) holds ${formatValue(value)} at [${row}, ${column}], in a site this shard analyses as token ranges; rows holding NaN/Inf can be left out exactly only when the whole site is analysed at once.`,
    expected: 'finite values in a site split into token ranges',
    found: formatValue(value),
    hint: 'rerun every shard with --piece-tokens 0 (whole sites; the excluded rows are then counted as in an unsharded run), or fix the export',
  });
}

/**
 * The tensor without its excluded rows: row i of the view is the i-th finite row. Reads are
 * expected in increasing order (a cursor makes them O(rows read)); a read behind the cursor
 * restarts it. readBytes is offered when the source has it, on whole rows.
 */
export class FiniteRowView implements RowSource {
  readonly rows: number;
  readonly cols: number;
  readonly info?: { dtype: string };
  readonly readBytes?: (byteStart: number, byteCount: number, out?: Uint8Array) => Promise<Uint8Array>;
  private cursorView = 0;
  private cursorRow = 0;

  constructor(
    private readonly source: RowSource,
    private readonly excluded: RowBitset,
    excludedRows: number,
    private readonly bytesPerElement: number,
  ) {
    this.rows = source.rows - excludedRows;
    this.cols = source.cols;
    this.info = source.info;
    if (source.readBytes) this.readBytes = (start, count, out) => this.bytes(start, count, out);
  }

  /** Original index of view row `v` (advancing the cursor). */
  private original(v: number): number {
    if (v < this.cursorView) {
      this.cursorView = 0;
      this.cursorRow = 0;
    }
    let row = this.cursorRow;
    let at = this.cursorView;
    while (isExcluded(this.excluded, row)) row++;
    while (at < v) {
      row++;
      while (isExcluded(this.excluded, row)) row++;
      at++;
    }
    this.cursorView = at;
    this.cursorRow = row;
    return row;
  }

  /** Copies view rows [v0, v0 + count) by reading original spans between excluded rows. */
  private async copyRows<T extends Float32Array | Uint8Array>(v0: number, count: number, unit: number, read: (row: number, rows: number) => Promise<T>, out: T): Promise<void> {
    let row = this.original(v0);
    let done = 0;
    const total = this.source.rows;
    while (done < count) {
      // the longest run of finite rows from `row`, capped by what is still needed
      let end = row;
      while (end < total && end - row < count - done && !isExcluded(this.excluded, end)) end++;
      const span = await read(row, end - row);
      out.set(span.subarray(0, (end - row) * unit) as never, done * unit);
      done += end - row;
      row = end;
      while (done < count && isExcluded(this.excluded, row)) row++;
    }
  }

  async readRows(rowStart: number, rowCount: number, out?: Float32Array): Promise<Float32Array> {
    const k = this.cols;
    const target = out && out.length >= rowCount * k ? out : new Float32Array(rowCount * k);
    let scratch: Float32Array | undefined;
    await this.copyRows(rowStart, rowCount, k, async (row, rows) => (scratch = await this.source.readRows(row, rows, scratch)), target);
    return target;
  }

  private async bytes(byteStart: number, byteCount: number, out?: Uint8Array): Promise<Uint8Array> {
    const rowBytes = this.cols * this.bytesPerElement;
    const target = out && out.length >= byteCount ? out : new Uint8Array(byteCount);
    let scratch: Uint8Array | undefined;
    await this.copyRows(
      byteStart / rowBytes,
      byteCount / rowBytes,
      rowBytes,
      async (row, rows) => (scratch = await this.source.readBytes!(row * rowBytes, rows * rowBytes, scratch)),
      target,
    );
    return target;
  }
}

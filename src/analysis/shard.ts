/**
 * One shard of an analysis: `nmsim analyze BUNDLE --shard i/n` on task i of an n-task array
 * job. Every shard computes the same deterministic list of pieces and does its own:
 *
 *   prepareAnalysis (plan, runs, sites, bounds) ─▶ planPieces: each (run, site) whole, or cut
 *   into token ranges of `pieceTokens` rows (sites above PIECE_ELEMENTS by default), starting
 *   on union-window and clact-batch boundaries ─▶ assignPieces: largest first to the least
 *   loaded shard (ties: lower index) ─▶ this shard's pieces:
 *       whole site  ─ analyzeTasks (workers, as analyze()) ─▶ the site's finished SiteResult
 *       token range ─ analyzeSiteSlice (in-process) ─▶ SliceState (sums, counts, unions)
 *   ─▶ AnalysisShard (plain data; report/shard-folder.ts writes it, merge.ts merges n of them)
 *
 * A shard with no piece (n above the pieces) still writes its part, so merge can tell a shard
 * that had nothing to do from one that never ran. Every part names the job (bundle manifest
 * and plan, hashed) so merge refuses parts of different jobs.
 */
import { createHash } from 'node:crypto';
import { usageError, type Diagnostic } from '../diagnostics.js';
import { formatPattern } from '../sparsity/pattern.js';
import { CRITERION_INFO } from '../sparsity/registry.js';
import { DTYPE_BYTES, isDType } from '../trace/dtype.js';
import type { TraceBundle } from '../trace/bundle.js';
import { TOOL_VERSION } from '../version.js';
import { analysisFrame, analyzeTasks, prepareAnalysis, type AnalysisFrame, type AnalysisProgress, type AnalyzeOptions, type PreparedAnalysis } from './analyze.js';
import { saveSlice, siteMeta, type SliceState } from './piece-state.js';
import { analyzeSiteSlice, type RowSource, type SiteResult } from './site-analysis.js';
import { loadSiteInput } from './site-input.js';
import type { AnalysisPlan } from './types.js';

/** Shard `index` of `count` (0-based, as $SLURM_ARRAY_TASK_ID with --array=0-(n−1) and Kubernetes' JOB_COMPLETION_INDEX). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** most shards of one job (Slurm's default MaxArraySize is 1001; Kubernetes' Indexed Job allows 100,000 completions) */
export const MAX_SHARDS = 100_000;

/**
 * A site is cut into token ranges when it holds more than this many elements (2^28 = 256 Mi
 * elements: 512 MiB of F16); a range is then ⌊2^28 / K⌋ rows, rounded down to the alignment.
 * Measured here: ~90–100 s of one core per GiB of F16 under the default plan, so such a piece
 * is ~45 s (README "Running on a cluster").
 */
export const PIECE_ELEMENTS = 2 ** 28;

/** Parses "i/n" (0 ≤ i < n ≤ MAX_SHARDS), e.g. `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`. */
export function parseShard(text: string, option = '--shard'): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1 && count <= MAX_SHARDS) || !(index < count)) {
    throw usageError({
      code: 'shard/invalid-shard',
      path: option,
      message: m ? `shard ${index} of ${count} does not exist: shards are numbered 0 … n − 1 and n is 1 … ${MAX_SHARDS.toLocaleString('en-US')}.` : `"${text}" is not a shard: write i/n.`,
      expected: `i/n with 0 ≤ i < n ≤ ${MAX_SHARDS}`,
      found: text,
      hint: `in a Slurm array job (--array=0-6): ${option} $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; in a Kubernetes Indexed Job: ${option} $JOB_COMPLETION_INDEX/<completions>`,
    });
  }
  return { index, count };
}

export interface Piece {
  /** index into PreparedAnalysis.tasks */
  task: number;
  start: number;
  rows: number;
  /** the whole site (finished in the shard) or a token range (finished by merge) */
  whole: boolean;
  /** rows × K × lanes: the work, for balancing */
  cost: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Token ranges of a site of `tokens` rows start at multiples of this: the least common multiple
 * of the union batch sizes the site has windows for (its consecutive windows are aligned at 0)
 * and of the clact batch when a criterion reduces over a batch. Infinity when it exceeds the
 * site (the site stays whole).
 */
export function alignmentTokens(plan: AnalysisPlan, tokens: number): number {
  const sizes = plan.batchSizes.filter((b) => b >= 1 && b <= tokens);
  if (plan.criteria.some((c) => CRITERION_INFO[c].batchReduction)) sizes.push(plan.clactBatchTokens);
  let l = 1;
  for (const b of sizes) {
    l = (l / gcd(l, b)) * b;
    if (l > tokens) return Infinity;
  }
  return l;
}

function lanesOf(plan: AnalysisPlan, consumers: number): number {
  return plan.criteria.reduce((a, c) => a + plan.mitigations.length * (CRITERION_INFO[c].perConsumer ? consumers : 1), 0);
}

/**
 * Every piece of the analysis, in task order and token order. `pieceTokens`: rows per range
 * (rounded up to the site's alignment); 0 = whole sites only; undefined = whole sites up to
 * PIECE_ELEMENTS elements, larger ones in ranges of about that many.
 */
export function planPieces(prepared: PreparedAnalysis, pieceTokens?: number): Piece[] {
  const { plan, tasks } = prepared;
  return tasks.flatMap((t, task) => {
    const lanes = Math.max(1, lanesOf(plan, t.run.sites[t.siteIndex].consumers.length));
    const whole: Piece = { task, start: 0, rows: t.rows, whole: true, cost: Math.max(1, t.elements * lanes) };
    const align = alignmentTokens(plan, t.rows);
    let rows: number;
    if (pieceTokens === 0 || !Number.isFinite(align)) return [whole];
    if (pieceTokens === undefined) {
      if (t.elements <= PIECE_ELEMENTS) return [whole];
      rows = Math.max(align, Math.floor(PIECE_ELEMENTS / Math.max(1, t.k) / align) * align);
    } else rows = Math.ceil(pieceTokens / align) * align;
    if (rows >= t.rows) return [whole];
    const out: Piece[] = [];
    for (let start = 0; start < t.rows; start += rows) {
      const n = Math.min(rows, t.rows - start);
      out.push({ task, start, rows: n, whole: false, cost: Math.max(1, n * t.k * lanes) });
    }
    return out;
  });
}

/** Owner shard of every item: largest cost first to the least loaded shard (ties: lower item, lower shard). */
export function assignPieces(costs: readonly number[], count: number): number[] {
  const owner = new Array<number>(costs.length);
  const load = new Array<number>(count).fill(0);
  const order = costs.map((_, i) => i).sort((a, b) => costs[b] - costs[a] || a - b);
  for (const i of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
    owner[i] = best;
    load[best] += costs[i];
  }
  return owner;
}

/** A piece as the part records it: enough to name it in messages and to check the parts agree. */
export interface PieceRecord {
  run: string;
  /** the run's position among the analysed runs */
  runPos: number;
  site: string;
  task: number;
  start: number;
  rows: number;
  whole: boolean;
  shard: number;
}

export interface PieceResult {
  piece: number;
  /** a whole site, finished */
  site?: SiteResult;
  /** a token range, unfinished */
  slice?: SliceState;
}

/** What identifies a job: every part of one job carries the same (the id is its sha256). */
export interface ShardJobDescription {
  tool_version: string;
  /** sha256 of the bundle's manifest as parsed (a bare file: of its synthesized manifest) */
  manifest_sha256: string;
  plan: Record<string, unknown>;
  piece_tokens: number | 'auto';
}

export interface AnalysisShard {
  job: { id: string; description: ShardJobDescription };
  shard: ShardSpec;
  frame: AnalysisFrame;
  /** the resolved plan (patterns as text) */
  plan: Omit<AnalysisPlan, 'patterns'> & { patterns: string[] };
  /** notes from choosing the runs (the same in every part) */
  warnings: Diagnostic[];
  /** every piece of the job, with its owner */
  pieces: PieceRecord[];
  /** this shard's pieces */
  results: PieceResult[];
  /** token rows this shard read */
  rows: number;
}

/** Canonical JSON (sorted keys) for hashing. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function serialPlan(plan: AnalysisPlan): AnalysisShard['plan'] {
  return { ...plan, patterns: plan.patterns.map(formatPattern) };
}

/** The rows [start, start + rows) of a source, renumbered from 0. */
export function rowRange(source: RowSource, start: number, rows: number): RowSource {
  const bytes = source.info && isDType(source.info.dtype) ? DTYPE_BYTES[source.info.dtype] : 4;
  const k = source.cols;
  return {
    rows,
    cols: k,
    ...(source.info ? { info: source.info } : {}),
    readRows: (r0, n, out) => source.readRows(start + r0, n, out),
    ...(source.readBytes ? { readBytes: (b0: number, n: number, out?: Uint8Array) => source.readBytes!(start * k * bytes + b0, n, out) } : {}),
  };
}

export interface ShardOptions extends AnalyzeOptions {
  /** rows per token range; 0 = whole sites; default: ranges only for sites above PIECE_ELEMENTS */
  pieceTokens?: number;
}

/** The pieces of a job and who does them, from the bundle and plan alone (the same in every shard). */
export function shardPlan(bundle: TraceBundle, planInput: Partial<AnalysisPlan>, count: number, pieceTokens?: number) {
  const prepared = prepareAnalysis(bundle, planInput);
  const pieces = planPieces(prepared, pieceTokens);
  const owners = assignPieces(
    pieces.map((p) => p.cost),
    count,
  );
  const description: ShardJobDescription = {
    tool_version: TOOL_VERSION,
    manifest_sha256: sha256Hex(canonicalJson(bundle.manifest)),
    plan: serialPlan(prepared.plan),
    piece_tokens: pieceTokens ?? 'auto',
  };
  const records: PieceRecord[] = pieces.map((p, i) => ({ run: prepared.tasks[p.task].run.id, runPos: prepared.tasks[p.task].runPos, site: prepared.tasks[p.task].name, task: p.task, start: p.start, rows: p.rows, whole: p.whole, shard: owners[i] }));
  return { prepared, pieces, owners, records, job: { id: sha256Hex(canonicalJson(description)), description } };
}

/** Runs the pieces `mine` (indices into `pieces`) of a prepared job; results in piece order. */
export async function analyzePieces(
  bundle: TraceBundle,
  prepared: PreparedAnalysis,
  pieces: readonly Piece[],
  mine: readonly number[],
  tick: (rows: number, site: string) => void,
  options: AnalyzeOptions = {},
): Promise<PieceResult[]> {
  const { plan, tasks } = prepared;
  const whole = mine.filter((i) => pieces[i].whole);
  const byTask = await analyzeTasks(
    bundle,
    prepared,
    whole.map((i) => pieces[i].task),
    tick,
    options,
  );
  const results: PieceResult[] = [];
  for (const i of mine) {
    const p = pieces[i];
    const t = tasks[p.task];
    if (p.whole) {
      results.push({ piece: i, site: byTask.get(p.task)! });
      continue;
    }
    const input = await loadSiteInput(bundle, t.run, t.runIndex, t.siteIndex, plan);
    const lanes = await analyzeSiteSlice(input, plan, rowRange(input.source, p.start, p.rows), { start: p.start, siteTokens: t.rows }, (rows) => tick(rows, t.name));
    results.push({ piece: i, slice: saveSlice(siteMeta(input, t.rows, t.k), p.start, p.rows, lanes) });
  }
  return results;
}

/** Shard `shard.index` of `shard.count`: its pieces of the analysis, as plain data. */
export async function analyzeShard(
  bundle: TraceBundle,
  planInput: Partial<AnalysisPlan>,
  shard: ShardSpec,
  onProgress?: (p: AnalysisProgress) => void,
  options: ShardOptions = {},
): Promise<AnalysisShard> {
  const { prepared, pieces, owners, records, job } = shardPlan(bundle, planInput, shard.count, options.pieceTokens);
  const mine = pieces.map((_, i) => i).filter((i) => owners[i] === shard.index);
  const totalRows = mine.reduce((a, i) => a + pieces[i].rows, 0);
  let doneRows = 0;
  const tick = (rows: number, site: string) => {
    doneRows += rows;
    onProgress?.({ doneRows, totalRows, site });
  };
  const results = await analyzePieces(bundle, prepared, pieces, mine, tick, options);
  return {
    job,
    shard,
    frame: analysisFrame(bundle, prepared),
    plan: serialPlan(prepared.plan),
    warnings: prepared.warnings,
    pieces: records,
    results,
    rows: totalRows,
  };
}

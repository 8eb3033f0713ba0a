/**
 * `nmsim merge`: n analysis shards (shard.ts) → the AnalysisResult one unsharded analyze()
 * gives.
 *
 *   parts ─ checkParts: one job, one shard count, every shard 0 … n − 1 exactly once, the same
 *           pieces, every piece done by its owner ─▶ per site, in task order:
 *             whole piece  → its SiteResult as the shard finished it
 *             token ranges → piece-state.ts mergeSlices (sums, counts, unions added in token order)
 *   ─▶ assembleAnalysis (analyze.ts, the code analyze() ends with) ─▶ AnalysisResult
 *
 * Equality: a site analysed whole in a shard gives bit-identical statistics (the same code on
 * the same rows), and the assembly is the same function over the same site results in the same
 * order, so the JSON and CSV are byte-identical to the unsharded run's. A site cut into token
 * ranges gives exact counts, histograms and unions and float64 sums equal up to summation order
 * (1e-12 relative, tested). A part that is missing, doubled, of another job or incomplete is
 * refused — never a silently partial result.
 */
import { NmsimError, inputError, usageError, type Diagnostic } from '../diagnostics.js';
import { parsePattern } from '../sparsity/pattern.js';
import { assembleAnalysis } from './analyze.js';
import { mergeSlices, type SliceState } from './piece-state.js';
import type { AnalysisShard, PieceRecord } from './shard.js';
import type { SiteResult } from './site-analysis.js';
import type { AnalysisPlan, AnalysisResult } from './types.js';

export interface ShardPart<T> {
  /** where the part was read from (its folder), for messages */
  where: string;
  data: T;
}

/** The first key path where two descriptions differ, with both values. */
export function firstDifference(a: unknown, b: unknown, at = ''): { path: string; a: string; b: string } | null {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at === '' ? k : `${at}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? null : { path: at, a: JSON.stringify(a) ?? 'nothing', b: JSON.stringify(b) ?? 'nothing' };
}

interface ShardedJob {
  job: { id: string; description: unknown };
  shard: { index: number; count: number };
  /** the work of every shard, for naming what a missing one held (or give checkParts `held`) */
  pieces?: PieceRecord[];
}

/**
 * The checks every merge makes (analysis and review parts alike): one job, one count, each
 * shard once, nothing missing. `what` names the command in hints ("nmsim analyze … --shard").
 */
export function checkParts<T extends ShardedJob>(parts: readonly ShardPart<T>[], what: string, held?: (shard: number) => string): void {
  if (parts.length === 0) throw usageError({ code: 'merge/no-parts', message: 'Give the parts to merge: the --out folders of every shard.', hint: 'nmsim merge parts/shard-* --out merged' });
  const first = parts[0];
  const errors: Diagnostic[] = [];
  for (const p of parts.slice(1)) {
    if (p.data.job.id !== first.data.job.id) {
      const d = firstDifference(first.data.job.description, p.data.job.description);
      errors.push({
        code: 'merge/different-job',
        severity: 'error',
        file: p.where,
        path: d ? `job.${d.path}` : 'job.id',
        message: `${p.where} is a shard of another job than ${first.where}${d ? `: ${d.path} is ${d.b} there and ${d.a} in ${first.where}` : ''}.`,
        expected: first.data.job.id,
        found: p.data.job.id,
        hint: `merge only the parts of one job: every shard runs the same ${what} command with the same inputs and options`,
      });
    } else if (p.data.shard.count !== first.data.shard.count) {
      errors.push({ code: 'merge/different-count', severity: 'error', file: p.where, path: 'shard.count', message: `${p.where} is shard ${p.data.shard.index}/${p.data.shard.count}, ${first.where} is shard ${first.data.shard.index}/${first.data.shard.count}: one job has one shard count.`, expected: String(first.data.shard.count), found: String(p.data.shard.count), hint: 'run every shard with the same n in --shard i/n' });
    }
  }
  if (errors.length > 0) throw new NmsimError(errors);
  const count = first.data.shard.count;
  const seen = new Map<number, string>();
  for (const p of parts) {
    const other = seen.get(p.data.shard.index);
    if (other !== undefined) {
      errors.push({ code: 'merge/duplicate-shard', severity: 'error', file: p.where, path: 'shard.index', message: `${p.where} and ${other} are both shard ${p.data.shard.index}/${count}.`, hint: 'give each shard\'s part once (a rerun of a failed task writes to the same --out)' });
    }
    seen.set(p.data.shard.index, p.where);
  }
  for (let i = 0; i < count; i++) {
    if (seen.has(i)) continue;
    const pieces = (first.data.pieces ?? []).filter((r) => r.shard === i);
    const what2 = held ? held(i) : pieces.length === 0 ? 'it had no piece to do, but its part proves it ran' : `it held ${pieces.length} piece${pieces.length === 1 ? '' : 's'}: ${pieceNames(pieces)}`;
    errors.push({
      code: 'merge/missing-shard',
      severity: 'error',
      path: `shard ${i}/${count}`,
      message: `Shard ${i} of ${count} is missing: none of the ${parts.length} part${parts.length === 1 ? '' : 's'} given is shard ${i} (${what2}). A merge without it would be partial.`,
      expected: `the parts of shards 0 … ${count - 1}`,
      found: `shards ${[...seen.keys()].sort((a, b) => a - b).join(', ')}`,
      hint: `rerun the failed task: ${what} --shard ${i}/${count} --out <its part folder> (in Slurm: sbatch --array=${i} …), then merge again`,
    });
  }
  if (errors.length > 0) throw new NmsimError(errors);
}

function pieceNames(list: readonly PieceRecord[]): string {
  const names = list.slice(0, 3).map((r) => (r.whole ? r.site : `${r.site} tokens ${r.start}–${r.start + r.rows - 1}`));
  return names.join(', ') + (list.length > 3 ? ` and ${list.length - 3} more` : '');
}

function corrupt(where: string, path: string, message: string): NmsimError {
  return inputError({ code: 'merge/damaged-part', file: where, path, message: `${where} is not a complete shard part: ${message}.`, hint: 'rerun that shard (its --out folder is replaced atomically), then merge again' });
}

export function planFromPart(plan: AnalysisShard['plan'], where: string): AnalysisPlan {
  return { ...plan, patterns: plan.patterns.map((p, i) => parsePattern(p, { file: where, path: `plan.patterns[${i}]` })) };
}

/** The site results of a job, in task order, from the parts' pieces (each done by its owner). */
export function siteResultsOf(parts: readonly ShardPart<AnalysisShard>[], plan: AnalysisPlan): SiteResult[] {
  const first = parts[0].data;
  const pieces = first.pieces;
  for (const p of parts.slice(1)) {
    const d = firstDifference(first.pieces, p.data.pieces);
    if (d) throw corrupt(p.where, `pieces${d.path === '' ? '' : `.${d.path}`}`, `its piece list differs from ${parts[0].where}'s`);
  }
  const done = new Map<number, { where: string; site?: SiteResult; slice?: SliceState }>();
  for (const part of parts) {
    for (const [ri, r] of part.data.results.entries()) {
      const rec = pieces[r.piece];
      if (!rec || rec.shard !== part.data.shard.index) throw corrupt(part.where, `results[${ri}].piece`, `it holds piece ${r.piece}, which is not one of shard ${part.data.shard.index}'s`);
      if (done.has(r.piece)) throw corrupt(part.where, `results[${ri}].piece`, `piece ${r.piece} appears twice`);
      if (rec.whole ? !r.site : !r.slice) throw corrupt(part.where, `results[${ri}]`, `piece ${r.piece} has no ${rec.whole ? 'site result' : 'token-range state'}`);
      done.set(r.piece, { where: part.where, site: r.site, slice: r.slice });
    }
  }
  for (const [i, rec] of pieces.entries()) {
    if (!done.has(i)) {
      const owner = parts.find((p) => p.data.shard.index === rec.shard);
      throw corrupt(owner?.where ?? `shard ${rec.shard}`, 'results', `it lacks piece ${i} (${pieceNames([rec])}) of shard ${rec.shard}`);
    }
  }
  const tasks = Math.max(0, ...pieces.map((r) => r.task + 1));
  const results: SiteResult[] = [];
  for (let t = 0; t < tasks; t++) {
    const mine = pieces.map((r, i) => ({ r, i })).filter(({ r }) => r.task === t);
    if (mine.length === 1 && mine[0].r.whole) {
      results.push(done.get(mine[0].i)!.site!);
      continue;
    }
    const slices = mine.sort((a, b) => a.r.start - b.r.start).map(({ i }) => done.get(i)!);
    try {
      results.push(mergeSlices(plan, slices.map((s) => s.slice!)));
    } catch (e) {
      if (e instanceof NmsimError) throw e;
      throw corrupt(slices[0].where, `results (site ${mine[0].r.site})`, (e as Error).message);
    }
  }
  return results;
}

/** The unsharded result from every shard's part (checked first: see checkParts). */
export function mergeAnalysisShards(parts: readonly ShardPart<AnalysisShard>[]): AnalysisResult {
  checkParts(parts, parts.length > 0 ? `nmsim analyze ${parts[0].data.frame.source.root} <same options>` : 'nmsim analyze');
  const ordered = [...parts].sort((a, b) => a.data.shard.index - b.data.shard.index);
  const first = ordered[0].data;
  const plan = planFromPart(first.plan, ordered[0].where);
  const results = siteResultsOf(ordered, plan);
  const tasks = first.pieces.filter((r, i, all) => all.findIndex((x) => x.task === r.task) === i).map((r) => ({ runPos: r.runPos }));
  return assembleAnalysis(first.frame, plan, first.warnings, tasks, results);
}

/**
 * `nmsim review --shard i/n`: the review's analysis — its dominant cost (20 of 27 s for the
 * shipped review here) — split across n tasks, and the merge that finishes the review:
 *
 *   shard i: options ─ inputs (profiles, bundles, hashed) ─ choosePrimary ─ reviewAnalysisPlans
 *            ─▶ analyzeShard(structure plan, i/n) + analyzeShard(proxies plan, i/n) ─▶ ReviewShard
 *   merge:   checkParts (one job, every shard) ─▶ mergeAnalysisShards per pass (exact, as for
 *            `analyze`) ─▶ runReview(options, …, analyses) — the same code the single-machine
 *            review runs after its analysis ─▶ the same ReviewData, so the same report
 *
 * and, for a sweep too large for one task, a second stage over the design points:
 *
 *   point shard j of m (`review --shard j/m --analysis PARTS`): mergeReviewShards(PARTS) (exact,
 *            inputs re-hashed) ─ prepareReview ─ evaluatePoints(block j of m) ─▶ ReviewPointsShard
 *   merge:   checkParts + every point once + one shared record ─▶ assembleReview ─▶ ReviewData
 *
 * Decision (issue 18): the analysis is sharded and computed once (stage 1). Every design point
 * needs the whole trace's measured sparsity (union density, compatibility), so the points are
 * evaluated after it: either in the merge of the analysis parts (one stage: fine up to a few
 * thousand points; the shipped 7 profiles × 60 configurations take 2.3 s), or by a second array
 * of tasks, each of which merges the analysis parts itself (a few MB; no serial step between the
 * stages) and evaluates one contiguous block of the point list (points.ts shardBlock); `nmsim
 * merge` of the point parts only assembles: sorting, Pareto fronts and the recommendation over
 * the union, rendering. A merge re-reads the profiles and the bundle manifests (hashed: a part
 * names the SHA-256 of every input, so changed inputs are refused), never the activations.
 */
import { inputError, type Diagnostic } from '../diagnostics.js';
import { analyzeShard, canonicalJson, sha256Hex, type AnalysisShard, type ShardSpec } from '../analysis/shard.js';
import { checkParts, firstDifference, mergeAnalysisShards, type ShardPart } from '../analysis/merge.js';
import { formatPattern, parsePattern } from '../sparsity/pattern.js';
import { TOOL_VERSION } from '../version.js';
import { loadProfilesHashed, openBundlesHashed, profileFiles, type HashedProfile, type OpenedBundle } from './inputs.js';
import { bundlePathsOf, choosePrimary, prepareReview, resolveReviewOptions, reviewAnalysisPlans, structurePatternsOf, type ResolvedReviewOptions, type ReviewAnalyses, type ReviewOptions } from './run-review.js';
import { assembleReview, designPointCount, evaluatePoints, shardBlock, type PointRecords, type ReviewCommon } from './points.js';
import type { ReviewData } from './review-data.js';

/** ResolvedReviewOptions as plain JSON (patterns as text). */
export type SerialReviewOptions = Omit<ResolvedReviewOptions, 'patterns' | 'compare'> & { patterns: string[]; compare?: [string, string] };

export interface ReviewShard {
  job: { id: string; description: Record<string, unknown> };
  shard: ShardSpec;
  options: SerialReviewOptions;
  /** the pieces of both passes, with their owners (for naming what a missing shard held) */
  pieces: AnalysisShard['pieces'];
  structure: AnalysisShard;
  proxies: AnalysisShard;
}

function serialOptions(o: ResolvedReviewOptions): SerialReviewOptions {
  const { patterns, compare, ...rest } = o;
  return { ...rest, patterns: patterns.map(formatPattern), ...(compare ? { compare: [formatPattern(compare[0]), formatPattern(compare[1])] as [string, string] } : {}) };
}

export function reviewOptionsFromPart(o: SerialReviewOptions, where: string): ReviewOptions {
  const { patterns, compare, ...rest } = o;
  const parse = (p: string, at: string) => parsePattern(p, { file: where, path: at });
  return { ...rest, patterns: patterns.map((p, i) => parse(p, `options.patterns[${i}]`)), ...(compare ? { compare: [parse(compare[0], 'options.compare[0]'), parse(compare[1], 'options.compare[1]')] } : {}) };
}

/** Shard `shard.index` of `shard.count` of the review's analysis. */
export async function reviewShard(options: ReviewOptions, shard: ShardSpec): Promise<ReviewShard> {
  const opts = resolveReviewOptions(options);
  const bundlePaths = bundlePathsOf(opts);
  const { profiles } = await loadProfilesHashed(profileFiles(opts.profiles));
  const bundles = await openBundlesHashed(bundlePaths);
  try {
    const primary = choosePrimary(bundles).bundle;
    const plans = reviewAnalysisPlans(primary, opts, structurePatternsOf(opts, profiles));
    const structure = await analyzeShard(primary.bundle, plans.structure, shard);
    // the proxy pass's shards are rotated past the structure pass's pieces, so that with more
    // shards than sites the two passes land on different tasks (each pass still has every index)
    const offset = structure.pieces.length % shard.count;
    const proxies = await analyzeShard(primary.bundle, plans.proxies, { index: (shard.index - offset + shard.count) % shard.count, count: shard.count });
    const proxyOwner = (s: number) => (s + offset) % shard.count;
    const description = {
      tool_version: TOOL_VERSION,
      options: serialOptions(opts),
      profiles: profiles.map((p) => ({ path: p.path, sha256: p.sha256 })),
      bundles: bundles.map((b) => ({ path: b.path, files: b.files })),
      analyses: [structure.job.id, proxies.job.id],
    };
    return {
      job: { id: sha256Hex(canonicalJson(description)), description },
      shard,
      options: serialOptions(opts),
      pieces: [...structure.pieces, ...proxies.pieces.map((p) => ({ ...p, shard: proxyOwner(p.shard) }))],
      structure,
      proxies,
    };
  } finally {
    await Promise.all(bundles.map((b) => b.bundle.close()));
  }
}

/**
 * The review's options and both merged analyses from every shard's part; runReview with them
 * gives the single-machine review. Refuses parts of different jobs, missing or doubled shards,
 * and inputs that changed since the shards ran.
 */
export async function mergeReviewShards(parts: readonly ShardPart<ReviewShard>[]): Promise<{ options: ReviewOptions; analyses: ReviewAnalyses }> {
  checkParts(parts, 'nmsim review <same options>');
  const first = parts[0];
  const options = reviewOptionsFromPart(first.data.options, first.where);
  // the inputs must be those the shards analysed
  const opts = resolveReviewOptions(options);
  const { profiles } = await loadProfilesHashed(profileFiles(opts.profiles));
  const bundles = await openBundlesHashed(bundlePathsOf(opts));
  try {
    refuseChangedInputs(parts, opts, profiles, bundles);
  } finally {
    await Promise.all(bundles.map((b) => b.bundle.close()));
  }
  return { options, analyses: mergeAnalysesOf(parts) };
}

/** Both passes merged (exact, as for `analyze`); the parts are checked (checkParts) and their inputs too. */
function mergeAnalysesOf(parts: readonly ShardPart<ReviewShard>[]): ReviewAnalyses {
  const pass = (key: 'structure' | 'proxies') => mergeAnalysisShards(parts.map((p) => ({ where: p.where, data: p.data[key] })));
  return { structure: pass('structure'), proxies: pass('proxies') };
}

/** Refuses (merge/inputs-changed) when the profiles or bundle files no longer have the hashes the parts record. */
function refuseChangedInputs(parts: readonly ShardPart<ReviewShard>[], opts: ResolvedReviewOptions, profiles: readonly HashedProfile[], bundles: readonly OpenedBundle[]): void {
  const first = parts[0];
  const now = { profiles: profiles.map((p) => ({ path: p.path, sha256: p.sha256 })), bundles: bundles.map((b) => ({ path: b.path, files: b.files })) };
  const then = first.data.job.description as { profiles: unknown; bundles: unknown };
  if (canonicalJson(now.profiles) !== canonicalJson(then.profiles) || canonicalJson(now.bundles) !== canonicalJson(then.bundles)) {
    throw inputError({
      code: 'merge/inputs-changed',
      file: first.where,
      message: `The review's inputs changed since its shards ran: the profiles or bundle files (${[...opts.traces, ...opts.profiles].join(', ') || 'the defaults'}) no longer have the SHA-256 the parts record.`,
      hint: 'rerun every shard on the current inputs, then merge',
    });
  }
}

/** A part of the review's second stage: one block of the design points, evaluated. */
export interface ReviewPointsShard {
  /** options, input hashes, the analysis job and the point count: equal in every part of one job */
  job: { id: string; description: Record<string, unknown> };
  shard: ShardSpec;
  /** the number of design points of the whole review */
  pointCount: number;
  /** the report's fields no point changes; equal in every part */
  common: ReviewCommon;
  records: PointRecords;
  warnings: Diagnostic[];
}

function refuseOtherAnalysis(where: string, path: string, message: string): never {
  throw inputError({
    code: 'review/analysis-mismatch',
    file: where,
    path,
    message,
    hint: 'give --analysis the parts of `nmsim review --shard i/n` run with the same review options as this command',
  });
}

/**
 * Point shard `shard` of the review whose analysis parts are `analysisParts` (every shard of
 * `nmsim review --shard i/n`, stage 1): merges them (refusing a missing, doubled or foreign part,
 * or changed inputs), checks they are the analysis of `options`, and evaluates this shard's
 * block of design points.
 */
export async function reviewPointsShard(options: ReviewOptions, shard: ShardSpec, analysisParts: readonly ShardPart<ReviewShard>[]): Promise<ReviewPointsShard> {
  checkParts(analysisParts, 'nmsim review <same options>');
  const opts = resolveReviewOptions(options);
  const first = analysisParts[0];
  const mine = serialOptions(opts);
  if (canonicalJson(mine) !== canonicalJson(first.data.options)) {
    const d = firstDifference(first.data.options, mine);
    refuseOtherAnalysis(first.where, d ? `options.${d.path}` : 'options', `${first.where} is the analysis of another review: ${d ? `its ${d.path} is ${d.a}, this command's is ${d.b}` : 'its options differ from this command\'s'}.`);
  }
  const { profiles, warnings: profileWarnings } = await loadProfilesHashed(profileFiles(opts.profiles));
  const bundles = await openBundlesHashed(bundlePathsOf(opts));
  try {
    refuseChangedInputs(analysisParts, opts, profiles, bundles);
    const prepared = await prepareReview(opts, profiles, bundles, undefined, mergeAnalysesOf(analysisParts));
    const pointCount = designPointCount(prepared.inputs);
    const records = await evaluatePoints(prepared.inputs, shardBlock(pointCount, shard));
    const description = {
      tool_version: TOOL_VERSION,
      options: mine,
      profiles: profiles.map((p) => ({ path: p.path, sha256: p.sha256 })),
      bundles: bundles.map((b) => ({ path: b.path, files: b.files })),
      analysis: first.data.job.id,
      point_count: pointCount,
    };
    return { job: { id: sha256Hex(canonicalJson(description)), description }, shard, pointCount, common: prepared.common, records, warnings: [...profileWarnings, ...prepared.warnings] };
  } finally {
    await Promise.all(bundles.map((b) => b.bundle.close()));
  }
}

/**
 * The review from every point shard's part: one job, every shard once, every point exactly once,
 * one shared record — then assembleReview, the single-machine review's last step.
 */
export function mergeReviewPoints(parts: readonly ShardPart<ReviewPointsShard>[]): { data: ReviewData; warnings: Diagnostic[]; options: ReviewOptions } {
  checkParts(parts, 'nmsim review <same options> --analysis <every analysis part>', (i) => {
    const b = shardBlock(parts[0].data.pointCount, { index: i, count: parts[0].data.shard.count });
    return b.end === b.start ? 'it had no design point to evaluate, but its part proves it ran' : `it held design points ${b.start}–${b.end - 1} of ${parts[0].data.pointCount}`;
  });
  const first = parts[0];
  const common = canonicalJson(first.data.common);
  for (const p of parts) {
    if (canonicalJson(p.data.common) !== common) {
      const d = firstDifference(first.data.common, p.data.common);
      throw inputError({ code: 'merge/different-job', file: p.where, path: d ? `common.${d.path}` : 'common', message: `${p.where} and ${first.where} describe different reviews${d ? `: ${d.path} is ${d.b} there and ${d.a} in ${first.where}` : ''}.`, hint: 'rerun every point shard with the same nmsim, options and analysis parts' });
    }
    const block = shardBlock(p.data.pointCount, p.data.shard);
    const indices = p.data.records.points.map((r) => r.index);
    const expected = Array.from({ length: block.end - block.start }, (_, k) => block.start + k);
    if (canonicalJson(indices) !== canonicalJson(expected)) {
      throw inputError({ code: 'merge/not-a-part', file: p.where, path: 'records.points', message: `${p.where} is shard ${p.data.shard.index}/${p.data.shard.count} but does not hold exactly its design points ${block.start}–${block.end - 1}.`, expected: `${expected.length} points`, found: `${indices.length} points`, hint: 'rerun that shard, then merge again' });
    }
  }
  // each profile's area report travels with exactly one part (the block holding its first point)
  const held = parts.flatMap((p) => p.data.records.profiles.map((r) => ({ index: r.index, where: p.where })));
  for (let i = 0; i < first.data.common.profiles.length; i++) {
    const with_ = held.filter((h) => h.index === i);
    if (with_.length !== 1) {
      throw inputError({ code: 'merge/not-a-part', file: with_[1]?.where ?? first.where, path: 'records.profiles', message: `profile ${first.data.common.profiles[i].name}'s area report is in ${with_.length} of the parts given, not in exactly one.`, hint: 'rerun the shard holding that profile\'s first design point, then merge again' });
    }
  }
  // the warnings come from the inputs and the analysis, not from any point: equal in every part
  const warnings = first.data.warnings;
  const options = reviewOptionsFromPart(first.data.job.description.options as SerialReviewOptions, first.where);
  return { data: assembleReview(first.data.common, parts.map((p) => p.data.records)), warnings, options };
}

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
 * Decision (issue 18): the analysis is sharded and computed once; the design points (profile ×
 * pattern estimates, area, the sweep) are evaluated once, in the merge, because each needs the
 * whole trace's measured sparsity (union density, compatibility) and they cost 2.3 s for the
 * shipped 7 profiles × 5 patterns. The merge re-reads the profiles and the bundle manifests
 * (hashed: a part names the SHA-256 of every input, so changed inputs are refused), never the
 * activations.
 */
import { inputError } from '../diagnostics.js';
import { analyzeShard, canonicalJson, sha256Hex, type AnalysisShard, type ShardSpec } from '../analysis/shard.js';
import { checkParts, mergeAnalysisShards, type ShardPart } from '../analysis/merge.js';
import { formatPattern, parsePattern } from '../sparsity/pattern.js';
import { TOOL_VERSION } from '../version.js';
import { loadProfilesHashed, openBundlesHashed, profileFiles } from './inputs.js';
import { bundlePathsOf, choosePrimary, resolveReviewOptions, reviewAnalysisPlans, structurePatternsOf, type ResolvedReviewOptions, type ReviewAnalyses, type ReviewOptions } from './run-review.js';

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
  } finally {
    await Promise.all(bundles.map((b) => b.bundle.close()));
  }
  const pass = (key: 'structure' | 'proxies') => mergeAnalysisShards(parts.map((p) => ({ where: p.where, data: p.data[key] })));
  return { options, analyses: { structure: pass('structure'), proxies: pass('proxies') } };
}

/**
 * `nmsim review --shard i/n` (stage 1, a part of the review's analysis) and `--shard j/m --analysis
 * PARTS` (stage 2, a block of design points): loaded by review.ts only when --shard is given, so a
 * plain review does not load the analysis shard machinery.
 */
import type { ArgumentsCamelCase } from 'yargs';
import { parseShard } from '../../analysis/shard.js';
import { inputError, NmsimError, usageError } from '../../diagnostics.js';
import { readShardFolder, REVIEW_POINTS_OUTPUT, REVIEW_SHARD_OUTPUT, writeReviewPointsFolder, writeReviewShardFolder } from '../../report/shard-folder.js';
import { shardBlock } from '../../review/points.js';
import type { ReviewOptions } from '../../review/run-review.js';
import { reviewPointsShard, reviewShard, type ReviewShard } from '../../review/shard.js';
import { claimOutput, printJson } from '../run.js';
import { reviewInputs, type ReviewArgs } from './review.js';

/** `review --shard i/n --out PART`: this shard's part of the review's analysis (review/shard.ts). */
export async function reviewShardCommand(args: ArgumentsCamelCase<ReviewArgs>, opts: ReviewOptions): Promise<void> {
  const shard = parseShard(args.shard!);
  if (args.out === undefined) {
    throw usageError({ code: 'shard/out-required', path: '--out', message: `--shard ${args.shard} writes a part for \`nmsim merge\`; say where with --out.`, hint: `nmsim review … --shard ${args.shard} --out parts/review-${shard.index}` });
  }
  const claim = await claimOutput(args.out, REVIEW_SHARD_OUTPUT, reviewInputs(opts.traces ?? [], opts.profiles ?? []));
  const part = await reviewShard(opts, shard);
  await writeReviewShardFolder(claim, part);
  const mine = part.pieces.filter((p) => p.shard === shard.index).length;
  if (args.json) printJson({ ok: true, shard: `${shard.index}/${shard.count}`, job: part.job.id, pieces: mine, pieces_in_job: part.pieces.length, out: args.out });
  else process.stdout.write(`review shard ${shard.index}/${shard.count}: ${mine} of ${part.pieces.length} analysis pieces → ${args.out}; job ${part.job.id.slice(0, 12)}\n`);
}

/** The --analysis folders as review analysis parts; every bad one named at once. */
async function readAnalysisParts(dirs: readonly string[]): Promise<{ where: string; data: ReviewShard }[]> {
  const parts: { where: string; data: ReviewShard }[] = [];
  const errors: NmsimError[] = [];
  for (const where of dirs) {
    try {
      const read = await readShardFolder(where);
      if (read.kind !== 'review') {
        throw inputError({ code: 'review/analysis-not-a-part', file: where, message: `${where} is not a part of the review's analysis: it is a part of \`nmsim ${read.kind === 'analysis' ? 'analyze --shard' : 'review --shard --analysis'}\`.`, hint: 'give --analysis the --out folders of `nmsim review <same options> --shard k/K` (stage 1)' });
      }
      parts.push({ where, data: read.data });
    } catch (e) {
      if (e instanceof NmsimError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length > 0) throw new NmsimError(errors.flatMap((e) => e.diagnostics));
  return parts;
}

/** `review --shard i/n --analysis PARTS --out PART`: block i of n of the design points (review/shard.ts). */
export async function reviewPointsCommand(args: ArgumentsCamelCase<ReviewArgs>, opts: ReviewOptions): Promise<void> {
  const shard = parseShard(args.shard!);
  if (args.out === undefined) {
    throw usageError({ code: 'shard/out-required', path: '--out', message: `--shard ${args.shard} writes a part for \`nmsim merge\`; say where with --out.`, hint: `nmsim review … --shard ${args.shard} --analysis parts/analysis-* --out parts/points-${shard.index}` });
  }
  const dirs = (args.analysis ?? []).map(String);
  if (dirs.length === 0) throw usageError({ code: 'review/analysis-empty', path: '--analysis', message: '--analysis needs the folders of every analysis part.', hint: 'nmsim review … --shard 0/4 --analysis parts/analysis-* --out parts/points-0' });
  const claim = await claimOutput(args.out, REVIEW_POINTS_OUTPUT, [...reviewInputs(opts.traces ?? [], opts.profiles ?? []), ...dirs]);
  const part = await reviewPointsShard(opts, shard, await readAnalysisParts(dirs));
  await writeReviewPointsFolder(claim, part);
  const block = shardBlock(part.pointCount, shard);
  const held = block.end > block.start ? `design points ${block.start}–${block.end - 1} of ${part.pointCount}` : `no design point (of ${part.pointCount})`;
  if (args.json) printJson({ ok: true, shard: `${shard.index}/${shard.count}`, job: part.job.id, points: block.end - block.start, first_point: block.start, points_in_job: part.pointCount, out: args.out });
  else process.stdout.write(`review points shard ${shard.index}/${shard.count}: ${held} → ${args.out}; job ${part.job.id.slice(0, 12)}\n`);
}

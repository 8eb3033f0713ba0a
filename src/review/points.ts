/**
 * The review's design points as an indexed list, evaluated over any block of it, and the
 * assembly of evaluated records into ReviewData. runReview evaluates every point; `nmsim review
 * --shard i/n --analysis PARTS` (shard.ts) evaluates one contiguous block and writes its records;
 * `nmsim merge` of those parts assembles them — through the same assembleReview, so the report is
 * the single-machine one byte for byte.
 *
 *   point k (0 … profiles × (configs + weight runs) − 1), profile-major, then the sweep's
 *   configuration order, then the bundle's weight runs (explore/sweep.ts sweepCandidates' order)
 *     ─ evaluatePoints(block) ─▶ PointRecords: per point its DesignPoint or SkippedPoint (explore/sweep),
 *                               per profile its area report and tech rows (held by the block with the
 *                               profile's first point), per profile × pattern its energy row (held by
 *                               the block with that pair's first point)
 *     ─ assembleReview(common, records of every block) ─▶ sort, Pareto fronts, recommendation: ReviewData
 *
 * The list is generic: whatever configurations runReview sweeps (sweptConfigs) times whatever
 * profiles it loads; a new kind of configuration is sharded without code here.
 */
import { patternKey, sortDesignPoints, type Accuracy } from '../explore/design-point.js';
import type { MeasuredWeightRun, SweepConfig } from '../explore/accuracy.js';
import { sweep, type SkippedPoint, type WorkloadPoint } from '../explore/sweep.js';
import type { CoreVariant, DesignPoint } from '../explore/design-point.js';
import { areaReport } from '../area/report.js';
import { chooseVariants, type VariantChoice } from '../explore/variants.js';
import type { MeasuredSparsity } from '../perf/measured-sparsity.js';
import { gemmMemo } from '../perf/model-sim.js';
import { perfViewKey } from '../perf/hardware-view.js';
import { loadTech, type TechLibrary } from '../profile/tech.js';
import { samePattern, type Pattern } from '../sparsity/pattern.js';
import { areaBreakdownRows, profileCost, type AreaReportLike } from './area.js';
import { techAssumptions } from './assumptions.js';
import { buildReview, type ReviewInput } from './build.js';
import { profileEnergy, type PatternEnergy } from './energy.js';
import type { HashedProfile } from './inputs.js';
import { estimateProfile, type ReviewWorkload } from './performance.js';
import type { Assumption, ReviewData } from './review-data.js';
import { decodeFitNotes, prefillSimKey, reviewGemms, servingOfChosen, type PrefillSims } from './serving.js';

/** What evaluating a point needs: the loaded profiles, the swept configurations and the analysis's measurements. */
export interface PointInputs {
  profiles: readonly HashedProfile[];
  configs: readonly SweepConfig[];
  /** the swept patterns (every configuration's pattern is one of them), in the review's order */
  patterns: readonly Pattern[];
  workload: ReviewWorkload;
  workloadPoint: WorkloadPoint;
  measured: readonly MeasuredSparsity[];
  accuracy: (c: SweepConfig) => Accuracy | undefined;
  proxy: (c: SweepConfig) => Accuracy | undefined;
  /** the measured weight runs (today's cores' baseline): a point on every profile, kept where the core runs the pattern on weights */
  weightRuns: readonly MeasuredWeightRun[];
  /** their distinct patterns, in run order (the weight energy rows' order) */
  weightPatterns: readonly Pattern[];
  weightAccuracy: (run: MeasuredWeightRun) => Accuracy;
  /** per profile, its design on the swept axes and the loaded profile it is a variant of (review/axes.ts); absent: every profile is its own */
  designs?: readonly CoreVariant[];
  baseIndex?: readonly number[];
  /** tech libraries already loaded, by `${tech}|${techDirs}` (profile-cache.ts cachedTech, read for the cache keys): taken instead of loading them again; absent: each loaded */
  techs?: ReadonlyMap<string, TechLibrary>;
  /** where to record each fresh estimate's prefill steps for the serving rows to reuse (serving.ts PrefillSims; runReview); not part of any cache key, it changes no result */
  prefillSims?: PrefillSims;
}

/** The review's fields that do not depend on any design point (computed from the analysis and the inputs). */
export type ReviewCommon = Omit<ReviewInput, 'sweep' | 'areaBreakdown' | 'energy' | 'assumptions'> & {
  /** the swept patterns (the area breakdown's bars) */
  patterns: Pattern[];
  /** the assumptions before the tech files' rows (conventions) and after them (perf constants) */
  assumptionsBefore: Assumption[];
  assumptionsAfter: Assumption[];
  /** the measured weight runs (those no point takes are named in a note) */
  weightRuns: MeasuredWeightRun[];
};

export interface PointRecord {
  /** the point's index in the review's list */
  index: number;
  point?: DesignPoint;
  skipped?: SkippedPoint;
  /** a weight point's run id (assembleReview lists the weight runs no core takes) */
  weightRun?: string;
}

export interface ProfileRecord {
  /** the profile's index in the review's profile list */
  index: number;
  report: AreaReportLike;
  /** its tech file: one row set per distinct (tech, folders) key, as runReview loads each once */
  tech: { key: string; name: string; assumptions: Assumption[] };
  /** the profile's dense core's energy per token; absent where its tech file has no energy table */
  denseEnergy?: PatternEnergy;
}

export interface EnergyRecord {
  profile: number;
  /** index in PointInputs.patterns, or in PointInputs.weightPatterns for a weight row */
  pattern: number;
  operand?: 'weight';
  row: PatternEnergy;
}

export interface PointRecords {
  points: PointRecord[];
  profiles: ProfileRecord[];
  energy: EnergyRecord[];
}

/** A block [start, end) of the point list. */
export interface PointBlock {
  start: number;
  end: number;
}

export function designPointCount(inputs: Pick<PointInputs, 'profiles' | 'configs' | 'weightRuns'>): number {
  return inputs.profiles.length * (inputs.configs.length + inputs.weightRuns.length);
}

/**
 * The weight patterns a profile runs on weights: those of the measured weight runs that the
 * tensor core takes as a sparse weight operand (sparsity.operand weight or both) natively.
 */
export function weightPatternsOn(profile: HashedProfile['loaded']['profile'], weightPatterns: readonly Pattern[]): Pattern[] {
  if (profile.sparsity.operand === 'activation') return [];
  return weightPatterns.filter((w) => profile.sparsity.patterns.some((p) => samePattern(p, w)));
}

/**
 * Shard i of n's contiguous block of `count` points: [⌊i·count/n⌋, ⌊(i+1)·count/n⌋). Blocks, not
 * every n-th point: a profile's points share its area report and its perf estimate per pattern
 * (the costly part), so a block estimates each profile × pattern it touches once and at most two
 * blocks touch one; round-robin would make every task estimate every pair.
 */
export function shardBlock(count: number, shard: { index: number; count: number }): PointBlock {
  return { start: Math.floor((shard.index * count) / shard.count), end: Math.floor(((shard.index + 1) * count) / shard.count) };
}

/** Evaluates the points of `block` (default: every point). `stage` reports progress per profile. */
export async function evaluatePoints(inputs: PointInputs, block?: PointBlock, stage?: (profile: string, fraction: number) => void): Promise<PointRecords> {
  const configCount = inputs.configs.length;
  const perProfile = configCount + inputs.weightRuns.length;
  const { start, end } = block ?? { start: 0, end: designPointCount(inputs) };
  const owned = (k: number) => k >= start && k < end;
  const byProfile = new Map<number, number[]>();
  for (let k = start; k < end; k++) {
    const pi = Math.floor(k / perProfile);
    byProfile.set(pi, [...(byProfile.get(pi) ?? []), k % perProfile]);
  }
  const techCache = new Map<string, TechLibrary>();
  // one estimate per perf view (perf/hardware-view.ts perfViewKey: the profile but its name and
  // selector style, which perf never reads): selector-only variants share it, encodings do not
  const estimates = new Map<string, ReturnType<typeof estimateProfile>>();
  // and one GEMM result per hardware view, plan and shape across them (perf/model-sim.ts gemmMemo):
  // the design-axis variants of a core share their dense baseline's GEMMs and the LM head's; with
  // the review's PrefillSims, the memo its serving rows read too (serving.ts reviewGemms)
  const gemms = reviewGemms(inputs.prefillSims) ?? gemmMemo();
  const out: PointRecords = { points: [], profiles: [], energy: [] };
  let done = 0;
  for (const [pi, slots] of byProfile) {
    const configIndices = slots.filter((j) => j < configCount);
    const weightIndices = slots.filter((j) => j >= configCount).map((j) => j - configCount);
    const hashed = inputs.profiles[pi];
    const profile = hashed.loaded.profile;
    stage?.(profile.name, done++ / byProfile.size);
    const techKey = `${profile.tech}|${hashed.loaded.techDirs.join('|')}`;
    let tech = techCache.get(techKey) ?? inputs.techs?.get(techKey);
    if (!tech) {
      tech = await loadTech(profile.tech, hashed.loaded.techDirs);
      techCache.set(techKey, tech);
    }
    const report = areaReport(profile, tech);
    // the chip the core sits on: mm² per chip, % of die and the iso-area alternative (explore/iso-area.ts)
    const cost = { ...profileCost(report), chip: { tensorCores: profile.tensorCore.count, ...(profile.chip ? { dieAreaMm2: profile.chip.dieAreaMm2 } : {}), tech: tech.name, provisioning: profile.sparsity.provisioning } };
    const keys = new Set(configIndices.map((ci) => patternKey(inputs.configs[ci].pattern)));
    const needed = inputs.patterns.filter((q) => keys.has(patternKey(q)));
    const design = inputs.designs?.[pi];
    const view = perfViewKey(profile);
    const estimateKey = `${view}|${needed.map(patternKey).join(',')}`;
    let estimate = estimates.get(estimateKey);
    if (!estimate) {
      estimate = estimateProfile(profile, needed, inputs.workload, inputs.measured, 'activation', gemms);
      estimates.set(estimateKey, estimate);
      if (inputs.prefillSims) {
        // estimateProfile's prefill: the dense step, then one per sparse pattern of `needed`, in order
        const sims = inputs.prefillSims;
        const tokens = inputs.workload.prefillTokens;
        sims.set(prefillSimKey(view, tokens, { kind: 'dense' }), estimate.prefill.dense);
        needed.filter((q) => q.kind !== 'dense').forEach((q, i) => sims.set(prefillSimKey(view, tokens, q), estimate!.prefill.patterns[i].sim));
      }
    }
    const energyRows = profileEnergy(profile, tech, estimate, needed, inputs.measured, report);
    if (owned(pi * perProfile)) {
      out.profiles.push({ index: pi, report, tech: { key: techKey, name: tech.name, assumptions: techAssumptions([tech]) }, ...(energyRows ? { denseEnergy: energyRows[0] } : {}) });
    }
    if (energyRows) {
      needed.forEach((q, j) => {
        const first = inputs.configs.findIndex((c) => patternKey(c.pattern) === patternKey(q));
        if (owned(pi * perProfile + first)) out.energy.push({ profile: pi, pattern: inputs.patterns.indexOf(q), row: energyRows[1 + j] });
      });
    }
    for (const ci of configIndices) {
      const one = sweep({
        configs: [inputs.configs[ci]],
        profiles: [cost],
        accuracy: inputs.accuracy,
        proxy: inputs.proxy,
        execution: (_, pattern) => estimate.byPattern.get(patternKey(pattern))!,
        workload: inputs.workloadPoint,
      });
      out.points.push({ index: pi * perProfile + ci, ...(one.points[0] ? { point: withVariant(one.points[0], design) } : {}), ...(one.skipped[0] ? { skipped: one.skipped[0] } : {}) });
    }
    if (weightIndices.length === 0) continue;
    // weight masks are fixed offline: no measured activation structure applies
    const wKeys = new Set(weightIndices.map((wi) => patternKey(inputs.weightRuns[wi].pattern)));
    const onWeights = weightPatternsOn(profile, inputs.weightPatterns).filter((q) => wKeys.has(patternKey(q)));
    const weightEstimate = onWeights.length > 0 ? estimateProfile(profile, onWeights, inputs.workload, [], 'weight', gemms) : undefined;
    if (weightEstimate) {
      // the dense row is the activation one's (same core, same dense step)
      const rows = profileEnergy(profile, tech, weightEstimate, onWeights, undefined, report);
      if (rows) {
        onWeights.forEach((q, j) => {
          const first = inputs.weightRuns.findIndex((r) => patternKey(r.pattern) === patternKey(q));
          if (owned(pi * perProfile + configCount + first)) out.energy.push({ profile: pi, pattern: inputs.weightPatterns.indexOf(q), operand: 'weight', row: { ...rows[1 + j], operand: 'weight' } });
        });
      }
    }
    for (const wi of weightIndices) {
      const run = inputs.weightRuns[wi];
      const one = sweep({
        configs: [],
        profiles: [cost],
        accuracy: inputs.accuracy,
        proxy: inputs.proxy,
        execution: (_, pattern) => estimate.byPattern.get(patternKey(pattern))!,
        workload: inputs.workloadPoint,
        weightRuns: [run],
        weightAccuracy: inputs.weightAccuracy,
        weightExecution: (_, pattern) => weightEstimate?.byPattern.get(patternKey(pattern)),
      });
      out.points.push({ index: pi * perProfile + configCount + wi, ...(one.points[0] ? { point: withVariant(one.points[0], design), weightRun: run.runId } : {}) });
    }
  }
  return out;
}

function withVariant(p: DesignPoint, design: CoreVariant | undefined): DesignPoint {
  return design ? { ...p, variant: { ...design } } : p;
}

/**
 * The records of every block (any order) → ReviewData: the design points sorted, the fronts and the recommendation over all of them.
 * `choice`: chooseVariants(sortDesignPoints(every point of `records`)) when the caller has it already
 * (runReview: withChosenServing chose over the same records); absent: chosen here.
 */
export function assembleReview(common: ReviewCommon, records: readonly PointRecords[], choice?: VariantChoice): ReviewData {
  const points = records.flatMap((r) => r.points).sort((a, b) => a.index - b.index);
  // the cheapest variant per core × provisioning × pattern (explore/variants.ts) is the design
  // point the fronts, summary, recommendation and charts see; every variant is in data.variants
  const variants = choice ?? chooseVariants(sortDesignPoints(points.flatMap((r) => (r.point ? [r.point] : []))));
  const chosenIds = new Set(variants.chosen.map((p) => p.id));
  const chosenProfiles = new Set(variants.chosen.map((p) => p.profile));
  const pointProfiles = new Set(points.flatMap((r) => (r.point ? [r.point.profile] : [])));
  const profiles = records
    .flatMap((r) => r.profiles)
    .filter((p) => chosenProfiles.has(p.report.profile) || !pointProfiles.has(p.report.profile))
    .sort((a, b) => a.index - b.index);
  const energyRows = records.flatMap((r) => r.energy);
  const energy = profiles.flatMap((p) =>
    p.denseEnergy
      ? [
          p.denseEnergy,
          ...energyRows
            .filter((e) => e.profile === p.index && e.operand === undefined)
            .sort((a, b) => a.pattern - b.pattern)
            .map((e) => e.row),
          ...energyRows
            .filter((e) => e.profile === p.index && e.operand === 'weight')
            .sort((a, b) => a.pattern - b.pattern)
            .map((e) => e.row),
        ]
      : [],
  );
  // the tech files in the order runReview loads them (profile order, each key once); the rows
  // sorted by tech name exactly as techAssumptions sorts its list
  const techs: ProfileRecord['tech'][] = [];
  for (const p of profiles) if (!techs.some((t) => t.key === p.tech.key)) techs.push(p.tech);
  const techRows = [...techs].sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((t) => t.assumptions);
  const { patterns, assumptionsBefore, assumptionsAfter, weightRuns, ...pass } = common;
  const taken = new Set(points.flatMap((r) => (r.weightRun !== undefined ? [r.weightRun] : [])));
  const chosenPoints = sortDesignPoints(points.flatMap((r) => (r.point && chosenIds.has(r.point.id) ? [r.point] : [])));
  const data = buildReview({
    ...pass,
    // design points whose decode batch does not fit in device memory (review/serving.ts)
    notes: [...pass.notes, ...decodeFitNotes(chosenPoints)],
    sweep: {
      points: chosenPoints,
      skipped: points.flatMap((r) => (r.skipped ? [r.skipped] : [])),
      weightRunsWithoutCore: weightRuns.filter((r) => !taken.has(r.runId)),
    },
    areaBreakdown: areaBreakdownRows(
      profiles.map((p) => p.report),
      patterns,
    ),
    energy,
    assumptions: [...assumptionsBefore, ...techRows, ...assumptionsAfter],
  });
  // only when a core had more than one variant (an axis swept): a review of the files as written has no variants table
  // the serving rows of the chosen variants only (review/serving.ts servingOfChosen), like every other table
  const withServing = data.serving ? { ...data, serving: servingOfChosen(data.serving, variants.rows) } : data;
  return variants.rows.some((r) => !r.chosen) ? { ...withServing, variants: variants.rows } : withServing;
}

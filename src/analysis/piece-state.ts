/**
 * A token range of one site, analysed but not finished, as plain data — and the merge of a
 * site's ranges back into the site's statistics:
 *
 *   range 0 ─ analyzeSiteSlice ─ saveSlice ─▶ SliceState ─┐
 *   range 1 ─ analyzeSiteSlice ─ saveSlice ─▶ SliceState ─┼─ mergeSlices: fresh lanes of the whole
 *   …                                                     │   site (buildLanes), each range's state
 *                                                         ┘   added in token order, finishSite
 *
 * What a range holds is mergeable exactly by construction, never a ratio: float64 sums
 * (Σx², Σ(x̃−x)², ⟨x, x̃⟩, Σx̃², kept energy, output-error sums), counts (tokens, kept
 * positions, natural zeros, compatibility units), histograms, per-channel keep counts, the
 * consecutive-window counts and density sums, the random-batch unions (OR), and for affine the
 * per-output moments (combined with Chan et al.'s pairwise update). Ratios, means and the
 * channel histogram are formed once, by finish(), from the merged totals.
 *
 * Equality with one pass over the whole site: counts, histograms, channel counts and unions are
 * exact; float64 sums differ only by summation order (the merge adds per-range partial sums),
 * which test/shard/merge-equality.test.ts bounds at 1e-12 relative.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { Consumer } from '../trace/manifest.js';
import type { Criterion, Mitigation } from '../sparsity/registry.js';
import type { CompatibilityState } from './compatibility.js';
import { buildLanes, type Lane } from './lanes.js';
import { cleanRecord } from './nonfinite.js';
import type { OutputErrorSums } from './output-error.js';
import type { PatternAccumulatorState } from './pattern-accumulator.js';
import { finishSite, siteRandomPlan, type RowSource, type SiteInput, type SiteResult } from './site-analysis.js';
import type { AnalysisPlan } from './types.js';

/** What finishing a site needs to know about it, without its tensors. */
export interface SiteMeta {
  index: number;
  name: string;
  layer: number | null;
  dtype: string;
  dtypeBits: number;
  /** token rows of the whole site */
  tokens: number;
  k: number;
  consumers: { consumer: Consumer; amber: boolean; outFeatures: number | null }[];
  staticShift?: number;
  clactBatchTokens: number;
  tensorKey: string;
  where?: { file?: string; path?: string };
}

export interface LaneState {
  criterion: Criterion;
  mitigation: Mitigation;
  consumers: Consumer[];
  /** per pattern of the plan */
  patterns: PatternAccumulatorState[];
  /** per pattern: one per compatibility target */
  compat: CompatibilityState[][];
  /** [pattern][consumer] */
  output: OutputErrorSums[][];
}

/** One token range [start, start + rows) of a site. */
export interface SliceState {
  meta: SiteMeta;
  start: number;
  rows: number;
  lanes: LaneState[];
}

export function siteMeta(site: SiteInput, tokens: number, k: number): SiteMeta {
  return {
    index: site.index,
    name: site.name,
    layer: site.layer,
    dtype: site.dtype,
    dtypeBits: site.dtypeBits,
    tokens,
    k,
    consumers: site.consumers.map((c) => ({ consumer: c.consumer, amber: c.amberFactors !== undefined, outFeatures: c.weight ? c.weight.outFeatures : null })),
    ...(site.staticShift !== undefined ? { staticShift: site.staticShift } : {}),
    clactBatchTokens: site.clactBatchTokens,
    tensorKey: site.tensorKey ?? site.name,
    ...(site.where ? { where: site.where } : {}),
  };
}

export function saveSlice(meta: SiteMeta, start: number, rows: number, lanes: readonly Lane[]): SliceState {
  return {
    meta,
    start,
    rows,
    lanes: lanes.map((lane) => ({
      criterion: lane.criterion,
      mitigation: lane.mitigation,
      consumers: lane.consumers.map((c) => c.consumer),
      patterns: lane.acc.map((a) => a.saveState()),
      compat: lane.compat.map((list) => list.map((c) => c.saveState())),
      output: lane.output.map((list) => list.map(copyOutputSums)),
    })),
  };
}

function copyOutputSums(s: OutputErrorSums): OutputErrorSums {
  if (!s.affine) return { err: s.err, ref: s.ref };
  const a = s.affine;
  return { err: s.err, ref: s.ref, affine: { n: a.n, meanP: Float64Array.from(a.meanP), meanY: Float64Array.from(a.meanY), m2P: Float64Array.from(a.m2P), m2Y: Float64Array.from(a.m2Y), coPY: Float64Array.from(a.coPY) } };
}

/**
 * Adds `from` into `into`: sums add; affine moments combine pairwise (Chan, Golub & LeVeque
 * 1979): n = n_A + n_B, δ = mean_B − mean_A, mean = mean_A + δ·n_B/n,
 * M2 = M2_A + M2_B + δ²·n_A·n_B/n, C = C_A + C_B + δ_p·δ_y·n_A·n_B/n.
 */
export function mergeOutputSums(into: OutputErrorSums, from: OutputErrorSums): void {
  into.err += from.err;
  into.ref += from.ref;
  const a = into.affine;
  const b = from.affine;
  if (!a || !b || b.n === 0) return;
  if (a.n === 0) {
    a.n = b.n;
    a.meanP.set(b.meanP);
    a.meanY.set(b.meanY);
    a.m2P.set(b.m2P);
    a.m2Y.set(b.m2Y);
    a.coPY.set(b.coPY);
    return;
  }
  const n = a.n + b.n;
  const f = (a.n * b.n) / n;
  for (let o = 0; o < a.meanP.length; o++) {
    const dp = b.meanP[o] - a.meanP[o];
    const dy = b.meanY[o] - a.meanY[o];
    a.meanP[o] += (dp * b.n) / n;
    a.meanY[o] += (dy * b.n) / n;
    a.m2P[o] += b.m2P[o] + dp * dp * f;
    a.m2Y[o] += b.m2Y[o] + dy * dy * f;
    a.coPY[o] += b.coPY[o] + dp * dy * f;
  }
  a.n = n;
}

/** A source that is never read: finishing a site reads only its accumulators. */
function noRows(rows: number, cols: number): RowSource {
  return {
    rows,
    cols,
    readRows() {
      throw new Error('internal: a merged site has no rows to read');
    },
  };
}

/** The SiteInput finishSite and buildLanes need, rebuilt from the meta (weights and amber factors only as present/absent). */
function metaInput(meta: SiteMeta): SiteInput {
  return {
    index: meta.index,
    name: meta.name,
    layer: meta.layer,
    source: noRows(meta.tokens, meta.k),
    dtype: meta.dtype,
    dtypeBits: meta.dtypeBits,
    consumers: meta.consumers.map((c) => ({
      consumer: c.consumer,
      ...(c.amber ? { amberFactors: new Float32Array(0) } : {}),
      ...(c.outFeatures !== null ? { weight: { data: new Float32Array(0), outFeatures: c.outFeatures } } : {}),
    })),
    ...(meta.staticShift !== undefined ? { staticShift: meta.staticShift } : {}),
    clactBatchTokens: meta.clactBatchTokens,
    tensorKey: meta.tensorKey,
    ...(meta.where ? { where: meta.where } : {}),
  };
}

/**
 * The site's result from its ranges, which must cover [0, tokens) in order without gap or
 * overlap. Throws a plain Error on an inconsistency (the caller names the part it came from).
 */
export function mergeSlices(plan: AnalysisPlan, slices: readonly SliceState[]): SiteResult {
  const meta = slices[0].meta;
  let next = 0;
  for (const s of slices) {
    if (s.start !== next || s.rows < 0) throw new Error(`the token ranges of site ${meta.name} do not follow each other (${s.start} after ${next})`);
    next = s.start + s.rows;
  }
  if (next !== meta.tokens) throw new Error(`the token ranges of site ${meta.name} end at ${next}, not at its ${meta.tokens} tokens`);
  const site = metaInput(meta);
  const warnings: Diagnostic[] = [];
  // accumulators only: the merge folds states into them and never selects
  const lanes = buildLanes(site, plan, meta.k, siteRandomPlan(site, plan, meta.tokens), warnings, { selectors: false });
  for (const s of slices) {
    if (s.lanes.length !== lanes.length) throw new Error(`a token range of site ${meta.name} holds ${s.lanes.length} lanes, not ${lanes.length}`);
    lanes.forEach((lane, li) => {
      const st = s.lanes[li];
      if (st.criterion !== lane.criterion || st.mitigation !== lane.mitigation || st.consumers.join(',') !== lane.consumers.map((c) => c.consumer).join(',')) {
        throw new Error(`lane ${li} of a token range of site ${meta.name} is ${st.criterion}+${st.mitigation}, not ${lane.criterion}+${lane.mitigation}`);
      }
      lane.acc.forEach((acc, p) => {
        acc.mergeState(st.patterns[p]);
        lane.compat[p].forEach((c, i) => c.mergeState(st.compat[p][i]));
        lane.output[p].forEach((o, i) => mergeOutputSums(o, st.output[p][i]));
      });
    });
  }
  return finishSite(site, plan, lanes, meta.tokens, meta.k, warnings, cleanRecord(meta.name, meta.tensorKey, meta.tokens, meta.k));
}

/**
 * analyze(bundle, plan): streams every site of the chosen run(s) through analyzeSite and
 * returns plain records (types.ts).
 *
 *   bundle ─▶ runs (default: the dense run = pre-pruning inputs)
 *          ─▶ sites, each on a long-lived worker thread (or in-process) ─▶ SlotStats per config
 *          ─▶ aggregates per layer, consumer kind and model (aggregate.ts)
 *
 * Sites are independent and their random batches are seeded by site index, so results are the
 * same whatever the number of workers.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NmsimError, usageError, type Diagnostic } from '../diagnostics.js';
import { formatPattern } from '../sparsity/pattern.js';
import type { TraceBundle } from '../trace/bundle.js';
import type { Run } from '../trace/manifest.js';
import { aggregate, groupBy } from './aggregate.js';
import { checkClactBatchTokens, resolvePlan } from './plan.js';
import { checkSiteBounds } from './memory.js';
import { analyzeSite, configurations, type SiteResult } from './site-analysis.js';
import { loadSiteInput } from './site-input.js';
import type { AnalysisPlan, AnalysisResult, ConfigResult, NonfiniteSummary, RunAnalysis, SlotStats } from './types.js';
import { startWorker } from '../worker-exec-argv.js';

export interface AnalysisProgress {
  doneRows: number;
  totalRows: number;
  site: string;
}

export interface AnalyzeOptions {
  /** worker threads; 0 = in-process. Default: up to 2 when the work is large (≥ 4 Mi elements). */
  workers?: number;
}

export const CONVENTIONS = [
  'groups of M start at index 0 of K; a tail group of r < M elements is zero-padded and keeps min(N, r); ties: lower index wins; unstructured keeps the top floor(K/2) per token',
  'slot = (site, consumer) under one configuration; aggregates are element-weighted (tokens·K) means over slots',
  'rel_err_l2 = ‖x̃ − x‖/‖x‖, cosine = ⟨x, x̃⟩/(‖x‖‖x̃‖), retained_energy = Σ_kept x²/Σ x², natural zeros = exact zeros of the input',
  'compressed format (sparsity/footprint.ts): every group, tail included, stores N value slots plus its metadata (index N·⌈log₂M⌉, bitmask M, combinatorial ⌈log₂C(M,N)⌉ bits); unstructured stores ⌊K/2⌋ values and a K-bit bitmask under every encoding; value widths: trace dtype, fp8 and int8 (8 bits)',
  'criteria score the values being pruned: under dpts/spts z = x − η, so clact takes its channel norms over z',
  'compatibility A→B: unit = max(M_A, M_B) when one divides the other, else a B-group; structural = every B-group holds ≤ N_B kept; density-bound = ≤ N_B kept nonzeros',
  'union density: consecutive = aligned non-overlapping batches of B tokens over the first ⌊T/L⌋·L tokens of each site (L = lcm of the batch sizes ≤ T), the same tokens for every B; random = nested batches (the first B of an ordered random sample of max B distinct tokens), mulberry32 seeded by (seed, site index); independent = 1 − (1 − kept_fraction)^B',
  'output error (where the bundle has weights): ‖W x̃ − W x‖/‖W x‖; affine fits its per-output scale and shift on the same tokens (in-sample)',
  'non-finite values: a token row holding NaN or ±Inf is excluded from every statistic of its site (as if absent from the tensor) and counted; --nonfinite error refuses instead; a statistic with no analysed row, or with a zero denominator, is null, never 0 or 1',
];

export function chooseRuns(bundle: TraceBundle, ids: string[]): { runs: { run: Run; index: number }[]; warnings: Diagnostic[] } {
  const all = bundle.manifest.runs.map((run, index) => ({ run, index }));
  const warnings: Diagnostic[] = [];
  if (ids.length === 0 || (ids.length === 1 && ids[0] === 'dense')) {
    const denseRuns = all.filter((r) => r.run.config.pattern === 'dense' || r.run.id === 'dense');
    const dense = denseRuns[0];
    if (dense && denseRuns.length > 1) {
      warnings.push({
        code: 'analysis/several-dense-runs',
        severity: 'warning',
        file: bundle.root,
        path: 'runs',
        message: `The bundle has ${denseRuns.length} dense runs (${denseRuns.map((r) => `"${r.run.id}"`).join(', ')}); analysing the first, "${dense.run.id}".`,
        hint: `choose another with --runs ${denseRuns.slice(1).map((r) => r.run.id).join(',')}`,
      });
    }
    if (dense) return { runs: [dense], warnings };
    if (ids.length === 0) {
      warnings.push({ code: 'analysis/no-dense-run', severity: 'warning', path: 'runs', message: `The bundle has no dense run; analysing run "${all[0].run.id}" (its recorded inputs).`, hint: `choose with --runs ${all.map((r) => r.run.id).join(',')}` });
      return { runs: [all[0]], warnings };
    }
  }
  const runs = ids.map((id) => {
    const found = all.find((r) => r.run.id === id);
    if (!found) {
      throw usageError({ code: 'analysis/unknown-run', file: bundle.root, path: '--runs', message: `The bundle has no run "${id}".`, expected: all.map((r) => r.run.id).join(', '), found: id, hint: `pass one of: ${all.map((r) => r.run.id).join(', ')}` });
    }
    return found;
  });
  return { runs, warnings };
}

/** Token rows analyze() will stream for these run ids (for a progress bar). */
export function plannedRows(bundle: TraceBundle, runIds: string[]): number {
  return chooseRuns(bundle, runIds).runs.reduce((a, { run }) => a + run.sites.reduce((b, s) => b + (s.tensor.shape[0] ?? 0), 0), 0);
}

function defaultWorkers(totalElements: number): number {
  return totalElements >= 4 * 1024 * 1024 ? Math.max(0, Math.min(2, availableParallelism())) : 0;
}

/** Compiled code can start workers; under ts-jest (a .ts module) work stays in-process. */
function workerScript(): URL | null {
  const url = new URL('./worker.js', import.meta.url);
  return import.meta.url.endsWith('.js') ? url : null;
}

/** One site of one analysed run: the unit analyze() hands to a worker (shard.ts splits it further). */
export interface AnalysisTask {
  run: Run;
  /** the run's index in the manifest */
  runIndex: number;
  /** the run's position among the analysed runs */
  runPos: number;
  siteIndex: number;
  rows: number;
  k: number;
  elements: number;
  name: string;
}

/** The resolved plan, the runs it analyses and their sites, checked against every bound. */
export interface PreparedAnalysis {
  plan: AnalysisPlan;
  runs: { run: Run; index: number }[];
  warnings: Diagnostic[];
  tasks: AnalysisTask[];
}

/** What the assembled result says about its source (a merge has no bundle, only this). */
export interface AnalysisFrame {
  source: { root: string; anonymous: boolean; model: string };
  runs: { runId: string; runPattern: string; tokens: number; sites: number }[];
}

/**
 * The plan (clact batches: the plan's, else what the bundle's clact runs used, else the
 * default), the runs and their sites; every site's row width and working set are checked
 * before anything is read or allocated.
 */
export function prepareAnalysis(bundle: TraceBundle, planInput: Partial<AnalysisPlan> = {}): PreparedAnalysis {
  const recordedAt = bundle.manifest.runs.findIndex((r) => r.config.clact_batch_tokens !== undefined);
  const recordedClact = recordedAt >= 0 ? bundle.manifest.runs[recordedAt].config.clact_batch_tokens : undefined;
  if (planInput.clactBatchTokens === undefined && recordedClact !== undefined) {
    checkClactBatchTokens(recordedClact, { file: bundle.root, path: `runs[${recordedAt}].config.clact_batch_tokens` });
  }
  const plan = resolvePlan(planInput.clactBatchTokens === undefined && recordedClact !== undefined ? { ...planInput, clactBatchTokens: recordedClact } : planInput);
  const { runs, warnings } = chooseRuns(bundle, plan.runs);
  const tasks: AnalysisTask[] = runs.flatMap(({ run, index }, runPos) =>
    run.sites.map((site, s) => {
      const rows = site.tensor.shape[0] ?? 0;
      const k = site.tensor.shape[1] ?? 0;
      return { run, runIndex: index, runPos, siteIndex: s, rows, k, elements: rows * k, name: site.name };
    }),
  );
  for (const t of tasks) {
    const site = t.run.sites[t.siteIndex];
    checkSiteBounds({ tokens: t.rows, k: t.k, consumers: site.consumers.length }, plan, {
      site: site.name,
      tensorKey: site.tensor.key ?? site.tensor.file,
      file: bundle.root,
      path: `runs[${t.runIndex}].sites[${t.siteIndex}].tensor`,
    });
  }
  return { plan, runs, warnings, tasks };
}

export function analysisFrame(bundle: TraceBundle, prepared: PreparedAnalysis): AnalysisFrame {
  return {
    source: { root: bundle.root, anonymous: bundle.anonymous, model: bundle.manifest.model.name },
    runs: prepared.runs.map(({ run }) => ({ runId: run.id, runPattern: run.config.pattern, tokens: run.tokens, sites: run.sites.length })),
  };
}

/**
 * Analyses the whole sites `which` (task indices) on long-lived workers or in-process; returns
 * their results by task index. `tick` counts rows as they are done.
 */
export async function analyzeTasks(
  bundle: TraceBundle,
  prepared: PreparedAnalysis,
  which: readonly number[],
  tick: (rows: number, site: string) => void,
  options: AnalyzeOptions = {},
): Promise<Map<number, SiteResult>> {
  const { plan, tasks } = prepared;
  const results = new Map<number, SiteResult>();
  const script = workerScript();
  const totalElements = which.reduce((a, i) => a + tasks[i].elements, 0);
  const workers = Math.min(which.length, options.workers ?? defaultWorkers(totalElements));
  if (workers > 0 && script) {
    await runOnWorkers(script, workers, bundle.root, plan, tasks, which, results, tick);
  } else {
    for (const i of which) {
      const t = tasks[i];
      const input = await loadSiteInput(bundle, t.run, t.runIndex, t.siteIndex, plan);
      results.set(i, await analyzeSite(input, plan, (rows) => tick(rows, t.name)));
    }
  }
  return results;
}

export async function analyze(
  bundle: TraceBundle,
  planInput: Partial<AnalysisPlan> = {},
  onProgress?: (p: AnalysisProgress) => void,
  options: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  const prepared = prepareAnalysis(bundle, planInput);
  const { tasks } = prepared;
  const totalRows = tasks.reduce((a, t) => a + t.rows, 0);
  let doneRows = 0;
  const tick = (rows: number, site: string) => {
    doneRows += rows;
    onProgress?.({ doneRows, totalRows, site });
  };
  const byTask = await analyzeTasks(bundle, prepared, tasks.map((_, i) => i), tick, options);
  return assembleAnalysis(analysisFrame(bundle, prepared), prepared.plan, prepared.warnings, tasks, tasks.map((_, i) => byTask.get(i)!));
}

/**
 * The result from every site's statistics, in task order: per run and configuration the
 * slots, and their aggregates per layer, consumer kind and model (aggregate.ts). analyze() and
 * the merge of shards (merge.ts) both end here, so equal site results give equal output.
 */
export function assembleAnalysis(
  frame: AnalysisFrame,
  plan: AnalysisPlan,
  warnings: readonly Diagnostic[],
  tasks: readonly Pick<AnalysisTask, 'runPos'>[],
  results: readonly SiteResult[],
): AnalysisResult {
  const configs = configurations(plan);
  const runResults: RunAnalysis[] = frame.runs.map((run, runPos) => {
    const siteResults = results.filter((_, i) => tasks[i].runPos === runPos);
    return {
      runId: run.runId,
      runPattern: run.runPattern,
      tokens: run.tokens,
      sites: run.sites,
      nonfinite: nonfiniteSummary(plan, siteResults),
      configs: configs.map((c, ci): ConfigResult => {
        const slots: SlotStats[] = siteResults.flatMap((r) => r.slots[ci]);
        return {
          pattern: formatPattern(c.pattern),
          criterion: c.criterion,
          mitigation: c.mitigation,
          model: aggregate(slots),
          layers: groupBy(slots, (s) => s.layer).map(([layer, list]) => ({ layer, ...aggregate(list) })),
          consumers: groupBy(slots, (s) => s.consumer).map(([consumer, list]) => ({ consumer, ...aggregate(list) })),
          sites: slots,
        };
      }),
    };
  });
  const dtypes = [...new Set(results.map((r) => r.dtype))];
  return {
    source: {
      root: frame.source.root,
      anonymous: frame.source.anonymous,
      model: frame.source.model,
      traceDtype: dtypes.length > 0 ? dtypes.join('+') : 'unknown',
    },
    plan: {
      patterns: plan.patterns.map(formatPattern),
      criteria: plan.criteria,
      mitigations: plan.mitigations,
      batchSizes: plan.batchSizes,
      randomBatchesPerSize: plan.randomBatchesPerSize,
      randomSeed: plan.randomSeed,
      clactBatchTokens: plan.clactBatchTokens,
      nonfinite: plan.nonfinite,
    },
    conventions: CONVENTIONS,
    runs: runResults,
    warnings: [...warnings, ...dedupe(results.flatMap((r) => r.warnings.filter((d) => d.severity !== 'error')))],
    errors: dedupe(results.flatMap((r) => r.warnings.filter((d) => d.severity === 'error'))),
  };
}

function nonfiniteSummary(plan: AnalysisPlan, sites: SiteResult[]): NonfiniteSummary {
  const sum = (f: (r: SiteResult) => number) => sites.reduce((a, r) => a + f(r), 0);
  return {
    policy: plan.nonfinite,
    rows: sum((r) => r.nonfinite.rows),
    values: sum((r) => r.nonfinite.values),
    nan: sum((r) => r.nonfinite.nan),
    posInf: sum((r) => r.nonfinite.posInf),
    negInf: sum((r) => r.nonfinite.negInf),
    tokenRows: sum((r) => r.nonfinite.tokens),
    sites: sites.filter((r) => r.nonfinite.values > 0).map((r) => r.nonfinite),
  };
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => (seen.has(d.message) ? false : (seen.add(d.message), true)));
}

interface Task {
  runIndex: number;
  siteIndex: number;
  name: string;
}

/** Long-lived workers, each opening the bundle once; sites are handed out largest first. */
async function runOnWorkers(
  script: URL,
  count: number,
  root: string,
  plan: AnalysisPlan,
  tasks: readonly (Task & { elements: number })[],
  which: readonly number[],
  results: Map<number, SiteResult>,
  tick: (rows: number, site: string) => void,
): Promise<void> {
  const queue = [...which].sort((a, b) => tasks[b].elements - tasks[a].elements || a - b);
  const pool = Array.from({ length: count }, () => startWorker(fileURLToPath(script), { workerData: { root, plan } }));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            let current = -1;
            const next = () => {
              const i = queue.shift();
              if (i === undefined) return resolve();
              current = i;
              worker.postMessage({ id: i, runIndex: tasks[i].runIndex, siteIndex: tasks[i].siteIndex });
            };
            worker.on('message', (msg: { kind: 'rows'; rows: number } | { kind: 'done'; result: SiteResult } | { kind: 'error'; error: unknown }) => {
              if (msg.kind === 'rows') tick(msg.rows, tasks[current].name);
              else if (msg.kind === 'done') {
                results.set(current, msg.result);
                next();
              } else reject(reviveError(msg.error as WorkerError));
            });
            worker.on('error', reject);
            next();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

type WorkerError = { diagnostics?: NmsimError['diagnostics']; kind?: NmsimError['kind']; message?: string };

function reviveError(error: WorkerError): Error {
  return error.diagnostics ? new NmsimError(error.diagnostics, error.kind) : new Error(error.message);
}

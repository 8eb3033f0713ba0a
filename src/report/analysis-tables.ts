/**
 * Flat rows (snake_case keys with units) for CSV files and the terminal table. Pure: the CLI
 * writes them. One table per concept; model-level unless the name says otherwise.
 */
import type { AggregateStats, AnalysisResult, ConfigResult, RunAnalysis, SlotStats, Stats } from '../analysis/types.js';

export type Row = Record<string, string | number | null>;

function keyCols(run: RunAnalysis, c: ConfigResult): Row {
  return { run_id: run.runId, pattern: c.pattern, criterion: c.criterion, mitigation: c.mitigation };
}

function statCols(s: Stats): Row {
  return {
    elements: s.elements,
    rel_err_l2: s.relErrL2,
    cosine: s.cosine,
    retained_energy: s.retainedEnergy,
    kept_fraction: s.keptFraction,
    effective_density: s.effectiveDensity,
    natural_zero_fraction: s.naturalZeroFraction,
    output_rel_err_l2: s.outputRelErrL2,
    density_bound_acceptance: s.densityBoundAcceptance,
  };
}

function each<T>(result: AnalysisResult, f: (run: RunAnalysis, c: ConfigResult) => T[]): T[] {
  return result.runs.flatMap((run) => run.configs.flatMap((c) => f(run, c)));
}

/** Rows excluded for NaN/±Inf (README "Non-finite values") and the non-finite values, before the statistics. */
function nonfiniteCols(s: AggregateStats | SlotStats): Row {
  return { nonfinite_rows: s.nonfiniteRows, nonfinite_values: s.nonfiniteValues };
}

export function summaryRows(result: AnalysisResult): Row[] {
  return each(result, (run, c) => [{ ...keyCols(run, c), slots: c.model.slots, ...nonfiniteCols(c.model), ...statCols(c.model) }]);
}

export function siteRows(result: AnalysisResult): Row[] {
  return each(result, (run, c) =>
    c.sites.map((s) => ({ ...keyCols(run, c), site: s.site, layer: s.layer, consumer: s.consumer, tokens: s.tokens, k: s.k, ...nonfiniteCols(s), ...statCols(s) })),
  );
}

export function layerRows(result: AnalysisResult): Row[] {
  return each(result, (run, c) => c.layers.map((l) => ({ ...keyCols(run, c), layer: l.layer, slots: l.slots, ...nonfiniteCols(l), ...statCols(l) })));
}

export function consumerRows(result: AnalysisResult): Row[] {
  return each(result, (run, c) => c.consumers.map((l) => ({ ...keyCols(run, c), consumer: l.consumer, slots: l.slots, ...nonfiniteCols(l), ...statCols(l) })));
}

/** One row per site holding NaN/±Inf: counts and the first position (tokens: the site's rows, excluded ones included). */
export function nonfiniteRows(result: AnalysisResult): Row[] {
  return result.runs.flatMap((run) =>
    run.nonfinite.sites.map((s) => ({
      run_id: run.runId,
      site: s.site,
      tensor_key: s.tensorKey,
      tokens: s.tokens,
      k: s.k,
      nonfinite_rows: s.rows,
      nonfinite_values: s.values,
      nan: s.nan,
      pos_inf: s.posInf,
      neg_inf: s.negInf,
      first_row: s.firstRow,
      first_column: s.firstColumn,
    })),
  );
}

/** Header of nonfinite.csv (written even when no site holds a non-finite value). */
export const NONFINITE_COLUMNS = ['run_id', 'site', 'tensor_key', 'tokens', 'k', 'nonfinite_rows', 'nonfinite_values', 'nan', 'pos_inf', 'neg_inf', 'first_row', 'first_column'];

export function compressedRows(result: AnalysisResult): Row[] {
  return each(result, (run, c) =>
    c.model.compressed.map((z) => ({
      ...keyCols(run, c),
      encoding: z.encoding,
      value_format: z.valueFormat,
      value_bits: z.valueBits,
      compressed_bits: z.compressedBits,
      dense_bits: z.denseBits,
      ratio: z.ratio,
    })),
  );
}

export function compatibilityRows(result: AnalysisResult): Row[] {
  return each(result, (run, c) =>
    c.model.compatibility.map((z) => ({
      ...keyCols(run, c),
      target: z.target,
      unit_elements: z.unitElements,
      units: z.units,
      structural_fraction: z.structuralFraction,
      density_bound_fraction: z.densityBoundFraction,
    })),
  );
}

export function unionRows(result: AnalysisResult): Row[] {
  return each(result, (run, c) =>
    c.model.unionDensity.map((u) => ({
      ...keyCols(run, c),
      batch_size: u.batchSize,
      consecutive: u.consecutive,
      random: u.random,
      independent: u.independent,
      consecutive_batches: u.consecutiveBatches,
      random_batches: u.randomBatches,
    })),
  );
}

export function histogramRows(result: AnalysisResult): Row[] {
  const rows = (run: RunAnalysis, c: ConfigResult, m: AggregateStats): Row[] => [
    ...m.keptNonzeroHistogram.map((groups, count) => ({ ...keyCols(run, c), histogram: 'kept_nonzero_per_group', bin: String(count), count: groups })),
    ...m.inputNonzeroHistogram.map((groups, count) => ({ ...keyCols(run, c), histogram: 'input_nonzero_per_group', bin: String(count), count: groups })),
    ...m.channelKeep.histogram.map((channels, bin) => ({
      ...keyCols(run, c),
      histogram: 'channel_keep_fraction',
      bin: `${(bin / m.channelKeep.histogram.length).toFixed(2)}-${((bin + 1) / m.channelKeep.histogram.length).toFixed(2)}`,
      count: channels,
    })),
  ];
  return each(result, (run, c) => rows(run, c, c.model));
}

export function topChannelRows(result: AnalysisResult): Row[] {
  return each(result, (run, c) =>
    c.sites.flatMap((s) => s.channelKeep.top.map((t, rank) => ({ ...keyCols(run, c), site: s.site, consumer: s.consumer, rank: rank + 1, channel: t.channel, keep_fraction: t.keepFraction }))),
  );
}

/** The header of a table: its rows' keys, or the fixed columns of a table that may be empty. */
export function tableColumns(name: string, rows: Row[]): string[] {
  if (rows.length > 0) return Object.keys(rows[0]);
  return name === 'nonfinite.csv' ? [...NONFINITE_COLUMNS] : [];
}

/** CSV file name → rows, the files `nmsim analyze --out` writes. */
export function csvTables(result: AnalysisResult): Record<string, Row[]> {
  return {
    'summary.csv': summaryRows(result),
    'sites.csv': siteRows(result),
    'layers.csv': layerRows(result),
    'consumers.csv': consumerRows(result),
    'compressed-size.csv': compressedRows(result),
    'compatibility.csv': compatibilityRows(result),
    'union-density.csv': unionRows(result),
    'histograms.csv': histogramRows(result),
    'top-channels.csv': topChannelRows(result),
    'nonfinite.csv': nonfiniteRows(result),
  };
}

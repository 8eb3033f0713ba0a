/**
 * From an analysis of the bundle's dense run to what the review needs: the accuracy proxy per
 * configuration, the measured sparsity per pattern for the performance model, the union-density
 * rows for the chart and the compressed I/O per pattern × encoding measured on the trace.
 */
import { measuredSparsityFor } from '../analysis/measured-sparsity.js';
import type { AnalysisResult, ConfigResult, MeasuredSparsity } from '../analysis/types.js';
import type { ProxyAccuracy } from '../explore/accuracy.js';
import type { IoSavingsRow, UnionDensityRow } from './review-data.js';
import { METADATA_ENCODINGS, parsePattern } from '../sparsity/pattern.js';
import type { Diagnostic } from '../diagnostics.js';

/** The configuration whose statistics stand for a pattern's sparsity structure. */
export const STRUCTURE_CONFIG = { criterion: 'magnitude', mitigation: 'none' } as const;

function denseRun(result: AnalysisResult) {
  return result.runs[0];
}

export function proxiesFrom(result: AnalysisResult, bundleLabel: string): ProxyAccuracy[] {
  const run = denseRun(result);
  if (!run) return [];
  // a configuration skipped at every site (e.g. spts without calibrated shifts) aggregates no
  // slot; its zero error is not a measurement, so it gives no proxy
  return run.configs.flatMap((c) => (c.model.slots > 0 && c.model.relErrL2 !== null ? [{ config: c, relErrL2: c.model.relErrL2 }] : [])).map(({ config: c, relErrL2 }) => ({
    pattern: parsePattern(c.pattern),
    criterion: c.criterion,
    mitigation: c.mitigation,
    relErrL2,
    source: `analysis of ${bundleLabel} run "${run.runId}" (${run.tokens} tokens per site): element-weighted rel. L2 error of the pruned linear inputs`,
  }));
}

function structureConfigs(result: AnalysisResult): ConfigResult[] {
  const run = denseRun(result);
  if (!run) return [];
  return run.configs.filter((c) => c.criterion === STRUCTURE_CONFIG.criterion && c.mitigation === STRUCTURE_CONFIG.mitigation);
}

/** MeasuredSparsity per analysed pattern, through the analysis module's own measuredSparsityFor. */
export function measuredSparsityFrom(result: AnalysisResult): MeasuredSparsity[] {
  return structureConfigs(result)
    .filter((c) => c.model.slots > 0)
    .map((c) => measuredSparsityFor(result, c.pattern, { criterion: STRUCTURE_CONFIG.criterion, mitigation: STRUCTURE_CONFIG.mitigation }));
}

export function unionDensityRows(result: AnalysisResult): UnionDensityRow[] {
  return structureConfigs(result).flatMap((c) =>
    c.model.unionDensity
      .filter((u) => u.consecutive !== null && u.independent !== null)
      .map((u) => ({ pattern: parsePattern(c.pattern), batch: u.batchSize, measuredDensity: u.consecutive as number, independenceDensity: u.independent as number })),
  );
}

/** Compressed activation size at the trace's own value width, measured over every site (tails included). */
export function ioSavingsRows(result: AnalysisResult, bundleLabel: string): IoSavingsRow[] {
  const rows: IoSavingsRow[] = [];
  for (const c of structureConfigs(result)) {
    // the analysis records each configuration's pattern in its canonical text form
    const pattern = parsePattern(c.pattern);
    if (pattern.kind !== 'nm') continue;
    for (const encoding of METADATA_ENCODINGS) {
      const rec = c.model.compressed.find((r) => r.encoding === encoding && r.valueFormat === 'trace');
      if (!rec) continue;
      rows.push({ pattern, encoding, valueBits: rec.valueBits, footprintFraction: rec.ratio, savingsFraction: 1 - rec.ratio, source: `measured on ${bundleLabel}, tail groups included` });
    }
  }
  return rows;
}

/**
 * Everything the review reads of its two analyses (run-review.ts prepareReview), derived once:
 * this is what the analysis cache stores (cache.ts), a few KB where both AnalysisResults are
 * ~7.4 MB of JSON on the shipped bundle (decoding them cost a rerun ~0.2 s). Plain data, exactly
 * encodable.
 */
export interface AnalysisSummary {
  proxies: ProxyAccuracy[];
  measured: MeasuredSparsity[];
  /** ioSavingsRows of the structure pass, every analysed pattern (the review keeps the swept ones) */
  ioSavings: IoSavingsRow[];
  /** unionDensityRows of the structure pass, every analysed pattern */
  unionDensity: UnionDensityRow[];
  /** the structure pass's analysed run (null: none) */
  structureRunId: string | null;
  /** the structure pass's conventions */
  conventions: string[];
  notes: string[];
  warnings: Diagnostic[];
}

/** The summary of a review's analyses of the bundle at `bundlePath` (short label `bundleLabel`). */
export function summariseAnalysis(
  analysis: { structure: AnalysisResult; proxies: AnalysisResult; notes: readonly string[]; warnings: readonly Diagnostic[] },
  bundlePath: string,
  bundleLabel: string,
): AnalysisSummary {
  return {
    proxies: proxiesFrom(analysis.proxies, bundlePath),
    measured: measuredSparsityFrom(analysis.structure),
    ioSavings: ioSavingsRows(analysis.structure, bundleLabel),
    unionDensity: unionDensityRows(analysis.structure),
    structureRunId: analysis.structure.runs[0]?.runId ?? null,
    conventions: [...analysis.structure.conventions],
    notes: [...analysis.notes],
    warnings: [...analysis.warnings],
  };
}

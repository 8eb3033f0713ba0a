import { formatPattern, nm } from '../../src/sparsity/pattern.js';
import { proxiesFrom, unionDensityRows, ioSavingsRows } from '../../src/review/measure.js';
import type { AnalysisResult } from '../../src/analysis/types.js';

/** Only the fields the adapter reads; the rest of AnalysisResult is irrelevant here. */
function result(): AnalysisResult {
  const model = (slots: number, relErrL2: number) => ({
    slots,
    relErrL2,
    keptFraction: 0.5,
    unionDensity: [
      { batchSize: 1, consecutive: 0.5, consecutiveBatches: 4, random: 0.5, randomBatches: 0, independent: 0.5 },
      { batchSize: 64, consecutive: null, consecutiveBatches: 0, random: null, randomBatches: 0, independent: 1 },
    ],
    compatibility: [],
    compressed: [
      { encoding: 'index', valueFormat: 'trace', valueBits: 16, compressedBits: 160, denseBits: 256, ratio: 0.625 },
      { encoding: 'index', valueFormat: 'fp8', valueBits: 8, compressedBits: 96, denseBits: 128, ratio: 0.75 },
    ],
  });
  return {
    runs: [
      {
        runId: 'dense',
        runPattern: 'dense',
        tokens: 128,
        sites: 4,
        configs: [
          { pattern: '8:16', criterion: 'magnitude', mitigation: 'none', model: model(12, 0.3) },
          { pattern: '8:16', criterion: 'magnitude', mitigation: 'spts', model: model(0, 0) },
        ],
      },
    ],
  } as unknown as AnalysisResult;
}

describe('analysis adapter', () => {
  it('takes the model-level relative error as the proxy, and none from a configuration skipped at every site', () => {
    const proxies = proxiesFrom(result(), 'traces/x');
    expect(proxies.map((p) => [formatPattern(p.pattern), p.criterion, p.mitigation, p.relErrL2])).toEqual([['8:16', 'magnitude', 'none', 0.3]]);
    expect(proxies[0].source).toContain('traces/x run "dense" (128 tokens per site)');
  });

  it('keeps only batch sizes with measured consecutive batches, beside the independence value', () => {
    expect(unionDensityRows(result())).toEqual([{ pattern: nm(8, 16), batch: 1, measuredDensity: 0.5, independenceDensity: 0.5 }]);
  });

  it('reads compressed I/O at the trace’s own value width', () => {
    const rows = ioSavingsRows(result(), 'x');
    expect(rows.map((r) => [formatPattern(r.pattern), r.encoding, r.valueBits, r.footprintFraction, r.savingsFraction])).toEqual([['8:16', 'index', 16, 0.625, 0.375]]);
  });
});

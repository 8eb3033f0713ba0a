/**
 * Non-finite values (NaN, ±Inf) in a trace: a token row holding any is excluded from every
 * statistic of its site, counted (rows and values) and warned about with the tensor key and the
 * first position; --nonfinite error refuses instead. The reference for "excluded" is the same
 * tensor with those rows deleted: every statistic must come out identical.
 */
import { analyzeSite, type SiteInput } from '../../src/analysis/site-analysis.js';
import { aggregate } from '../../src/analysis/aggregate.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { isNmsimError } from '../../src/diagnostics.js';
import type { SlotStats } from '../../src/analysis/types.js';
import { activations, dropRows, halfSource, memorySource, plan, siteInput } from './helpers.js';

const K = 32;
const T = 10;
/** rows 2 and 7 are broken: NaN at [2, 5]; +Inf at [7, 0] and −Inf at [7, 31] */
function broken(): Float32Array {
  const x = activations(11, T, K, 0.05);
  x[2 * K + 5] = NaN;
  x[7 * K + 0] = Infinity;
  x[7 * K + 31] = -Infinity;
  return x;
}
const BAD_ROWS = [2, 7];

/** the slot statistics without the non-finite counters (which the clean tensor has as 0) */
function stripCounts(slots: SlotStats[][]): unknown {
  return slots.map((list) => list.map(({ nonfiniteRows: _r, nonfiniteValues: _v, ...rest }) => rest));
}

async function bothWays(make: (x: Float32Array, tokens: number) => SiteInput, p: ReturnType<typeof plan>) {
  const x = broken();
  const withBad = await analyzeSite(make(x, T), p);
  const clean = await analyzeSite(make(dropRows(x, T, K, BAD_ROWS), T - BAD_ROWS.length), p);
  return { withBad, clean };
}

describe('non-finite values in a trace are excluded row by row, counted, and never scored', () => {
  test('F16 codes on the sorting-network path: a NaN or Inf row is left out exactly as if it were not in the tensor', async () => {
    const p = plan({ patterns: parsePatternList('2:4,4:8,8:16,16:32'), batchSizes: [1, 2, 4] });
    const { withBad, clean } = await bothWays((x, t) => siteInput(x, t, K, { source: halfSource(x, t, K, 'F16') }), p);
    expect(stripCounts(withBad.slots)).toEqual(stripCounts(clean.slots));
    const s = withBad.slots[0][0];
    expect(s.relErrL2).toBeGreaterThan(0.01); // not the "lossless" 0 a NaN used to give
    expect(s.retainedEnergy).toBeLessThan(0.999);
    expect(s.tokens).toBe(8);
    expect(s.nonfiniteRows).toBe(2);
    expect(s.nonfiniteValues).toBe(3);
    expect(withBad.nonfinite).toEqual({ site: 'layers.0.mlp.down_proj.input', tensorKey: 'layers.0.mlp.down_proj.input', tokens: 10, k: 32, rows: 2, values: 3, nan: 1, posInf: 1, negInf: 1, firstRow: 2, firstColumn: 5 });
    const w = withBad.warnings.find((d) => d.code === 'analysis/nonfinite-rows')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('layers.0.mlp.down_proj.input');
    expect(w.message).toContain('[2, 5]');
  });

  test('BF16 codes agree with the F16 rule', async () => {
    const p = plan({ patterns: parsePatternList('2:4,16:32'), batchSizes: [1, 2] });
    const { withBad, clean } = await bothWays((x, t) => siteInput(x, t, K, { dtype: 'BF16', source: halfSource(x, t, K, 'BF16') }), p);
    expect(stripCounts(withBad.slots)).toEqual(stripCounts(clean.slots));
    expect(withBad.nonfinite.rows).toBe(2);
  });

  test('float32 rows on the network and ranked kernels (3:8, unstructured) agree with deleting the rows', async () => {
    const p = plan({ patterns: parsePatternList('2:4,8:16,3:8,unstructured'), batchSizes: [1, 2, 4] });
    const { withBad, clean } = await bothWays((x, t) => siteInput(x, t, K, { source: memorySource(x, t, K) }), p);
    expect(stripCounts(withBad.slots)).toEqual(stripCounts(clean.slots));
    for (const list of withBad.slots) expect(list[0].relErrL2).toBeGreaterThan(0.01);
  });

  test('the reference path (clact batches, amber, dpts, var) agrees with deleting the rows', async () => {
    const amberFactors = Float32Array.from({ length: K }, (_, j) => 1 + (j % 5) / 4);
    const p = plan({ patterns: parsePatternList('2:4,8:16,unstructured'), criteria: ['magnitude', 'amber', 'clact'], mitigations: ['none', 'dpts', 'var'], batchSizes: [1, 4] });
    const { withBad, clean } = await bothWays((x, t) => siteInput(x, t, K, { source: memorySource(x, t, K), consumers: [{ consumer: 'down', amberFactors }], clactBatchTokens: 4 }), p);
    expect(stripCounts(withBad.slots)).toEqual(stripCounts(clean.slots));
    for (const list of withBad.slots) expect(Number.isFinite(list[0].relErrL2)).toBe(true);
  });

  test('F16 codes on the reference path (decoded in WebAssembly, the check in the decode) agree with deleting the rows', async () => {
    const amberFactors = Float32Array.from({ length: K }, (_, j) => 1 + (j % 5) / 4);
    const p = plan({ patterns: parsePatternList('2:4,8:16,unstructured'), criteria: ['magnitude', 'amber', 'clact'], mitigations: ['none', 'dpts', 'var'], batchSizes: [1, 4] });
    const make = (x: Float32Array, t: number) => siteInput(x, t, K, { source: halfSource(x, t, K, 'F16'), consumers: [{ consumer: 'down', amberFactors }], clactBatchTokens: 4 });
    const { withBad, clean } = await bothWays(make, p);
    expect(stripCounts(withBad.slots)).toEqual(stripCounts(clean.slots));
    expect(withBad.nonfinite).toMatchObject({ rows: 2, values: 3, nan: 1, posInf: 1, negInf: 1, firstRow: 2, firstColumn: 5 });
    // and the codes give the statistics of their decoded float32 rows read through readRows alone
    const x = broken();
    const floats = halfSource(x, T, K, 'F16');
    const viaRows = await analyzeSite(siteInput(x, T, K, { source: { rows: T, cols: K, readRows: floats.readRows }, consumers: [{ consumer: 'down', amberFactors }], clactBatchTokens: 4 }), p);
    expect(withBad.slots).toEqual(viaRows.slots);
    expect(withBad.nonfinite).toEqual(viaRows.nonfinite);
  });

  test('output error (bundle weights) is computed on the finite rows only', async () => {
    const weight = { data: Float32Array.from({ length: 4 * K }, (_, j) => Math.sin(j)), outFeatures: 4 };
    const p = plan({ patterns: parsePatternList('2:4'), mitigations: ['none', 'affine'], batchSizes: [1] });
    const { withBad, clean } = await bothWays((x, t) => siteInput(x, t, K, { source: memorySource(x, t, K), consumers: [{ consumer: 'down', weight }] }), p);
    expect(stripCounts(withBad.slots)).toEqual(stripCounts(clean.slots));
    expect(withBad.slots[0][0].outputRelErrL2).toBeGreaterThan(0);
  });

  test('--nonfinite error refuses at the first non-finite value, naming the tensor key and position', async () => {
    const x = broken();
    const p = plan({ patterns: parsePatternList('2:4'), batchSizes: [1], nonfinite: 'error' });
    for (const source of [memorySource(x, T, K), halfSource(x, T, K, 'F16')]) {
      const e = await analyzeSite(siteInput(x, T, K, { source, tensorKey: 'acts.down' }), p).then(
        () => null,
        (err: unknown) => err,
      );
      expect(isNmsimError(e)).toBe(true);
      if (!isNmsimError(e)) return;
      expect(e.kind).toBe('input');
      expect(e.diagnostics[0].code).toBe('analysis/nonfinite-value');
      expect(e.diagnostics[0].message).toContain('acts.down');
      expect(e.diagnostics[0].message).toContain('[2, 5]');
      expect(e.diagnostics[0].found).toBe('NaN');
    }
  });

  test('a site whose every row is non-finite gives nulls and an error, never 0 error or 1.0 retained', async () => {
    const x = new Float32Array(4 * K).fill(NaN);
    for (const source of [memorySource(x, 4, K), halfSource(x, 4, K, 'F16')]) {
      const res = await analyzeSite(siteInput(x, 4, K, { source }), plan({ patterns: parsePatternList('2:4,3:8,unstructured'), batchSizes: [1, 2] }));
      for (const list of res.slots) {
        const s = list[0];
        expect([s.relErrL2, s.cosine, s.retainedEnergy, s.keptFraction, s.naturalZeroFraction]).toEqual([null, null, null, null, null]);
        expect(s.tokens).toBe(0);
        expect(s.elements).toBe(0);
        expect(s.nonfiniteRows).toBe(4);
        expect(s.nonfiniteValues).toBe(4 * K);
        expect(s.unionDensity.every((u) => u.consecutive === null && u.random === null && u.independent === null)).toBe(true);
        expect(s.channelKeep.histogram.every((c) => c === 0)).toBe(true);
      }
      expect(res.warnings.find((d) => d.code === 'analysis/no-finite-rows')?.severity).toBe('error');
    }
  });

  test('aggregates count a site\'s non-finite rows once, not once per consumer (q, k, v share a site)', async () => {
    const x = broken();
    const qkv = await analyzeSite(siteInput(x, T, K, { name: 'layers.0.self_attn.qkv.input', consumers: [{ consumer: 'q' }, { consumer: 'k' }, { consumer: 'v' }] }), plan({ patterns: parsePatternList('2:4'), batchSizes: [1] }));
    const o = await analyzeSite(siteInput(activations(3, T, K), T, K, { name: 'layers.0.self_attn.o_proj.input', consumers: [{ consumer: 'o' }] }), plan({ patterns: parsePatternList('2:4'), batchSizes: [1] }));
    const model = aggregate([...qkv.slots[0], ...o.slots[0]]);
    expect(model.nonfiniteRows).toBe(2);
    expect(model.nonfiniteValues).toBe(3);
    // element-weighted over the analysed rows: 3 slots × 8 rows and 1 slot × 10 rows
    expect(model.elements).toBe((3 * 8 + 10) * K);
  });
});

import { designFront, headlineAccuracyKind } from '../../src/explore/objectives.js';
import { summarizeByPattern } from '../../src/explore/summary.js';
import { recommendationSentence } from '../../src/report/recommendation.js';
import { ioFootprint, ioFootprintTable } from '../../src/explore/io-savings.js';
import { sortDesignPoints } from '../../src/explore/design-point.js';
import { nm, parsePattern, formatPattern } from '../../src/sparsity/pattern.js';
import { fixturePoints, point } from '../report/fixture.js';

describe('design fronts', () => {
  const points = fixturePoints();

  it('compares accuracy only within one kind: the measured front is 8:16+var and 16:32+var', () => {
    const f = designFront(points, ['accuracy', 'area_overhead_fraction']);
    expect(f.accuracyKind).toBe('measured-perplexity');
    expect(f.candidates).toHaveLength(4);
    expect(f.frontIds).toEqual(['act-8of16|8:16|magnitude|var', 'act-16of32|16:32|magnitude|var']);
  });

  it('takes the decode objectives at the largest decode batch, whatever B = 1 says', () => {
    // a: best single stream, worse at B = 8; b: the reverse. At B = 8 (the objective) b dominates a.
    const a = point('a', '8:16', 'magnitude', 'none', 3.9, 'measured-perplexity', 0.1, 1.6, {
      decode: [{ batchTokens: 1, speedup: 1.6, ioSavingsFraction: 0.45 }, { batchTokens: 8, speedup: 1.01, ioSavingsFraction: 0.01 }],
    });
    const b = point('b', '8:16', 'magnitude', 'none', 3.9, 'measured-perplexity', 0.1, 1.6, {
      decode: [{ batchTokens: 1, speedup: 1.2, ioSavingsFraction: 0.2 }, { batchTokens: 8, speedup: 1.05, ioSavingsFraction: 0.02 }],
    });
    expect(designFront([a, b], ['accuracy', 'decode_speedup']).frontIds).toEqual([b.id]);
    expect(designFront([a, b], ['accuracy', 'io_savings_fraction']).frontIds).toEqual([b.id]);
  });

  it('falls back to the proxy when fewer than two patterns have measured perplexity', () => {
    const oneMeasured = [points[0], points[4], points[5]];
    expect(headlineAccuracyKind(oneMeasured)).toBe('proxy-rel-err');
    const f = designFront(oneMeasured, ['accuracy', 'area_overhead_fraction']);
    expect(f.frontIds).toEqual(['act-8of16|8:16|amber|none', 'act-16of32|16:32|amber|none']);
  });

  it('a three-objective front keeps the faster 8:16 core even where accuracy ties', () => {
    const pts = [
      point('a', '8:16', 'magnitude', 'none', 3.9, 'measured-perplexity', 0.1, 1.6),
      point('b', '8:16', 'magnitude', 'none', 3.9, 'measured-perplexity', 0.1, 1.4), // same accuracy and area, slower
      point('c', '16:32', 'magnitude', 'none', 3.7, 'measured-perplexity', 0.2, 1.5),
    ];
    const f = designFront(pts, ['accuracy', 'area_overhead_fraction', 'prefill_speedup']);
    expect(f.frontIds).toEqual(['a|8:16|magnitude|none', 'c|16:32|magnitude|none']);
  });

  it('sorts points by profile, then pattern by group size, then criterion and mitigation order', () => {
    const sorted = sortDesignPoints([...points].reverse()).map((p) => p.id);
    expect(sorted).toEqual([
      'act-16of32|16:32|magnitude|none',
      'act-16of32|16:32|magnitude|var',
      'act-16of32|16:32|amber|none',
      'act-8of16|8:16|magnitude|none',
      'act-8of16|8:16|magnitude|var',
      'act-8of16|8:16|amber|none',
    ]);
  });
});

describe('summary and recommendation', () => {
  const points = fixturePoints();
  const front = designFront(points, ['accuracy', 'area_overhead_fraction']);
  const summary = summarizeByPattern(points, 'measured-perplexity', front.frontIds);

  it('summarises each pattern by its most accurate configuration on its cheapest native core', () => {
    expect(summary.map((s) => [formatPattern(s.pattern), s.bestConfig, s.accuracyValue, s.nativeProfile, s.areaOverheadFraction, s.onFront])).toEqual([
      ['8:16', 'magnitude+var', 3.9, 'act-8of16', 0.1, true],
      ['16:32', 'magnitude+var', 3.7, 'act-16of32', 0.2, true],
    ]);
  });

  it('states what 16:32 buys over 8:16, with numbers worked out by hand', () => {
    // (3.9 − 3.7) / 3.9 = 5.128 % better; 20 % − 10 % = +10.0 pp; 120,000 − 110,000 = 10,000 µm²
    expect(recommendationSentence({ points, frontIds: front.frontIds, summary })).toBe(
      'On the accuracy–area Pareto front (measured perplexity): 8:16 (act-8of16), 16:32 (act-16of32). ' +
        '16:32 (magnitude+var) lowers perplexity from 3.900 (8:16, magnitude+var) to 3.700 (5.1% better) ' +
        'for +10.0 pp area overhead (act-16of32 20.0% vs act-8of16 10.0%, +10,000 µm² per core).' +
        // the pair on its cores (issue 16): no per-story data, so no interval; prefill 1.55 − 1.60 = −0.050;
        // the fixture's decode is prefill × 0.92 (B = 1) and × 0.8 (B = 8): 1.426 − 1.472 = −0.046, 1.24 − 1.28 = −0.040
        " No interval on this gap: the bundle records one perplexity per run, not per-story NLL; a capture that records each story's NLL would give a bootstrap 95 % interval for each figure and for the difference (explore/uncertainty.ts)." +
        ' Speed-up over the core run dense, 16:32 vs 8:16: prefill 1.55× vs 1.60× (-0.050), decode B = 1 1.43× vs 1.47× (-0.046), decode B = 8 1.24× vs 1.28× (-0.040).' +
        ' The choice hinges on the decode batch B (16:32 vs 8:16 decode 1.43× vs 1.47× at B = 1, 1.24× vs 1.28× at B = 8).',
    );
  });

  it('names the patterns that fall off the front', () => {
    const worse = [...points, point('act-2of4', '2:4', 'magnitude', 'none', 5.0, 'measured-perplexity', 0.15, 1.8)];
    const f = designFront(worse, ['accuracy', 'area_overhead_fraction']);
    const s = summarizeByPattern(worse, 'measured-perplexity', f.frontIds);
    expect(recommendationSentence({ points: worse, frontIds: f.frontIds, summary: s })).toMatch(/^On the accuracy–area Pareto front \(measured perplexity\): 8:16 \(act-8of16\), 16:32 \(act-16of32\); not on it: 2:4\. /);
  });
});

describe('closed-form I/O footprint', () => {
  it('matches DESIGN.md: 56.25 % (2:4) to 65.6 % (16:32) with index metadata, 56.25 % with bitmask', () => {
    // (N·16 + N·log2 M) / (M·16)
    expect(ioFootprint(nm(2, 4), 'index', 16).footprintFraction).toBe(36 / 64);
    expect(ioFootprint(nm(8, 16), 'index', 16).footprintFraction).toBe((128 + 32) / 256);
    expect(ioFootprint(nm(16, 32), 'index', 16).footprintFraction).toBe((256 + 80) / 512);
    for (const p of [nm(2, 4), nm(4, 8), nm(8, 16), nm(16, 32)]) expect(ioFootprint(p, 'bitmask', 16).footprintFraction).toBe(0.5625);
    // combinatorial: ⌈log2 C(16,8)⌉ = ⌈log2 12870⌉ = 14
    expect(ioFootprint(nm(8, 16), 'combinatorial', 16).savingsFraction).toBe(1 - 142 / 256);
  });

  it('lists every N:M pattern × encoding and skips unstructured', () => {
    const t = ioFootprintTable(['2:4', 'unstructured', '16:32'].map((p) => parsePattern(p)), 8);
    expect(t.map((r) => `${formatPattern(r.pattern)}/${r.encoding}`)).toEqual(['2:4/index', '2:4/bitmask', '2:4/combinatorial', '16:32/index', '16:32/bitmask', '16:32/combinatorial']);
  });
});

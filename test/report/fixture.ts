/**
 * A small, hand-made ReviewData: two cores (8:16 and 16:32), measured perplexity for two
 * configurations each, proxies for one more. Numbers are invented but consistent, chosen so the
 * fronts and the recommendation can be worked out by hand (see the tests).
 */
import { designPointId, type DesignPoint } from '../../src/explore/design-point.js';
import { recommend } from '../../src/explore/recommend.js';
import { nm, parsePattern } from '../../src/sparsity/pattern.js';
import type { Criterion, Mitigation } from '../../src/sparsity/registry.js';
import type { ReviewData } from '../../src/review/review-data.js';

export function point(
  profile: string,
  pattern: string,
  criterion: Criterion,
  mitigation: Mitigation,
  accuracy: number,
  kind: 'measured-perplexity' | 'proxy-rel-err',
  areaOverheadFraction: number,
  prefillSpeedup: number,
  extra: Partial<DesignPoint> = {},
): DesignPoint {
  const denseAreaUm2 = 100_000;
  const p = parsePattern(pattern);
  return {
    id: designPointId(profile, p, criterion, mitigation),
    profile,
    operand: 'activation',
    pattern: p,
    criterion,
    mitigation,
    native: true,
    executedAs: p,
    accuracy: { value: accuracy, kind, source: `fixture ${kind}` },
    model: 'llama3.1-8b',
    prefillTokens: 2048,
    decodeContextTokens: 4096,
    prefillSpeedup,
    // invented but ordered as the model orders them: a single stream (B = 1) gains more than a batch of 8
    decode: [
      { batchTokens: 1, speedup: prefillSpeedup * 0.92, ioSavingsFraction: 0.45 },
      { batchTokens: 8, speedup: prefillSpeedup * 0.8, ioSavingsFraction: 0.3 },
    ],
    areaUm2: denseAreaUm2 * (1 + areaOverheadFraction),
    denseAreaUm2,
    areaOverheadFraction,
    ...extra,
  };
}

export function fixturePoints(): DesignPoint[] {
  return [
    point('act-8of16', '8:16', 'magnitude', 'none', 4.0, 'measured-perplexity', 0.1, 1.6),
    point('act-8of16', '8:16', 'magnitude', 'var', 3.9, 'measured-perplexity', 0.1, 1.6),
    point('act-16of32', '16:32', 'magnitude', 'none', 3.8, 'measured-perplexity', 0.2, 1.55),
    point('act-16of32', '16:32', 'magnitude', 'var', 3.7, 'measured-perplexity', 0.2, 1.55),
    point('act-8of16', '8:16', 'amber', 'none', 0.21, 'proxy-rel-err', 0.1, 1.6),
    point('act-16of32', '16:32', 'amber', 'none', 0.19, 'proxy-rel-err', 0.2, 1.55),
  ];
}

export function fixtureReviewData(): ReviewData {
  const points = fixturePoints();
  const frontIds = [points[1].id, points[3].id];
  const summary: ReviewData['summary'] = [
    { pattern: nm(8, 16), bestConfig: 'magnitude+var', accuracyValue: 3.9, accuracyKind: 'measured-perplexity', nativeProfile: 'act-8of16', compatibleProfile: null, areaUm2: 110_000, areaOverheadFraction: 0.1, prefillSpeedup: 1.6, decode: [{ batchTokens: 1, speedup: 1.472, ioSavingsFraction: 0.45 }, { batchTokens: 8, speedup: 1.28, ioSavingsFraction: 0.3 }], onFront: true },
    { pattern: nm(16, 32), bestConfig: 'magnitude+var', accuracyValue: 3.7, accuracyKind: 'measured-perplexity', nativeProfile: 'act-16of32', compatibleProfile: null, areaUm2: 120_000, areaOverheadFraction: 0.2, prefillSpeedup: 1.55, decode: [{ batchTokens: 1, speedup: 1.426, ioSavingsFraction: 0.45 }, { batchTokens: 8, speedup: 1.24, ioSavingsFraction: 0.3 }], onFront: true },
  ];
  return {
    title: 'Design review: fixture',
    toolVersion: '0.1.0',
    workload: 'llama3.1-8b (prefill T = 2048, decode B = 1, 8 at L = 4096)',
    decodeBatches: [1, 8],
    profiles: [
      { name: 'act-8of16', path: 'hardware-profiles/act-8of16.yaml', sha256: 'a'.repeat(64), description: 'what-if 8:16 core', patterns: [nm(8, 16)], illustrative: true },
      { name: 'act-16of32', path: 'hardware-profiles/act-16of32.yaml', sha256: 'b'.repeat(64), description: 'what-if 16:32 core', patterns: [nm(16, 32)], illustrative: true },
    ],
    bundles: [
      {
        path: 'traces/fixture',
        model: 'stories260K',
        checkpoint: 'stories260K.bin',
        files: [{ path: 'manifest.json', sha256: 'c'.repeat(64) }],
        runs: [{ id: 'dense', pattern: { kind: 'dense' }, perplexity: 3.495, perplexityDataset: 'tinystories', scoredTokens: 32927 }],
      },
    ],
    points,
    headline: { accuracyKind: 'measured-perplexity', frontIds },
    speedupFrontIds: frontIds,
    accuracyReferences: [{ label: 'dense', kind: 'measured-perplexity', value: 3.495, source: 'fixture dense run' }],
    summary,
    ioSavings: [
      { pattern: nm(8, 16), encoding: 'index', valueBits: 16, footprintFraction: 0.625, savingsFraction: 0.375, source: 'closed form' },
      { pattern: nm(8, 16), encoding: 'bitmask', valueBits: 16, footprintFraction: 0.5625, savingsFraction: 0.4375, source: 'closed form' },
      { pattern: nm(16, 32), encoding: 'index', valueBits: 16, footprintFraction: 0.65625, savingsFraction: 0.34375, source: 'closed form' },
      { pattern: nm(16, 32), encoding: 'bitmask', valueBits: 16, footprintFraction: 0.5625, savingsFraction: 0.4375, source: 'closed form' },
    ],
    areaBreakdown: [
      { pattern: nm(8, 16), profile: 'act-8of16', core: 'profile', component: 'mac_array', areaUm2: 100_000, source: 'fixture' },
      { pattern: nm(8, 16), profile: 'act-8of16', core: 'profile', component: 'selector', areaUm2: 10_000, source: 'fixture' },
      { pattern: nm(16, 32), profile: 'act-16of32', core: 'profile', component: 'mac_array', areaUm2: 100_000, source: 'fixture' },
      { pattern: nm(16, 32), profile: 'act-16of32', core: 'profile', component: 'selector', areaUm2: 20_000, source: 'fixture' },
    ],
    unionDensity: [1, 2, 4, 8].flatMap((b) => [
      { pattern: nm(8, 16), batch: b, measuredDensity: 1 - Math.pow(0.5, b) * 1.2 + 0.2 * (b === 1 ? 1 : 0), independenceDensity: 1 - Math.pow(0.5, b) },
    ]),
    unionDensitySource: 'fixture, consecutive batches',
    recommendation: recommend({ points, frontIds, summary }),
    assumptions: [{ name: 'mux2AreaUm2', value: '1.862 µm²', source: 'Nangate 45 nm MUX2_X1' }],
    notes: ['fixture note'],
  };
}

/** A 2:4 weight point (today's core) beside the fixture's activation points. */
export function fixtureWeightPoint(profile: string, criterion: 'magnitude' | 'wanda', ppl: number, prefillSpeedup: number, areaOverheadFraction = 0.08): DesignPoint {
  return {
    id: designPointId(profile, nm(2, 4), criterion, 'none', 'weight'),
    profile,
    operand: 'weight',
    pattern: nm(2, 4),
    criterion,
    mitigation: 'none',
    native: true,
    executedAs: nm(2, 4),
    accuracy: { value: ppl, kind: 'measured-perplexity', source: `fixture weight run ${criterion}` },
    model: 'llama3.1-8b',
    prefillTokens: 2048,
    decodeContextTokens: 4096,
    prefillSpeedup,
    decode: [
      { batchTokens: 1, speedup: 1.5, ioSavingsFraction: 0.39 },
      { batchTokens: 8, speedup: 1.4, ioSavingsFraction: 0.31 },
    ],
    areaUm2: 100_000 * (1 + areaOverheadFraction),
    denseAreaUm2: 100_000,
    areaOverheadFraction,
  };
}

/**
 * Issue 13: the review carries perf's named bottleneck per design point — prefill and each
 * decode batch — into design-points.csv and the terminal summary.
 */
import { designPointsCsv } from '../../src/report/design-points-csv.js';
import { terminalSummary } from '../../src/report/review-summary.js';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { estimateProfile } from '../../src/review/performance.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { fixtureReviewData, point } from '../report/fixture.js';

describe('the named bottleneck in the review', () => {
  test('estimateProfile takes each phase’s bottleneck from the simulation: a100-like 2:4 prefill is compute-bound, decode at B = 1 DRAM-bound', async () => {
    const { profile } = await loadProfile(resolveProfileRef('a100-like'));
    const w = { shape: MODEL_CATALOG['llama3.1-8b'], prefillTokens: 2048, decodeBatches: [1], decodeContextTokens: 1024 };
    const { byPattern, prefill, decode } = estimateProfile(profile, [parsePattern('2:4')], w, []);
    const e = [...byPattern.values()][0];
    expect(e.prefillBottleneck).toBe(prefill.patterns[0].sim.bottleneck);
    expect(e.prefillBottleneck).toBe('compute');
    expect(e.decode[0].bottleneck).toBe(decode[0].patterns[0].sim.bottleneck);
    expect(e.decode[0].bottleneck).toBe('dram');
  });
  test('design-points.csv has prefill_bottleneck and one decode_bottleneck column per batch; empty where the model named none', () => {
    const p = point('act-8of16', '8:16', 'magnitude', 'none', 3.9, 'measured-perplexity', 0.1, 1.6, { prefillBottleneck: 'l2' });
    p.decode[1].bottleneck = 'dram';
    const csv = designPointsCsv([p, point('act-16of32', '16:32', 'magnitude', 'none', 3.8, 'measured-perplexity', 0.2, 1.5)], [], [], [1, 8]);
    const [header, ...rows] = csv.trimEnd().split('\n').map((l) => l.split(','));
    const rec = (r: string[]) => Object.fromEntries(header.map((h, i) => [h, r[i]]));
    // the decode bottleneck columns follow the fixed columns (prefill_bottleneck last of them), before the energy columns
    const at = header.indexOf('prefill_bottleneck');
    expect(header.slice(at, at + 3)).toEqual(['prefill_bottleneck', 'decode_bottleneck_b1', 'decode_bottleneck_b8']);
    // then the dense step's bottlenecks and the iso-area decode columns (issue 16), then energy
    expect(header.slice(at + 3, at + 8)).toEqual(['dense_prefill_bottleneck', 'dense_decode_bottleneck_b1', 'dense_decode_bottleneck_b8', 'iso_area_decode_speedup_b1', 'iso_area_decode_speedup_b8']);
    // then whether each decode batch fits in the core's DRAM (issue 16), then energy
    expect(header.slice(at + 8, at + 10)).toEqual(['decode_fits_b1', 'decode_fits_b8']);
    expect(header[at + 10]).toBe('prefill_energy_mj_per_token');
    expect(rec(rows[1])).toMatchObject({ profile: 'act-8of16', prefill_bottleneck: 'l2', decode_bottleneck_b1: '', decode_bottleneck_b8: 'dram' });
    expect(rec(rows[0])).toMatchObject({ profile: 'act-16of32', prefill_bottleneck: '' });
  });
  test('the terminal summary groups the bottleneck lines: one line per distinct binding, naming its core × pattern points', () => {
    const data = fixtureReviewData();
    data.points[0].prefillBottleneck = 'smem';
    data.points[0].decode[data.points[0].decode.length - 1].bottleneck = 'dram';
    const one = terminalSummary(data, 'reports/x', 'reports/x/a.png');
    expect(one).toContain('bottleneck: prefill smem, decode B=8 dram — every core × pattern (1 point)');
    const other = data.points.find((q) => q.profile !== data.points[0].profile)!;
    other.prefillBottleneck = 'l2';
    const two = terminalSummary(data, 'reports/x', 'reports/x/a.png').split('\n').filter((l) => l.includes('bottleneck: '));
    const p0 = `${data.points[0].profile} ${data.points[0].pattern.kind === 'nm' ? `${data.points[0].pattern.n}:${data.points[0].pattern.m}` : 'unstructured'}`;
    expect(two).toHaveLength(2);
    expect(two[0]).toBe(`  bottleneck: prefill smem, decode B=8 dram — ${p0}`);
    expect(two[1]).toMatch(new RegExp(`^  bottleneck: prefill l2(, decode B=8 \\w+)? — ${other.profile} `));
  });
});

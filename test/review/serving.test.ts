import * as path from 'node:path';
import { NmsimError } from '../../src/diagnostics.js';
import type { MeasuredSparsity } from '../../src/perf/measured-sparsity.js';
import { simulate } from '../../src/perf/simulate.js';
import { loadProfile } from '../../src/profile/load.js';
import { decodeContextOf, parseServingMix, parseTpotTarget, pickAtTarget, servingAssumptionText, servingFor, bestCoreSeries, meanDecodeSpeedup, kvCacheBytes } from '../../src/review/serving.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { REPO_ROOT } from '../helpers/cli.js';

const shipped = async (name: string) => (await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', `${name}.yaml`))).profile;
const shape = MODEL_CATALOG['llama3.1-8b'];
const p816 = parsePattern('8:16');
// a trace that measured the 8:16 union density at B = 1 … 4 only
const measured: MeasuredSparsity[] = [{ pattern: '8:16', keptFraction: 0.5, unionDensityByBatch: { 1: 0.5, 2: 0.7, 4: 0.85 }, unionSource: 'hand-built', compatibleFraction: {} }];

describe('serving metrics', () => {
  it('TTFT is the prefill step of one prompt and TPOT at B is the decode step at context prompt + output/2, both as simulate computes them', async () => {
    const profile = await shipped('act-8of16');
    const s = servingFor([profile], [p816], shape, measured, { promptTokens: 1024, outputTokens: 100 }, 50, [1, 8]);
    expect(s.decodeContextTokens).toBe(1074);
    const pre = simulate({ profile, model: shape, phase: { kind: 'prefill', tokens: 1024 }, patterns: [p816], measured });
    const dec8 = simulate({ profile, model: shape, phase: { kind: 'decode', batch: 8, contextTokens: 1074 }, patterns: [p816], measured });
    const [dense, sparse] = s.rows;
    expect(dense.pattern.kind).toBe('dense');
    expect(dense.ttftMs).toBeCloseTo(pre.dense.timeS * 1000, 9);
    expect(sparse.ttftMs).toBeCloseTo(pre.patterns[0].sim.timeS * 1000, 9);
    // TPOT a second way: cycles / clock of the decode step
    const step = sparse.steps[1];
    expect(step.batch).toBe(8);
    expect(step.tpotMs).toBeCloseTo((dec8.patterns[0].sim.cycles / dec8.hw.clockHz) * 1000, 9);
    expect(step.speedup).toBeCloseTo(dec8.dense.cycles / dec8.patterns[0].sim.cycles, 9);
    expect(step.tokensPerSPerChip).toBeCloseTo(8 / (dec8.patterns[0].sim.cycles / dec8.hw.clockHz), 6);
    expect(step.tokensPerSPerUser).toBeCloseTo(1 / (dec8.patterns[0].sim.cycles / dec8.hw.clockHz), 6);
    expect(dense.steps[0].speedup).toBe(1);
    // KV cache by hand: Llama-3.1-8B, 32 layers × 2 (K, V) × 8 KV heads × 128 × 2 bytes (fp16) = 131,072 bytes per token
    expect(step.kvCacheBytes).toBe(8 * 1074 * 131_072);
  });

  it('a sliding-window model holds at most the window in its local layers\' KV cache', () => {
    const g = MODEL_CATALOG['gemma3-4b'];
    const w = g.slidingWindow!;
    const global = Math.floor(g.numLayers / w.globalEveryLayers);
    const perTokenLayer = 2 * g.numKvHeads * g.headDim * 2;
    expect(kvCacheBytes(g, 2, 4096, 2)).toBe(2 * perTokenLayer * (global * 4096 + (g.numLayers - global) * w.windowTokens));
    expect(kvCacheBytes(g, 1, 100, 2)).toBe(perTokenLayer * g.numLayers * 100);
  });

  it('decode at a batch the trace did not measure uses the independence bound 1 − (1 − d)^B and the report says so', async () => {
    const profile = await shipped('act-8of16');
    const s = servingFor([profile], [p816], shape, measured, { promptTokens: 2048, outputTokens: 256 }, 50, [4, 16]);
    const sparse = s.rows[1];
    expect(sparse.steps[0].weightRows?.fraction).toBe(0.85);
    expect(sparse.steps[0].weightRows?.source).toMatch(/^measured/);
    // 8:16 on llama's hidden size keeps d = 0.5: 1 − 0.5^16
    expect(sparse.steps[1].weightRows?.fraction).toBeCloseTo(1 - 0.5 ** 16, 12);
    expect(servingAssumptionText(s)).toContain('B = 16 (not measured');
  });

  it('the latency-target pick is the largest batch meeting the target on a hand-built table', () => {
    const steps = [
      { batch: 1, tpotMs: 10 },
      { batch: 2, tpotMs: 12 },
      { batch: 4, tpotMs: 20 },
      { batch: 8, tpotMs: 50 },
      { batch: 16, tpotMs: 50.0001 },
    ];
    expect(pickAtTarget(steps, 50)).toEqual({ batch: 8, tpotMs: 50, tokensPerSPerUser: 20, tokensPerSPerChip: 160 });
    expect(pickAtTarget(steps, 19.9)?.batch).toBe(2);
    expect(pickAtTarget(steps, 9)).toBeNull();
  });

  it('--serving takes two positive whole numbers PROMPT:OUTPUT and refuses anything else as a usage error', () => {
    expect(parseServingMix('2048:256')).toEqual({ promptTokens: 2048, outputTokens: 256 });
    expect(decodeContextOf({ promptTokens: 2048, outputTokens: 255 })).toBe(2175);
    for (const bad of ['2048', '0:256', '2048:-1', '2048:2.5', 'a:b', '2048:256:1', '']) {
      let err: unknown;
      try {
        parseServingMix(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NmsimError);
      expect((err as NmsimError).diagnostics[0].code).toBe('review/serving-mix');
    }
    expect(parseTpotTarget('50')).toBe(50);
    expect(() => parseTpotTarget('0')).toThrow(NmsimError);
    expect(() => parseTpotTarget('-5')).toThrow(NmsimError);
  });

  it('each pattern is drawn on the core with the highest geometric-mean decode speed-up over the batches, and a core that runs a pattern dense has no row for it', async () => {
    const profiles = [await shipped('act-2of4'), await shipped('act-8of16')];
    const s = servingFor(profiles, [p816], shape, measured, { promptTokens: 2048, outputTokens: 256 }, 50, [1, 2]);
    const series = bestCoreSeries(s);
    expect(series).toHaveLength(1);
    // act-2of4 runs 8:16 dense (no 2:4-compatible structure measured): only its dense row
    expect(s.rows.map((r) => `${r.profile} ${r.pattern.kind === 'dense' ? 'dense' : '8:16'}`)).toEqual(['act-2of4 dense', 'act-8of16 dense', 'act-8of16 8:16']);
    const r = s.rows[2];
    expect(series[0]).toBe(r);
    expect(Math.sqrt(r.steps[0].speedup * r.steps[1].speedup)).toBeCloseTo(meanDecodeSpeedup(r), 12);
  });

  it('the union-density gap chart plots measured − independence in percentage points', async () => {
    const { unionGapChart } = await import('../../src/report/charts/decode.js');
    const pattern = parsePattern('8:16');
    // d = 0.5: independence at B = 2 is 1 − 0.5² = 0.75, at B = 4 1 − 0.5⁴ = 0.9375
    const svg = await unionGapChart(
      [
        { pattern, batch: 2, measuredDensity: 0.7, independenceDensity: 0.75 },
        { pattern, batch: 4, measuredDensity: 0.85, independenceDensity: 0.9375 },
      ],
      'hand-built',
    );
    expect(svg).toContain('= -5.0 pp');
    expect(svg).toContain('= -8.8 pp');
  });
});

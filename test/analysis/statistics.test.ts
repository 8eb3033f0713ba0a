import { analyzeSite } from '../../src/analysis/site-analysis.js';
import { pruneMatrix } from '../../src/sparsity/prune.js';
import type { Criterion, Mitigation } from '../../src/sparsity/registry.js';
import { amberFactorsFromNorms } from '../../src/sparsity/criteria/amber.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { fieldCounts, OverfullUnitCounter } from '../../src/analysis/word-counts.js';
import { ChannelCounter } from '../../src/analysis/channel-counter.js';
import { activations, lcg, plan, siteInput } from './helpers.js';

describe('slot statistics on hand-checked examples', () => {
  test('2:4 on one token: error, cosine, retained energy, zeros and histograms match the arithmetic', async () => {
    // groups [3, -1, 0, 2] keeps 3, 2 ; [0, 0, 5, 4] keeps 5, 4 (zeros: 3 of 8)
    const x = Float32Array.from([3, -1, 0, 2, 0, 0, 5, 4]);
    const res = await analyzeSite(siteInput(x, 1, 8), plan({ patterns: parsePatternList('2:4'), batchSizes: [1] }));
    const s = res.slots[0][0];
    const total = 9 + 1 + 4 + 25 + 16;
    expect(s.relErrL2).toBeCloseTo(Math.sqrt(1 / total), 14);
    expect(s.retainedEnergy).toBeCloseTo((total - 1) / total, 14);
    expect(s.cosine).toBeCloseTo(Math.sqrt((total - 1) / total), 14);
    expect(s.keptFraction).toBe(0.5);
    expect(s.naturalZeroFraction).toBe(3 / 8);
    expect(s.keptNonzeroHistogram).toEqual([0, 0, 2]);
    expect(s.inputNonzeroHistogram).toEqual([0, 0, 1, 1, 0]); // groups hold 3 and 2 nonzeros
    expect(s.densityBoundAcceptance).toBe(0.5); // only the second group has ≤ 2 nonzeros
    expect(s.channelKeep.top.slice(0, 4)).toEqual([
      { channel: 0, keepFraction: 1 },
      { channel: 3, keepFraction: 1 },
      { channel: 6, keepFraction: 1 },
      { channel: 7, keepFraction: 1 },
    ]);
    expect(s.channelKeep.histogram[0]).toBe(4);
    expect(s.channelKeep.histogram[9]).toBe(4);
  });

  test('16:32 data fits 8:16 hardware only where both halves hold ≤ 8 kept; natural zeros rescue a density-bound core', async () => {
    const k = 32;
    // token 0: the 16 large values all in the first half → 16 kept there → not 8:16-compatible
    // token 1: alternating large/small → 8 kept per half → compatible
    // token 2: 10 tens in the first half, 6 nines in the second → 10 kept in the first half
    const x = new Float32Array(3 * k);
    for (let j = 0; j < 16; j++) x[j] = 10 + j;
    for (let j = 16; j < 32; j++) x[j] = 0.1;
    for (let j = 0; j < 32; j++) x[k + j] = j % 2 === 0 ? 5 : 0.5;
    for (let j = 0; j < 10; j++) x[2 * k + j] = 10;
    for (let j = 16; j < 22; j++) x[2 * k + j] = 9;
    for (let j = 22; j < 32; j++) x[2 * k + j] = 0.01;
    // tokens 0 and 2 keep no zero, so the density-bound check fails there too
    const res = await analyzeSite(siteInput(x, 3, k), plan({ patterns: parsePatternList('16:32,8:16'), batchSizes: [1] }));
    const c = res.slots[0][0].compatibility.find((r) => r.target === '8:16')!;
    expect(c.unitElements).toBe(32);
    expect(c.units).toBe(3);
    expect(c.structuralFraction).toBeCloseTo(1 / 3, 14);
    expect(c.densityBoundFraction).toBeCloseTo(1 / 3, 14);
    // 8:16 data always fits 16:32 hardware
    const back = res.slots[1][0].compatibility.find((r) => r.target === '16:32')!;
    expect(back.structuralFraction).toBe(1);

    // 12 nonzeros in the first half, zeros elsewhere
    const y = new Float32Array(k);
    for (let j = 0; j < 12; j++) y[j] = 1 + j;
    const r2 = await analyzeSite(siteInput(y, 1, k), plan({ patterns: parsePatternList('16:32,8:16'), batchSizes: [1] }));
    const c2 = r2.slots[0][0].compatibility.find((r) => r.target === '8:16')!;
    // kept positions: 12 nonzeros + the 4 lowest-index zeros (12…15) → first half holds 16 kept
    expect(c2.structuralFraction).toBe(0);
    // but only 12 of them are nonzero, still > 8 → a density-bound 8:16 core cannot take it either
    expect(c2.densityBoundFraction).toBe(0);
    const z = new Float32Array(k);
    for (let j = 0; j < 6; j++) z[j] = 1 + j;
    const r3 = await analyzeSite(siteInput(z, 1, k), plan({ patterns: parsePatternList('16:32,8:16'), batchSizes: [1] }));
    const c3 = r3.slots[0][0].compatibility.find((r) => r.target === '8:16')!;
    // 6 nonzeros + 10 kept zeros (indices 6…15) fill the first half: structural no, density-bound yes
    expect(c3.structuralFraction).toBe(0);
    expect(c3.densityBoundFraction).toBe(1);
  });

  test('union density of consecutive batches is the mean fraction of channels kept by some token', async () => {
    // 1:2 on K = 4: each token keeps one channel of {0,1} and one of {2,3}
    const rows = [
      [1, 0.5, 1, 0.5], // keeps 0, 2
      [1, 0.5, 0.5, 1], // keeps 0, 3
      [0.5, 1, 1, 0.5], // keeps 1, 2
      [0.5, 1, 1, 0.5], // keeps 1, 2
    ];
    const x = Float32Array.from(rows.flat());
    const res = await analyzeSite(siteInput(x, 4, 4), plan({ patterns: parsePatternList('1:2'), batchSizes: [1, 2, 4], randomBatchesPerSize: 16 }));
    const u = res.slots[0][0].unionDensity;
    expect(u.map((r) => r.consecutive)).toEqual([0.5, (3 / 4 + 2 / 4) / 2, 1]);
    expect(u.map((r) => r.consecutiveBatches)).toEqual([4, 2, 1]);
    expect(u[2].random).toBe(1); // every batch of 4 is all tokens
    expect(u[1].independent).toBeCloseTo(1 - 0.25, 14);
  });

  test.each<[Criterion, Mitigation]>([
    ['magnitude', 'dpts'],
    ['magnitude', 'spts'],
    ['magnitude', 'var'],
    ['amber', 'none'],
    ['clact', 'none'],
    ['clact', 'dpts'],
  ])('%s + %s: error and cosine equal a direct computation on pruneMatrix output', async (criterion, mitigation) => {
    const tokens = 10;
    const k = 40;
    const x = activations(3, tokens, k, 0.1, false);
    const norms = Float32Array.from({ length: k }, (_, j) => 1 + ((j * 7) % 5));
    const site = siteInput(x, tokens, k, { staticShift: 0.05, clactBatchTokens: 5, consumers: [{ consumer: 'down', amberFactors: amberFactorsFromNorms(norms) }] });
    const pats = parsePatternList('2:4,8:16,3:6');
    const res = await analyzeSite(site, plan({ patterns: pats, criteria: [criterion], mitigations: [mitigation] }));
    pats.forEach((pattern, i) => {
      const out = new Float32Array(tokens * k);
      const keep = new Uint8Array(tokens * k);
      for (let b = 0; b < tokens; b += 5) {
        pruneMatrix(x.subarray(b * k, (b + 5) * k), 5, k, { pattern, criterion, mitigation }, { amberFactors: amberFactorsFromNorms(norms), staticShift: 0.05 }, out.subarray(b * k), keep.subarray(b * k));
      }
      let err = 0;
      let xx = 0;
      let yy = 0;
      let xy = 0;
      for (let j = 0; j < x.length; j++) {
        err += (out[j] - x[j]) ** 2;
        xx += x[j] ** 2;
        yy += out[j] ** 2;
        xy += x[j] * out[j];
      }
      const s = res.slots[i][0];
      expect(s.relErrL2).toBeCloseTo(Math.sqrt(err / xx), 12);
      expect(s.cosine).toBeCloseTo(xy / Math.sqrt(xx * yy), 12);
    });
  });

  test('output error uses the consumer weight: ‖W(x̃ − x)‖ / ‖W x‖', async () => {
    const k = 8;
    const out = 3;
    const x = Float32Array.from([4, 1, -3, 0.5, 2, -2, 1, 0.25, 1, 2, 3, 4, 5, 6, 7, 8]);
    const w = Float32Array.from({ length: out * k }, (_, i) => ((i * 5) % 7) - 3);
    const res = await analyzeSite(siteInput(x, 2, k, { consumers: [{ consumer: 'down', weight: { data: w, outFeatures: out } }] }), plan({ patterns: parsePatternList('2:4'), batchSizes: [1] }));
    // 2:4 keeps [4, -3 | 2, -2] and [3, 4 | 7, 8]
    const pruned = [4, 0, -3, 0, 2, -2, 0, 0, 0, 0, 3, 4, 0, 0, 7, 8];
    let err = 0;
    let ref = 0;
    for (let t = 0; t < 2; t++) {
      for (let o = 0; o < out; o++) {
        let y = 0;
        let yp = 0;
        for (let j = 0; j < k; j++) {
          y += w[o * k + j] * x[t * k + j];
          yp += w[o * k + j] * pruned[t * k + j];
        }
        err += (yp - y) ** 2;
        ref += y * y;
      }
    }
    expect(res.slots[0][0].outputRelErrL2).toBeCloseTo(Math.sqrt(err / ref), 12);
  });

  test('a missing amber statistic or static shift skips that configuration with a warning, not an error', async () => {
    const x = activations(1, 4, 16);
    const res = await analyzeSite(siteInput(x, 4, 16), plan({ patterns: parsePatternList('2:4'), criteria: ['magnitude', 'amber'], mitigations: ['none', 'spts'] }));
    expect(new Set(res.warnings.map((w) => w.code))).toEqual(new Set(['analysis/missing-amber-norms', 'analysis/missing-static-shift']));
    expect(res.warnings.every((w) => w.severity === 'warning' && w.hint)).toBe(true);
    expect(res.slots[0]).toHaveLength(1); // magnitude + none
    expect(res.slots[1]).toHaveLength(0); // magnitude + spts skipped
    expect(res.slots[2]).toHaveLength(0); // amber + none skipped
  });
});

describe('word-level counting', () => {
  test('fieldCounts gives the popcount of every aligned m-bit field', () => {
    const rand = lcg(9);
    for (let t = 0; t < 200; t++) {
      const w = Math.floor(rand() * 2 ** 32);
      for (const m of [1, 2, 4, 8, 16, 32]) {
        const c = fieldCounts(w, m);
        for (let f = 0; f < 32; f += m) {
          let naive = 0;
          for (let b = f; b < f + m; b++) naive += (w >>> b) & 1;
          const got = m === 32 ? c : (c >>> f) & ((1 << m) - 1);
          expect(got).toBe(naive);
        }
      }
    }
  });

  test('OverfullUnitCounter counts units holding an m-group with more than n set bits', () => {
    const rand = lcg(13);
    for (let t = 0; t < 100; t++) {
      const words = Uint32Array.from({ length: 3 }, () => Math.floor(rand() * 2 ** 32) & Math.floor(rand() * 2 ** 32));
      for (const [n, m, u] of [[2, 4, 4], [2, 4, 32], [4, 8, 16], [8, 16, 32], [1, 2, 8], [3, 4, 8], [16, 32, 32]]) {
        let naive = 0;
        for (let s = 0; s < 96; s += u) {
          let bad = false;
          for (let g = s; g < s + u; g += m) {
            let c = 0;
            for (let j = g; j < g + m; j++) c += (words[j >>> 5] >>> (j & 31)) & 1;
            if (c > n) bad = true;
          }
          naive += bad ? 1 : 0;
        }
        expect(new OverfullUnitCounter(n, m, u).count(words, null, 3)).toBe(naive);
      }
    }
  });

  test('ChannelCounter counts per-position bits across more rows than one flush period', () => {
    const k = 70;
    const c = new ChannelCounter(k);
    const naive = new Float64Array(k);
    const rand = lcg(21);
    for (let t = 0; t < 600; t++) {
      const w = Uint32Array.from({ length: 3 }, () => Math.floor(rand() * 2 ** 32));
      w[2] &= (1 << (k - 64)) - 1;
      c.add(w);
      for (let j = 0; j < k; j++) naive[j] += (w[j >>> 5] >>> (j & 31)) & 1;
    }
    expect(Array.from(c.result())).toEqual(Array.from(naive));
  });
});

describe('affine output correction', () => {
  test('never raises the in-sample output error above no correction (the fit may choose a = 1, b = 0)', async () => {
    const k = 16;
    const out = 4;
    const tokens = 30;
    const x = activations(12, tokens, k, 0, false);
    const w = Float32Array.from({ length: out * k }, (_, i) => Math.cos(i * 0.7));
    const site = siteInput(x, tokens, k, { consumers: [{ consumer: 'down', weight: { data: w, outFeatures: out } }] });
    const res = await analyzeSite(site, plan({ patterns: parsePatternList('2:4,4:8'), mitigations: ['none', 'affine'] }));
    for (let p = 0; p < 2; p++) {
      const none = res.slots[p][0].outputRelErrL2!;
      const affine = res.slots[2 + p][0].outputRelErrL2!;
      expect(none).toBeGreaterThan(0);
      expect(affine).toBeLessThanOrEqual(none + 1e-12);
      // the activation itself is pruned the same way
      expect(res.slots[2 + p][0].relErrL2).toBeCloseTo(res.slots[p][0].relErrL2!, 14);
    }
  });
});

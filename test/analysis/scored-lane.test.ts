/**
 * ScoredSelector (the fast path of every lane but magnitude + none) against sparsity/prune.ts
 * pruneMatrix, the reference, called per pattern and per batch exactly as the slow lane calls
 * it: keep bytes and pruned values x̃ bit for bit (float32 bits, so −0 and +0 count as
 * different) for every criterion × mitigation, on random rows full of ties and on the
 * captured stories260k bundle with its recorded amber factors.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ScoredSelector } from '../../src/analysis/scored-lane.js';
import { pruneMatrix } from '../../src/sparsity/prune.js';
import { parsePatternList, type NmPattern } from '../../src/sparsity/pattern.js';
import { CRITERIA, MITIGATIONS, CRITERION_INFO, type Criterion, type Mitigation, type PruneContext } from '../../src/sparsity/registry.js';
import { amberFactorsFromNorms } from '../../src/sparsity/criteria/amber.js';
import { openBundle } from '../../src/trace/bundle.js';
import { PatternAccumulator, RowContext } from '../../src/analysis/pattern-accumulator.js';
import { CompatibilityAccumulator } from '../../src/analysis/compatibility.js';
import { planRandomBatches } from '../../src/analysis/union-density.js';
import { REPO_ROOT } from '../helpers/cli.js';

const PATTERNS = parsePatternList('2:4,4:8,8:16,16:32,1:2,1:32') as NmPattern[];
const CONFIGS: [Criterion, Mitigation][] = CRITERIA.flatMap((c) => MITIGATIONS.map((m): [Criterion, Mitigation] => [c, m])).filter(([c, m]) => !(c === 'magnitude' && m === 'none'));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Rows with repeated values of both signs, zeros of both signs and a spread of magnitudes. */
function tieRows(rand: () => number, n: number): Float32Array {
  const x = new Float32Array(n);
  const levels = [0, -0, 0.5, -0.5, 1, 1, -2, 0.25, 3];
  for (let i = 0; i < n; i++) x[i] = rand() < 0.5 ? levels[Math.floor(rand() * levels.length)] : Math.fround((rand() - 0.5) * Math.exp(rand() * 6 - 3));
  return x;
}

/** Counts elements where ScoredSelector and pruneMatrix differ (keep byte or x̃ bits), over all patterns. */
function mismatches(x: Float32Array, rows: number, k: number, criterion: Criterion, mitigation: Mitigation, ctx: PruneContext, batch: number, simd: boolean): number {
  const sel = new ScoredSelector(k, PATTERNS, criterion, mitigation, ctx, { simd });
  const z = new Float32Array(rows * k);
  sel.prepare(x, rows, batch, z);
  const keep = new Uint8Array(rows * k);
  const out = new Float32Array(rows * k);
  const refKeep = new Uint8Array(rows * k);
  const refOut = new Float32Array(rows * k);
  const bits = new Int32Array(out.buffer);
  const refBits = new Int32Array(refOut.buffer);
  let bad = 0;
  PATTERNS.forEach((pattern, q) => {
    sel.emit(q, x, rows, keep, out);
    for (let b0 = 0; b0 < rows; b0 += batch) {
      const bn = Math.min(batch, rows - b0);
      pruneMatrix(x.subarray(b0 * k, (b0 + bn) * k), bn, k, { pattern, criterion, mitigation }, ctx, refOut.subarray(b0 * k), refKeep.subarray(b0 * k));
    }
    for (let i = 0; i < rows * k; i++) if (keep[i] !== refKeep[i] || bits[i] !== refBits[i]) bad++;
  });
  return bad;
}

describe('ScoredSelector (one shift, factor and score pass, network selection)', () => {
  test.each(CONFIGS)('gives pruneMatrix’s keep rows and x̃ bit for bit for %s + %s on random tie-heavy rows, SIMD and JavaScript', (criterion, mitigation) => {
    const rand = lcg(CONFIGS.findIndex(([c, m]) => c === criterion && m === mitigation) + 1);
    for (const k of [4, 37, 64, 100]) {
      const rows = 7;
      const x = tieRows(rand, rows * k);
      // factors with ties too (three levels) so the product ranking needs the index rule
      const ctx: PruneContext = { amberFactors: Float32Array.from({ length: k }, () => [1, 1.5, 2][Math.floor(rand() * 3)]), staticShift: 0.25 };
      const batch = CRITERION_INFO[criterion].batchReduction ? 3 : rows;
      expect(mismatches(x, rows, k, criterion, mitigation, ctx, batch, true)).toBe(0);
      expect(mismatches(x, rows, k, criterion, mitigation, ctx, batch, false)).toBe(0);
    }
  });

  test.each(CONFIGS)('accumulates %s + %s into the same statistics, to the bit, as pruneMatrix rows fed to PatternAccumulator.addRow, WebAssembly and JavaScript sums', (criterion, mitigation) => {
    for (const simd of [true, false]) {
    const rand = lcg(100 + CONFIGS.findIndex(([c, m]) => c === criterion && m === mitigation));
    const k = 70;
    const rows = 9;
    const r0 = 5;
    const x = tieRows(rand, rows * k);
    // η = 0.1 is not a float32: dropped places hold fround(η)
    const ctx: PruneContext = { amberFactors: Float32Array.from({ length: k }, () => 1 + rand()), staticShift: 0.1 };
    const batch = CRITERION_INFO[criterion].batchReduction ? 4 : rows;
    const plan = planRandomBatches(r0 + rows, [1, 2, 4], 3, 7);
    const fresh = () => ({
      acc: PATTERNS.map((p) => new PatternAccumulator(p, k, plan)),
      compat: PATTERNS.map((a) => PATTERNS.filter((b) => b !== a).map((b) => new CompatibilityAccumulator(a, b, k))),
    });
    const fast = fresh();
    const sel = new ScoredSelector(k, PATTERNS, criterion, mitigation, ctx, { simd });
    const scratch = new Float32Array(rows * k);
    sel.prepare(x, rows, batch, scratch);
    const row = new RowContext(k);
    sel.accumulate(x, r0, rows, row, fast.acc, fast.compat, PATTERNS.map((_, i) => i), scratch);
    const ref = fresh();
    const keep = new Uint8Array(rows * k);
    const out = new Float32Array(rows * k);
    PATTERNS.forEach((pattern, p) => {
      for (let b0 = 0; b0 < rows; b0 += batch) {
        const bn = Math.min(batch, rows - b0);
        pruneMatrix(x.subarray(b0 * k, (b0 + bn) * k), bn, k, { pattern, criterion, mitigation }, ctx, out.subarray(b0 * k), keep.subarray(b0 * k));
      }
      for (let t = 0; t < rows; t++) {
        row.load(r0 + t, x, t * k);
        ref.acc[p].addRow(row, keep, t * k, out, t * k);
        for (const c of ref.compat[p]) c.addRow(ref.acc[p].words, row.nonzeroWords, row.nonzeros !== k);
      }
    });
    PATTERNS.forEach((_, p) => {
      expect(fast.acc[p].finish(16, 4, 8)).toEqual(ref.acc[p].finish(16, 4, 8));
      expect(fast.compat[p].map((c) => c.finish())).toEqual(ref.compat[p].map((c) => c.finish()));
    });
    // and the statistics are not trivial: some error, not all kept
    expect(ref.acc[0].finish(16, 4, 8).relErrL2).toBeGreaterThan(0);
    }
  });

  test('a dpts lane prepared with another dpts lane’s η (amber’s consumers share it) selects and prunes exactly as when it computes η itself', () => {
    const rand = lcg(4242);
    const k = 70;
    const rows = 6;
    const x = tieRows(rand, rows * k);
    const factors = () => Float32Array.from({ length: k }, () => 1 + rand());
    const first = new ScoredSelector(k, PATTERNS, 'amber', 'dpts', { amberFactors: factors() });
    first.prepare(x, rows, rows, new Float32Array(rows * k));
    expect(first.sharesShifts).toBe(true);
    const ctx: PruneContext = { amberFactors: factors() };
    const own = new ScoredSelector(k, PATTERNS, 'amber', 'dpts', ctx);
    const shared = new ScoredSelector(k, PATTERNS, 'amber', 'dpts', ctx);
    own.prepare(x, rows, rows, new Float32Array(rows * k));
    shared.prepare(x, rows, rows, new Float32Array(rows * k), first.preparedShifts);
    let compared = 0;
    PATTERNS.forEach((_, q) => {
      const keepA = new Uint8Array(rows * k);
      const outA = new Float32Array(rows * k);
      const keepB = new Uint8Array(rows * k);
      const outB = new Float32Array(rows * k);
      own.emit(q, x, rows, keepA, outA);
      shared.emit(q, x, rows, keepB, outB);
      expect(keepB).toEqual(keepA);
      expect(new Int32Array(outB.buffer)).toEqual(new Int32Array(outA.buffer));
      compared++;
    });
    expect(compared).toBe(PATTERNS.length);
    expect(new ScoredSelector(k, PATTERNS, 'amber', 'none', ctx).sharesShifts).toBe(false);
  });

  const bundlePath = path.join(REPO_ROOT, 'traces', 'stories260k');
  (existsSync(path.join(bundlePath, 'manifest.json')) ? test : test.skip)('gives pruneMatrix’s keep rows and x̃ bit for bit on the captured stories260k inputs with their recorded amber factors', async () => {
    const bundle = await openBundle(bundlePath);
    let checked = 0;
    try {
      const run = bundle.manifest.runs.find((r) => r.config.pattern === 'dense') ?? bundle.manifest.runs[0];
      for (const site of run.sites.slice(0, 4)) {
        const src = await bundle.tensor(site.tensor);
        const rows = Math.min(src.rows, 64);
        const x = await src.readRows(0, rows);
        const ws = site.weight_stats?.[0];
        const ctx: PruneContext = { staticShift: -0.01 };
        if (ws?.amber_column_norms) ctx.amberFactors = amberFactorsFromNorms(await bundle.readFloat32(ws.amber_column_norms, 'test'));
        for (const [criterion, mitigation] of CONFIGS) {
          if (criterion === 'amber' && !ctx.amberFactors) continue;
          const batch = CRITERION_INFO[criterion].batchReduction ? 16 : rows;
          expect(mismatches(x, rows, src.cols, criterion, mitigation, ctx, batch, true)).toBe(0);
          checked++;
        }
      }
    } finally {
      await bundle.close();
    }
    expect(checked).toBeGreaterThanOrEqual(4 * 13);
  });
});

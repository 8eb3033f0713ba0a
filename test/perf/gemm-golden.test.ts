/**
 * The tile pipeline reproduces, to the last bit, what it computed before rerun16d made it faster
 * (wave counting row by row and slice run by slice run, waves of one composition timed once, each
 * K depth's step costed once, size classes in closed form, memoised pruning-network shapes):
 * test/perf/fixtures/gemm-golden.json was written by make-gemm-golden.mjs from main's build at
 * 81b67b6, before those changes — 112 GEMMs: prefill, odd edge tiles, split-K decode (2, 5 and 16
 * slices), a single column tile, × dense, 2:4, 8:16, 16:32 × four shipped profiles. 32 more from
 * main's build at e1d2ef5 (the same script; the 112 unchanged), before rerun round 4 summed each
 * step depth's terms in tight loops (tileTiming, gemmActivity): K = 4100 and 100 in tiles without
 * split-K, where a short last K step sits in the slowest tile of its wave (in the split-K cases
 * the last slice is never the slowest, so its short step did not show).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadProfile } from '../../src/profile/load.js';
import { simulateGemm, type GemmSim } from '../../src/perf/gemm-pipeline.js';
import { planPattern } from '../../src/perf/execution-plan.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import type { HardwareProfile } from '../../src/profile/schema.js';

interface GoldenCase {
  profile: string;
  rows: number;
  k: number;
  n: number;
  rowFraction: number;
  pattern: string;
  [field: string]: unknown;
}

const FIXTURE = path.join('test', 'perf', 'fixtures', 'gemm-golden.json');
const golden = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as GoldenCase[];

/** The fields make-gemm-golden.mjs keeps (fixtures/gemm-golden-cases.mjs goldenOf). */
function goldenOf(sim: GemmSim): Record<string, unknown> {
  return {
    cycles: sim.cycles,
    computeCycles: sim.computeCycles,
    waves: sim.waves,
    tiles: sim.tiles,
    splitK: sim.splitK,
    stallCycles: sim.stallCycles,
    bufferStallByLevel: sim.bufferStallByLevel,
    binding: sim.binding,
    bytesByLevel: sim.activity.bytesByLevel,
    metadataBits: sim.activity.metadataBits,
  };
}

describe('the tile pipeline against its results before rerun16d', () => {
  const profiles = new Map<string, HardwareProfile>();
  beforeAll(async () => {
    for (const name of new Set(golden.map((c) => c.profile))) profiles.set(name, (await loadProfile(path.join('hardware-profiles', `${name}.yaml`))).profile);
  });

  test('the fixture covers split-K decode, several waves and short edge tiles', () => {
    expect(golden).toHaveLength(144);
    expect(golden.some((c) => c.splitK === 1 && c.k % 64 !== 0)).toBe(true);
    expect(new Set(golden.map((c) => c.splitK))).toEqual(new Set([1, 2, 5, 16]));
    expect(golden.some((c) => (c.waves as number) > 10)).toBe(true);
    expect(golden.some((c) => c.n % 128 !== 0 && c.rows % 64 !== 0)).toBe(true);
  });

  test('every GEMM gives the same cycles, stalls, waves and bytes, bit for bit', () => {
    const differing: string[] = [];
    for (const c of golden) {
      const { profile: name, rows, k, n, rowFraction, pattern, ...expected } = c;
      const profile = profiles.get(name)!;
      const sim = simulateGemm({ name: 'up', site: 'mlp_in', rowsTokens: rows, kIn: k, nOut: n }, planPattern(profile, parsePattern(pattern)), hardwareView(profile), rowFraction);
      // JSON text: exact for every finite double, as the fixture was written
      if (JSON.stringify(goldenOf(sim)) !== JSON.stringify(expected)) differing.push(`${name} ${pattern} ${rows}×${k}→${n}`);
    }
    expect(differing).toEqual([]);
  });
});

/**
 * Issue 18's equality: the merge of n shards (n = 1, 2, 3, 7) equals the unsharded analysis.
 * Whole sites (the default below 2^28 elements per site): analysis.json and every CSV are
 * byte-identical. Sites cut into token ranges (--piece-tokens): counts, histograms and unions
 * exact, float64 sums equal to 1e-12 relative (summation order differs). Every part goes through
 * its on-disk text (report/shard-folder.ts) before the merge, and parts are merged in reverse
 * order.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { analyze } from '../../src/analysis/analyze.js';
import { analyzeShard, planPieces, assignPieces, alignmentTokens } from '../../src/analysis/shard.js';
import { prepareAnalysis } from '../../src/analysis/analyze.js';
import { mergeAnalysisShards, type ShardPart } from '../../src/analysis/merge.js';
import type { AnalysisShard } from '../../src/analysis/shard.js';
import type { AnalysisPlan, AnalysisResult } from '../../src/analysis/types.js';
import { openBundle, type TraceBundle } from '../../src/trace/bundle.js';
import { analysisJson } from '../../src/report/analysis-json.js';
import { csvTables, tableColumns } from '../../src/report/analysis-tables.js';
import { parseShardText, shardText } from '../../src/report/shard-folder.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { csvMaxRelDiff, maxRelDiff, writeMultiFileBundle, SYNTH_TOKENS } from './helpers.js';

const SHIPPED = path.join(REPO_ROOT, 'traces', 'stories260k');
let dir: string;
let synth: TraceBundle;
let shipped: TraceBundle;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-shard-eq-'));
  await writeMultiFileBundle(path.join(dir, 'synth'));
  synth = await openBundle(path.join(dir, 'synth'));
  shipped = await openBundle(SHIPPED);
});
afterAll(async () => {
  await synth?.close();
  await shipped?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function sharded(bundle: TraceBundle, plan: Partial<AnalysisPlan>, count: number, pieceTokens?: number): Promise<{ result: AnalysisResult; parts: AnalysisShard[] }> {
  const parts: ShardPart<AnalysisShard>[] = [];
  for (let index = 0; index < count; index++) {
    const shard = await analyzeShard(bundle, plan, { index, count }, undefined, { workers: 0, ...(pieceTokens !== undefined ? { pieceTokens } : {}) });
    parts.push({ where: `part-${index}`, data: parseShardText(shardText(shard)) });
  }
  return { result: mergeAnalysisShards(parts.reverse()), parts: parts.map((p) => p.data) };
}

function outputs(result: AnalysisResult): { json: string; csv: Record<string, string> } {
  const csv: Record<string, string> = {};
  for (const [name, rows] of Object.entries(csvTables(result))) csv[name] = stringify(rows, { header: true, columns: tableColumns(name, rows) });
  return { json: JSON.stringify(analysisJson(result, 'test'), null, 2), csv };
}

describe('merge of whole-site shards is byte-identical to the unsharded analysis', () => {
  test('on the shipped stories260k bundle (dense run, 20 sites), for n = 1, 2, 3 and 7', async () => {
    const plan = {};
    const whole = outputs(await analyze(shipped, plan, undefined, { workers: 0 }));
    expect(Object.keys(whole.csv)).toHaveLength(10);
    for (const n of [1, 2, 3, 7]) {
      const { result, parts } = await sharded(shipped, plan, n);
      // every shard did some of the 20 sites, each site once
      expect(parts.map((p) => p.results.length).reduce((a, b) => a + b, 0)).toBe(20);
      expect(parts.every((p) => p.results.length >= Math.floor(20 / n) - 1)).toBe(true);
      const got = outputs(result);
      expect(got.json).toBe(whole.json);
      for (const name of Object.keys(whole.csv)) expect([n, name, got.csv[name]]).toEqual([n, name, whole.csv[name]]);
    }
  });

  test('on a synthetic trace in three .safetensors files, two runs, amber, dpts and output error, for n = 1, 2, 3 and 7 (shards 4–6 of 7 get no site when one run is analysed)', async () => {
    const rich: Partial<AnalysisPlan> = { patterns: parsePatternList('2:4,8:16,16:32,unstructured'), criteria: ['magnitude', 'amber', 'clact'], mitigations: ['none', 'dpts'] };
    for (const runs of [['dense'], ['dense', 'p8of16']]) {
      const plan = { ...rich, runs };
      const whole = outputs(await analyze(synth, plan, undefined, { workers: 0 }));
      for (const n of [1, 2, 3, 7]) {
        const { result, parts } = await sharded(synth, plan, n);
        const sites = 4 * runs.length;
        expect(parts.map((p) => p.results.length).reduce((a, b) => a + b, 0)).toBe(sites);
        // shards beyond the pieces still write a part, with no result in it
        expect(parts.filter((p) => p.results.length === 0)).toHaveLength(Math.max(0, n - sites));
        const got = outputs(result);
        expect(got.json).toBe(whole.json);
        for (const name of Object.keys(whole.csv)) expect([n, name, got.csv[name]]).toEqual([n, name, whole.csv[name]]);
      }
    }
  });
});

describe('merge of token-range shards equals the unsharded analysis to 1e-12', () => {
  test('ranges start on the lcm of the union batch sizes and the clact batch (64 for the defaults), so 96 tokens split into 64 + 32', () => {
    const prepared = prepareAnalysis(synth, { criteria: ['magnitude', 'clact'] });
    expect(alignmentTokens(prepared.plan, SYNTH_TOKENS)).toBe(64);
    expect(alignmentTokens({ ...prepared.plan, batchSizes: [1, 3, 4], criteria: ['magnitude'] }, SYNTH_TOKENS)).toBe(12);
    const pieces = planPieces(prepared, 10);
    expect(pieces.map((p) => [p.task, p.start, p.rows, p.whole])).toEqual([0, 1, 2, 3].flatMap((t) => [[t, 0, 64, false], [t, 64, 32, false]]));
    // a site shorter than its alignment stays whole
    expect(planPieces(prepared, 0).every((p) => p.whole)).toBe(true);
  });

  test('by default a site is cut only above 2^28 elements: [2^20, 4096] F16 (8 GiB) → 16 ranges of 65,536 rows; [65,536, 4096] stays whole', () => {
    const prepared = prepareAnalysis(synth, {});
    const fake = (rows: number, k: number) => ({ ...prepared, tasks: [{ ...prepared.tasks[0], rows, k, elements: rows * k }] });
    const big = planPieces(fake(2 ** 20, 4096));
    expect(big.map((p) => p.rows)).toEqual(new Array(16).fill(65_536));
    expect(big.map((p) => p.start)).toEqual(Array.from({ length: 16 }, (_, i) => i * 65_536));
    expect(big.every((p) => !p.whole)).toBe(true);
    expect(planPieces(fake(65_536, 4096)).map((p) => [p.rows, p.whole])).toEqual([[65_536, true]]);
    // a ragged end: 2^20 + 10 rows → the last range holds the 10
    expect(planPieces(fake(2 ** 20 + 10, 4096)).slice(-1).map((p) => [p.start, p.rows])).toEqual([[2 ** 20, 10]]);
  });

  test('largest piece first to the least loaded shard: costs 5, 4, 3, 3, 1 over 2 shards → loads 8 and 8', () => {
    expect(assignPieces([5, 4, 3, 3, 1], 2)).toEqual([0, 1, 1, 0, 1]);
    expect(assignPieces([1, 1], 3)).toEqual([0, 1]);
  });

  test('on the synthetic trace with amber, clact, dpts and output error, ranges of 12 tokens (batch sizes 1, 3, 4), n = 1, 2, 3, 7', async () => {
    const plan: Partial<AnalysisPlan> = { patterns: parsePatternList('2:4,8:16,16:32,unstructured'), criteria: ['magnitude', 'amber', 'clact'], mitigations: ['none', 'dpts'], batchSizes: [1, 3, 4], clactBatchTokens: 12, runs: ['dense', 'p8of16'] };
    const whole = outputs(await analyze(synth, plan, undefined, { workers: 0 }));
    for (const n of [1, 2, 3, 7]) {
      const { result, parts } = await sharded(synth, plan, n, 12);
      expect(parts[0].pieces).toHaveLength(2 * 4 * (SYNTH_TOKENS / 12));
      expect(parts.every((p) => p.results.length > 0)).toBe(true);
      const got = outputs(result);
      const rel = maxRelDiff(JSON.parse(got.json), JSON.parse(whole.json));
      expect(rel).toBeLessThanOrEqual(1e-12);
      for (const name of Object.keys(whole.csv)) expect(csvMaxRelDiff(got.csv[name], whole.csv[name])).toBeLessThanOrEqual(1e-12);
    }
  });
});

describe('non-finite rows in a sharded analysis', () => {
  let nanDir: string;
  let nan: TraceBundle;
  beforeAll(async () => {
    nanDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-shard-nan-'));
    // row 70 of gate_up holds a NaN, row 5 of down an Inf
    await writeMultiFileBundle(nanDir, (site, x, k) => {
      if (site === 'layers.0.mlp.gate_up.input') x[70 * k + 3] = NaN;
      if (site === 'layers.0.mlp.down_proj.input') x[5 * k] = Infinity;
    });
    nan = await openBundle(nanDir);
  });
  afterAll(async () => {
    await nan?.close();
    await fs.rm(nanDir, { recursive: true, force: true });
  });

  test('whole sites: the rows are excluded and counted exactly as unsharded (2 rows, byte-identical output, n = 3)', async () => {
    const whole = await analyze(nan, {}, undefined, { workers: 0 });
    expect(whole.runs[0].nonfinite.sites.map((s) => [s.site, s.rows])).toEqual([
      ['layers.0.mlp.gate_up.input', 1],
      ['layers.0.mlp.down_proj.input', 1],
    ]);
    const { result } = await sharded(nan, {}, 3);
    expect(outputs(result)).toEqual(outputs(whole));
  });

  test('token ranges: a range holding a NaN row is refused (the exclusion renumbers the whole site), naming the tensor and the row in the site', async () => {
    const plan = { batchSizes: [1, 2, 4], clactBatchTokens: 4 };
    let refused: unknown;
    for (let index = 0; index < 2 && !refused; index++) {
      await analyzeShard(nan, plan, { index, count: 2 }, undefined, { workers: 0, pieceTokens: 16 }).catch((e) => (refused = e));
    }
    expect(refused).toMatchObject({ diagnostics: [expect.objectContaining({ code: 'analysis/nonfinite-in-split-site' })] });
    const message = (refused as { diagnostics: { message: string }[] }).diagnostics[0].message;
    expect(message).toMatch(/layers\.0\.mlp\.(gate_up|down_proj)\.input/);
    expect(message).toMatch(/at \[(70, 3|5, 0)\]/);
  });
});

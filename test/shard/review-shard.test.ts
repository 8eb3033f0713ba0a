/**
 * `nmsim review --shard i/n` + `nmsim merge`: the review's analysis (both passes) sharded and
 * merged exactly, then the review's own steps once — the merged review equals the
 * single-machine one (ReviewData identical for n = 1, 2, 3, 7; the report folder byte-identical
 * except run.json's command line and timings, which are per run by design).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runReview } from '../../src/review/run-review.js';
import { mergeReviewShards, reviewShard, type ReviewShard } from '../../src/review/shard.js';
import { parseShardText, REVIEW_SHARD_FORMAT, shardText } from '../../src/report/shard-folder.js';
import { renderReport } from '../../src/report/write-report.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from '../review/synthetic-bundle.js';

let dir: string;
let bundle: string;
const PROFILES = ['act-8of16', 'act-16of32'];
const at = (...p: string[]) => path.join(dir, ...p);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-review-shard-'));
  bundle = at('bundle');
  await writeSyntheticBundle(bundle);
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

describe('sharded review (library)', () => {
  test('the merge of n = 1, 2, 3, 7 review shards gives the ReviewData of the single-machine review; the rendered report is byte-identical', async () => {
    const options = { traces: [bundle], profiles: PROFILES, patterns: parsePatternList('2:4,8:16,16:32'), criteria: ['magnitude' as const, 'clact' as const], mitigations: ['none' as const, 'dpts' as const] };
    const single = await runReview(options);
    const singleJson = JSON.stringify(single.data);
    for (const n of [1, 2, 3, 7]) {
      const parts: { where: string; data: ReviewShard }[] = [];
      for (let index = 0; index < n; index++) {
        const part = await reviewShard(options, { index, count: n });
        parts.push({ where: `review-${index}`, data: parseShardText(shardText(part, REVIEW_SHARD_FORMAT), REVIEW_SHARD_FORMAT) });
      }
      // 4 sites in each of the 2 passes, the proxy pass rotated past the structure pass: with 7
      // shards, 0–3 hold one structure piece each, 4–6 and 0 one proxy piece each
      expect(parts[0].data.pieces).toHaveLength(8);
      const held = parts.map((p) => p.data.pieces.filter((r) => r.shard === p.data.shard.index).length);
      expect(held.reduce((a, b) => a + b, 0)).toBe(8);
      if (n === 7) expect(held).toEqual([2, 1, 1, 1, 1, 1, 1]);
      if (n === 2) expect(held).toEqual([4, 4]);
      const { options: merged, analyses } = await mergeReviewShards([...parts].reverse());
      const review = await runReview(merged, undefined, analyses);
      expect([n, JSON.stringify(review.data)]).toEqual([n, singleJson]);
      if (n === 3) {
        const a = await renderReport(single.data);
        const b = await renderReport(review.data);
        expect([...b.keys()]).toEqual([...a.keys()]);
        for (const [name, content] of a) expect([name, Buffer.from(b.get(name)!).equals(Buffer.from(content))]).toEqual([name, true]);
      }
    }
  });
});

describe('nmsim review --shard and nmsim merge', () => {
  // the design axes held at the files' own choices (test/shard/review-points.test.ts shards a swept review)
  const FAST = ['--traces', '', '--profiles', PROFILES.join(','), '--criteria', 'magnitude', '--mitigations', 'none,dpts', '--no-progress', '--axes', 'selector=mux', '--axes', 'encoding=index', '--axes', 'provisioning=dense-balanced'];
  const args = () => FAST.map((a) => (a === '' ? bundle : a));

  test('2 shards merged write the report `nmsim review --out` writes (run.json differs only in command and timings), and so do 3 design-point shards over those parts; a lost, failed or mixed part is refused by name', async () => {
    expect(runCli(['review', ...args(), '--out', at('single')]).code).toBe(0);
    for (const i of [0, 1]) {
      const r = runCli(['review', ...args(), '--shard', `${i}/2`, '--out', at('parts', `review-${i}`)]);
      expect([i, r.code, r.stderr]).toEqual([i, 0, '']);
      expect(r.stdout).toMatch(new RegExp(`^review shard ${i}/2: \\d+ of 8 analysis pieces`));
    }
    const merged = runCli(['merge', at('parts', 'review-1'), at('parts', 'review-0'), '--out', at('merged'), '--no-progress']);
    expect([merged.code, merged.stderr]).toEqual([0, '']);
    const names = (await fs.readdir(at('single'))).sort();
    expect((await fs.readdir(at('merged'))).sort()).toEqual(names);
    for (const f of names.filter((f) => f !== 'run.json')) expect([f, (await fs.readFile(at('merged', f))).equals(await fs.readFile(at('single', f)))]).toEqual([f, true]);
    const run = async (d: string) => {
      const j = JSON.parse(await fs.readFile(at(d, 'run.json'), 'utf8'));
      delete j.timings_ms;
      delete j.command;
      return j;
    };
    expect(await run('merged')).toEqual(await run('single'));

    const lost = runCli(['merge', at('parts', 'review-0'), '--out', at('never')]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain('Shard 1 of 2 is missing');
    expect(lost.stderr).toContain('nmsim review <same options> --shard 1/2');
    await expect(fs.stat(at('never'))).rejects.toThrow();

    // stage 2: the design points in 3 shards over those analysis parts (2 profiles × 2:4, 4:8,
    // 8:16, 16:32, unstructured × magnitude × none, dpts = 20 points: blocks of 6, 7, 7)
    const analysis = [at('parts', 'review-0'), at('parts', 'review-1')];
    for (const j of [0, 1, 2]) {
      const r = runCli(['review', ...args(), '--shard', `${j}/3`, '--analysis', ...analysis, '--out', at('points', `p-${j}`)]);
      expect([j, r.code, r.stderr, r.stdout]).toEqual([j, 0, '', expect.stringMatching(new RegExp(`^review points shard ${j}/3: design points ${['0–5', '6–12', '13–19'][j]} of 20 → `))]);
    }
    const points = runCli(['merge', at('points', 'p-2'), at('points', 'p-0'), at('points', 'p-1'), '--out', at('merged-points'), '--no-progress']);
    expect([points.code, points.stderr]).toEqual([0, '']);
    expect((await fs.readdir(at('merged-points'))).sort()).toEqual(names);
    for (const f of names.filter((f) => f !== 'run.json')) expect([f, (await fs.readFile(at('merged-points', f))).equals(await fs.readFile(at('single', f)))]).toEqual([f, true]);
    const runPoints = await run('merged-points');
    expect(runPoints).toEqual(await run('single'));

    // a failed point task leaves a folder without a finished part; a lost one, nothing: both named
    await fs.mkdir(at('points', 'p-failed'));
    const failed = runCli(['merge', at('points', 'p-0'), at('points', 'p-failed'), '--out', at('never')]);
    expect([failed.code, failed.stderr.includes(`${at('points', 'p-failed')} is not a finished analysis shard part`)]).toEqual([1, true]);
    const missing = runCli(['merge', at('points', 'p-0'), at('points', 'p-2'), '--out', at('never')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Shard 1 of 3 is missing: none of the 2 parts given is shard 1 (it held design points 6–12 of 20)');
    const mixed = runCli(['merge', at('points', 'p-0'), at('parts', 'review-0'), '--out', at('never')]);
    expect([mixed.code, mixed.stderr.includes('one merge joins the parts of one job')]).toEqual([1, true]);
    await expect(fs.stat(at('never'))).rejects.toThrow();
  });

  test('a profile edited after the shards ran is refused (merge/inputs-changed); review and analysis parts are not merged together; --shard needs --out; --analysis needs --shard and review analysis parts', async () => {
    const profile = at('mine.yaml');
    await fs.copyFile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'), profile);
    const base = ['review', '--traces', bundle, '--profiles', profile, '--criteria', 'magnitude', '--mitigations', 'none', '--no-progress'];
    for (const i of [0, 1]) expect(runCli([...base, '--shard', `${i}/2`, '--out', at('edit', `r-${i}`)]).code).toBe(0);
    await fs.appendFile(profile, '\n# edited\n');
    const changed = runCli(['merge', at('edit', 'r-0'), at('edit', 'r-1'), '--out', at('edited')]);
    expect([changed.code, changed.stderr.includes('merge/inputs-changed')]).toEqual([1, true]);

    expect(runCli(['analyze', bundle, '--shard', '0/2', '--out', at('a-0')]).code).toBe(0);
    const mixed = runCli(['merge', at('edit', 'r-0'), at('a-0'), '--out', at('mixed')]);
    expect([mixed.code, mixed.stderr.includes('one merge joins the parts of one job')]).toEqual([1, true]);

    const noOut = runCli([...base, '--shard', '0/2']);
    expect([noOut.code, noOut.stderr.includes('shard/out-required')]).toEqual([2, true]);

    // stage 2 needs --shard, and review analysis parts (not those of `nmsim analyze --shard`)
    const noShard = runCli([...base, '--analysis', at('a-0'), '--out', at('p')]);
    expect([noShard.code, noShard.stderr.includes('review/analysis-needs-shard')]).toEqual([2, true]);
    const notReview = runCli([...base, '--shard', '0/2', '--analysis', at('a-0'), '--out', at('p')]);
    expect([notReview.code, notReview.stderr.includes(`review/analysis-not-a-part`), notReview.stderr.includes(at('a-0'))]).toEqual([1, true, true]);
    await expect(fs.stat(at('p'))).rejects.toThrow();
  });
});

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/cli.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let bundle: string;
let out: string;
const PROFILES = 'act-2of4,act-8of16,act-16of32';
// the design axes held at the files' own choices (mux, index, dense-balanced): these tests are about
// the report folder and the cores as written; test/review/axes.test.ts runs the default sweep
const FAST = ['--criteria', 'magnitude', '--mitigations', 'none', '--no-progress', '--axes', 'selector=mux', '--axes', 'encoding=index', '--axes', 'provisioning=dense-balanced'];

async function snapshot(dir: string): Promise<Record<string, string>> {
  const snap: Record<string, string> = {};
  for (const f of (await fs.readdir(dir)).sort()) snap[f] = createHash('sha256').update(await fs.readFile(path.join(dir, f))).digest('hex');
  return snap;
}

function withoutTimings(runJson: string): unknown {
  const j = JSON.parse(runJson);
  delete j.timings_ms;
  return j;
}

/** file → sha256 of the first report */
let first: Record<string, string>;
let firstFiles: Record<string, string>;
let firstRun: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-review-'));
  bundle = path.join(tmp, 'bundle');
  out = path.join(tmp, 'reports', 'r');
  await writeSyntheticBundle(bundle);
  firstRun = runCli(['review', '--traces', bundle, '--profiles', PROFILES, '--out', out, ...FAST]);
  first = await snapshot(out);
  firstFiles = {};
  for (const f of ['design-review.md', 'design-points.csv', 'run.json']) firstFiles[f] = await fs.readFile(path.join(out, f), 'utf8');
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('nmsim review on a synthetic bundle', () => {
  it('writes the report folder and prints a one-screen summary with the recommendation', () => {
    expect(firstRun.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(firstRun.code).toBe(0);
    expect(Object.keys(first).sort()).toEqual([
      '.nmsim-output.json',
      'accuracy-vs-area.png', 'accuracy-vs-area.svg', 'accuracy-vs-energy.png', 'accuracy-vs-energy.svg', 'accuracy-vs-speedup.png', 'accuracy-vs-speedup.svg', 'area-breakdown.png', 'area-breakdown.svg',
      'decode-serving.png', 'decode-serving.svg', 'design-points.csv', 'design-review.html', 'design-review.md', 'energy-breakdown.png', 'energy-breakdown.svg', 'io-savings.png', 'io-savings.svg', 'run.json', 'union-density-gap.png', 'union-density-gap.svg', 'union-density.png', 'union-density.svg',
    ]);
    // invented perplexities: 2:4 7.0, 8:16 6.0, 16:32 5.5 → 16:32 is (6.0 − 5.5)/6.0 = 8.3 % better
    expect(firstRun.stdout).toContain('16:32 (magnitude+none) lowers perplexity from 6.000 (8:16, magnitude+none) to 5.500 (8.3% better)');
    expect(firstRun.stdout).toContain(`headline chart: ${out}/accuracy-vs-area.png`);
    expect(firstRun.stdout.split('\n').length).toBeLessThan(40);
  });

  it('puts every measured pattern on the front of its own single-pattern core', async () => {
    const md = firstFiles['design-review.md'];
    expect(md).toMatch(/On the accuracy–area Pareto front \(measured perplexity\): 2:4 \(act-2of4\), 8:16 \(act-8of16\), 16:32 \(act-16of32\)/);
    const csv = firstFiles['design-points.csv'].trim().split('\n');
    const header = csv[0].split(',');
    const rows = csv.slice(1).map((l) => Object.fromEntries(header.map((h, i) => [h, l.split(',')[i]])));
    const measured = rows.filter((r) => r.accuracy_kind === 'measured-perplexity');
    // a finer pattern whose every mask is also a mask of the core's pattern (2:4 data on 8:16 or
    // 16:32 cores) runs there too, not natively; the coarser one (16:32 data on act-8of16) does not
    expect(measured.map((r) => `${r.profile} ${r.pattern} ${r.perplexity} ${r.native}`).sort()).toEqual([
      'act-16of32 16:32 5.5000 true',
      'act-16of32 2:4 7.0000 false',
      'act-16of32 8:16 6.0000 false',
      'act-2of4 2:4 7.0000 true',
      'act-8of16 2:4 7.0000 false',
      'act-8of16 8:16 6.0000 true',
    ]);
    // the same accuracy on a bigger core is dominated: the front keeps each pattern on its own core
    expect(rows.filter((r) => r.on_accuracy_area_front === 'true').map((r) => r.profile).sort()).toEqual(['act-16of32', 'act-2of4', 'act-8of16']);
  });

  it('models decode at B = 1 exactly as `nmsim simulate --phase decode --batch 1` does, faster than dense and than B = 8', () => {
    const csv = firstFiles['design-points.csv'].trim().split('\n');
    const header = csv[0].split(',');
    // the default --decode-batches 1,8: one speed-up and one I/O column per batch, right after prefill
    expect(header.slice(header.indexOf('prefill_speedup'), header.indexOf('prefill_speedup') + 5)).toEqual([
      'prefill_speedup', 'decode_speedup_b1', 'decode_io_savings_fraction_b1', 'decode_speedup_b8', 'decode_io_savings_fraction_b8',
    ]);
    const rows = csv.slice(1).map((l) => Object.fromEntries(header.map((h, i) => [h, l.split(',')[i]])));
    // the synthetic bundle's widths (32, 64) are multiples of every M, so one token keeps exactly
    // N/M of its channels: the measured B = 1 union density is the closed-form one simulate uses
    // without --measured, and both must give the same whole-model decode step
    const natives = rows.filter((r) => r.native === 'true' && r.criterion === 'magnitude' && r.mitigation === 'none');
    expect(natives.map((r) => `${r.profile} ${r.pattern}`).sort()).toEqual(['act-16of32 16:32', 'act-2of4 2:4', 'act-8of16 8:16']);
    for (const r of natives) {
      const sim = runCli(['simulate', '--profile', r.profile, '--model', 'llama3.1-8b', '--phase', 'decode', '--batch', '1', '--context', '4096', '--patterns', r.pattern, '--json']);
      expect(sim.code).toBe(0);
      const res = JSON.parse(sim.stdout).results.find((x: { pattern: string }) => x.pattern === r.pattern);
      expect({ core: r.profile, speedup: r.decode_speedup_b1, io: r.decode_io_savings_fraction_b1 }).toEqual({
        core: r.profile,
        speedup: res.speedup.toFixed(3),
        io: res.io_savings_fraction.toFixed(4),
      });
      // hardware pruning on a native core: a single stream fetches half the weight rows
      expect(Number(r.decode_speedup_b1)).toBeGreaterThan(1);
      // a batch of 8 fetches the union of its tokens' rows, so it gains less
      expect(Number(r.decode_speedup_b1)).toBeGreaterThan(Number(r.decode_speedup_b8));
      expect(Number(r.decode_io_savings_fraction_b1)).toBeGreaterThan(Number(r.decode_io_savings_fraction_b8));
    }
    // the Markdown summary and the terminal summary show one decode column per batch
    expect(firstFiles['design-review.md']).toContain('| prefill speed-up | decode speed-up B = 1 | decode speed-up B = 8 | decode I/O savings B = 1 | decode I/O savings B = 8 |');
    expect(firstRun.stdout).toMatch(/prefill\s+dec B=1\s+dec B=8\s+front/);
  });

  it('--decode-batch B is a one-batch alias: one decode column, B in the JSON', () => {
    const r = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16', '--out', path.join(tmp, 'reports', 'one-batch'), '--decode-batch', '4', '--json', ...FAST]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.decode_batches).toEqual([4]);
    expect(j.points.every((p: { decode: { batch_tokens: number }[] }) => p.decode.length === 1 && p.decode[0].batch_tokens === 4)).toBe(true);
  });

  it('--decode-batches takes distinct whole numbers in any order and refuses anything else (exit 2)', () => {
    const bad = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16', '--out', path.join(tmp, 'reports', 'bad'), '--decode-batches', '1,x', ...FAST]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--decode-batches');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('a second run gives byte-identical files (run.json differs only in timings), its analysis, checked manifest, masks check, loaded profiles, tech digests, design points, serving rows and chart PNGs read from the cache beside --out', async () => {
    const cacheDir = path.join(path.dirname(out), '.nmsim-cache');
    const entries = (await fs.readdir(cacheDir)).filter((f) => /\.(json|png)$/.test(f));
    // one analysis, the accuracy lookups, a checked manifest per bundle, a hash per bundle file, the masks check, a loaded profile, a points entry and its alias and a serving entry per profile, serving rows per perf view, a tech digest per tech library, a PNG per chart
    expect([...new Set(entries.map((f) => f.split('-')[0]))].sort()).toEqual(['accuracy', 'analysis', 'filehash', 'manifest', 'masks', 'png', 'points', 'pointsalias', 'profile', 'serving', 'servingview', 'tech']);
    const inodes = await Promise.all(entries.map(async (f) => (await fs.stat(path.join(cacheDir, f))).ino));
    const again = runCli(['review', '--traces', bundle, '--profiles', PROFILES, '--out', out, ...FAST]);
    expect(again.code).toBe(0);
    // a hit reads the entry; a miss would have renamed a new file into its place (a new inode)
    expect((await fs.readdir(cacheDir)).filter((f) => /\.(json|png)$/.test(f))).toEqual(entries);
    expect(await Promise.all(entries.map(async (f) => (await fs.stat(path.join(cacheDir, f))).ino))).toEqual(inodes);
    const second = await snapshot(out);
    expect(Object.keys(second)).toEqual(Object.keys(first));
    for (const f of Object.keys(first)) {
      if (f === 'run.json') {
        expect(withoutTimings(await fs.readFile(path.join(out, f), 'utf8'))).toEqual(withoutTimings(firstFiles[f]));
      } else {
        expect({ f, same: second[f] === first[f] }).toEqual({ f, same: true });
      }
    }
  });

  it('--json prints one document with the recommendation, the front and the headline PNG', () => {
    const r = runCli(['review', '--traces', bundle, '--profiles', PROFILES, '--out', path.join(tmp, 'reports', 'json'), '--json', ...FAST]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(true);
    expect(j.accuracy_kind).toBe('measured-perplexity');
    expect(j.headline_png).toBe(path.join(tmp, 'reports', 'json', 'accuracy-vs-area.png'));
    expect([...j.front].sort()).toEqual(['act-16of32|16:32|magnitude|none', 'act-2of4|2:4|magnitude|none', 'act-8of16|8:16|magnitude|none']);
    expect(j.recommendation).toContain('16:32 (magnitude+none) lowers perplexity from 6.000');
  });
});

describe('nmsim review with broken inputs', () => {
  it('a broken profile fails with the file and key path, and leaves the previous report untouched', async () => {
    const bad = path.join(tmp, 'bad-profile.yaml');
    const text = await fs.readFile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'), 'utf8');
    expect(text).toContain('patterns: ["8:16"]');
    await fs.writeFile(bad, text.replace('patterns: ["8:16"]', 'patterns: ["16:8"]'));
    const before = await snapshot(out);
    const r = runCli(['review', '--traces', bundle, '--profiles', `act-2of4,${bad}`, '--out', out, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad-profile.yaml');
    expect(r.stderr).toContain('16:8');
    expect(r.stderr).toContain('sparsity.patterns[0]');
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(await snapshot(out)).toEqual(before);
    // no temp folder left beside --out (the analysis cache of the earlier runs is not one)
    expect((await fs.readdir(path.dirname(out))).filter((f) => f.startsWith('.') && f !== '.nmsim-cache')).toEqual([]);
  });

  it('a truncated bundle file fails with the file named, and leaves the previous report untouched', async () => {
    const broken = path.join(tmp, 'broken-bundle');
    await fs.cp(bundle, broken, { recursive: true });
    const st = path.join(broken, 'dense.safetensors');
    const bytes = await fs.readFile(st);
    await fs.writeFile(st, bytes.subarray(0, bytes.length - 100));
    const before = await snapshot(out);
    const r = runCli(['review', '--traces', broken, '--profiles', PROFILES, '--out', out, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dense.safetensors');
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(await snapshot(out)).toEqual(before);
  });

  it('refuses to replace a folder that is not a report (exit 1)', async () => {
    const other = path.join(tmp, 'notes');
    await fs.mkdir(other);
    await fs.writeFile(path.join(other, 'todo.txt'), 'keep me');
    const r = runCli(['review', '--traces', bundle, '--profiles', PROFILES, '--out', other, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('output/not-nmsim-output');
    expect(r.stderr).toContain('todo.txt');
    expect(await fs.readFile(path.join(other, 'todo.txt'), 'utf8')).toBe('keep me');
  });

  it('an unknown catalog model is a usage error listing the valid ids', () => {
    const r = runCli(['review', '--traces', bundle, '--profiles', PROFILES, '--out', out, '--model', 'gpt-17', ...FAST]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('llama3.1-8b');
  });
});

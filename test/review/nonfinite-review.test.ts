/**
 * The review on a trace holding NaN: excluded rows never make a pattern look lossless (the
 * proxy stays that of the finite rows), the report says how many rows were left out, and a
 * site with no finite row stops the review (exit 1) instead of scoring it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

const ARGS = ['--profiles', 'act-2of4,act-8of16', '--patterns', '2:4,8:16', '--criteria', 'magnitude', '--mitigations', 'none', '--no-progress'];
let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-review-nan-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function proxies(csv: string): Record<string, number> {
  const [head, ...lines] = csv.trim().split('\n');
  const h = head.split(',');
  return Object.fromEntries(lines.map((l) => l.split(',')).map((c) => [`${c[h.indexOf('profile')]} ${c[h.indexOf('pattern')]}`, Number(c[h.indexOf('proxy_rel_err_l2')])]));
}

describe('nmsim review on a trace holding NaN', () => {
  test('one NaN row in the down projection: the proxy is that of the finite rows, and the report says a row was excluded', async () => {
    const clean = path.join(tmp, 'clean');
    const nan = path.join(tmp, 'nan');
    await writeSyntheticBundle(clean, []);
    await writeSyntheticBundle(nan, [], (site, x, k) => {
      if (site === 'layers.0.mlp.down_proj.input') x[5 * k + 7] = NaN;
    });
    const a = runCli(['review', '--traces', clean, '--out', path.join(tmp, 'r-clean'), ...ARGS]);
    const b = runCli(['review', '--traces', nan, '--out', path.join(tmp, 'r-nan'), ...ARGS]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(b.stderr).toContain('analysis/nonfinite-rows');
    const pa = proxies(await fs.readFile(path.join(tmp, 'r-clean', 'design-points.csv'), 'utf8'));
    const pb = proxies(await fs.readFile(path.join(tmp, 'r-nan', 'design-points.csv'), 'utf8'));
    // the down site weighs 64 of the 256 elements per token: scoring its NaN as lossless made the
    // proxy ≈ 0.75 × the clean one; leaving out 1 of its 64 rows changes it by about a percent
    for (const key of Object.keys(pa)) {
      expect(pb[key]).toBeGreaterThan(0);
      expect({ key, ratio: Math.abs(pb[key] / pa[key] - 1) < 0.05 }).toEqual({ key, ratio: true });
    }
    const md = await fs.readFile(path.join(tmp, 'r-nan', 'design-review.md'), 'utf8');
    expect(md).toContain('1 of the 256 token rows of the analysed sites held NaN or Inf (1 value) and were left out of every statistic: layers.0.mlp.down_proj.input (1 row, first at [5, 7])');
  });

  test('a site with no finite row stops the review (exit 1) and writes no report', async () => {
    const dead = path.join(tmp, 'dead');
    await writeSyntheticBundle(dead, [], (site, x) => {
      if (site === 'layers.0.self_attn.o_proj.input') x.fill(NaN);
    });
    const out = path.join(tmp, 'r-dead');
    const r = runCli(['review', '--traces', dead, '--out', out, ...ARGS]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('analysis/no-finite-rows');
    expect(r.stderr).toContain('layers.0.self_attn.o_proj.input');
    await expect(fs.access(out)).rejects.toThrow();
  });
});

describe('nmsim review analysis bounds', () => {
  test('a decode batch above 4096, or too many of them, is refused naming --decode-batches (exit 2)', async () => {
    const b = path.join(tmp, 'bounds');
    await writeSyntheticBundle(b, []);
    for (const batches of ['1,5000', Array.from({ length: 70 }, (_, i) => i + 1).join(',')]) {
      const r = runCli(['review', '--traces', b, '--out', path.join(tmp, 'never-bounds'), ...ARGS, '--decode-batches', batches]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--decode-batches');
      expect(r.stderr).not.toContain('--batch-sizes');
    }
  });
});

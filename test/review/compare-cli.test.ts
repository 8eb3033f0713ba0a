/**
 * `nmsim review --compare A,B`: the pair the recommendation states. Bad pairs are usage errors
 * (exit 2, before any input is read); a good one changes the stated pair, in the order given.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

const FAST = ['--criteria', 'magnitude', '--mitigations', 'none', '--no-progress'];
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-compare-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('review --compare', () => {
  it.each([
    ['8:16', 'review/compare-pair'],
    ['8:16,8:16', 'review/compare-pair'],
    ['8:16,16:32,4:8', 'review/compare-pair'],
    ['dense,8:16', 'review/compare-pair'],
    ['8:16,4:8', 'review/compare-not-swept'],
  ])('refuses --compare %s with a usage error naming the option (exit 2, no stack)', (pair, code) => {
    const r = runCli(['review', '--patterns', '8:16,16:32', '--compare', pair, '--out', path.join(tmp, 'never'), '--json', ...FAST]);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.errors.map((e: { code: string; path: string }) => [e.code, e.path])).toEqual([[code, '--compare']]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('states the pair it names, in its order, with chip mm² and the iso-area alternative in --json', async () => {
    const bundle = path.join(tmp, 'bundle');
    await writeSyntheticBundle(bundle);
    const r = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16,act-16of32', '--patterns', '8:16,16:32', '--compare', '16:32,8:16', '--out', path.join(tmp, 'r'), '--json', ...FAST]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.recommendation).toMatch(/ 8:16 \(magnitude\+none\) (lowers|raises) (perplexity|proxy error) from [\d.]+ \(16:32, magnitude\+none\)/);
    expect(j.recommendation).toContain('On the chip (528 tensor cores): 8:16 adds ');
    // the structured pair: 16:32 first as named; its chip delta is the two points' own overheads × 528
    expect([j.comparison.narrow.pattern, j.comparison.wide.pattern]).toEqual(['16:32', '8:16']);
    // each side's core is the chosen design-axis variant of its file (its label names it; variant_of the file)
    expect([j.comparison.wide.profile, j.comparison.narrow.profile].map((l: string) => l.split(' · ')[0])).toEqual(['act-8of16', 'act-16of32']);
    const at = (base: string) => {
      const side = base === 'act-8of16' ? j.comparison.wide : j.comparison.narrow;
      return j.points.find((p: { profile: string; variant_of: string; pattern: string }) => p.profile === side.profile && p.variant_of === base && p.pattern === side.pattern);
    };
    expect(j.comparison.chip_area_delta_mm2).toBeCloseTo(at('act-8of16').chip_area_overhead_mm2 - at('act-16of32').chip_area_overhead_mm2, 9);
    expect(j.comparison.prefill_speedup_delta).toBeCloseTo(at('act-8of16').prefill_speedup - at('act-16of32').prefill_speedup, 9);
    // the iso-area alternative, from the point's own columns: extra cores = overhead × 528 (act-8of16.yaml tensorCore.count)
    for (const p of j.points) {
      expect(p.chip_tensor_cores).toBe(528);
      expect(p.iso_area.extra_dense_cores).toBeCloseTo(p.area_overhead_fraction * 528, 6);
      expect(p.chip_area_overhead_mm2).toBeCloseTo((p.area_um2 - p.area_um2 / (1 + p.area_overhead_fraction)) * 528 / 1e6, 6);
    }
  });
});

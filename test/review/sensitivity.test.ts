import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { resolveProfileRef } from '../../src/profile/load.js';
import { renderPng, PNG_ZOOM, type RenderedPng } from '../../src/report/png.js';
import { renderReport } from '../../src/report/write-report.js';
import { TORNADO_STEM } from '../../src/report/charts/tornado.js';
import { loadProfilesHashed, type HashedProfile } from '../../src/review/inputs.js';
import { estimateProfile } from '../../src/review/performance.js';
import { runReview, type ReviewOptions } from '../../src/review/run-review.js';
import { applyOverride, defaultOverrides, parseSetArgs, rankSensitivity, sensitivityVariants, type PairDeltas } from '../../src/review/sensitivity.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let bundle: string;
let act816: HashedProfile;
let act1632: HashedProfile;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-sens-'));
  bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
  [act1632, act816] = (await loadProfilesHashed([resolveProfileRef('act-8of16'), resolveProfileRef('act-16of32')])).profiles;
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function diagnosticsOf(f: () => Promise<unknown>): Promise<Diagnostic[]> {
  try {
    await f();
  } catch (e) {
    if (isNmsimError(e)) return e.diagnostics;
    throw e;
  }
  throw new Error('expected an NmsimError');
}

describe('--set values', () => {
  it('are parsed as key=v1,v2 and a malformed one is a usage error naming the argument', async () => {
    expect(parseSetArgs(['clockMHz=1500,2000', 'sparsity.selectorStyle=mux'])).toEqual([
      { key: 'clockMHz', values: ['1500', '2000'] },
      { key: 'sparsity.selectorStyle', values: ['mux'] },
    ]);
    const d = await diagnosticsOf(async () => parseSetArgs(['clockMHz']));
    expect(d[0]).toMatchObject({ code: 'review/bad-set', path: '--set', found: '"clockMHz"' });
  });

  it('take units as the YAML does: 6.7 TB/s of DRAM at 1830 MHz is 6.7e12 / 1.83e9 = 3661.2 bytes per cycle, and 1.5 GHz is 1.5e9 Hz', async () => {
    const bw = (await applyOverride(act816, 'memory.dramBandwidth', '6.7 TB/s'))!;
    expect(bw.loaded.profile.memory.dramBytesPerCycle).toBeCloseTo(6.7e12 / 1.83e9, 6);
    expect(bw.loaded.spec.memory.dramBandwidthGBps).toBe(6700);
    const clock = (await applyOverride(act816, 'clock', '1.5 GHz'))!;
    expect(clock.loaded.profile.clockHz).toBe(1.5e9);
    // a factor multiplies the profile's own number: 3.35 TB/s × 2 = 6700 GB/s
    expect((await applyOverride(act816, 'memory.dramBandwidthGBps', 'x2'))!.loaded.spec.memory.dramBandwidthGBps).toBe(6700);
    // the original profile is untouched
    expect(act816.loaded.spec.memory.dramBandwidthGBps).toBe(3350);
  });

  it('that the schema refuses name the key, the value and what the schema expects', async () => {
    const style = await diagnosticsOf(() => applyOverride(act816, 'sparsity.selectorStyle', 'tree'));
    expect(style[0]).toMatchObject({ code: 'review/bad-set-value', path: '--set sparsity.selectorStyle', found: '"tree"' });
    expect(style[0].message).toContain('sparsity.selectorStyle=tree');
    expect(`${style[0].message} ${style[0].expected ?? ''} ${style[0].hint ?? ''}`).toMatch(/mux.*sorted-mux.*hierarchical/);
    const negative = await diagnosticsOf(() => applyOverride(act816, 'clockMHz', '-5'));
    expect(negative[0]).toMatchObject({ code: 'review/bad-set-value', found: '"-5"' });
    const unit = await diagnosticsOf(() => applyOverride(act816, 'memory.dramBandwidth', '3 parsecs'));
    expect(unit[0].code).toBe('review/bad-set-value');
    expect(unit[0].expected).toContain('GB/s');
    const tech = await diagnosticsOf(() => applyOverride(act816, 'tech', 'nangate46'));
    expect(tech[0].message).toMatch(/nangate45/);
  });

  it('refused the same way on several profiles are one diagnostic naming them all', async () => {
    const d = await diagnosticsOf(() => sensitivityVariants([act816, act1632], [{ key: 'clockMHz', values: ['fast', '1000'] }]));
    expect(d).toHaveLength(1);
    expect(d[0].message).toContain('--set clockMHz=fast on profiles act-8of16, act-16of32:');
  });

  it('with a key no profile parameter has is a usage error with the near match; a key no reviewed profile sets is an input error naming it', async () => {
    const typo = await diagnosticsOf(() => applyOverride(act816, 'memory.dramBandwidthGbps', '1000'));
    expect(typo[0]).toMatchObject({ code: 'review/unknown-set-key', severity: 'error', found: '"memory.dramBandwidthGbps"' });
    expect(typo[0].message).toContain('Did you mean "memory.dramBandwidthGBps"');
    const absent = await diagnosticsOf(() => sensitivityVariants([act816, act1632], [{ key: 'memory.buffers[7].sizeKiB', values: ['64'] }]));
    expect(absent[0]).toMatchObject({ code: 'review/set-key-absent', found: 'memory.buffers[7].sizeKiB' });
    expect(absent[0].hint).toContain('act-8of16');
    const fixed = await diagnosticsOf(() => applyOverride(act816, 'sparsity.patterns', '2:4'));
    expect(fixed[0].code).toBe('review/fixed-set-key');
  });
});

describe('doubling the DRAM bandwidth of a hand-made DRAM-bound core', () => {
  it('moves its decode speed-up by what step cycles = fixed + bytes / bandwidth predicts from the bandwidths ×1 and ×0.5', async () => {
    // act-8of16 at 10 GB/s: every decode operator streams from DRAM, so each step's cycles are a
    // fixed part (launch gaps, DRAM latency) plus bytes / bandwidth. Two bandwidths fix both
    // parts for the dense and the 8:16 step; the third (×2) is then predicted by hand.
    const slow = (await applyOverride(act816, 'memory.dramBandwidth', '10 GB/s'))!;
    const workload = { shape: catalogModel('llama3.1-8b'), prefillTokens: 2048, decodeBatches: [1], decodeContextTokens: 2048 };
    const step = async (value: string) => {
      const p = value === 'x1' ? slow : (await applyOverride(slow, 'memory.dramBandwidthGBps', value))!;
      const c = estimateProfile(p.loaded.profile, [parsePattern('8:16')], workload, []).decode[0];
      return { dense: c.dense.cycles, sparse: c.patterns[0].sim.cycles, speedup: c.patterns[0].speedup, bound: c.patterns[0].sim.bottleneck };
    };
    const one = await step('x1');
    const half = await step('x0.5');
    const twice = await step('x2');
    expect([one.bound, twice.bound]).toEqual(['dram', 'dram']);
    // T(bw) = F + M / bw: T(½) = F + 2M, T(1) = F + M → M = T(½) − T(1), F = 2T(1) − T(½); T(2) = F + M/2
    const predict = (t1: number, tHalf: number) => 2 * t1 - tHalf + (tHalf - t1) / 2;
    const predicted = predict(one.dense, half.dense) / predict(one.sparse, half.sparse);
    expect(twice.speedup).toBeCloseTo(predicted, 9);
    expect(twice.speedup - one.speedup).toBeCloseTo(predicted - one.speedup, 9);
    expect(twice.speedup - one.speedup).toBeLessThan(-1e-4); // a real, not a zero, change: the fixed part weighs more
  });
});

describe('the ranking', () => {
  const base: PairDeltas = { areaOverheadPp: 12, prefillSpeedup: 0.01, decodeSpeedup: [{ batchTokens: 8, delta: 0.02 }], prefillJoulesPerToken: 1e-4, onFront: 'both', fasterDecode: '16:32' };
  const at = (d: Partial<PairDeltas>): PairDeltas => ({ ...base, ...d });

  it('marks a value that takes a pattern off the front, or makes the other one faster, as a flip — and a speed-up difference under 0.005 as no preference', () => {
    const { rows, keys } = rankSensitivity(base, [
      { key: 'sparsity.selectorStyle', value: 'hierarchical', applied: ['a'], deltas: at({ areaOverheadPp: 4, onFront: '8:16' }) },
      { key: 'clockMHz', value: 'x1.2', applied: ['a'], deltas: at({ decodeSpeedup: [{ batchTokens: 8, delta: -0.03 }], fasterDecode: '8:16' }) },
      { key: 'memory.dramBandwidthGBps', value: 'x2', applied: ['a'], deltas: at({ prefillSpeedup: 0.03 }) },
    ]);
    expect(rows.map((r) => r.flips)).toEqual([true, true, false]);
    expect(rows[0].move.areaOverheadPp).toBeCloseTo(-8, 12);
    expect(rows[1].move.decodeSpeedup).toBeCloseTo(-0.05, 12);
    // swings: style 8 pp; clock 0.05 decode; bandwidth 0.02 prefill. Each is the largest of its
    // figure, so each influence is 1; flips rank first, then key order
    expect(keys.map((k) => [k.key, k.influence, k.flips])).toEqual([
      ['sparsity.selectorStyle', 1, true],
      ['clockMHz', 1, true],
      ['memory.dramBandwidthGBps', 1, false],
    ]);
  });

  it('gives no influence to a figure no assumption moves by more than the precision it is printed at (decode deltas of 1e-5 are noise)', () => {
    const { keys } = rankSensitivity(base, [
      { key: 'noise', value: '1', applied: ['p'], deltas: at({ decodeSpeedup: [{ batchTokens: 8, delta: 0.02001 }] }) },
      { key: 'area', value: '1', applied: ['p'], deltas: at({ areaOverheadPp: 13 }) },
    ]);
    expect(keys.map((k) => [k.key, k.influence])).toEqual([
      ['area', 1],
      ['noise', 0],
    ]);
  });

  it('sums the swing over the four deltas, each divided by the largest swing of that delta', () => {
    const { keys } = rankSensitivity(base, [
      { key: 'a', value: '1', applied: ['p'], deltas: at({ areaOverheadPp: 16, prefillSpeedup: 0.02 }) }, // swings 4 pp, 0.01
      { key: 'b', value: '1', applied: ['p'], deltas: at({ areaOverheadPp: 14, prefillSpeedup: 0.05 }) }, // swings 2 pp, 0.04
      { key: 'b', value: '2', applied: ['p'], deltas: at({ areaOverheadPp: 11 }) }, // b's area swing: 14 − 11 = 3 pp
    ]);
    // a: 4/4 + 0.01/0.04 = 1.25; b: 3/4 + 0.04/0.04 = 1.75
    expect(keys.map((k) => k.key)).toEqual(['b', 'a']);
    expect(keys[0].influence).toBeCloseTo(1.75, 12);
    expect(keys[1].influence).toBeCloseTo(1.25, 12);
  });
});

/** 16:32's prefill energy per token − 8:16's, each on the core the summary names. */
function pairEnergy(data: Awaited<ReturnType<typeof runReview>>['data']): number {
  const at = (n: string) => {
    const r = data.summary.find((x) => x.pattern.kind === 'nm' && `${x.pattern.n}:${x.pattern.m}` === n)!;
    return data.energy!.find((e) => e.profile === r.nativeProfile && e.operand === undefined && e.pattern.kind === 'nm' && `${e.pattern.n}:${e.pattern.m}` === n)!.prefill.joulesPerToken;
  };
  return at('16:32') - at('8:16');
}

describe('a constructed flip', () => {
  // Synthetic perplexities: 16:32 5.5 < 8:16 6.0, so 16:32 is always on the accuracy-vs-area
  // front, and 8:16 is on it exactly when its area overhead is below 16:32's (delta > 0).
  // 8:16 on nangate45 with a mux selector vs 16:32 on 5nm with a hierarchical one: 8:16 costs
  // more, only 16:32 is on the front. `--set tech=5nm` puts both on 5nm: 8:16 is cheaper again.
  async function writeProfiles(dir: string, techOf816: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    const y816 = await fs.readFile(resolveProfileRef('act-8of16'), 'utf8');
    const y1632 = await fs.readFile(resolveProfileRef('act-16of32'), 'utf8');
    await fs.writeFile(path.join(dir, 'act-8of16.yaml'), y816.replace(/^tech: .*$/m, `tech: ${techOf816}`));
    await fs.writeFile(path.join(dir, 'act-16of32.yaml'), y1632.replace(/selectorStyle: mux/, 'selectorStyle: hierarchical'));
  }

  it('is marked: the variant puts 8:16 back on the front, with the area delta of the same profiles written with that value', async () => {
    await writeProfiles(path.join(tmp, 'flip'), 'nangate45');
    await writeProfiles(path.join(tmp, 'flip-5nm'), '5nm');
    // axes {}: the files as written (the design axes would sweep the selector styles this flip is built from)
    const opts: ReviewOptions = { traces: [bundle], criteria: ['magnitude'], mitigations: ['none'], axes: {} };
    const swept = await runReview({ ...opts, profiles: [path.join(tmp, 'flip')], sensitivity: [{ key: 'tech', values: ['5nm', 'nangate45'] }] });
    const s = swept.data.sensitivity!;
    expect(s.base.areaOverheadPp).toBeLessThan(0);
    expect(s.base.onFront).toBe('16:32');
    const [to5nm, toNangate] = s.rows;
    expect(to5nm.deltas.areaOverheadPp).toBeGreaterThan(0);
    expect(to5nm.deltas.onFront).toBe('both');
    expect(to5nm.flips).toBe(true);
    // nangate45 is what 8:16 already had; 16:32 moves to nangate45 too, and is on the front either way
    expect(toNangate.deltas.onFront).toBe(toNangate.deltas.areaOverheadPp! > 0 ? 'both' : '16:32');
    expect(s.keys[0]).toMatchObject({ key: 'tech', flips: true });
    // the override is the file edited: a plain review of the 5nm files has the variant's deltas
    const edited = await runReview({ ...opts, profiles: [path.join(tmp, 'flip-5nm')] });
    const row = (n: string) => edited.data.summary.find((r) => r.pattern.kind === 'nm' && `${r.pattern.n}:${r.pattern.m}` === n)!;
    expect(to5nm.deltas.areaOverheadPp).toBeCloseTo((row('16:32').areaOverheadFraction! - row('8:16').areaOverheadFraction!) * 100, 12);
  }, 60_000);

  it('re-evaluates only the profiles a value changes: hierarchical changes act-8of16 alone, and gives the review of that edited file', async () => {
    const dir = path.join(tmp, 'flip-hier');
    await writeProfiles(dir, 'nangate45');
    const y816 = await fs.readFile(path.join(dir, 'act-8of16.yaml'), 'utf8');
    const opts: ReviewOptions = { traces: [bundle], criteria: ['magnitude'], mitigations: ['none'], axes: {} };
    const swept = await runReview({ ...opts, profiles: [path.join(tmp, 'flip')], sensitivity: [{ key: 'sparsity.selectorStyle', values: ['hierarchical', 'mux'] }] });
    const [hier, mux] = swept.data.sensitivity!.rows;
    expect(hier.applied).toEqual(['act-8of16']);
    expect(mux.applied).toEqual(['act-16of32']);
    await fs.writeFile(path.join(dir, 'act-8of16.yaml'), y816.replace(/selectorStyle: mux/, 'selectorStyle: hierarchical'));
    const edited = await runReview({ ...opts, profiles: [dir] });
    const row = (n: string) => edited.data.summary.find((r) => r.pattern.kind === 'nm' && `${r.pattern.n}:${r.pattern.m}` === n)!;
    expect(hier.deltas.areaOverheadPp).toBeCloseTo((row('16:32').areaOverheadFraction! - row('8:16').areaOverheadFraction!) * 100, 12);
    expect(hier.deltas.prefillJoulesPerToken).toBeCloseTo(pairEnergy(edited.data), 15);
    // a value every profile already has is no error: nothing applied, the review's own deltas
    const same = await sensitivityVariants([act816, act1632], [{ key: 'sparsity.selectorStyle', values: ['mux'] }]);
    expect(same[0].applied).toEqual([]);
  }, 60_000);
});

describe('the default sensitivity sweep of a review', () => {
  // axes {}: the files as written, so the selector style is an assumption to sweep (see the design-axes case below)
  const FAST: ReviewOptions = { profiles: ['act-8of16', 'act-16of32'], criteria: ['magnitude'], mitigations: ['none'], axes: {} };
  let files: Map<string, string | Uint8Array>;
  let outcome: Awaited<ReturnType<typeof runReview>>;

  beforeAll(async () => {
    outcome = await runReview({ ...FAST, traces: [bundle], sensitivity: 'default' });
    files = await renderReport(outcome.data);
  }, 120_000);

  it('sweeps each memory level, DRAM, clock, selector style and node, and its selector style moves the area delta the review itself reports', async () => {
    const s = outcome.data.sensitivity!;
    expect(s.keys.map((k) => k.key).sort()).toEqual(
      ['clockMHz', 'memory.buffers[0].bandwidthBytesPerCycle', 'memory.buffers[1].bandwidthBytesPerCycle', 'memory.buffers[2].bandwidthBytesPerCycle', 'memory.dramBandwidthGBps', 'sparsity.selectorStyle', 'tech'].sort(),
    );
    expect(s.rows).toHaveLength(2 + 2 + 2 + 2 + 2 + 3 + 3);
    // the base delta is the review's own: 16:32 − 8:16 area overhead from its summary rows
    const row = (n: string) => outcome.data.summary.find((r) => r.pattern.kind === 'nm' && `${r.pattern.n}:${r.pattern.m}` === n)!;
    expect(s.base.areaOverheadPp).toBeCloseTo((row('16:32').areaOverheadFraction! - row('8:16').areaOverheadFraction!) * 100, 12);
    // mux is the shipped style: its variant reproduces the base exactly
    const mux = s.rows.find((r) => r.key === 'sparsity.selectorStyle' && r.value === 'mux')!;
    expect(mux.move.areaOverheadPp).toBe(0);
    const hier = s.rows.find((r) => r.key === 'sparsity.selectorStyle' && r.value === 'hierarchical')!;
    expect(hier.move.areaOverheadPp).not.toBe(0);
    // a memory bandwidth never changes an area
    expect(s.rows.filter((r) => r.key.startsWith('memory')).every((r) => r.move.areaOverheadPp === 0)).toBe(true);
  });

  it('writes a tornado chart (SVG + PNG with its text drawn) and a table naming the five most influential assumptions', async () => {
    const svg = files.get(`${TORNADO_STEM}.svg`) as string;
    const s = outcome.data.sensitivity!;
    for (const k of s.keys) expect(svg).toContain(k.key);
    const md = files.get('design-review.md') as string;
    const section = md.slice(md.indexOf('## Sensitivity'));
    for (const k of s.keys.slice(0, 5)) expect(section).toContain(`| ${s.keys.indexOf(k) + 1} | ${k.key} |`);
    expect(md).toContain(`${TORNADO_STEM}.png`);
    expect((files.get('design-review.html') as string)).toContain('Sensitivity: which assumptions move the comparison');
    // the label column (x 12–250 px, below the subtitle) holds only text: ink with the font, none without
    const withFonts = await renderPng(svg);
    const noFonts = await renderPng(svg, { withFonts: false });
    expect(Buffer.from(withFonts.png).equals(Buffer.from(files.get(`${TORNADO_STEM}.png`) as Uint8Array))).toBe(true);
    const r = { x0: 12, y0: 110, x1: 250, y1: 300 };
    expect(darkPixels(noFonts, r)).toBe(0);
    expect(darkPixels(withFonts, r) / ((r.x1 - r.x0) * (r.y1 - r.y0) * PNG_ZOOM * PNG_ZOOM)).toBeGreaterThan(0.01);
  });

  it('leaves the review without the flag as it was: no sensitivity field, no tornado file', async () => {
    const plain = await runReview({ ...FAST, traces: [bundle] });
    expect(plain.data.sensitivity).toBeUndefined();
    const plainFiles = await renderReport(plain.data);
    expect(plainFiles.has(`${TORNADO_STEM}.svg`)).toBe(false);
    expect(plainFiles.get('design-review.md')).not.toContain('Sensitivity');
  }, 60_000);
});

describe('sensitivity over the design axes', () => {
  it('leaves a swept axis out of the default sweep, refuses --set on it, and re-chooses the variants under each value', async () => {
    const axes = { selector: ['mux' as const, 'hierarchical' as const] };
    const profiles = [act816, act1632];
    expect(defaultOverrides(profiles).map((o) => o.key)).toContain('sparsity.selectorStyle');
    expect(defaultOverrides(profiles, axes).map((o) => o.key)).not.toContain('sparsity.selectorStyle');
    const opts: ReviewOptions = { traces: [bundle], profiles: ['act-8of16', 'act-16of32'], criteria: ['magnitude'], mitigations: ['none'], axes };
    const refused = await diagnosticsOf(() => runReview({ ...opts, sensitivity: [{ key: 'sparsity.selectorStyle', values: ['mux'] }] }));
    expect(refused[0]).toMatchObject({ code: 'review/set-swept-axis', path: '--set', found: 'sparsity.selectorStyle' });
    const swept = await runReview({ ...opts, sensitivity: [{ key: 'tech', values: ['nangate45'] }] });
    const [row] = swept.data.sensitivity!.rows;
    expect([...row.applied].sort()).toEqual(['act-16of32', 'act-8of16']);
    // the value's deltas are those of a review of the edited files with the same axes (variants chosen again)
    const dir = path.join(tmp, 'axes-nangate45');
    await fs.mkdir(dir, { recursive: true });
    for (const name of ['act-8of16', 'act-16of32']) await fs.writeFile(path.join(dir, `${name}.yaml`), (await fs.readFile(resolveProfileRef(name), 'utf8')).replace(/^tech: .*$/m, 'tech: nangate45'));
    const edited = await runReview({ ...opts, profiles: [dir] });
    const summary = (n: string) => edited.data.summary.find((r) => r.pattern.kind === 'nm' && `${r.pattern.n}:${r.pattern.m}` === n)!;
    expect(row.deltas.areaOverheadPp).toBeCloseTo((summary('16:32').areaOverheadFraction! - summary('8:16').areaOverheadFraction!) * 100, 12);
    expect(edited.data.variants!.length).toBe(swept.data.variants!.length);
  }, 120_000);
});

describe('nmsim review --set', () => {
  it('refuses an unknown key with exit 2 and a bad value with exit 1, before any trace is read', () => {
    const unknown = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16', '--set', 'memory.dramBandwith=1000', '--out', path.join(tmp, 'r1'), '--no-progress']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('memory.dramBandwith');
    expect(unknown.stderr).toContain('memory.dramBandwidth');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    const bad = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16', '--set', 'sparsity.effect=skipping,tree', '--out', path.join(tmp, 'r2'), '--no-progress']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('sparsity.effect=tree');
    // the selector style is a design axis the review sweeps (--axes): --set on it is a usage error
    const axis = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16', '--set', 'sparsity.selectorStyle=mux', '--out', path.join(tmp, 'r2'), '--no-progress']);
    expect(axis.code).toBe(2);
    expect(axis.stderr).toContain('review/set-swept-axis');
  });

  it('prints the sweep in --json and writes the tornado beside the report; --set with --shard is a usage error', () => {
    const out = path.join(tmp, 'r3');
    const r = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16,act-16of32', '--criteria', 'magnitude', '--mitigations', 'none', '--set', 'clock=1.5 GHz,2 GHz', '--set', 'tech=nangate45', '--axes', 'selector=hierarchical', '--axes', 'encoding=index', '--axes', 'provisioning=dense-balanced', '--out', out, '--no-progress', '--no-cache', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.sensitivity.assumptions.map((a: { key: string }) => a.key)).toEqual(['tech', 'clock']);
    expect(doc.sensitivity.variants.map((v: { value: string }) => v.value)).toEqual(['1.5 GHz', '2 GHz', 'nangate45']);
    // a clock changes no area: both clock variants keep the review's own area delta
    expect(doc.sensitivity.variants[0].deltas.area_overhead_pp).toBe(doc.sensitivity.base.area_overhead_pp);
    expect(doc.files).toEqual(expect.arrayContaining(['sensitivity-tornado.svg', 'sensitivity-tornado.png']));
    const shard = runCli(['review', '--traces', bundle, '--shard', '0/2', '--set', 'clockMHz=1000', '--out', path.join(tmp, 'r4'), '--no-progress']);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toContain('review/sensitivity-shard');
  });
});

function darkPixels(img: RenderedPng, r: { x0: number; y0: number; x1: number; y1: number }): number {
  let n = 0;
  for (let y = r.y0 * PNG_ZOOM; y < r.y1 * PNG_ZOOM; y++) {
    for (let x = r.x0 * PNG_ZOOM; x < r.x1 * PNG_ZOOM; x++) {
      const i = (y * img.widthPx + x) * 4;
      if (img.pixels[i] + img.pixels[i + 1] + img.pixels[i + 2] < 3 * 160) n++;
    }
  }
  return n;
}

/**
 * Design axes (issue 16): selector style × metadata encoding × provisioning swept on every
 * activation core, each variant a design point, the cheapest per core × provisioning × pattern
 * chosen. The variants' areas are checked against `nmsim area --selector/--encoding` (another
 * path: the area command's own profile load and withDesignChoices) and against the shipped
 * act-8of16-sb file (normalize's provisioning); the choice is recomputed by hand from the CSV.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { resolveProfileRef } from '../../src/profile/load.js';
import { withDesignChoices } from '../../src/profile/normalize.js';
import { defaultAxes, designVariants, parseAxes } from '../../src/review/axes.js';
import { loadProfilesHashed, type HashedProfile } from '../../src/review/inputs.js';
import { nm } from '../../src/sparsity/pattern.js';
import { runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let bundle: string;
let shipped: Map<string, HashedProfile>;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-axes-'));
  bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
  const names = ['a100-like', 'act-8of16', 'act-8of16-sb', 'act-16of32'];
  const { profiles } = await loadProfilesHashed(names.map((n) => resolveProfileRef(n)));
  shipped = new Map(profiles.map((p) => [p.loaded.profile.name, p]));
});
afterAll(async () => fs.rm(tmp, { recursive: true, force: true }));

function diagnosticOf(f: () => unknown): Diagnostic {
  try {
    f();
  } catch (e) {
    if (isNmsimError(e)) return e.diagnostics[0];
    throw e;
  }
  throw new Error('expected an NmsimError');
}

/** Parses a CSV without quoted commas (the variants file has none) into records by header. */
function csvRecords(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('--axes', () => {
  it('sweeps every value of an axis not named, and names the values of one that is', () => {
    expect(parseAxes([])).toEqual(defaultAxes());
    expect(defaultAxes()).toEqual({ selector: ['mux', 'sorted-mux', 'hierarchical'], encoding: ['index', 'bitmask', 'combinatorial'], provisioning: ['dense-balanced', 'sparse-balanced'] });
    expect(parseAxes(['selector=sorted-mux,mux', 'provisioning=dense-balanced'])).toEqual({ selector: ['sorted-mux', 'mux'], encoding: ['index', 'bitmask', 'combinatorial'], provisioning: ['dense-balanced'] });
  });

  it('refuses an unknown axis, an unknown value, an empty axis and a repeated one as usage errors naming the axis and the values allowed', () => {
    expect(diagnosticOf(() => parseAxes(['selecter=mux']))).toMatchObject({ code: 'review/unknown-axis', expected: 'selector, encoding, provisioning' });
    const bad = diagnosticOf(() => parseAxes(['encoding=index,huffman']));
    expect(bad).toMatchObject({ code: 'review/bad-axis-value', path: '--axes encoding', expected: 'index, bitmask, combinatorial' });
    expect(bad.message).toContain('"huffman"');
    expect(diagnosticOf(() => parseAxes(['provisioning=']))).toMatchObject({ code: 'review/empty-axis' });
    expect(diagnosticOf(() => parseAxes(['selector=mux', 'selector=hierarchical']))).toMatchObject({ code: 'review/repeated-axis' });
  });
});

describe('designVariants', () => {
  it('gives each activation core 3 × 3 × 2 = 18 variants, own choices first and unnamed, and leaves a weight core as its datasheet says', () => {
    const v = designVariants([shipped.get('a100-like')!, shipped.get('act-8of16')!], defaultAxes());
    expect(v.profiles.map((p) => p.loaded.profile.name).slice(0, 4)).toEqual(['a100-like', 'act-8of16', 'act-8of16 · sorted-mux', 'act-8of16 · hierarchical']);
    expect(v.profiles).toHaveLength(1 + 18);
    expect(v.baseIndex.filter((b) => b === 1)).toHaveLength(18);
    expect(new Set(v.profiles.map((p) => p.loaded.profile.name)).size).toBe(19);
    const last = v.profiles[18].loaded.profile;
    expect(last.name).toBe('act-8of16 · hierarchical · combinatorial · sparse-balanced');
    expect(last.sparsity).toMatchObject({ selectorStyle: 'hierarchical', metadataEncoding: 'combinatorial', provisioning: 'sparse-balanced', bandwidthScale: 2 });
  });

  it('applies sparse-balanced provisioning as the shipped act-8of16-sb file does: the per-core buffer bandwidths ×2 (M/N of 8:16), L2 unchanged', () => {
    const sb = withDesignChoices(shipped.get('act-8of16')!.loaded.profile, { provisioning: 'sparse-balanced' });
    expect(sb.memory.buffers).toEqual(shipped.get('act-8of16-sb')!.loaded.profile.memory.buffers);
    expect(sb.memory.buffers.map((b) => b.bandwidthBytesPerCycle)).toEqual([384, 64, 5120]);
    // and back: dense-balanced on the -sb file gives act-8of16's 192, 32, 5120
    expect(withDesignChoices(shipped.get('act-8of16-sb')!.loaded.profile, { provisioning: 'dense-balanced' }).memory.buffers).toEqual(shipped.get('act-8of16')!.loaded.profile.memory.buffers);
  });

  it('drops act-8of16-sb as the provisioning twin of act-8of16 when provisioning is swept, and keeps it when not', () => {
    const both = [shipped.get('act-8of16-sb')!, shipped.get('act-8of16')!];
    const swept = designVariants(both, defaultAxes());
    expect(swept.twins).toEqual(['act-8of16-sb']);
    expect(swept.profiles.every((p) => p.loaded.profile.name.startsWith('act-8of16') && !p.loaded.profile.name.startsWith('act-8of16-sb'))).toBe(true);
    expect(swept.notes[0]).toContain('act-8of16-sb is act-8of16 with sparse-balanced provisioning');
    const own = designVariants(both, { selector: ['mux', 'sorted-mux'] });
    expect(own.twins).toEqual([]);
    expect(own.profiles.map((p) => p.loaded.profile.name)).toEqual(['act-8of16-sb', 'act-8of16-sb · sorted-mux', 'act-8of16', 'act-8of16 · sorted-mux']);
  });

  it('dedupes the hierarchical variants of a core whose pattern does not split into blocks of 2 (3:6): they are its sorted-mux ones, 18 → 12', () => {
    const h = shipped.get('act-8of16')!;
    const odd: HashedProfile = { ...h, loaded: { ...h.loaded, profile: withDesignChoices(h.loaded.profile, { patterns: [nm(3, 6)] }) } };
    const v = designVariants([odd], defaultAxes());
    expect(v.profiles).toHaveLength(12);
    expect(v.designs.some((d) => d.selectorStyle === 'hierarchical')).toBe(false);
    expect(v.notes.join(' ')).toContain('act-8of16 · hierarchical · bitmask');
  });
});

describe('nmsim review over the design axes', () => {
  let out: string;
  let variants: Record<string, string>[];
  let points: Record<string, string>[];
  let json: { variants: { profile: string; chosen: boolean; area_um2: number }[]; points: { profile: string; selector_style?: string }[] };

  beforeAll(() => {
    out = path.join(tmp, 'review');
    const r = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16,act-16of32,a100-like', '--patterns', '8:16,16:32', '--criteria', 'magnitude', '--mitigations', 'none', '--out', out, '--json', '--no-progress', '--no-cache']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    json = JSON.parse(r.stdout);
  }, 120_000);

  beforeAll(async () => {
    variants = csvRecords(await fs.readFile(path.join(out, 'design-variants.csv'), 'utf8'));
    // design-points.csv quotes its accuracy sources: read only the leading unquoted columns
    const csv = await fs.readFile(path.join(out, 'design-points.csv'), 'utf8');
    const [head, ...lines] = csv.trimEnd().split('\n');
    const cols = head.split(',').slice(0, 6);
    points = lines.map((l) => Object.fromEntries(l.split(',').slice(0, 6).map((v, i) => [cols[i], v])));
  });

  it('prices the variants as `nmsim area --selector --encoding` prices that core', () => {
    const natives = variants.filter((v) => v.native === 'true' && v.provisioning === 'dense-balanced');
    // 2 cores × 3 selectors × 3 encodings; each selector and each encoding checked once per core (one CLI run each)
    expect(natives).toHaveLength(18);
    const diagonal = natives.filter((v) => ['mux|index', 'sorted-mux|bitmask', 'hierarchical|combinatorial'].includes(`${v.selector_style}|${v.metadata_encoding}`));
    expect(diagonal).toHaveLength(6);
    for (const v of diagonal) {
      const r = runCli(['area', '--profile', v.variant_of, '--selector', v.selector_style, '--encoding', v.metadata_encoding, '--json']);
      const area = JSON.parse(r.stdout);
      expect([v.profile, Number(v.area_um2)]).toEqual([v.profile, Number(area.core.total_area_um2.toFixed(1))]);
      expect(Number(v.dense_area_um2)).toBe(Number(area.dense.total_area_um2.toFixed(1)));
    }
  }, 120_000);

  it('prices a sparse-balanced variant as the shipped act-8of16-sb file', () => {
    const r = runCli(['area', '--profile', 'act-8of16-sb', '--json']);
    const sb = variants.find((v) => v.profile === 'act-8of16 · sparse-balanced' && v.pattern === '8:16')!;
    expect(Number(sb.area_um2)).toBe(Number(JSON.parse(r.stdout).core.total_area_um2.toFixed(1)));
  }, 30_000);

  it('chooses per core, provisioning and pattern the least-area variant among those within 1 % of the best prefill and decode speed-ups (recomputed from the CSV rows)', () => {
    const groups = new Map<string, Record<string, string>[]>();
    for (const v of variants) {
      const key = `${v.variant_of}|${v.provisioning}|${v.pattern}`;
      groups.set(key, [...(groups.get(key) ?? []), v]);
    }
    // act-8of16 and act-16of32 × 2 provisionings × 2 patterns (16:32 on act-8of16 runs dense: no point)
    expect(groups.size).toBeGreaterThanOrEqual(6);
    for (const [key, rows] of groups) {
      const best = (col: string) => Math.max(...rows.map((r) => Number(r[col])));
      const eligible = rows.filter((r) => Number(r.prefill_speedup) >= 0.99 * best('prefill_speedup') && Number(r.decode_speedup_b8) >= 0.99 * best('decode_speedup_b8'));
      const cheapest = eligible.reduce((a, b) => (Number(b.area_um2) < Number(a.area_um2) ? b : a));
      expect([key, rows.filter((r) => r.chosen === 'true').map((r) => r.profile)]).toEqual([key, [cheapest.profile]]);
      expect(rows.every((r) => r.chosen_profile === cheapest.profile)).toBe(true);
    }
    // not the files' own choice: the choice did something (mux + index is the shipped cores' own)
    expect([...groups.values()].filter((rows) => rows.find((r) => r.chosen === 'true')!.selector_style !== 'mux').length).toBeGreaterThan(0)
    // the chosen variants are the design points (and the weight core's, as its datasheet says)
    const chosen = new Set(variants.filter((v) => v.chosen === 'true').map((v) => `${v.profile}|${v.pattern}`));
    const activation = points.filter((p) => p.profile !== 'a100-like');
    expect(new Set(activation.map((p) => `${p.profile}|${p.pattern}`))).toEqual(chosen);
    expect(activation.every((p) => p.variant_of === p.profile.split(' · ')[0] && p.selector_style !== '' && p.provisioning !== '')).toBe(true);
    expect(json.variants.filter((v) => v.chosen).length).toBe(chosen.size);
  });

  it('refuses a bad axis value with exit 2 naming the axis and its values, before any trace is read', () => {
    const r = runCli(['review', '--traces', path.join(tmp, 'nowhere'), '--axes', 'selector=mux,tree', '--out', path.join(tmp, 'never'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"tree" is not a value of the selector axis');
    expect(r.stderr).toContain('mux, sorted-mux, hierarchical');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

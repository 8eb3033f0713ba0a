/**
 * `nmsim capture --operand weight` end to end through the built CLI on one story: the bundle
 * records the operand, each consumer's weight keep-mask and, for wanda, the input norms it
 * scored with; nmsim reads it back (openBundle, inspect) and re-derives the masks from the
 * bundle's own dense weights and norms. Options that cannot act are usage errors.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';
import { openBundle } from '../../src/trace/bundle.js';
import { unpackMask } from '../../src/trace/mask.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { bruteForceKeep } from './weight-brute-force.js';

const MODEL = sharedPath('models/stories260K.bin');
const TOK = sharedPath('models/tok512.bin');
const TEXT = sharedPath('data/tinystories_hf_validation_head.stories.txt');
const BASE = ['capture', '--model', MODEL, '--tokenizer', TOK, '--text', TEXT, '--stories', '1'];

describeWithShared('nmsim capture --operand weight', ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'], () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-wcapture-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('2:4 by magnitude and wanda writes a bundle whose weight masks are the selection of the bundle\'s own weights and norms', async () => {
    const out = path.join(tmp, 'bundle');
    const r = runCli([...BASE, '--operand', 'weight', '--patterns', '2:4', '--criteria', 'magnitude,wanda', '--calib-stories', '2', '--trace-tokens', '16', '--weight-trace-tokens', '0', '--out', out, '--json'], { timeoutMs: 300_000 });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.runs.map((x: { id: string }) => x.id)).toEqual(['dense', 'weight-2of4-magnitude', 'weight-2of4-wanda']);
    const [dense, mag, wanda] = json.runs;
    expect(mag).toMatchObject({ operand: 'weight', pattern: '2:4', criterion: 'magnitude', mitigation: 'none' });
    expect(mag.weight_masks).toMatchObject({ weights: 35, kept_fraction: 0.5, expected_kept_fraction: 0.5, violating_groups: 0, satisfies_pattern: true });
    expect(mag.perplexity).toBeGreaterThan(dense.perplexity);
    expect(wanda.perplexity).not.toBe(mag.perplexity);

    const b = await openBundle(out);
    try {
      const runs = b.manifest.runs;
      expect(runs.map((x) => x.config)).toEqual([
        { pattern: 'dense' },
        { pattern: '2:4', operand: 'weight', criterion: 'magnitude', mitigation: 'none' },
        { pattern: '2:4', operand: 'weight', criterion: 'wanda', mitigation: 'none' },
      ]);
      const dsites = runs[0].sites;
      for (const run of runs.slice(1)) {
        expect(run.sites).toHaveLength(20);
        expect(run.sites.every((s) => s.masks === undefined)).toBe(true);
        let checked = 0;
        for (const s of run.sites) {
          const k = s.tensor.shape[1];
          expect(s.weight_masks!.map((m) => m.consumer)).toEqual(s.consumers);
          const norms = s.input_norms ? await b.readFloat32(s.input_norms) : undefined;
          expect(norms !== undefined).toBe(run.config.criterion === 'wanda');
          for (const wm of s.weight_masks!) {
            const ws = dsites.find((d) => d.name === s.name)!.weight_stats!.find((w) => w.consumer === wm.consumer)!;
            const w = await b.readFloat32(ws.weight!);
            const out = ws.out_features!;
            expect(wm.tensor.shape).toEqual([out, Math.ceil(k / 8)]);
            const scores = new Float32Array(w.length);
            for (let i = 0; i < w.length; i++) scores[i] = norms ? Math.fround(Math.abs(w[i]) * norms[i % k]) : Math.abs(w[i]);
            const theirs = unpackMask(await b.readMask(wm.tensor), out, k);
            expect(Array.from(theirs)).toEqual(Array.from(bruteForceKeep(scores, out, k, parsePattern('2:4'))));
            checked++;
          }
        }
        expect(checked).toBe(35);
      }
    } finally {
      await b.close();
    }

    const ins = runCli(['inspect', out, '--json'], { timeoutMs: 120_000 });
    expect(ins.code).toBe(0);
    const report = JSON.parse(ins.stdout);
    const wmasks = report.runs.flatMap((run: { sites: { weight_masks?: { satisfies_pattern: boolean; every_group_at_quota: boolean; kept_fraction: number }[] }[] }) => run.sites.flatMap((s) => s.weight_masks ?? []));
    expect(wmasks).toHaveLength(70);
    expect(wmasks.every((m: { satisfies_pattern: boolean; every_group_at_quota: boolean; kept_fraction: number }) => m.satisfies_pattern && m.every_group_at_quota && m.kept_fraction === 0.5)).toBe(true);
    expect(report.warnings).toEqual([]);
    const text = runCli(['inspect', out], { timeoutMs: 120_000 });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('weight-2of4-wanda: 2:4 · weight · wanda · none');
    expect(text.stdout).toContain('weight masks: kept (pattern)');
    expect(text.stdout).toMatch(/layers\.4\.mlp\.down_proj\.input .* down 0\.5 ✓/);
  }, 600_000);

  test.each([
    [['--operand', 'weight', '--criteria', 'amber'], 'sparsity/criterion-operand', /magnitude, wanda/],
    [['--criteria', 'wanda'], 'sparsity/criterion-operand', /--operand weight/],
    [['--operand', 'weight', '--mitigations', 'dpts'], 'usage', /--mitigations/],
    [['--operand', 'both'], 'sparsity/unknown-operand', /activation, weight/],
    [['--operand', 'weight', '--calib-stories', '3'], 'usage', /wanda/],
  ])('capture %j is a usage error (exit 2) naming the fix', (args, code, hint) => {
    const r = runCli([...BASE, '--patterns', '2:4', ...args]);
    expect(r.code).toBe(2);
    if (code !== 'usage') expect(r.stderr).toContain(code);
    expect(r.stderr).toMatch(hint);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

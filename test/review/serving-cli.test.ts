/**
 * `nmsim review --serving PROMPT:OUTPUT --tpot-target-ms X`: bad values are usage errors (exit 2,
 * before any input is read); a good one puts the serving metrics in --json, the Markdown and the
 * decode chart (SVG with its labels, PNG with drawn text).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simulate } from '../../src/perf/simulate.js';
import { loadProfile } from '../../src/profile/load.js';
import { renderPng } from '../../src/report/png.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { parseXml } from '../report/xml.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

const FAST = ['--criteria', 'magnitude', '--mitigations', 'none', '--no-progress'];
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-serving-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('review --serving and --tpot-target-ms', () => {
  it.each([
    ['--serving', '2048', 'review/serving-mix'],
    ['--serving', '0:256', 'review/serving-mix'],
    ['--serving', '2048:x', 'review/serving-mix'],
    ['--tpot-target-ms', '0', 'review/tpot-target'],
    ['--tpot-target-ms', 'fast', 'review/tpot-target'],
  ])('refuses %s %s with a usage error naming the option (exit 2, no stack)', (flag, value, code) => {
    const r = runCli(['review', flag, value, '--out', path.join(tmp, 'never'), '--json', ...FAST]);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.errors.map((e: { code: string; path: string }) => [e.code, e.path])).toEqual([[code, flag]]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports TTFT and TPOT equal to simulate at the given mix, the pick at the target, and draws the decode chart with text', async () => {
    const bundle = path.join(tmp, 'bundle');
    await writeSyntheticBundle(bundle);
    const out = path.join(tmp, 'r');
    const r = runCli(['review', '--traces', bundle, '--profiles', 'act-8of16', '--axes', 'selector=mux', '--axes', 'encoding=index', '--axes', 'provisioning=dense-balanced', '--patterns', '8:16,16:32', '--serving', '512:64', '--tpot-target-ms', '5', '--out', out, '--json', ...FAST]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect([j.serving.prompt_tokens, j.serving.output_tokens, j.serving.decode_context_tokens, j.serving.tpot_target_ms]).toEqual([512, 64, 544, 5]);
    // act-8of16 runs 16:32 dense: rows are its dense core and 8:16
    expect(j.serving.rows.map((x: { pattern: string }) => x.pattern)).toEqual(['dense', '8:16']);
    const profile = (await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'))).profile;
    const shape = MODEL_CATALOG['llama3.1-8b'];
    // dense steps need no measured sparsity: a second derivation from simulate alone
    const pre = simulate({ profile, model: shape, phase: { kind: 'prefill', tokens: 512 }, patterns: [] });
    expect(j.serving.rows[0].ttft_ms).toBeCloseTo((pre.dense.cycles / pre.hw.clockHz) * 1000, 9);
    const dense = j.serving.rows[0].decode as { batch: number; tpot_ms: number }[];
    for (const b of [1, 256]) {
      const d = simulate({ profile, model: shape, phase: { kind: 'decode', batch: b, contextTokens: 544 }, patterns: [parsePattern('8:16')] });
      expect(dense.find((x) => x.batch === b)!.tpot_ms).toBeCloseTo((d.dense.cycles / d.hw.clockHz) * 1000, 9);
    }
    // the pick: the largest B with TPOT ≤ 5 ms in the reported table
    const meets = dense.filter((x) => x.tpot_ms <= 5).map((x) => x.batch);
    expect(j.serving.rows[0].at_target?.batch ?? null).toBe(meets.length > 0 ? Math.max(...meets) : null);
    const md = await fs.readFile(path.join(out, 'design-review.md'), 'utf8');
    expect(md).toContain('## Serving metrics');
    expect(md).toContain('A 512-token prompt and 64 output tokens (--serving 512:64)');
    const svg = await fs.readFile(path.join(out, 'decode-serving.svg'), 'utf8');
    const root = (await parseXml(svg)).documentElement;
    const texts: string[] = Array.from(root.getElementsByTagName('text')).map((t) => (t as { textContent: string }).textContent);
    for (const label of ['Decode speed-up vs batch size, each pattern on its best core', '8:16 on act-8of16', 'dense = 1×', '256']) expect(texts).toContain(label);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    const withFonts = await renderPng(svg);
    const noFonts = await renderPng(svg, { withFonts: false });
    expect(Buffer.from(withFonts.png).equals(await fs.readFile(path.join(out, 'decode-serving.png')))).toBe(true);
    expect(Buffer.from(withFonts.png).equals(Buffer.from(noFonts.png))).toBe(false);
    // the union-density gap chart: measured − independence in pp, one point per pattern and batch
    const gapSvg = await fs.readFile(path.join(out, 'union-density-gap.svg'), 'utf8');
    const gapTexts: string[] = Array.from((await parseXml(gapSvg)).documentElement.getElementsByTagName('text')).map((t) => (t as { textContent: string }).textContent);
    for (const label of ['Decode: measured union density minus the independence bound', 'measured − independence (pp)', '8:16', 'independence (0)']) expect(gapTexts).toContain(label);
    expect(gapSvg).not.toMatch(/NaN|undefined|Infinity/);
    const gapPng = await renderPng(gapSvg);
    expect(Buffer.from(gapPng.png).equals(await fs.readFile(path.join(out, 'union-density-gap.png')))).toBe(true);
    expect(Buffer.from(gapPng.png).equals(Buffer.from((await renderPng(gapSvg, { withFonts: false })).png))).toBe(false);
  });
});

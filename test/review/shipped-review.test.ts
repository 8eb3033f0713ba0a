/**
 * The README's main command on the shipped inputs: `nmsim review` with its defaults (every
 * bundle under traces/, every profile in hardware-profiles/). Every measured perplexity in the
 * report is checked against the bundle's manifest, read here independently of nmsim.
 * Skips clearly until the shipped bundle traces/stories260k exists.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/cli.js';

const BUNDLE = path.join(REPO_ROOT, 'traces', 'stories260k');
const shipped = existsSync(path.join(BUNDLE, 'manifest.json'));
const describeShipped = shipped ? describe : describe.skip;

describeShipped(shipped ? 'nmsim review with the shipped defaults' : 'nmsim review with the shipped defaults (skipped: traces/stories260k not found)', () => {
  let tmp: string;
  let out: string;
  let run: { code: number; stdout: string; stderr: string };
  let elapsedMs: number;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-shipped-'));
    out = path.join(tmp, 'review');
    const t = performance.now();
    run = runCli(['review', '--out', out, '--no-progress'], { timeoutMs: 180_000 });
    elapsedMs = performance.now() - t;
  });

  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('succeeds, states the 8:16 vs 16:32 trade, and points at the headline chart', async () => {
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/On the accuracy–area Pareto front \(measured perplexity\): /);
    expect(run.stdout).toMatch(/16:32 \([a-z]+\+[a-z]+\) lowers perplexity from \d+\.\d{3} \(8:16, [a-z]+\+[a-z]+\) to \d+\.\d{3} \(\d+\.\d% better\) for \+\d+\.\d pp area overhead/);
    expect(run.stdout).toContain(`headline chart: ${out}/accuracy-vs-area.png`);
    expect((await fs.stat(path.join(out, 'accuracy-vs-area.png'))).size).toBeGreaterThan(10_000);
    // informational: the issue asks for well under a minute on this machine
    process.stdout.write(`shipped review: ${(elapsedMs / 1000).toFixed(1)} s wall\n`);
  });

  it('reports exactly the perplexities the bundle measured, for every measured design point', async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(BUNDLE, 'manifest.json'), 'utf8'));
    const measured = new Map<string, number>();
    for (const r of manifest.runs) {
      // weight runs (issue 14) are weight design points: keyed by their operand
      const ppl = r.metrics.find((m: { metric: string }) => m.metric === 'perplexity');
      if (ppl) measured.set(`${r.config.pattern}|${r.config.criterion ?? 'magnitude'}|${r.config.mitigation ?? 'none'}|${r.config.operand ?? 'activation'}`, ppl.value);
    }
    const csv = (await fs.readFile(path.join(out, 'design-points.csv'), 'utf8')).trim().split('\n');
    const header = csv[0].split(',');
    const col = (name: string) => header.indexOf(name);
    let checked = 0;
    for (const line of csv.slice(1)) {
      const cells = line.split(',');
      if (cells[col('accuracy_kind')] !== 'measured-perplexity') continue;
      const key = `${cells[col('pattern')]}|${cells[col('criterion')]}|${cells[col('mitigation')]}|${cells[col('operand')]}`;
      expect({ key, ppl: cells[col('perplexity')] }).toEqual({ key, ppl: measured.get(key)!.toFixed(4) });
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    const md = await fs.readFile(path.join(out, 'design-review.md'), 'utf8');
    expect(md).toContain(`reference — dense: ${measured.get('dense|magnitude|none|activation')!.toFixed(4)}`);
  });

  it("prints the recommendation the README quotes, with its one sentence on 2:4 weights on today's core", async () => {
    // the README's first blockquote under "What the shipped defaults say", lines joined
    const readme = await fs.readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## What the shipped defaults say'));
    const quoted = section
      .split('\n\n')
      .find((block) => block.startsWith('> On the accuracy–area Pareto front'))!
      .split('\n')
      .map((l) => l.slice(2))
      .join(' ');
    const printed = run.stdout.split('\n').find((l) => l.startsWith('On the accuracy–area Pareto front'));
    expect(quoted).toBe(printed);
    expect(printed).toMatch(/ 8:16 activations \([a-z]+\+[a-z]+\) on act-8of16(?: · [a-z-]+)* keep perplexity \d+\.\d{3} vs \d+\.\d{3} for 2:4 weights \(wanda\) on a100-like \(\+\d+\.\d{3} for the weights, paired bootstrap 95 % interval \+\d+\.\d{3} to \+\d+\.\d{3}\), at \d+\.\d{2}× its prefill speed-up/);
    // the baseline row and its line in the terminal summary
    expect(run.stdout).toMatch(/\n {2}2:4 weights {2}wanda +\d+\.\d{3} \[\d+\.\d{3}, \d+\.\d{3}\] a100-like /);
    expect(run.stdout).toContain("  base: 2:4 weights on today's core (a100-like, weights pruned offline by wanda; measured perplexity)");
    // both scatter charts hold the weight marker and its legend entry
    for (const stem of ['accuracy-vs-area', 'accuracy-vs-speedup']) {
      const svg = await fs.readFile(path.join(out, `${stem}.svg`), 'utf8');
      expect({ stem, marker: svg.includes('class="point weight-point"'), legend: svg.includes('>weights 2:4, wanda</text>') }).toEqual({ stem, marker: true, legend: true });
    }
  });

  it('answers 8:16 vs 16:32 in the first screen with chip mm², % of die and the iso-area alternative, derived here from the CSV and the profile YAML', async () => {
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('On the accuracy–area Pareto front'));
    // first screen: right after the two title lines and a blank
    expect(at).toBe(3);
    const printed = lines[at];
    const csv = (await fs.readFile(path.join(out, 'design-points.csv'), 'utf8')).trim().split('\n');
    const header = csv[0].split(',');
    const col = (name: string) => header.indexOf(name);
    // the design point of a core is its chosen dense-balanced variant (design axes, issue 16): the one row of that core × pattern
    const row = (core: string, pattern: string) => {
      const rows = csv.slice(1).map((l) => l.split(',')).filter((c) => c[col('variant_of')] === core && c[col('provisioning')] === 'dense-balanced' && c[col('pattern')] === pattern && c[col('criterion')] === 'magnitude' && c[col('mitigation')] === 'dpts');
      expect(rows).toHaveLength(1);
      return rows[0];
    };
    const yaml = async (name: string) => {
      const text = await fs.readFile(path.join(REPO_ROOT, 'hardware-profiles', `${name}.yaml`), 'utf8');
      return { cores: Number(/^ {2}count: (\d+)/m.exec(text)![1]), dieMm2: Number(/^ {2}dieAreaMm2: (\d+)/m.exec(text)![1]) };
    };
    const side = async (profile: string, pattern: string) => {
      const c = row(profile, pattern);
      const chip = await yaml(profile);
      const area = Number(c[col('area_um2')]);
      const dense = Number(c[col('dense_area_um2')]);
      const extraMm2 = ((area - dense) * chip.cores) / 1e6;
      // prefill is compute-bound dense on these cores, so the extra dense cores scale it by (n + extra) / n
      expect(c[col('dense_prefill_bottleneck')]).toBe('compute');
      return { extraMm2, die: extraMm2 / chip.dieMm2, extraCores: extraMm2 / (dense / 1e6), iso: 1 + (area - dense) / dense, cores: chip.cores, profile: c[col('profile')], prefill: Number(c[col('prefill_speedup')]) };
    };
    const n = await side('act-8of16', '8:16');
    const w = await side('act-16of32', '16:32');
    expect(printed).toContain(
      `On the chip (${w.cores} tensor cores): 16:32 adds ${w.extraMm2.toFixed(2)} mm² (${(w.die * 100).toFixed(2)}% of the die), 8:16 ${n.extraMm2.toFixed(2)} mm² (${(n.die * 100).toFixed(2)}% of the die): +${(w.extraMm2 - n.extraMm2).toFixed(2)} mm², +${((w.die - n.die) * 100).toFixed(2)} pp of the die.`,
    );
    const beats = (x: typeof n) => (x.prefill > x.iso ? 'beats' : 'does not beat');
    expect(printed).toContain(`16:32 on ${w.profile} (+${w.extraCores.toFixed(1)} dense cores' worth) ${beats(w)} them in prefill (${w.prefill.toFixed(2)}× vs ${w.iso.toFixed(2)}×)`);
    expect(printed).toContain(`8:16 on ${n.profile} (+${n.extraCores.toFixed(1)} dense cores' worth) ${beats(n)} them in prefill (${n.prefill.toFixed(2)}× vs ${n.iso.toFixed(2)}×)`);
    expect(printed).toContain('The choice hinges on the provisioning or node of the cores');
    // the summary table on the same screen: each pattern's interval (the recommendation quotes it as lo–hi) and its chip mm² and % of die
    for (const [pattern, side] of [['8:16', n], ['16:32', w]] as const) {
      // the chosen design-axis variant's label, as the CSV names it
      const core = side.profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const interval = new RegExp(`${pattern} (\\d+\\.\\d{3})–(\\d+\\.\\d{3})`).exec(printed)!;
      const tableRow = lines.find((l) => l.startsWith(`  ${pattern} `))!;
      expect(tableRow).toMatch(new RegExp(` \\[${interval[1]}, ${interval[2]}\\] +${core} +\\d+\\.\\d% +\\+${side.extraMm2.toFixed(2)} +${(side.die * 100).toFixed(2)}%( |$)`));
    }
  });

  it('prints the summary table the README quotes, with intervals and chip columns, within 120 columns', () => {
    // the README's fenced block that starts with the table's header, under "What the shipped defaults say"
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const quoted = /```\n( {2}pattern +best config[^`]*)\n```/.exec(readme.slice(readme.indexOf('## What the shipped defaults say')))![1].split('\n');
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  pattern '));
    expect(lines.slice(at, at + quoted.length)).toEqual(quoted);
    expect(quoted.every((l) => l.length <= 120)).toBe(true);
  });

  it('shows the single-stream decode gain on every hardware-pruning core, and less of it at B = 8', async () => {
    const csv = (await fs.readFile(path.join(out, 'design-points.csv'), 'utf8')).trim().split('\n');
    const header = csv[0].split(',');
    const col = (name: string) => header.indexOf(name);
    expect([col('decode_speedup_b1'), col('decode_speedup_b8')].every((i) => i > 0)).toBe(true);
    // the act-* cores prune activations in hardware (hardware-profiles/act-*.yaml); on their native
    // patterns one token fetches about half the weight rows (speed-up in (1, 2]), while a batch of
    // 8 fetches the union of its tokens' rows (measured ≈ 0.98 of them on the shipped trace)
    let checked = 0;
    for (const line of csv.slice(1)) {
      const cells = line.split(',');
      if (!cells[col('profile')].startsWith('act-') || cells[col('native')] !== 'true') continue;
      const b1 = Number(cells[col('decode_speedup_b1')]);
      const b8 = Number(cells[col('decode_speedup_b8')]);
      expect({ point: cells.slice(0, 4).join(' '), b1Above1: b1 > 1, b1AtMost2: b1 <= 2, b1AboveB8: b1 > b8 }).toEqual({ point: cells.slice(0, 4).join(' '), b1Above1: true, b1AtMost2: true, b1AboveB8: true });
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('prints the 8:16 vs 16:32 energy per token the README quotes, and prices every native act-* point below its dense core at B = 1 by more than at B = 8', async () => {
    // the README's blockquote under "What the shipped defaults say", lines joined
    const readme = await fs.readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const quoted = readme
      .split('\n')
      .filter((l) => l.startsWith('> '))
      .map((l) => l.slice(2))
      .join(' ')
      .match(/Energy per token \(modelled\), .*?against the core run dense\)\./)?.[0];
    const printed = run.stdout.split('\n').find((l) => l.startsWith('Energy per token (modelled), 16:32'));
    expect(printed).toBeDefined();
    expect(quoted).toBe(printed);
    const csv = (await fs.readFile(path.join(out, 'design-points.csv'), 'utf8')).trim().split('\n');
    const header = csv[0].split(',');
    const col = (name: string) => header.indexOf(name);
    let checked = 0;
    for (const line of csv.slice(1)) {
      const cells = line.split(',');
      if (!cells[col('profile')].startsWith('act-') || cells[col('native')] !== 'true') continue;
      const saved = (b: number) => 1 - Number(cells[col(`decode_energy_mj_per_token_b${b}`)]) / Number(cells[col(`dense_decode_energy_mj_per_token_b${b}`)]);
      expect({ point: cells.slice(0, 4).join(' '), savesAtB1: saved(1) > 0, moreThanAtB8: saved(1) > saved(8) }).toEqual({ point: cells.slice(0, 4).join(' '), savesAtB1: true, moreThanAtB8: true });
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

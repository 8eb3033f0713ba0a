import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-area-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('nmsim area', () => {
  test('--json gives every component its name, area_um2 and source, with columns per pattern', () => {
    const r = runCli(['area', '--profile', 'act-flex', '--node', 'nangate45', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.tech).toBe('nangate45');
    expect(doc.per_pattern.map((c: any) => c.label)).toEqual(['2:4', '4:8', '8:16', '16:32']);
    for (const core of [doc.dense, doc.core, ...doc.per_pattern]) {
      expect(core.components.map((c: any) => c.name)).toEqual(['mac_array', 'selector', 'metadata', 'pruning_unit', 'compression', 'sram']);
      for (const c of core.components) {
        expect(typeof c.area_um2).toBe('number');
        expect(typeof c.source).toBe('string');
      }
      const sum = core.components.reduce((s: number, c: any) => s + c.area_um2, 0);
      expect(Math.abs(sum - core.total_area_um2)).toBeLessThan(0.01);
    }
    expect(doc.warnings).toEqual([]);
  });

  test('the table lists components with sources, and --node 5nm names the scaling path', () => {
    const r = runCli(['area', '--profile', 'act-16of32', '--node', '5nm', '--selector', 'sorted-mux']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^selector\s+0\s+[\d,]+/m);
    expect(r.stdout).toMatch(/overhead vs dense core/);
    expect(r.stdout).toMatch(/IEDM 2019/);
    expect(r.stdout).toMatch(/sorted indices/);
    expect(r.stderr).toBe('');
  });

  test('a profile with its chip prints the overhead against an SM and the die (a100-like 2:4: +0.87% of an SM, 826 mm² die)', () => {
    const r = runCli(['area', '--profile', 'a100-like']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^overhead, 4 cores vs SM\s+\+0\.00%\s+\+0\.87%$/m);
    expect(r.stdout).toMatch(/^overhead, 432 cores vs die\s+\+0\.00%\s+\+0\.73%$/m);
    expect(r.stdout).toMatch(/die: 826 mm², 128 SMs on the die \(108 enabled\) × 4 tensor cores/);
    const j = JSON.parse(runCli(['area', '--profile', 'a100-like', '--json']).stdout);
    expect(j.chip.sm_area_mm2).toBeCloseTo(826 / 128, 6);
    expect(j.core.overhead_vs_sm_fraction).toBeCloseTo((4 * j.core.overhead_area_um2) / ((826 / 128) * 1e6), 6);
  });

  test('--patterns overrides the supported set; a bad pattern is a usage error (exit 2)', () => {
    const ok = runCli(['area', '--profile', 'h100-like', '--patterns', '2:4,8:16', '--json']);
    expect(JSON.parse(ok.stdout).per_pattern.map((c: any) => c.label)).toEqual(['2:4', '8:16']);
    const bad = runCli(['area', '--profile', 'h100-like', '--patterns', '16:8']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--patterns/);
    expect(bad.stderr).toMatch(/8:16/);
  });

  test('an unknown profile name lists the shipped ones (exit 1, a missing input like a missing trace); a broken profile names file and key (exit 1)', () => {
    const unknown = runCli(['area', '--profile', 'b200-like']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/act-flex/);
    const f = path.join(tmp, 'broken.yaml');
    fs.writeFileSync(f, fs.readFileSync(path.join('hardware-profiles', 'act-8of16.yaml'), 'utf8').replace('patterns: ["8:16"]', 'patterns: ["2:4", "16:8"]'));
    const broken = runCli(['area', '--profile', f, '--json']);
    expect(broken.code).toBe(1);
    const doc = JSON.parse(broken.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.errors[0]).toMatchObject({ code: 'profile/invalid-pattern', path: 'sparsity.patterns[1]', file: f });
    expect(broken.stderr).toMatch(/sparsity\.patterns\[1\]/);
    expect(broken.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  test('--help explains every option', () => {
    const r = runCli(['area', '--help']);
    for (const opt of ['--profile', '--patterns', '--node', '--selector', '--encoding', '--network', '--detail', '--json']) expect(r.stdout).toContain(opt);
  });
});

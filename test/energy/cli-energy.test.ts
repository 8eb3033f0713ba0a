import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify, parse } from 'yaml';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

const COMPONENT_KEYS = ['mac_j', 'register_file_j', 'sram_j', 'l2_j', 'dram_j', 'selector_j', 'metadata_j', 'pruning_unit_j', 'static_j'];

describe('nmsim simulate energy output', () => {
  test('--json carries energy per pattern whose components sum to the total, and J/token × tokens/J = 1', () => {
    const r = runCli(['simulate', '--profile', 'a100-like', '--model', 'llama2-7b', '--phase', 'decode', '--batch', '1', '--context', '512', '--patterns', '2:4', '--json']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout).energy;
    expect(e.tech).toBe('asap7');
    expect([e.tdp_w, e.idle_w, e.static_w]).toEqual([400, 60, 176]);
    expect(e.results.map((x: { pattern: string }) => x.pattern)).toEqual(['dense', '2:4']);
    for (const res of e.results) {
      expect(Object.keys(res.by_component_j)).toEqual(COMPONENT_KEYS);
      const sum = COMPONENT_KEYS.reduce((s, k) => s + res.by_component_j[k], 0);
      expect(sum).toBeCloseTo(res.total_j, 4);
      expect(res.joules_per_token * res.tokens_per_joule).toBeCloseTo(1, 4);
      expect(res.average_power_w).toBeCloseTo(res.total_j / res.time_s, 1);
    }
    // static = 176 W over the step's time
    expect(e.results[0].by_component_j.static_j).toBeCloseTo(176 * e.results[0].time_s, 4);
  });

  test('the table adds the energy summary and the breakdown by component', () => {
    const r = runCli(['simulate', '--profile', 'a100-like', '--model', 'llama2-7b', '--phase', 'prefill', '--tokens', '256', '--patterns', '2:4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('energy per step (static 176 W at operating clocks, TDP 400 W):');
    expect(r.stdout).toMatch(/energy by component \(mJ per token, share\):\ncomponent\s+dense\s+2:4\nMAC /);
    expect(r.stdout).toMatch(/\nstatic\s+/);
  });

  test('a profile whose tech file has no energy table prints the performance tables and says there is no energy; --json gives energy null', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-energy-cli-'));
    try {
      const techText = fs.readFileSync(path.join(REPO_ROOT, 'hardware-profiles', 'tech', 'nangate45.yaml'), 'utf8');
      fs.mkdirSync(path.join(tmp, 'tech'));
      fs.writeFileSync(path.join(tmp, 'tech', 'plain45.yaml'), techText.slice(0, techText.indexOf('\nenergy:')).replace('name: nangate45', 'name: plain45'));
      const spec = parse(fs.readFileSync(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'), 'utf8'));
      spec.tech = 'plain45';
      const file = path.join(tmp, 'plain.yaml');
      fs.writeFileSync(file, stringify(spec));
      const args = ['simulate', '--profile', file, '--model', 'llama2-7b', '--phase', 'decode', '--patterns', '8:16'];
      const text = runCli(args);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('no energy: tech plain45 has no energy table');
      const json = runCli([...args, '--json']);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout).energy).toBeNull();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a profile above its TDP is warned about on standard error, the table still printed', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-energy-cli-'));
    try {
      const spec = parse(fs.readFileSync(path.join(REPO_ROOT, 'hardware-profiles', 'a100-like.yaml'), 'utf8'));
      spec.name = 'a100-hot';
      spec.power = { ...spec.power, tdpW: 200, idleW: 60, staticW: 177 };
      const file = path.join(tmp, 'a100-hot.yaml');
      fs.writeFileSync(file, stringify(spec));
      const r = runCli(['simulate', '--profile', file, '--model', 'llama2-7b', '--phase', 'prefill', '--tokens', '256', '--patterns', '2:4']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('energy/above-tdp');
      expect(r.stdout).toContain('energy by component');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

describe('nmsim simulate', () => {
  test('--json reports per-pattern speedup, I/O and per-GEMM cycles above the roofline', () => {
    const r = runCli(['simulate', '--profile', 'act-flex', '--model', 'llama3.1-8b', '--phase', 'decode', '--batch', '1', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.profile.peak_dense_tflops).toBeCloseTo(989.4, 1);
    // the default --patterns of every command: the paper's patterns and unstructured
    expect(doc.results.map((x: { pattern: string }) => x.pattern)).toEqual(['dense', '2:4', '4:8', '8:16', '16:32', 'unstructured']);
    const p816 = doc.results[3];
    expect(p816.speedup).toBeGreaterThan(1.4);
    expect(p816.weight_rows).toEqual({ fraction: 0.5, batch_tokens: 1, source: 'independence assumption 1 − (1 − d)^B' });
    expect(p816.io.per_step.kv_cache_bytes).toBe(doc.results[0].io.per_step.kv_cache_bytes);
    for (const g of p816.layers[0].gemms) expect(g.cycles).toBeGreaterThanOrEqual(g.roofline_cycles);
    expect(Object.keys(p816.layers[0].gemms[0].stall_cycles).sort()).toEqual(['buffer', 'drain', 'dram', 'fill', 'launch']);
  });
  test('prefill prints a table with a speed-up column for each pattern', () => {
    const r = runCli(['simulate', '--profile', 'a100-like', '--model', 'llama2-7b', '--phase', 'prefill', '--tokens', '256', '--patterns', '2:4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Llama-2-7B on a100-like');
    expect(r.stdout).toMatch(/2:4\s+native/);
    expect(r.stderr).toBe('');
  });
  test('a trace bundle folder supplies the model shapes from its manifest', () => {
    // test/fixtures/numpy/bundle: hidden 20, intermediate 12, 1 layer, 4 heads (2 kv), vocab 32
    const r = runCli(['simulate', '--profile', 'act-8of16', '--model', path.join(REPO_ROOT, 'test', 'fixtures', 'numpy', 'bundle'), '--phase', 'decode', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.model).toMatchObject({ name: 'fixture', hidden_size: 20, head_dim: 5, num_layers: 1 });
    expect(doc.results[0].layers[0].gemms.map((g: { name: string; k_in: number; n_out: number }) => [g.name, g.k_in, g.n_out])).toEqual([
      ['q', 20, 20],
      ['k', 20, 10],
      ['v', 20, 10],
      ['o', 20, 20],
      ['gate', 20, 12],
      ['up', 20, 12],
      ['down', 12, 20],
    ]);
  });
  test('an unknown model is a usage error (exit 2) that lists the catalog', () => {
    const r = runCli(['simulate', '--profile', 'act-flex', '--model', 'gpt-5', '--phase', 'decode']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('workload/unknown-model');
    expect(r.stderr).toContain('llama3.1-8b');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
  test('a bad batch size is a usage error naming the option', () => {
    const r = runCli(['simulate', '--profile', 'act-flex', '--model', 'llama3.1-8b', '--batch', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--batch');
  });
  test('a malformed manifest model block names the file and the field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-sim-'));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ model: { name: 'x', family: 'llama', hidden_size: -1 } }));
    const r = runCli(['simulate', '--profile', 'act-flex', '--model', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('manifest.json');
    expect(r.stderr).toContain('model.hidden_size');
  });
  test('measured statistics from an analysis JSON set the decode weight rows', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-sim-'));
    const f = path.join(dir, 'analysis.json');
    // the part of `nmsim analyze --json` the performance model reads (the rest is ignored)
    const config = { pattern: '8:16', criterion: 'magnitude', mitigation: 'none', model: { slots: 4, kept_fraction: 0.5, union_density: [{ batch_size: 8, consecutive: 0.72 }], compatibility: [] } };
    fs.writeFileSync(f, JSON.stringify({ tool: 'nmsim 0.1.0', source: { root: 'test trace' }, runs: [{ run_id: 'dense', configs: [config] }] }));
    const r = runCli(['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b', '--batch', '8', '--patterns', '8:16', '--measured', f, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results[1].weight_rows).toEqual({ fraction: 0.72, batch_tokens: 8, source: 'measured (consecutive batches of test trace run "dense")' });
  });

  test('a measured file in the old camelCase list form is refused with the command that writes the new one (exit 1)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-sim-'));
    const f = path.join(dir, 'measured.json');
    fs.writeFileSync(f, JSON.stringify([{ pattern: '8:16', keptFraction: 0.5, unionDensityByBatch: { '8': 0.72 }, unionSource: 'test trace', compatibleFraction: {} }]));
    const r = runCli(['simulate', '--profile', 'act-8of16', '--model', 'llama3.1-8b', '--batch', '8', '--patterns', '8:16', '--measured', f, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('perf/bad-measured');
    expect(r.stderr).toContain('nmsim analyze');
  });
});

import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { BundleWriter } from '../../src/trace/writer.js';
import { openBundle } from '../../src/trace/bundle.js';
import type { Manifest } from '../../src/trace/manifest.js';
import { analyze } from '../../src/analysis/analyze.js';
import { measuredSparsityFor } from '../../src/analysis/measured-sparsity.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { NmsimError } from '../../src/diagnostics.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../trace/tmp.js';
import { activations } from './helpers.js';

const { dir, cleanup } = tempDir('nmsim-analyze-');
afterAll(cleanup);

const tokens = 40;
const hidden = 24;
const inter = 40;

/** A two-run bundle: dense inputs of one layer (qkv, o, gate_up, down) with weights and amber norms. */
async function writeBundle(out: string): Promise<void> {
  const w = new BundleWriter(out);
  const site = (name: string, k: number, consumers: Manifest['runs'][0]['sites'][0]['consumers'], seed: number, withStats: boolean) => {
    const tensor = w.addTensor('dense.safetensors', name, activations(seed, tokens, k, 0.02), [tokens, k], 'F16');
    const weight_stats = withStats
      ? consumers.map((c, i) => ({
          consumer: c,
          out_features: 6,
          amber_column_norms: w.addTensor('dense.safetensors', `${name}.${c}.amber`, Float32Array.from({ length: k }, (_, j) => 1 + ((j * (i + 3)) % 7)), [k], 'F32'),
          weight: w.addTensor('dense.safetensors', `${name}.${c}.weight`, Float32Array.from({ length: 6 * k }, (_, j) => Math.sin(j * (i + 1))), [6, k], 'F32'),
        }))
      : undefined;
    return { name, layer: 0, consumers, tensor, ...(weight_stats ? { weight_stats } : {}) };
  };
  const sites = [
    site('layers.0.self_attn.qkv.input', hidden, ['q', 'k', 'v'], 1, true),
    site('layers.0.self_attn.o_proj.input', hidden, ['o'], 2, false),
    site('layers.0.mlp.gate_up.input', hidden, ['gate', 'up'], 3, false),
    site('layers.0.mlp.down_proj.input', inter, ['down'], 4, true),
  ];
  const manifest: Manifest = {
    format: 'nmsim-trace',
    version: 1,
    model: { name: 'tiny-test', family: 'llama', hidden_size: hidden, intermediate_size: inter, num_layers: 1, num_heads: 2, num_kv_heads: 2, vocab_size: 32 },
    source: { tool: 'analysis test', checkpoint: 'synthetic', dataset: 'synthetic' },
    runs: [
      { id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens, sites },
      { id: 'p8of16', config: { pattern: '8:16', criterion: 'magnitude', mitigation: 'none' }, metrics: [], tokens, sites },
    ],
  };
  await w.finish(manifest);
}

const bundleDir = path.join(dir, 'bundle');
beforeAll(async () => {
  await writeBundle(bundleDir);
});

describe('analyze() on a bundle', () => {
  test('uses the dense run by default and gives per-layer, per-consumer and model aggregates weighted by elements', async () => {
    const bundle = await openBundle(bundleDir);
    try {
      const r = await analyze(bundle, { patterns: parsePatternList('2:4,8:16') });
      expect(r.runs.map((x) => x.runId)).toEqual(['dense']);
      const c = r.runs[0].configs[0];
      expect(c.sites).toHaveLength(3 + 1 + 2 + 1);
      expect(c.consumers.map((x) => x.consumer)).toEqual(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
      const weighted = c.sites.reduce((a, s) => a + s.elements * s.relErrL2!, 0) / c.sites.reduce((a, s) => a + s.elements, 0);
      expect(c.model.relErrL2).toBeCloseTo(weighted, 14);
      expect(c.layers).toHaveLength(1);
      expect(c.layers[0].relErrL2).toBeCloseTo(weighted, 14);
      // weights are present for q, k, v and down only
      expect(c.sites.filter((s) => s.outputRelErrL2 !== null).map((s) => s.consumer)).toEqual(['q', 'k', 'v', 'down']);
      const m = measuredSparsityFor(r, '8:16');
      // K = 24 has a tail group of 8 that keeps all 8 (16 of 24); K = 40 keeps 8 + 8 + 8 of 40;
      // six 24-wide slots and one 40-wide slot, 40 tokens each
      const expected = (6 * 40 * 24 * (16 / 24) + 40 * 40 * (24 / 40)) / (6 * 40 * 24 + 40 * 40);
      expect(m.keptFraction).toBeCloseTo(expected, 14);
      expect(m.unionSource).toBe('measured-consecutive');
      expect(m.unionDensityByBatch[1]).toBeCloseTo(expected, 12);
      expect(Object.keys(m.compatibleFraction)).toEqual(['2:4']);
      expect(() => measuredSparsityFor(r, '16:32')).toThrow(NmsimError);
    } finally {
      await bundle.close();
    }
  });

  test('amber uses each consumer\'s own factors, so q, k and v differ while magnitude gives them one mask', async () => {
    const bundle = await openBundle(bundleDir);
    try {
      const r = await analyze(bundle, { patterns: parsePatternList('2:4'), criteria: ['magnitude', 'amber'] });
      const [mag, amber] = r.runs[0].configs;
      const qkv = (c: typeof mag) => c.sites.filter((s) => s.site.includes('qkv')).map((s) => s.relErrL2);
      expect(new Set(qkv(mag)).size).toBe(1);
      expect(new Set(qkv(amber)).size).toBe(3);
      expect(amber.sites.map((s) => s.consumer)).toEqual(['q', 'k', 'v', 'down']);
      expect(r.warnings.filter((w) => w.code === 'analysis/missing-amber-norms').length).toBeGreaterThan(0);
    } finally {
      await bundle.close();
    }
  });
});

describe('nmsim analyze (CLI)', () => {
  test('prints the table with the run used, and writes CSVs and analysis.json atomically with --out', () => {
    const out = path.join(dir, 'report');
    const r = runCli(['analyze', bundleDir, '--patterns', '2:4,8:16,16:32', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run "dense" \(dense: pre-pruning inputs\)/);
    expect(r.stdout).toMatch(/^16:32 /m);
    expect(r.stdout).toMatch(/Decode union density/);
    expect(readdirSync(out).sort()).toEqual(
      ['.nmsim-output.json', 'analysis.json', 'compatibility.csv', 'compressed-size.csv', 'consumers.csv', 'histograms.csv', 'layers.csv', 'nonfinite.csv', 'sites.csv', 'summary.csv', 'top-channels.csv', 'union-density.csv'].sort(),
    );
    const summary = readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n');
    expect(summary[0]).toBe('run_id,pattern,criterion,mitigation,slots,nonfinite_rows,nonfinite_values,elements,rel_err_l2,cosine,retained_energy,kept_fraction,effective_density,natural_zero_fraction,output_rel_err_l2,density_bound_acceptance');
    expect(summary).toHaveLength(4);
    const json = JSON.parse(readFileSync(path.join(out, 'analysis.json'), 'utf8'));
    expect(json.runs[0].configs[0].model.rel_err_l2).toBeGreaterThan(0);
  });

  test('--json prints snake_case keys with the numbers the library computes', async () => {
    const r = runCli(['analyze', bundleDir, '--patterns', '4:8', '--json', '--batch-sizes', '1,4']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(true);
    const model = j.runs[0].configs[0].model;
    expect(Object.keys(model)).toEqual(expect.arrayContaining(['rel_err_l2', 'kept_fraction', 'union_density', 'compressed', 'compatibility', 'natural_zero_fraction']));
    expect(model.union_density.map((u: { batch_size: number }) => u.batch_size)).toEqual([1, 4]);
    const bundle = await openBundle(bundleDir);
    try {
      const lib = await analyze(bundle, { patterns: parsePatternList('4:8'), batchSizes: [1, 4] });
      expect(model.rel_err_l2).toBe(lib.runs[0].configs[0].model.relErrL2);
    } finally {
      await bundle.close();
    }
  });

  test('worker threads give exactly the in-process result', () => {
    const args = ['analyze', bundleDir, '--patterns', '2:4,16:32,unstructured', '--criteria', 'magnitude,amber', '--json'];
    const inProcess = runCli([...args, '--threads', '0']);
    const threaded = runCli([...args, '--threads', '2']);
    expect(inProcess.code).toBe(0);
    expect(threaded.code).toBe(0);
    expect(JSON.parse(threaded.stdout)).toEqual(JSON.parse(inProcess.stdout));
  });

  test('a bare .npy file is analysed as one anonymous run', () => {
    const npy = path.join(dir, 'x.npy');
    const k = 16;
    const rows = 8;
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${k}), }`;
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = Buffer.from(header + ' '.repeat(pad) + '\n');
    const pre = Buffer.alloc(10);
    pre.write('\x93NUMPY', 0, 'latin1');
    pre[6] = 1;
    pre[7] = 0;
    pre.writeUInt16LE(h.length, 8);
    const data = Buffer.from(activations(5, rows, k, 0, false).buffer);
    writeFileSync(npy, Buffer.concat([pre, h, data]));
    const r = runCli(['analyze', npy, '--patterns', '2:4', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.source.anonymous).toBe(true);
    expect(j.runs[0].run_id).toBe('anonymous');
    expect(j.runs[0].configs[0].model.kept_fraction).toBe(0.5);
  });

  test('bad usage exits 2 with a diagnostic naming the option and the fix, and writes nothing', () => {
    const out = path.join(dir, 'never');
    for (const args of [
      ['--patterns', '16:8'],
      ['--criteria', 'largest'],
      ['--batch-sizes', '0,2'],
      ['--runs', 'nope'],
      ['--threads', '-1'],
      ['--random-batches', '0'],
      ['--random-batches', '10001'],
      ['--batch-sizes', '1,8192'],
      ['--nonfinite', 'skip'],
    ]) {
      const r = runCli(['analyze', bundleDir, ...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/✖ /);
      expect(r.stderr).toMatch(/hint:/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
    expect(existsSync(out)).toBe(false);
  });

  test('a missing or broken trace exits 1 with the file named, no stack trace', () => {
    const r = runCli(['analyze', path.join(dir, 'missing.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.safetensors/);
    const broken = path.join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'manifest.json'), '{"format": "nmsim-trace"');
    const b = runCli(['analyze', broken]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/manifest\.json/);
    expect(b.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

/** One-site bundle of F16 activations with non-finite values written where `poison` says. */
async function writePoisoned(out: string, poison: (x: Float32Array, k: number) => void): Promise<void> {
  const w = new BundleWriter(out);
  const k = 32;
  const x = activations(21, tokens, k, 0.02);
  poison(x, k);
  const tensor = w.addTensor('dense.safetensors', 'layers.0.mlp.down_proj.input', x, [tokens, k], 'F16');
  await w.finish({
    format: 'nmsim-trace',
    version: 1,
    model: { name: 'tiny-nan', family: 'llama', hidden_size: 32, intermediate_size: 32, num_layers: 1, num_heads: 2, num_kv_heads: 2, vocab_size: 32 },
    source: { tool: 'analysis test', checkpoint: 'synthetic', dataset: 'synthetic' },
    runs: [{ id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens, sites: [{ name: 'layers.0.mlp.down_proj.input', layer: 0, consumers: ['down'], tensor }] }],
  });
}

describe('nmsim analyze on a trace holding NaN or Inf', () => {
  const poisoned = path.join(dir, 'poisoned');
  const clean = path.join(dir, 'poisoned-clean');
  const allNan = path.join(dir, 'all-nan');
  beforeAll(async () => {
    // NaN at [3, 7]; +Inf at [10, 0] and −Inf at [10, 31]; the clean twin has those two rows as zeros removed
    await writePoisoned(poisoned, (x, k) => {
      x[3 * k + 7] = NaN;
      x[10 * k] = Infinity;
      x[10 * k + 31] = -Infinity;
    });
    await writePoisoned(allNan, (x) => x.fill(NaN));
  });

  test('excludes the rows, reports them in the table, --json, every CSV and analysis.json, and never scores them as lossless', async () => {
    const out = path.join(dir, 'poisoned-report');
    const r = runCli(['analyze', poisoned, '--patterns', '2:4,8:16', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('non-finite: 3 values (1 NaN, 1 +Inf, 1 -Inf) in 2 of 40 token rows, excluded from every statistic');
    expect(r.stderr).toMatch(/analysis\/nonfinite-rows/);
    expect(r.stderr).toContain('"layers.0.mlp.down_proj.input"');
    expect(r.stderr).toContain('[3, 7]');
    expect(readdirSync(out)).toContain('nonfinite.csv');
    const nonfinite = readFileSync(path.join(out, 'nonfinite.csv'), 'utf8').trim().split('\n');
    expect(nonfinite).toEqual([
      'run_id,site,tensor_key,tokens,k,nonfinite_rows,nonfinite_values,nan,pos_inf,neg_inf,first_row,first_column',
      'dense,layers.0.mlp.down_proj.input,layers.0.mlp.down_proj.input,40,32,2,3,1,1,1,3,7',
    ]);
    for (const file of ['summary.csv', 'sites.csv', 'layers.csv', 'consumers.csv']) {
      const [head, first] = readFileSync(path.join(out, file), 'utf8').trim().split('\n');
      const row = Object.fromEntries(head.split(',').map((h, i) => [h, first.split(',')[i]]));
      expect([file, row.nonfinite_rows, row.nonfinite_values]).toEqual([file, '2', '3']);
      expect(Number(row.rel_err_l2)).toBeGreaterThan(0.01);
    }
    const json = JSON.parse(readFileSync(path.join(out, 'analysis.json'), 'utf8'));
    expect(json.runs[0].nonfinite).toMatchObject({ policy: 'exclude', rows: 2, values: 3, nan: 1, pos_inf: 1, neg_inf: 1, token_rows: 40 });
    expect(json.runs[0].nonfinite.sites[0]).toMatchObject({ tensor_key: 'layers.0.mlp.down_proj.input', first_row: 3, first_column: 7 });
    expect(json.runs[0].configs[0].model.nonfinite_rows).toBe(2);
    // the statistics are those of the 38 finite rows
    expect(json.runs[0].configs[0].sites[0].tokens).toBe(38);
    expect(json.runs[0].configs[0].model.elements).toBe(38 * 32);
    const j = JSON.parse(runCli(['analyze', poisoned, '--patterns', '2:4,8:16', '--json']).stdout);
    expect(j.runs[0].nonfinite.rows).toBe(2);
    // worker threads redo the site the same way
    expect(JSON.parse(runCli(['analyze', poisoned, '--patterns', '2:4,8:16', '--json', '--threads', '2']).stdout)).toEqual(j);
    expect(j.warnings.map((w: { code: string }) => w.code)).toContain('analysis/nonfinite-rows');
  });

  test('a clean trace says so in the table', () => {
    const r = runCli(['analyze', bundleDir, '--patterns', '2:4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('non-finite: none');
  });

  test('--nonfinite error refuses with exit 1, the tensor key and the first position, and writes nothing', () => {
    const out = path.join(dir, 'never-nan');
    const r = runCli(['analyze', poisoned, '--nonfinite', 'error', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/analysis\/nonfinite-value/);
    expect(r.stderr).toContain('layers.0.mlp.down_proj.input');
    expect(r.stderr).toContain('[3, 7]');
    expect(existsSync(out)).toBe(false);
    const bad = runCli(['analyze', poisoned, '--nonfinite', 'ignore']);
    expect(bad.code).toBe(2);
  });

  test('a site with no finite row exits 1 with nulls, never a perfect score, and writes nothing', () => {
    const out = path.join(dir, 'never-all-nan');
    const r = runCli(['analyze', allNan, '--patterns', '2:4', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/analysis\/no-finite-rows/);
    expect(r.stdout).toMatch(/^2:4 +— +— +— +— /m);
    expect(existsSync(out)).toBe(false);
    const j = runCli(['analyze', allNan, '--patterns', '2:4', '--json']);
    expect(j.code).toBe(1);
    const doc = JSON.parse(j.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.errors[0].code).toBe('analysis/no-finite-rows');
    expect(doc.runs[0].configs[0].model.rel_err_l2).toBeNull();
    expect(doc.runs[0].configs[0].model.retained_energy).toBeNull();
  });
});

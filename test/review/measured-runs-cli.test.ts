/**
 * nmsim review on a bundle whose measured runs cannot all share one axis: an 8:16 run whose
 * recorded masks keep 12 of 16 (an exporter bug), a 16:32 run measured on another text, and a
 * 2:4 run measured better than dense. None is used or dropped silently.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { BundleWriter } from '../../src/trace/writer.js';
import { packMask } from '../../src/trace/mask.js';
import { selectKeep } from '../../src/sparsity/select.js';
import { nm } from '../../src/sparsity/pattern.js';
import type { Manifest, Run } from '../../src/trace/manifest.js';
import { mulberry32 } from '../../src/analysis/union-density.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-measured-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function writeBundle(out: string): Promise<void> {
  const w = new BundleWriter(out);
  const tokens = 32;
  const k = 64;
  const rand = mulberry32(7);
  const x = Float32Array.from({ length: tokens * k }, () => rand() - 0.5);
  const tensor = w.addTensor('acts.safetensors', 'layers.0.mlp.down_proj.input', x, [tokens, k], 'F16');
  const mask = (n: number, m: number, name: string) => {
    const keep = new Uint8Array(tokens * k);
    for (let t = 0; t < tokens; t++) selectKeep(x.subarray(t * k, (t + 1) * k).map(Math.abs), k, nm(n, m), keep, 0, t * k);
    return w.addTensor('acts.safetensors', name, packMask(keep, tokens, k), [tokens, k / 8], 'U8');
  };
  const site = (masks?: Run['sites'][0]['masks']) => ({ name: 'layers.0.mlp.down_proj.input', layer: 0, consumers: ['down' as const], tensor, ...(masks ? { masks } : {}) });
  const metric = (value: number, dataset = 'synthetic') => [{ metric: 'perplexity', dataset, tokens: 1000, value }];
  const manifest: Manifest = {
    format: 'nmsim-trace',
    version: 1,
    model: { name: 'tiny-measured', family: 'llama', hidden_size: 64, intermediate_size: 64, num_layers: 1, num_heads: 4, num_kv_heads: 4, vocab_size: 32 },
    source: { tool: 'review test', checkpoint: 'none', dataset: 'mulberry32 seed 7' },
    runs: [
      { id: 'dense', config: { pattern: 'dense' }, metrics: metric(5.0), tokens, sites: [site()] },
      // 2:4 better than dense (suspicious, kept and flagged)
      { id: 'p2of4', config: { pattern: '2:4', criterion: 'magnitude', mitigation: 'none' }, metrics: metric(4.5), tokens, sites: [site([{ consumer: 'down', tensor: mask(2, 4, 'm24') }])] },
      // labelled 8:16, but the masks keep 12 of every 16: left out
      { id: 'p8of16', config: { pattern: '8:16', criterion: 'magnitude', mitigation: 'none' }, metrics: metric(5.2), tokens, sites: [site([{ consumer: 'down', tensor: mask(12, 16, 'm816') }])] },
      // measured on another text: left out
      { id: 'p16of32', config: { pattern: '16:32', criterion: 'magnitude', mitigation: 'none' }, metrics: metric(9.9, 'other-text'), tokens, sites: [site([{ consumer: 'down', tensor: mask(16, 32, 'm1632') }])] },
    ],
  };
  await w.finish(manifest);
}

test('nmsim review names the run whose masks break its pattern, the run on another text and the run better than dense, and uses none of the first two', async () => {
  const bundle = path.join(tmp, 'bundle');
  await writeBundle(bundle);
  const out = path.join(tmp, 'report');
  const r = runCli(['review', '--traces', bundle, '--profiles', 'act-2of4,act-8of16,act-16of32', '--patterns', '2:4,8:16,16:32', '--criteria', 'magnitude', '--mitigations', 'none', '--out', out, '--no-progress']);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('review/mask-violates-pattern');
  const md = await fs.readFile(path.join(out, 'design-review.md'), 'utf8');
  // 12 of 16 kept in each of the 4 groups of 16 of 32 tokens: every one of the 128 groups breaks 8:16
  expect(md).toContain('Run "p8of16" (8:16 magnitude+none): its recorded masks keep more than the pattern allows in 128 of 128 groups (first at layers.0.mlp.down_proj.input, consumer down), so its perplexity is not that of 8:16; left out.');
  expect(md).toContain('left out: run "p16of32" (16:32 magnitude+none, other-text, 1000 tokens)');
  expect(md).toContain('Run "p2of4" (2:4 magnitude+none) measured perplexity 4.5000, below the dense run\'s 5.0000');
  const csv = (await fs.readFile(path.join(out, 'design-points.csv'), 'utf8')).trim().split('\n');
  const h = csv[0].split(',');
  const ppl = csv.slice(1).map((l) => l.split(',')).filter((c) => c[h.indexOf('perplexity')] !== '').map((c) => `${c[h.indexOf('pattern')]} ${c[h.indexOf('perplexity')]}`);
  expect([...new Set(ppl)]).toEqual(['2:4 4.5000']);
});

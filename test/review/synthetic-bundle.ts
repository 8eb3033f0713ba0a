/**
 * A small synthetic trace bundle for the review's end-to-end tests, written with the trace
 * module's BundleWriter: one decoder layer (hidden 32, intermediate 64), 64 tokens of seeded
 * pseudo-random activations, and runs with invented perplexities (dense 5.0, 2:4 7.0, 8:16 6.0,
 * 16:32 5.5) — invented so the expected front and sentence can be worked out by hand; they say
 * nothing about any real model.
 */
import { BundleWriter } from '../../src/trace/writer.js';
import { mulberry32 } from '../../src/analysis/union-density.js';
import type { Manifest, Run } from '../../src/trace/manifest.js';

/** the analysis module's seeded generator, so the bundle bytes are the same on every run */
const rng = mulberry32;

export const SYNTHETIC_PERPLEXITY: Record<string, number> = { dense: 5.0, '2:4': 7.0, '8:16': 6.0, '16:32': 5.5 };

/**
 * `measured`: the pruned patterns that get a run with a perplexity (default 2:4, 8:16 and
 * 16:32); the dense run is always there.
 */
export async function writeSyntheticBundle(
  outDir: string,
  measured: readonly string[] = ['2:4', '8:16', '16:32'],
  /** edits a site's activations [64, K] before they are written (e.g. to plant a NaN) */
  edit?: (site: string, x: Float32Array, k: number) => void,
): Promise<void> {
  const w = new BundleWriter(outDir);
  const tokens = 64;
  const rand = rng(2509);
  let site = 0;
  const names = ['layers.0.self_attn.qkv.input', 'layers.0.self_attn.o_proj.input', 'layers.0.mlp.gate_up.input', 'layers.0.mlp.down_proj.input'];
  const tensor = (k: number) => {
    const x = Float32Array.from({ length: tokens * k }, () => (rand() - 0.5) * 4 * (rand() < 0.1 ? 4 : 1));
    edit?.(names[site++], x, k);
    return x;
  };
  const file = 'dense.safetensors';
  const sites: Run['sites'] = [
    { name: 'layers.0.self_attn.qkv.input', layer: 0, consumers: ['q', 'k', 'v'], tensor: w.addTensor(file, 'layers.0.self_attn.qkv.input', tensor(32), [tokens, 32], 'F16') },
    { name: 'layers.0.self_attn.o_proj.input', layer: 0, consumers: ['o'], tensor: w.addTensor(file, 'layers.0.self_attn.o_proj.input', tensor(32), [tokens, 32], 'F16') },
    { name: 'layers.0.mlp.gate_up.input', layer: 0, consumers: ['gate', 'up'], tensor: w.addTensor(file, 'layers.0.mlp.gate_up.input', tensor(32), [tokens, 32], 'F16') },
    { name: 'layers.0.mlp.down_proj.input', layer: 0, consumers: ['down'], tensor: w.addTensor(file, 'layers.0.mlp.down_proj.input', tensor(64), [tokens, 64], 'F16') },
  ];
  const metric = (value: number) => [{ metric: 'perplexity', dataset: 'synthetic', tokens: 1000, value }];
  const pruned = (pattern: string): Run => ({
    id: `${pattern.replace(':', 'of')}-magnitude-none`,
    config: { pattern, criterion: 'magnitude', mitigation: 'none' },
    metrics: metric(SYNTHETIC_PERPLEXITY[pattern]),
    tokens: 0,
    sites: [],
  });
  const manifest: Manifest = {
    format: 'nmsim-trace',
    version: 1,
    model: { name: 'synthetic-tiny', family: 'llama', hidden_size: 32, intermediate_size: 64, num_layers: 1, num_heads: 4, num_kv_heads: 4, vocab_size: 32 },
    source: { tool: 'nmsim test (synthetic)', checkpoint: 'none (synthetic activations)', dataset: 'mulberry32 seed 2509' },
    runs: [{ id: 'dense', config: { pattern: 'dense' }, metrics: metric(SYNTHETIC_PERPLEXITY.dense), tokens, sites }, ...measured.map(pruned)],
  };
  await w.finish(manifest);
}

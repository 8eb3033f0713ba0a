/**
 * Shared by the shard tests: a synthetic bundle whose sites live in three .safetensors files
 * (two runs, weights and amber norms on two sites), and comparisons of analysis outputs.
 */
import { BundleWriter } from '../../src/trace/writer.js';
import type { Manifest } from '../../src/trace/manifest.js';
import { activations } from '../analysis/helpers.js';

export const SYNTH_TOKENS = 96;

/**
 * Two runs (dense, 8:16) over four sites of one layer; qkv and o in attn.safetensors, gate_up in
 * mlp-a.safetensors, down in mlp-b.safetensors (K = 40: a tail group for every M > 8); qkv and
 * down carry weights (output error, affine) and amber norms.
 */
export async function writeMultiFileBundle(out: string, edit?: (site: string, x: Float32Array, k: number) => void): Promise<void> {
  const w = new BundleWriter(out);
  const tokens = SYNTH_TOKENS;
  const site = (file: string, name: string, k: number, consumers: Manifest['runs'][0]['sites'][0]['consumers'], seed: number, withStats: boolean) => {
    const x = activations(seed, tokens, k, 0.03);
    edit?.(name, x, k);
    const tensor = w.addTensor(file, name, x, [tokens, k], 'F16');
    const weight_stats = withStats
      ? consumers.map((c, i) => ({
          consumer: c,
          out_features: 6,
          amber_column_norms: w.addTensor('weights.safetensors', `${name}.${c}.amber`, Float32Array.from({ length: k }, (_, j) => 1 + ((j * (i + 3)) % 7)), [k], 'F32'),
          weight: w.addTensor('weights.safetensors', `${name}.${c}.weight`, Float32Array.from({ length: 6 * k }, (_, j) => Math.sin(j * (i + 1))), [6, k], 'F32'),
        }))
      : undefined;
    return { name, layer: 0, consumers, tensor, ...(weight_stats ? { weight_stats } : {}) };
  };
  const sites = [
    site('attn.safetensors', 'layers.0.self_attn.qkv.input', 32, ['q', 'k', 'v'], 11, true),
    site('attn.safetensors', 'layers.0.self_attn.o_proj.input', 32, ['o'], 12, false),
    site('mlp-a.safetensors', 'layers.0.mlp.gate_up.input', 32, ['gate', 'up'], 13, false),
    site('mlp-b.safetensors', 'layers.0.mlp.down_proj.input', 40, ['down'], 14, true),
  ];
  const manifest: Manifest = {
    format: 'nmsim-trace',
    version: 1,
    model: { name: 'shard-test', family: 'llama', hidden_size: 32, intermediate_size: 40, num_layers: 1, num_heads: 2, num_kv_heads: 2, vocab_size: 32 },
    source: { tool: 'nmsim shard test (synthetic)', checkpoint: 'synthetic', dataset: 'lcg seeds 11–14' },
    runs: [
      { id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens, sites },
      { id: 'p8of16', config: { pattern: '8:16', criterion: 'magnitude', mitigation: 'none' }, metrics: [], tokens, sites },
    ],
  };
  await w.finish(manifest);
}

/** Largest relative difference |a − b| / max(|a|, |b|) over every number of two equally shaped JSON values; throws on any other difference. */
export function maxRelDiff(a: unknown, b: unknown, at = '$'): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return 0;
    return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) throw new Error(`${at}: ${a.length} items vs ${b.length}`);
    return a.reduce((m: number, x, i) => Math.max(m, maxRelDiff(x, b[i], `${at}[${i}]`)), 0);
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join(',') !== kb.join(',')) throw new Error(`${at}: keys ${ka.join(',')} vs ${kb.join(',')}`);
    return ka.reduce((m, k) => Math.max(m, maxRelDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`)), 0);
  }
  if (a !== b) throw new Error(`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return 0;
}

/** RFC 4180 rows (quoted cells with "" escapes), enough for csv-stringify's output. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += ch;
  }
  if (cell !== '' || row.length > 0) row.push(cell), rows.push(row);
  return rows;
}

/** The same for CSV text: equal header and shape; numeric cells compared relatively, others exactly. */
export function csvMaxRelDiff(a: string, b: string): number {
  const ra = parseCsv(a);
  const rb = parseCsv(b);
  const num = (s: string) => (s !== '' && Number.isFinite(Number(s)) ? Number(s) : s);
  return maxRelDiff(ra.map((r) => r.map(num)), rb.map((r) => r.map(num)));
}

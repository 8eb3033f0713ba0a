/**
 * A bare .safetensors or .npy file (no manifest) is read as an anonymous bundle: one run
 * {id: "anonymous", config: {pattern: "dense"}} with one site per 2-D float tensor. Consumers
 * are inferred from the tensor name; model sizes from the shapes; everything guessed or
 * unknown is said in source.notes (traces/README.md, "Bare tensor files").
 */
import type { Consumer, Manifest, Site } from './manifest.js';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION } from './manifest.js';
import type { TensorInfo } from './tensor-info.js';

/** Used when no rule matches: one generic linear consumer; "q" stands in for it. */
export const DEFAULT_CONSUMERS: readonly Consumer[] = ['q'];

const seg = (alts: string) => new RegExp(`(^|[._])(${alts})([._]|$)`);

/** First match wins; names are lower-cased first. */
const CONSUMER_RULES: readonly (readonly [RegExp, readonly Consumer[]])[] = [
  [seg('qkv|qkv_proj|c_attn|query_key_value|in_proj|wqkv'), ['q', 'k', 'v']],
  [seg('gate_up|gate_up_proj|w13'), ['gate', 'up']],
  [seg('q_proj|wq|to_q|query'), ['q']],
  [seg('k_proj|wk|to_k|key'), ['k']],
  [seg('v_proj|wv|to_v|value'), ['v']],
  [seg('o_proj|wo|out_proj|to_out'), ['o']],
  [/(attn|attention)[._].*c_proj/, ['o']],
  [seg('gate_proj|w1'), ['gate']],
  [seg('up_proj|w3|c_fc|fc1'), ['up']],
  [seg('down_proj|w2|fc2'), ['down']],
  [/mlp[._].*c_proj/, ['down']],
  [seg('self_attn|attn|attention'), ['q', 'k', 'v']],
  [seg('mlp|ffn|feed_forward'), ['gate', 'up']],
];

export function inferConsumers(name: string): { consumers: Consumer[]; inferred: boolean } {
  const s = name.toLowerCase();
  for (const [re, consumers] of CONSUMER_RULES) if (re.test(s)) return { consumers: [...consumers], inferred: true };
  return { consumers: [...DEFAULT_CONSUMERS], inferred: false };
}

/** "layers.3.mlp…", "model.layers.3…", "h.3…", "blocks.3…" → 3 */
export function inferLayer(name: string): number | undefined {
  const m = /(^|\.)(layers|layer|h|blocks|block)\.(\d+)(\.|$)/.exec(name);
  return m ? Number(m[3]) : undefined;
}

function mostCommon(values: number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | undefined;
  let bestCount = 0;
  for (const [v, c] of counts) if (c > bestCount || (c === bestCount && best !== undefined && v < best)) [best, bestCount] = [v, c];
  return best;
}

export function synthesizeManifest(fileName: string, tensors: TensorInfo[], metadata: Record<string, string> = {}): Manifest {
  const notes: string[] = ['synthesized by nmsim for a bare tensor file (no manifest.json)'];
  const sites: Site[] = [];
  const skipped: string[] = [];
  const defaulted: string[] = [];
  for (const t of tensors) {
    const name = t.key !== '' ? t.key : fileName.replace(/\.(npy|safetensors)$/i, '');
    if (t.shape.length !== 2 || t.dtype === 'U8') {
      skipped.push(`${name} ${t.dtype}[${t.shape.join(', ')}]`);
      continue;
    }
    const { consumers, inferred } = inferConsumers(name);
    if (!inferred) defaulted.push(name);
    const layer = inferLayer(name);
    const tensor = t.key !== '' ? { file: fileName, key: t.key, shape: t.shape, dtype: t.dtype } : { file: fileName, shape: t.shape, dtype: t.dtype };
    sites.push({ name, ...(layer !== undefined ? { layer } : {}), consumers, tensor });
  }
  const ks = (pred: (s: Site) => boolean) => sites.filter(pred).map((s) => s.tensor.shape[1]);
  const hiddenK = mostCommon(ks((s) => !s.consumers.includes('down'))) ?? mostCommon(ks(() => true));
  const downK = mostCommon(ks((s) => s.consumers.includes('down')));
  const allK = ks(() => true);
  const layers = new Set(sites.map((s) => s.layer).filter((l) => l !== undefined));
  const tokens = mostCommon(sites.map((s) => s.tensor.shape[0])) ?? 0;

  notes.push(`hidden_size = most common K (${hiddenK ?? 'none'})`);
  notes.push(downK !== undefined ? `intermediate_size = K of the down_proj inputs (${downK})` : `intermediate_size = largest K (no down_proj input named)`);
  notes.push(layers.size > 0 ? `num_layers = distinct layer indices in the names (${layers.size})` : 'num_layers unknown (set to 1)');
  notes.push('name, family, num_heads, num_kv_heads, vocab_size unknown (set to "unknown" / 1)');
  if (defaulted.length > 0) notes.push(`consumers not recognised, default [${DEFAULT_CONSUMERS.join(', ')}] used for: ${defaulted.join(', ')}`);
  if (skipped.length > 0) notes.push(`skipped (not a 2-D float tensor): ${skipped.join(', ')}`);
  if (Object.keys(metadata).length > 0) notes.push(`file metadata: ${JSON.stringify(metadata)}`);

  return {
    format: TRACE_FORMAT,
    version: TRACE_FORMAT_VERSION,
    model: {
      name: 'unknown',
      family: 'unknown',
      hidden_size: Math.max(1, hiddenK ?? 1),
      intermediate_size: Math.max(1, downK ?? allK.reduce((a, b) => (b > a ? b : a), 1)), // no spread: 200k tensors would overflow the stack
      num_layers: Math.max(1, layers.size),
      num_heads: 1,
      num_kv_heads: 1,
      vocab_size: 1,
    },
    source: { tool: 'unknown (bare tensor file)', checkpoint: 'unknown', dataset: 'unknown', notes: notes.join('; ') },
    runs: [{ id: 'anonymous', config: { pattern: 'dense' }, metrics: [], tokens, sites }],
  };
}

#!/usr/bin/env node
/**
 * Makes .bench/amber-TOKENSxLAYERS/ from the bench trace (.bench/trace-TOKENSxLAYERS.safetensors,
 * hard-linked, or copied where a link is impossible): a bundle whose manifest gives the four
 * sites of each layer their llama consumers (site0 → q, k, v; site1 → o; site2 → gate, up;
 * site3 → down) and per consumer random amber column norms in [1, 3) (weights.safetensors), so
 * `amber` lanes run on the same synthetic activations as the other configurations (speed only).
 *
 *   node bench/make-amber-bundle.mjs [TOKENS=2048] [LAYERS=2]   → prints the bundle folder
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [tokens = '2048', layers = '2'] = process.argv.slice(2);
const trace = path.join(root, '.bench', `trace-${tokens}x${layers}.safetensors`);
if (!fs.existsSync(trace)) {
  process.stderr.write(`✖ ${path.relative(root, trace)} not found: run npm run bench once (it makes the trace)\n`);
  process.exit(1);
}
const dir = path.join(root, '.bench', `amber-${tokens}x${layers}`);
fs.mkdirSync(dir, { recursive: true });
const linked = path.join(dir, 'trace.safetensors');
if (!fs.existsSync(linked)) {
  try {
    fs.linkSync(trace, linked);
  } catch {
    fs.copyFileSync(trace, linked);
  }
}
const bytes = fs.readFileSync(trace);
const headerLen = Number(bytes.readBigUInt64LE(0));
const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8'));
const consumersOf = [['q', 'k', 'v'], ['o'], ['gate', 'up'], ['down']];
const sites = [];
const norms = [];
let s = 17;
for (const [key, info] of Object.entries(header)) {
  if (key === '__metadata__') continue;
  const m = /^layers\.(\d+)\.site(\d)\.input$/.exec(key);
  if (!m) continue;
  const [, layer, site] = m.map(Number);
  const k = info.shape[1];
  const consumers = consumersOf[site];
  sites.push({
    name: key,
    layer,
    consumers,
    tensor: { file: 'trace.safetensors', key, shape: info.shape, dtype: info.dtype },
    weight_stats: consumers.map((consumer) => {
      const normKey = `${key}.${consumer}.amber_column_norms`;
      norms.push({ key: normKey, data: Float32Array.from({ length: k }, () => 1 + 2 * ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)) });
      return { consumer, amber_column_norms: { file: 'weights.safetensors', key: normKey, shape: [k], dtype: 'F32' } };
    }),
  });
}
// weights.safetensors: one F32 tensor per (site, consumer)
const meta = {};
let offset = 0;
for (const n of norms) {
  meta[n.key] = { dtype: 'F32', shape: [n.data.length], data_offsets: [offset, offset + 4 * n.data.length] };
  offset += 4 * n.data.length;
}
let head = Buffer.from(JSON.stringify(meta), 'utf8');
head = Buffer.concat([head, Buffer.alloc((8 - (head.length % 8)) % 8, 0x20)]);
const len = Buffer.alloc(8);
len.writeBigUInt64LE(BigInt(head.length));
fs.writeFileSync(path.join(dir, 'weights.safetensors'), Buffer.concat([len, head, ...norms.map((n) => Buffer.from(n.data.buffer))]));
const dims = sites.map((x) => x.tensor.shape[1]);
const manifest = {
  format: 'nmsim-trace',
  version: 1,
  model: { name: 'bench-synthetic', family: 'llama', hidden_size: Math.min(...dims), intermediate_size: Math.max(...dims), num_layers: Number(layers), num_heads: 32, num_kv_heads: 32, vocab_size: 32000 },
  source: { tool: 'bench/make-amber-bundle.mjs', checkpoint: 'none (synthetic)', dataset: 'none (synthetic)', notes: `synthetic activations (../shared/bench/make_trace.py) with random amber column norms in [1, 3): for speed only` },
  runs: [{ id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens: Number(tokens), sites }],
};
fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
process.stdout.write(path.relative(root, dir) + '\n');

#!/usr/bin/env node
/**
 * Evaluation speed on a stories15M-shaped checkpoint (issue 17): dim 288, 6 layers, 6 heads
 * (6 KV heads), hidden 768, vocab 32000, seq_len 256, classifier shared with the embedding — the
 * shape of karpathy/llama2.c's stories15M.bin (README, "models" table: OG, 288 / 6 / 6 / 6, 256,
 * 15M) — with random weights (speed only: the forward pass does the same work whatever the
 * values). Writes the checkpoint (llama2.c legacy format, 58 MiB) and a random token stream into a
 * fresh temporary folder, runs bench/capture-child.mjs (the perplexity protocol's evaluation
 * loop, model load excluded) dense and 8:16 magnitude, each in the default f64 and in --precision
 * f32 arithmetic (rows named "f32"), REPS times each, alternating, and prints
 * medians of tokens/s over wall and CPU time. The folder is removed at the end.
 *
 *   node bench/stories15m-speed.mjs [--reps 3] [--windows 2]
 *
 * llama2.c's published figure for the real checkpoint: "On my M1 MacBook Air this runs at ~110
 * tokens/s" (run.c, `make run`, i.e. gcc -O3, one thread, generation with a KV cache) —
 * karpathy/llama2.c README.md, "feel the magic" section. Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { expectedCheckpointBytes } from '../dist/capture/checkpoint.js';

const { values: a } = parseArgs({ options: { reps: { type: 'string', default: '3' }, windows: { type: 'string', default: '2' } } });
const config = { dim: 288, hiddenDim: 768, nLayers: 6, nHeads: 6, nKvHeads: 6, vocabSize: 32000, seqLen: 256, sharedClassifier: true, format: 'legacy' };
const bytes = expectedCheckpointBytes(config);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-stories15m-'));
try {
  const buf = Buffer.alloc(bytes);
  new Int32Array(buf.buffer, buf.byteOffset, 7).set([config.dim, config.hiddenDim, config.nLayers, config.nHeads, config.nKvHeads, config.vocabSize, config.seqLen]);
  const weights = new Float32Array(buf.buffer, buf.byteOffset + 28, (bytes - 28) / 4);
  // uniform in ±0.05 from a fixed LCG (finite, so the loader accepts them; values do not change the work)
  let s = 17;
  for (let i = 0; i < weights.length; i++) weights[i] = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.1;
  const modelPath = path.join(dir, 'stories15M-random.bin');
  fs.writeFileSync(modelPath, buf);
  const tokens = +a.windows * (config.seqLen - 1) + 1; // whole windows of seq_len, stride seq_len − 1
  const stream = Int32Array.from({ length: tokens }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % config.vocabSize);
  const streamPath = path.join(dir, 'stream.i32');
  fs.writeFileSync(streamPath, Buffer.from(stream.buffer));
  // each mode: [pattern, precision] (f32: --precision f32's float32 arithmetic, not the default's bits)
  const modes = ['dense', '8:16', 'dense f32', '8:16 f32'];
  const runs = Object.fromEntries(modes.map((m) => [m, []]));
  const load0 = os.loadavg()[0];
  for (let rep = 0; rep < +a.reps; rep++) {
    for (const mode of modes) {
      const [pattern, precision = 'f64'] = mode.split(' ');
      const out = execFileSync(process.execPath, [path.join('bench', 'capture-child.mjs'), modelPath, streamPath, pattern, '0', precision], { encoding: 'utf8' });
      runs[mode].push(JSON.parse(out.trim().split('\n').pop()));
    }
  }
  const median = (xs) => {
    const v = [...xs].sort((p, q) => p - q);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const rows = modes.map((mode) => ({
    mode: { dense: 'dense', '8:16': '8:16 magnitude', 'dense f32': 'dense, f32', '8:16 f32': '8:16 magnitude, f32' }[mode],
    tokens: runs[mode][0].tokens,
    wall_s: +median(runs[mode].map((r) => r.wall_s)).toFixed(3),
    cpu_s: +median(runs[mode].map((r) => r.cpu_s)).toFixed(3),
    tokens_per_s: +median(runs[mode].map((r) => r.tokens / r.wall_s)).toFixed(1),
    tokens_per_cpu_s: +median(runs[mode].map((r) => r.tokens / r.cpu_s)).toFixed(1),
  }));
  const report = { model: 'stories15M-shaped, random weights', parameters_bytes: bytes, reps: +a.reps, load_average_1min: [load0, os.loadavg()[0]].map((l) => +l.toFixed(2)), llama2c_published: '~110 tokens/s, run.c on an M1 MacBook Air (karpathy/llama2.c README)', rows };
  fs.mkdirSync('.bench', { recursive: true });
  fs.writeFileSync('.bench/stories15m-results.json', JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(report, null, 2));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

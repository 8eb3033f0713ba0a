#!/usr/bin/env node
/**
 * Capture speed against a plain numpy forward pass (issue 17): the first N stories of the
 * validation text, encoded once by nmsim's tokenizer into .bench/capture-stream-N.i32, evaluated
 * under the perplexity protocol (windows of seq_len, stride seq_len − 1) by
 *   - nmsim dense and 8:16 magnitude (bench/capture-child.mjs, one process per repetition), on
 *     one thread and on --threads threads (the main thread and threads − 1 workers; default
 *     os.availableParallelism()),
 *   - the same four with --precision f32's arithmetic (the opt-in float32 matmul, src/capture/precision.ts:
 *     not bit-identical to the default; rows named "f32"),
 *   - numpy dense (bench/capture-numpy.py), with OpenBLAS's default threads and with
 *     OPENBLAS_NUM_THREADS=1 (the ratios are taken against the faster of the two),
 * REPS alternating repetitions each; prints medians of tokens/s over wall time and over CPU time
 * (user + system of the evaluation, model load excluded in both tools), the ratios, the 1-minute
 * load average before and after, and each tool's mean NLL (they must agree: same model, same
 * windows). Needs `npm run build`.
 *
 *   node bench/capture-bench.mjs [--model ../shared/models/stories260K.bin] [--stories 10] [--reps 5] [--threads N] [--only dense,f32]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadTokenizer } from '../dist/capture/tokenizer.js';
import { loadStories } from '../dist/capture/stories.js';
import { encodeStream } from '../dist/capture/perplexity.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: '../shared/models/stories260K.bin' },
    tokenizer: { type: 'string', default: '../shared/models/tok512.bin' },
    text: { type: 'string', default: '../shared/data/tinystories_hf_validation_head.stories.txt' },
    stories: { type: 'string', default: '10' },
    reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    // comma-separated substrings: only the rows whose name contains one of them (numpy rows always run)
    only: { type: 'string' },
  },
});
fs.mkdirSync('.bench', { recursive: true });
const streamPath = `.bench/capture-stream-${a.stories}.i32`;
const tok = await loadTokenizer(a.tokenizer, 512);
const stream = encodeStream(tok, (await loadStories(a.text)).slice(0, +a.stories));
fs.writeFileSync(streamPath, Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength));

const tools = {
  'nmsim dense': () => ['node', ['bench/capture-child.mjs', a.model, streamPath, 'dense']],
  'nmsim 8:16 magnitude': () => ['node', ['bench/capture-child.mjs', a.model, streamPath, '8:16']],
  [`nmsim dense, ${a.threads} threads`]: () => ['node', ['bench/capture-child.mjs', a.model, streamPath, 'dense', a.threads]],
  [`nmsim 8:16 magnitude, ${a.threads} threads`]: () => ['node', ['bench/capture-child.mjs', a.model, streamPath, '8:16', a.threads]],
  'nmsim dense, f32': () => ['node', ['bench/capture-child.mjs', a.model, streamPath, 'dense', '0', 'f32']],
  'nmsim 8:16 magnitude, f32': () => ['node', ['bench/capture-child.mjs', a.model, streamPath, '8:16', '0', 'f32']],
  [`nmsim dense, f32, ${a.threads} threads`]: () => ['node', ['bench/capture-child.mjs', a.model, streamPath, 'dense', a.threads, 'f32']],
  [`nmsim 8:16 magnitude, f32, ${a.threads} threads`]: () => ['node', ['bench/capture-child.mjs', a.model, streamPath, '8:16', a.threads, 'f32']],
  'numpy dense': () => ['python3', ['bench/capture-numpy.py', a.model, streamPath, '--json']],
  'numpy dense, 1 BLAS thread': () => ['python3', ['bench/capture-numpy.py', a.model, streamPath, '--json'], { OPENBLAS_NUM_THREADS: '1' }],
};
if (a.only) {
  const keep = a.only.split(',');
  for (const name of Object.keys(tools)) if (!name.startsWith('numpy') && !keep.some((k) => name.includes(k))) delete tools[name];
}
const runs = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
const load0 = os.loadavg()[0];
for (let rep = 0; rep < +a.reps; rep++) {
  for (const [name, cmd] of Object.entries(tools)) {
    const [bin, args, env = {}] = cmd();
    const r = JSON.parse(execFileSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...env } }).trim().split('\n').pop());
    runs[name].push(r);
  }
}
const median = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = Object.entries(runs).map(([name, rs]) => ({
  tool: name,
  tokens: rs[0].tokens,
  wall_s: median(rs.map((r) => r.wall_s)),
  cpu_s: median(rs.map((r) => r.cpu_s)),
  tokens_per_s: median(rs.map((r) => r.tokens / r.wall_s)),
  tokens_per_cpu_s: median(rs.map((r) => r.tokens / r.cpu_s)),
  mean_nll_nats: rs[0].mean_nll_nats,
}));
// against the faster numpy configuration (on a loaded 2-core machine OpenBLAS's default threads
// spin and lose to one thread; the nmsim rows without "threads" evaluate on one thread)
const np = rows.filter((r) => r.tool.startsWith('numpy')).sort((p, q) => q.tokens_per_s - p.tokens_per_s)[0];
for (const r of rows) {
  r.vs_fastest_numpy_wall = +(r.tokens_per_s / np.tokens_per_s).toFixed(2);
  r.vs_fastest_numpy_cpu = +(r.tokens_per_cpu_s / np.tokens_per_cpu_s).toFixed(2);
}
const out = { numpy_reference: np.tool, model: a.model, stories: +a.stories, reps: +a.reps, cpus: os.cpus().length, load_average_1min: [load0, os.loadavg()[0]].map((l) => +l.toFixed(2)), rows };
fs.writeFileSync('.bench/capture-results.json', JSON.stringify(out, null, 2));
console.log(JSON.stringify(out, null, 2));

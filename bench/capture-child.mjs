#!/usr/bin/env node
/**
 * One timed nmsim evaluation for bench/capture-bench.mjs: the perplexity protocol over a token
 * stream file (little-endian int32, written by the runner), dense or N:M magnitude-pruned. Prints
 * JSON: tokens processed, wall and CPU seconds of the evaluation (model load excluded, like the
 * numpy peer), mean NLL. THREADS = 0 (default): the single-thread evaluatePerplexity; THREADS ≥ 1:
 * evaluatePerplexityThreaded on that many threads, this one and THREADS − 1 workers (CPU time is
 * the whole process's, every thread included). PRECISION f64 (default, bit-identical to the
 * reference) or f32 (the opt-in float32 matmul, src/capture/precision.ts). Needs `npm run build`.
 *
 *   node bench/capture-child.mjs MODEL STREAM.i32 dense|N:M [THREADS] [f64|f32]
 */
import fs from 'node:fs';
import { loadCheckpoint } from '../dist/capture/checkpoint.js';
import { evaluatePerplexity } from '../dist/capture/perplexity.js';
import { evaluatePerplexityThreaded } from '../dist/capture/perplexity-pool.js';
import { createPruningHooks } from '../dist/capture/prune-hooks.js';
import { parsePattern } from '../dist/sparsity/pattern.js';
import { isPrecision, withPrecision } from '../dist/capture/precision.js';

const [modelPath, streamPath, mode = 'dense', threadsArg = '0', precision = 'f64'] = process.argv.slice(2);
const threads = +threadsArg;
if (!isPrecision(precision)) throw new Error(`precision must be f64 or f32, not ${precision}`);
const model = withPrecision(await loadCheckpoint(modelPath), precision);
const bytes = fs.readFileSync(streamPath);
const stream = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
const spec = mode === 'dense' ? undefined : { pattern: parsePattern(mode), criterion: 'magnitude', mitigation: 'none' };
const hooks = spec && (() => createPruningHooks(model, spec));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = threads > 0 ? await evaluatePerplexityThreaded(model, stream, { threads, spec }) : evaluatePerplexity(model, stream, hooks);
const wallS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const tokens = Math.round(r.tokensPerSecond * r.seconds);
console.log(JSON.stringify({ tokens, threads, precision, windows: r.windows, mean_nll_nats: r.meanNllNats, wall_s: wallS, cpu_s: cpuS }));

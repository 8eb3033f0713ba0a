// npm run bench — nmsim's analysis against numpy peers on the same large trace, same run.
//
// Makes (once, cached) .bench/trace-2048x2.safetensors with ../shared/bench/make_trace.py
// (--tokens 2048 --layers 2, 182 MiB F16) and, for amber configurations, the bundle
// .bench/amber-2048x2 around it (bench/make-amber-bundle.mjs: the same tensor file hard-linked,
// llama consumers per site and random amber column norms), then, per configuration (BENCH_CONFIGS,
// default magnitude+none, magnitude+dpts, clact+none, amber+dpts), alternates BENCH_REPS (default 5)
// timed runs of
//   nmsim: node bench/nmsim-child.js (analyze(): 2:4,4:8,8:16,16:32, every statistic; amber on the
//          bundle, per consumer)
//   peer:  magnitude+none: python3 ../shared/bench/nm_numpy_peer.py FILE --json;
//          others: python3 bench/nm_numpy_criteria.py (rel_err_l2 + kept_fraction only; amber with
//          --bundle, reading the norms from the bundle's weights.safetensors)
// each under /usr/bin/time -v (peak RSS, user + system CPU of the whole process tree) and reports
// medians of wall and CPU time, element-patterns/s, the ratio, each configuration's nmsim time
// over magnitude+none's, and the agreement of the numbers.
// Environment: BENCH_REPS, BENCH_TOKENS, BENCH_LAYERS, BENCH_THREADS (nmsim worker threads), BENCH_CONFIGS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(root, '..', 'shared', 'bench');
const reps = Number(process.env.BENCH_REPS ?? 5);
const tokens = process.env.BENCH_TOKENS ?? '2048';
const layers = process.env.BENCH_LAYERS ?? '2';
const configs = (process.env.BENCH_CONFIGS ?? 'magnitude+none,magnitude+dpts,clact+none,amber+dpts').split(',').map((c) => c.split('+'));
const threads = process.env.BENCH_THREADS;
const patterns = '2:4,4:8,8:16,16:32';
const benchDir = path.join(root, '.bench');
const trace = path.join(benchDir, `trace-${tokens}x${layers}.safetensors`);

function fail(message) {
  process.stderr.write(`✖ bench: ${message}\n`);
  process.exit(1);
}

for (const f of ['make_trace.py', 'nm_numpy_peer.py']) if (!existsSync(path.join(shared, f))) fail(`../shared/bench/${f} not found`);
if (spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status !== 0) fail('python3 with numpy is needed for the peer and the trace');
mkdirSync(benchDir, { recursive: true });
if (!existsSync(trace)) {
  process.stderr.write(`making ${path.relative(root, trace)} (once) …\n`);
  const r = spawnSync('python3', [path.join(shared, 'make_trace.py'), trace, '--tokens', tokens, '--layers', layers], { stdio: 'inherit' });
  if (r.status !== 0) fail('make_trace.py failed');
}

/** The amber bundle around the trace (made once; bench/make-amber-bundle.mjs). */
function amberBundle() {
  const dir = path.join(benchDir, `amber-${tokens}x${layers}`);
  if (existsSync(path.join(dir, 'manifest.json')) && existsSync(path.join(dir, 'weights.safetensors'))) return dir;
  process.stderr.write(`making ${path.relative(root, dir)} (once) …\n`);
  const r = spawnSync(process.execPath, [path.join(root, 'bench', 'make-amber-bundle.mjs'), tokens, layers], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) fail('make-amber-bundle.mjs failed');
  return dir;
}

/** Runs argv under /usr/bin/time -v; returns wall, CPU (user+sys of the tree), peak RSS, stdout, stderr. */
function timed(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-v', ...argv], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) fail(`${argv.join(' ')} exited ${r.status}:\n${r.stderr.slice(-2000)}`);
  const num = (re) => Number((re.exec(r.stderr) ?? [])[1]);
  const cpuS = num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/);
  const rssMiB = num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024;
  return { wallS, cpuS, rssMiB, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
for (const [criterion, mitigation] of configs) {
  const config = `${criterion}+${mitigation}`;
  const bundle = criterion === 'amber' ? amberBundle() : null;
  const nmsimArgv = [process.execPath, path.join(root, 'bench', 'nmsim-child.js'), bundle ?? trace, patterns, threads ?? '-', criterion, mitigation];
  const peerArgv =
    config === 'magnitude+none'
      ? ['python3', path.join(shared, 'nm_numpy_peer.py'), trace, '--patterns', patterns, '--json']
      : ['python3', path.join(root, 'bench', 'nm_numpy_criteria.py'), trace, '--patterns', patterns, '--criterion', criterion, '--mitigation', mitigation, ...(bundle ? ['--bundle', bundle] : []), '--json'];
  const runs = { nmsim: [], numpy: [] };
  let nmsimOut;
  let peerOut;
  for (let i = 0; i < reps; i++) {
    const a = timed(nmsimArgv);
    nmsimOut = JSON.parse(a.stdout);
    runs.nmsim.push(a);
    const b = timed(peerArgv);
    peerOut = JSON.parse(b.stdout);
    runs.numpy.push(b);
    process.stderr.write(`${config} rep ${i + 1}/${reps}: nmsim ${a.wallS.toFixed(1)} s wall ${a.cpuS.toFixed(1)} s CPU · numpy ${b.wallS.toFixed(1)} s wall ${b.cpuS.toFixed(1)} s CPU · load ${os.loadavg()[0].toFixed(1)}\n`);
  }
  const elementPatterns = nmsimOut.elements * nmsimOut.patterns;
  let maxErrDiff = 0;
  let maxKeptDiff = 0;
  for (const e of peerOut) {
    const m = nmsimOut.per_tensor.find((t) => t.tensor === e.tensor && t.pattern === e.pattern && (e.consumer === undefined || t.consumer === e.consumer));
    if (!m) fail(`nmsim has no result for ${e.tensor} ${e.consumer ?? ''} ${e.pattern}`);
    maxErrDiff = Math.max(maxErrDiff, Math.abs(m.rel_err_l2 - e.rel_err_l2));
    maxKeptDiff = Math.max(maxKeptDiff, Math.abs(m.kept_fraction - e.kept_fraction));
  }
  const summary = Object.fromEntries(
    Object.entries(runs).map(([tool, rs]) => {
      const wall = median(rs.map((r) => r.wallS));
      const cpu = median(rs.map((r) => r.cpuS));
      return [tool, { wall_s: wall, cpu_s: cpu, peak_rss_mib: Math.max(...rs.map((r) => r.rssMiB)), m_element_patterns_per_s: elementPatterns / wall / 1e6, m_element_patterns_per_cpu_s: elementPatterns / cpu / 1e6, wall_s_all: rs.map((r) => r.wallS), cpu_s_all: rs.map((r) => r.cpuS) }];
    }),
  );
  results.push({
    config,
    input: path.relative(root, bundle ?? trace),
    elements: nmsimOut.elements,
    ...summary,
    speedup_wall: summary.numpy.wall_s / summary.nmsim.wall_s,
    speedup_cpu: summary.numpy.cpu_s / summary.nmsim.cpu_s,
    agreement: { max_abs_diff_rel_err_l2: maxErrDiff, max_abs_diff_kept_fraction: maxKeptDiff },
  });
}
const base = results.find((r) => r.config === 'magnitude+none');
for (const r of results) if (base) r.nmsim_over_magnitude = { wall: r.nmsim.wall_s / base.nmsim.wall_s, cpu: r.nmsim.cpu_s / base.nmsim.cpu_s };
const report = {
  trace: path.relative(root, trace),
  trace_mib: statSync(trace).size / 2 ** 20,
  patterns,
  reps,
  nmsim_threads: threads ?? 'default (up to 2)',
  machine: `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average at end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  env: { OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? null },
  results,
};
writeFileSync(path.join(benchDir, 'results.json'), JSON.stringify(report, null, 2) + '\n');

const row = (name, s) =>
  `${name.padEnd(6)}  ${s.wall_s.toFixed(2).padStart(8)}  ${s.cpu_s.toFixed(2).padStart(8)}  ${s.peak_rss_mib.toFixed(0).padStart(14)}  ${s.m_element_patterns_per_s.toFixed(1).padStart(10)}  ${s.m_element_patterns_per_cpu_s.toFixed(1).padStart(14)}`;
const lines = [`nmsim bench — ${report.trace} (${report.trace_mib.toFixed(0)} MiB F16) × ${patterns}, medians of ${reps}`];
for (const r of results) {
  lines.push(
    ``,
    `${r.config} (${r.elements} elements${r.input !== report.trace ? `; nmsim on ${r.input}` : ''})`,
    `tool    wall (s)   CPU (s)  peak RSS (MiB)  M el-pat/s  M el-pat/CPU-s`,
    row('nmsim', r.nmsim),
    row('numpy', r.numpy),
    `speed-up: ${r.speedup_wall.toFixed(2)}× wall, ${r.speedup_cpu.toFixed(2)}× CPU (nmsim computes every statistic; the peer only error and kept fraction)` +
      (r.nmsim_over_magnitude && r.config !== 'magnitude+none' ? `; nmsim time / magnitude+none: ${r.nmsim_over_magnitude.wall.toFixed(2)}× wall, ${r.nmsim_over_magnitude.cpu.toFixed(2)}× CPU` : ''),
    `agreement: max |Δ rel_err_l2| = ${r.agreement.max_abs_diff_rel_err_l2.toExponential(2)}, max |Δ kept_fraction| = ${r.agreement.max_abs_diff_kept_fraction.toExponential(2)}`,
  );
}
lines.push(``, `machine: ${report.machine}; OPENBLAS_CORETYPE=${report.env.OPENBLAS_CORETYPE ?? 'unset'}`, `results: ${path.relative(root, path.join(benchDir, 'results.json'))}`);
process.stdout.write(lines.join('\n') + '\n');

#!/usr/bin/env node
/**
 * Prints bench/README.md's table rows from the last runs' results (whichever exist):
 *   .bench/results.json            ← npm run bench (analysis vs the numpy peers)
 *   .bench/capture-results.json    ← npm run bench:capture (stories260K vs a numpy forward pass)
 *   .bench/stories15m-results.json ← node bench/stories15m-speed.mjs
 * so the integrator pastes exactly these rows after each of the three runs:
 *
 *   npm run bench && npm run bench:capture && node bench/stories15m-speed.mjs && node bench/table.mjs
 */
import fs from 'node:fs';

const read = (f) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);
const f2 = (x) => x.toFixed(2);
const out = [];

const analysis = read('.bench/results.json');
if (analysis) {
  out.push(`Analysis — ${analysis.trace} (${analysis.trace_mib.toFixed(0)} MiB), ${analysis.patterns}, medians of ${analysis.reps}; ${analysis.machine}`, '');
  out.push('| configuration | tool | wall (s) | CPU (s) | peak RSS (MiB) | M element-patterns/s | per CPU-s | nmsim speed-up (wall / CPU) | nmsim time / magnitude+none (wall / CPU) |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of analysis.results) {
    for (const tool of ['nmsim', 'numpy']) {
      const s = r[tool];
      const speedup = tool === 'nmsim' ? `${f2(r.speedup_wall)}× / ${f2(r.speedup_cpu)}×` : '';
      const rel = tool === 'nmsim' && r.nmsim_over_magnitude ? `${f2(r.nmsim_over_magnitude.wall)}× / ${f2(r.nmsim_over_magnitude.cpu)}×` : '';
      out.push(`| ${r.config}${r.input && r.input !== analysis.trace ? ` (${r.input})` : ''} | ${tool} | ${f2(s.wall_s)} | ${f2(s.cpu_s)} | ${s.peak_rss_mib.toFixed(0)} | ${s.m_element_patterns_per_s.toFixed(1)} | ${s.m_element_patterns_per_cpu_s.toFixed(1)} | ${speedup} | ${rel} |`);
    }
  }
  out.push('');
}

const capture = read('.bench/capture-results.json');
if (capture) {
  out.push(`Capture — ${capture.model}, ${capture.stories} stories, medians of ${capture.reps}, load ${capture.load_average_1min.join(' → ')}`, '');
  out.push('| tool | wall (s) | CPU (s) | tokens/s (wall) | tokens/CPU-s | vs fastest numpy (wall / CPU) |');
  out.push('|---|--:|--:|--:|--:|--:|');
  for (const r of capture.rows) out.push(`| ${r.tool} | ${f2(r.wall_s)} | ${f2(r.cpu_s)} | ${r.tokens_per_s.toFixed(0)} | ${r.tokens_per_cpu_s.toFixed(0)} | ${f2(r.vs_fastest_numpy_wall)}× / ${f2(r.vs_fastest_numpy_cpu)}× |`);
  out.push('');
}

const s15 = read('.bench/stories15m-results.json');
if (s15) {
  out.push(`stories15M-shaped (random weights), medians of ${s15.reps}, load ${s15.load_average_1min.join(' → ')}; llama2.c published: ${s15.llama2c_published}`, '');
  out.push('| nmsim evaluation | tokens | wall (s) | CPU (s) | tokens/s (wall) | tokens/CPU-s |');
  out.push('|---|--:|--:|--:|--:|--:|');
  for (const r of s15.rows) out.push(`| ${r.mode} | ${r.tokens} | ${f2(r.wall_s)} | ${f2(r.cpu_s)} | ${r.tokens_per_s.toFixed(0)} | ${r.tokens_per_cpu_s.toFixed(0)} |`);
  out.push('');
}

if (out.length === 0) {
  process.stderr.write('no results in .bench/: run npm run bench, npm run bench:capture or node bench/stories15m-speed.mjs first\n');
  process.exit(1);
}
process.stdout.write(out.join('\n'));

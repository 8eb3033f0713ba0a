#!/usr/bin/env node
/**
 * amber+dpts against magnitude+none on the amber bench bundle (issue 17: "within 2×"): alternates
 * REPS runs of node bench/nmsim-child.js for each worker count, under /usr/bin/time -v, and prints
 * medians of wall and CPU (user + system), peak RSS, the ratios and the 1-minute load average.
 *
 *   node bench/amber-ratio.mjs [BUNDLE=.bench/amber-2048x2] [REPS=3] [WORKERS=1,2] [BEFORE]
 *
 * BEFORE: a folder holding another build as bench/nmsim-child.js + dist/ (e.g. a copy of an older
 * commit's dist/ with this script's child beside it): its runs alternate with this build's, and
 * the lines say which build they are.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [bundle = '.bench/amber-2048x2', repsArg = '3', workersArg = '1,2', before] = process.argv.slice(2);
const reps = Number(repsArg);
const builds = before ? [['before', path.resolve(before, 'bench', 'nmsim-child.js')], ['after', 'bench/nmsim-child.js']] : [['', 'bench/nmsim-child.js']];
const configs = builds.flatMap(([build, child]) => [[build, child, 'magnitude', 'none'], [build, child, 'amber', 'dpts']]);

function timed(argv) {
  const r = spawnSync('/usr/bin/time', ['-v', ...argv], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const num = (re) => Number((re.exec(r.stderr) ?? [])[1]);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  return {
    wallS: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]),
    cpuS: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/),
    rssMiB: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
  };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const workers of workersArg.split(',')) {
  const runs = configs.map(() => []);
  const loads = [];
  for (let i = 0; i < reps; i++) {
    configs.forEach(([, child, c, m], j) => {
      runs[j].push(timed([process.execPath, child, path.resolve(root, bundle), '2:4,4:8,8:16,16:32', workers, c, m]));
      loads.push(os.loadavg()[0]);
    });
  }
  const med = runs.map((rs) => ({ wall: median(rs.map((r) => r.wallS)), cpu: median(rs.map((r) => r.cpuS)), rss: Math.max(...rs.map((r) => r.rssMiB)), all: rs.map((r) => `${r.wallS.toFixed(2)}/${r.cpuS.toFixed(2)}`).join(' ') }));
  configs.forEach(([build, , c, m], j) => process.stdout.write(`workers ${workers} ${build ? `${build} ` : ''}${c}+${m}: wall ${med[j].wall.toFixed(2)} s, CPU ${med[j].cpu.toFixed(2)} s, peak RSS ${med[j].rss.toFixed(0)} MiB  (wall/CPU: ${med[j].all})\n`));
  for (let j = 0; j < configs.length; j += 2) {
    const build = configs[j][0];
    process.stdout.write(`workers ${workers} ${build ? `${build} ` : ''}amber+dpts ÷ magnitude: wall ${(med[j + 1].wall / med[j].wall).toFixed(2)}×, CPU ${(med[j + 1].cpu / med[j].cpu).toFixed(2)}×\n`);
  }
  process.stdout.write(`workers ${workers}: 1-minute load average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}\n`);
}

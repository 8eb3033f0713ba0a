#!/usr/bin/env node
/**
 * Rerun speed of the design review (issue 16, done-when: "a second nmsim review with one profile
 * changed takes at most a fifth of the first run's time, measured in one run").
 *
 * Per repetition, in a fresh temporary folder: copies the shipped profiles (with their tech/),
 * runs `nmsim review --profiles TMP/profiles --out TMP/r1` cold (no cache folder yet: the cache
 * goes to TMP/.nmsim-cache beside --out), then per profile named by --profile (default act-8of16; a
 * comma-separated list, or all) changes that profile's clock (to 1700 MHz) and reruns into
 * TMP/r2, r3, … — each rerun has one profile changed against the run before it. Records wall time and
 * the child's CPU time (user + system, from process.resourceUsage of a spawned `node`) of every run.
 * Prints each repetition, then medians and, per changed profile, the ratio of the medians (rerun /
 * cold), wall and CPU, with the 1-minute load average after each rerun (on a shared machine the wall
 * times mean little without it). $NMSIM_CACHE_DIR is cleared for the children.
 *
 *   node bench/review-rerun.mjs [--reps 3] [--keep] [--profile act-8of16 | act-4of8,act-flex | all]
 *
 * act-8of16 has a provisioning twin (act-8of16-sb: the same core but its provisioning, reviewed as
 * act-8of16's sparse-balanced variant): changing act-8of16's clock un-twins it, so the rerun
 * evaluates two cores' design points (act-8of16's and, now on its own, act-8of16-sb's). A profile
 * without a twin (act-4of8, act-2of4, act-flex) changes one core's only.
 *
 * Needs `npm run build` (npm run bench:review builds first). --keep leaves the folders for a look.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const { values: a } = parseArgs({ options: { reps: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false }, profile: { type: 'string', default: 'act-8of16' } } });
const reps = Number(a.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${a.reps}`);

/** One `nmsim review` in a child node; wall ms (spawn to exit) and the child's CPU ms. */
function review(profiles, out) {
  // a wrapper reports the child's own resource usage on exit (spawnSync does not give CPU time)
  const wrapper = `process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\nCPU_US ' + (u.userCPUTime + u.systemCPUTime) + '\\n'); }); process.argv.splice(1, 1, ${JSON.stringify(CLI)}); await import(${JSON.stringify(CLI)});`;
  const env = { ...process.env };
  delete env.NMSIM_CACHE_DIR;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', wrapper, CLI, 'review', '--profiles', profiles, '--out', out, '--no-progress'], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`nmsim review exited ${r.status}:\n${r.stderr}`);
  const cpu = /CPU_US (\d+)/.exec(r.stderr);
  if (!cpu) throw new Error(`no CPU time reported:\n${r.stderr}`);
  const runJson = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
  return { wallMs, cpuMs: Number(cpu[1]) / 1000, timings: runJson.timings_ms ?? runJson.timingsMs };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** The profiles to change, one rerun each (in turn, each rerun changing one more profile than the run before it). */
const shipped = fs.readdirSync(path.join(ROOT, 'hardware-profiles')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
const names = a.profile === 'all' ? shipped : a.profile.split(',');
for (const n of names) if (!shipped.includes(n)) throw new Error(`--profile ${n}: not a shipped profile (${shipped.join(', ')}, or all)`);

/** The profile's clock line set to 1700 MHz (1300 MHz where it is 1700 MHz already): one changed parameter. */
function changeClock(file) {
  const text = fs.readFileSync(file, 'utf8');
  const m = /^clock: (.+)$/m.exec(text);
  if (!m) throw new Error(`${file}: no "clock:" line to change`);
  fs.writeFileSync(file, text.replace(/^clock: .+$/m, `clock: ${m[1] === '1700 MHz' ? '1300 MHz' : '1700 MHz'}`));
}

const rows = [];
for (let i = 0; i < reps; i++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-review-rerun-'));
  try {
    const profiles = path.join(dir, 'profiles');
    fs.cpSync(path.join(ROOT, 'hardware-profiles'), profiles, { recursive: true });
    const cold = review(profiles, path.join(dir, 'r1'));
    console.log(`rep ${i + 1}: cold ${fmt(cold.wallMs)} wall, ${fmt(cold.cpuMs)} CPU; timings_ms ${JSON.stringify(cold.timings)}`);
    const reruns = {};
    for (const [j, name] of names.entries()) {
      changeClock(path.join(profiles, `${name}.yaml`));
      const rerun = review(profiles, path.join(dir, `r${j + 2}`));
      reruns[name] = rerun;
      console.log(
        `  ${name}'s clock changed (1-min load ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs): rerun ${fmt(rerun.wallMs)} wall, ${fmt(rerun.cpuMs)} CPU; ` +
          `ratio ${(rerun.wallMs / cold.wallMs).toFixed(3)} wall, ${(rerun.cpuMs / cold.cpuMs).toFixed(3)} CPU; timings_ms ${JSON.stringify(rerun.timings)}`,
      );
    }
    rows.push({ cold, reruns });
  } finally {
    if (a.keep) console.log(`  kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}
const [cw, cc] = [median(rows.map((r) => r.cold.wallMs)), median(rows.map((r) => r.cold.cpuMs))];
console.log(`median of ${reps}: cold ${fmt(cw)} wall, ${fmt(cc)} CPU`);
for (const name of names) {
  const [rw, rc] = [median(rows.map((r) => r.reruns[name].wallMs)), median(rows.map((r) => r.reruns[name].cpuMs))];
  console.log(`rerun with ${name}'s clock changed ${fmt(rw)} wall, ${fmt(rc)} CPU; ratio rerun/cold (medians): ${(rw / cw).toFixed(3)} wall, ${(rc / cc).toFixed(3)} CPU (goal ≤ 0.2)`);
}

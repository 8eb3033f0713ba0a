#!/usr/bin/env node
/**
 * Rerun speed of the design review (issue 16, done-when: "a second nmsim review with one profile
 * changed takes at most a fifth of the first run's time, measured in one run").
 *
 * Per repetition, in a fresh temporary folder: copies the shipped profiles (with their tech/),
 * runs `nmsim review --profiles TMP/profiles --out TMP/r1` cold (no cache folder yet: the cache
 * goes to TMP/.nmsim-cache beside --out), changes one profile (--profile, default act-8of16: its clock,
 * 1830 → 1700 MHz),
 * reruns into TMP/r2 and records wall time and the child's CPU time (user + system, from
 * process.resourceUsage of a spawned `node`) of both. Prints each repetition, then medians and the
 * ratio of the medians (rerun / cold), wall and CPU, with the 1-minute load average after each
 * repetition (on a shared machine the wall times mean little without it). $NMSIM_CACHE_DIR is
 * cleared for the children.
 *
 *   node bench/review-rerun.mjs [--reps 3] [--keep] [--profile act-8of16]
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

const rows = [];
for (let i = 0; i < reps; i++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-review-rerun-'));
  try {
    const profiles = path.join(dir, 'profiles');
    fs.cpSync(path.join(ROOT, 'hardware-profiles'), profiles, { recursive: true });
    const cold = review(profiles, path.join(dir, 'r1'));
    const file = path.join(profiles, `${a.profile}.yaml`);
    const text = fs.readFileSync(file, 'utf8');
    const changed = text.replace(/^clock: 1830 MHz$/m, 'clock: 1700 MHz');
    if (changed === text) throw new Error(`${file}: no "clock: 1830 MHz" line to change`);
    fs.writeFileSync(file, changed);
    const rerun = review(profiles, path.join(dir, 'r2'));
    rows.push({ cold, rerun });
    console.log(
      `rep ${i + 1} (1-min load ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs): cold ${fmt(cold.wallMs)} wall, ${fmt(cold.cpuMs)} CPU; rerun ${fmt(rerun.wallMs)} wall, ${fmt(rerun.cpuMs)} CPU; ` +
        `ratio ${(rerun.wallMs / cold.wallMs).toFixed(3)} wall, ${(rerun.cpuMs / cold.cpuMs).toFixed(3)} CPU`,
    );
    console.log(`  cold timings_ms ${JSON.stringify(cold.timings)}`);
    console.log(`  rerun timings_ms ${JSON.stringify(rerun.timings)}`);
  } finally {
    if (a.keep) console.log(`  kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}
const m = (k, f) => median(rows.map((r) => r[k][f]));
const [cw, cc, rw, rc] = [m('cold', 'wallMs'), m('cold', 'cpuMs'), m('rerun', 'wallMs'), m('rerun', 'cpuMs')];
console.log(`median of ${reps}: cold ${fmt(cw)} wall, ${fmt(cc)} CPU; rerun with ${a.profile}'s clock changed ${fmt(rw)} wall, ${fmt(rc)} CPU`);
console.log(`ratio rerun/cold (medians): ${(rw / cw).toFixed(3)} wall, ${(rc / cc).toFixed(3)} CPU (goal ≤ 0.2)`);

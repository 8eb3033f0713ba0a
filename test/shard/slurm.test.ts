/**
 * The Slurm end-to-end test (issue 18): a real single-node cluster on localhost in this test's
 * own temporary folder (test/shard/slurm-cluster.sh: munge key and munged, generated
 * slurm.conf, slurmctld + slurmd on free ports), the shipped deploy/slurm scripts submitting the
 * analysis as a 3-task array job and the merge as a job depending on it (sbatch --wait), the
 * merged folder compared byte for byte with an unsharded `nmsim analyze --out`; the review in
 * two array stages (analysis, design points) and its merge against `nmsim review --out`; then a job whose
 * task 1 fails, where the merge must refuse naming shard 1. Everything is torn down afterwards.
 * Skips, saying why, where Slurm or munge is not installed (.ci/run installs Debian's slurm-wlm
 * and munge).
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, REPO_ROOT, runCli } from '../helpers/cli.js';
import { writeMultiFileBundle } from './helpers.js';

const NEEDED = ['slurmctld', 'slurmd', 'sbatch', 'scontrol', 'sinfo', 'munged'];
const has = (b: string) => spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' }).status === 0;
const missing = NEEDED.filter((b) => !has(b));
const describeSlurm = missing.length === 0 ? describe : describe.skip;
const SKIP_NOTE = missing.length === 0 ? '' : ` (skipped: ${missing.join(', ')} not installed; .ci/run installs Debian's slurm-wlm and munge)`;

const CLUSTER = path.join(REPO_ROOT, 'test', 'shard', 'slurm-cluster.sh');
const SUBMIT = path.join(REPO_ROOT, 'deploy', 'slurm', 'submit-analysis.sh');

let dir = '';
let slurmConf = '';

function sh(args: string[], env: Record<string, string> = {}, timeoutMs = 150_000) {
  const r = spawnSync(args[0], args.slice(1), { cwd: dir, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NODE_OPTIONS: '', SLURM_CONF: slurmConf, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

async function folderFiles(d: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await fs.readdir(d)).sort()) out[f] = await fs.readFile(path.join(d, f), 'utf8');
  return out;
}

describeSlurm(`on a single-node Slurm cluster${SKIP_NOTE}`, () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-slurm-'));
    await fs.mkdir(path.join(dir, 'cluster'));
    const started = sh(['bash', CLUSTER, 'start', path.join(dir, 'cluster')], {}, 60_000);
    if (started.code !== 0) throw new Error(`the test cluster did not start (${started.code}):\n${started.stderr}`);
    slurmConf = path.join(dir, 'cluster', 'slurm.conf');
    await writeMultiFileBundle(path.join(dir, 'bundle'));
    const whole = runCli(['analyze', path.join(dir, 'bundle'), '--runs', 'dense,p8of16', '--out', path.join(dir, 'whole')]);
    expect(whole.code).toBe(0);
  }, 90_000);

  afterAll(async () => {
    if (!dir) return;
    sh(['bash', CLUSTER, 'stop', path.join(dir, 'cluster')], {}, 30_000);
    await fs.rm(dir, { recursive: true, force: true });
  });

  const submit = (tag: string) =>
    sh(['bash', SUBMIT, '--wait', '3', path.join(dir, 'bundle'), path.join(dir, tag, 'parts'), path.join(dir, tag, 'merged'), '--runs', 'dense,p8of16'], {
      NMSIM: `${process.execPath} ${CLI}`,
      NMSIM_SBATCH_OPTS: `--mem=512M --time=5 --chdir=${dir}`,
    });

  test('deploy/slurm: a 3-task array job and its dependent merge give the folder `nmsim analyze --out` writes, byte for byte', async () => {
    const r = submit('ok');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/analysis array job: \d+ \(tasks 0-2\)\nmerge job: \d+ \(finished, exit status 0\)/);
    expect(await folderFiles(path.join(dir, 'ok', 'merged'))).toEqual(await folderFiles(path.join(dir, 'whole')));
    // each task ran its own shard (the task log is the shard's one line)
    const logs = (await fs.readdir(dir)).filter((f) => /^nmsim-analyze-\d+_\d\.out$/.test(f)).sort();
    expect(logs).toHaveLength(3);
    const lines = await Promise.all(logs.map((f) => fs.readFile(path.join(dir, f), 'utf8')));
    expect(lines.map((l) => /^shard (\d)\/3: /.exec(l)?.[1]).sort()).toEqual(['0', '1', '2']);
  }, 170_000);

  test('deploy/slurm: the review in two array stages (2 analysis tasks, then 3 design-point tasks) and its dependent merge give the report `nmsim review --out` writes (run.json aside); so does the one-stage merge of the analysis parts', async () => {
    const opts = ['--traces', path.join(dir, 'bundle'), '--profiles', 'act-8of16', '--criteria', 'magnitude', '--mitigations', 'none'];
    // from the jobs' working folder: the report shows input paths relative to it
    expect(runCli(['review', ...opts, '--no-progress', '--out', path.join(dir, 'review-single')], { cwd: dir }).code).toBe(0);
    const r = sh(['bash', path.join(REPO_ROOT, 'deploy', 'slurm', 'submit-review.sh'), '--wait', '--points', '3', '2', path.join(dir, 'review', 'parts'), path.join(dir, 'review', 'merged'), ...opts], {
      NMSIM: `${process.execPath} ${CLI}`,
      NMSIM_SBATCH_OPTS: `--mem=512M --time=5 --chdir=${dir}`,
    });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/review analysis array job: \d+ \(tasks 0-1\)\nreview design-point array job: \d+ \(tasks 0-2\)\nmerge job: \d+ \(finished, exit status 0\)/);
    // 1 profile × its 18 design-axis variants (3 selectors × 3 encodings × 2 provisionings) × 5 default
    // patterns × magnitude × none = 90 points: blocks 0–29, 30–59, 60–89
    const logs = (await fs.readdir(dir)).filter((f) => /^nmsim-review-\d+_\d\.out$/.test(f));
    const lines = (await Promise.all(logs.map((f) => fs.readFile(path.join(dir, f), 'utf8')))).filter((l) => l.startsWith('review points shard'));
    expect(lines.map((l) => /^review points shard (\d\/3: design points [\d–]+ of \d+)/.exec(l)?.[1]).sort()).toEqual(['0/3: design points 0–29 of 90', '1/3: design points 30–59 of 90', '2/3: design points 60–89 of 90']);
    const single = await folderFiles(path.join(dir, 'review-single'));
    const merged = await folderFiles(path.join(dir, 'review', 'merged'));
    delete single['run.json'];
    delete merged['run.json'];
    expect(Object.keys(merged)).toEqual(Object.keys(single));
    expect(merged).toEqual(single);
    const parts = path.join(dir, 'review', 'parts');
    expect(runCli(['merge', path.join(parts, 'shard-0'), path.join(parts, 'shard-1'), '--no-progress', '--out', path.join(dir, 'review-one-stage')], { cwd: dir }).code).toBe(0);
    const oneStage = await folderFiles(path.join(dir, 'review-one-stage'));
    delete oneStage['run.json'];
    expect(oneStage).toEqual(single);
  }, 170_000);

  test('a task that fails (its --out is a file) leaves no part; the dependent merge still runs and refuses, naming shard 1, and writes nothing', async () => {
    await fs.mkdir(path.join(dir, 'lost', 'parts'), { recursive: true });
    await fs.writeFile(path.join(dir, 'lost', 'parts', 'shard-1'), 'not a folder\n');
    const r = submit('lost');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(finished, exit status 1)');
    const mergeLog = (await fs.readdir(dir)).filter((f) => /^nmsim-merge-\d+\.out$/.test(f)).sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
    const text = await fs.readFile(path.join(dir, mergeLog[mergeLog.length - 1]), 'utf8');
    expect(text).toContain(`merge/not-a-part  ${path.join(dir, 'lost', 'parts', 'shard-1')}`);
    expect(text).toContain('it is a file, not a part folder');
    await expect(fs.stat(path.join(dir, 'lost', 'merged'))).rejects.toThrow();
  }, 170_000);
});

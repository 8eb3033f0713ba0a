/**
 * The shipped deployment files say what they should: the Kubernetes Indexed Job and its merge
 * agree on n, and their shell lines, run under /bin/sh with a stand-in `nmsim` that prints its
 * arguments, produce exactly the analyze/merge command lines of a Slurm task. (The Slurm scripts
 * themselves run on a real cluster in slurm.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/cli.js';

interface Container {
  env: { name: string; value: string }[];
  command: string[];
  args: string[];
}
const load = async (f: string) => parse(await fs.readFile(path.join(REPO_ROOT, 'deploy', 'k8s', f), 'utf8'));
const container = (job: { spec: { template: { spec: { containers: Container[] } } } }) => job.spec.template.spec.containers[0];
const envOf = (c: Container) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));

let bin: string;
beforeAll(async () => {
  bin = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-deploy-'));
  await fs.writeFile(path.join(bin, 'nmsim'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
});
afterAll(async () => fs.rm(bin, { recursive: true, force: true }));

/** Runs a container's command as the pod would, with the job controller's index set. */
function runPod(c: Container, extraEnv: Record<string, string>): string[] {
  const r = spawnSync(c.command[0], [...c.command.slice(1), ...c.args], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, ...envOf(c), ...extraEnv } });
  expect(r.status).toBe(0);
  return r.stdout.trimEnd().split('\n');
}

describe('deploy/k8s', () => {
  test('the analysis is an Indexed Job whose completions equal NMSIM_SHARDS and the merge\'s NMSIM_SHARDS (7)', async () => {
    const analyze = await load('analyze-job.yaml');
    const merge = await load('merge-job.yaml');
    expect([analyze.kind, analyze.spec.completionMode, analyze.spec.completions]).toEqual(['Job', 'Indexed', 7]);
    expect(envOf(container(analyze)).NMSIM_SHARDS).toBe('7');
    expect(envOf(container(merge)).NMSIM_SHARDS).toBe('7');
    expect(analyze.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('pod 4 of 7 runs `nmsim analyze BUNDLE --threads 0 OPTS --shard 4/7 --out PARTS/shard-4`', async () => {
    const c = container(await load('analyze-job.yaml'));
    expect(runPod(c, { JOB_COMPLETION_INDEX: '4', NMSIM_ANALYZE_OPTS: '--patterns 8:16 --runs dense' })).toEqual(
      ['analyze', '/data/traces/stories260k', '--threads', '0', '--patterns', '8:16', '--runs', 'dense', '--shard', '4/7', '--out', '/data/parts/shard-4'],
    );
  });

  test('the merge pod names every part, shard-0 … shard-6, and the output folder', async () => {
    const c = container(await load('merge-job.yaml'));
    expect(runPod(c, {})).toEqual(['merge', ...Array.from({ length: 7 }, (_, i) => `/data/parts/shard-${i}`), '--out', '/data/reports/analysis']);
    expect(runPod(c, { NMSIM_SHARDS: '1' })).toEqual(['merge', '/data/parts/shard-0', '--out', '/data/reports/analysis']);
  });
});

describe('deploy/k8s review', () => {
  test('stage 1 (4 pods) and stage 2 (8 pods) are Indexed Jobs whose completions equal their NMSIM_SHARDS; stage 2 lists stage 1\'s 4 parts and the merge stage 2\'s 8', async () => {
    const review = await load('review-job.yaml');
    const points = await load('review-points-job.yaml');
    const merge = await load('review-merge-job.yaml');
    expect([review.spec.completionMode, review.spec.completions, envOf(container(review)).NMSIM_SHARDS]).toEqual(['Indexed', 4, '4']);
    expect([points.spec.completionMode, points.spec.completions, envOf(container(points)).NMSIM_SHARDS, envOf(container(points)).NMSIM_ANALYSIS_SHARDS]).toEqual(['Indexed', 8, '8', '4']);
    expect(envOf(container(merge)).NMSIM_SHARDS).toBe('8');
    expect(envOf(container(points)).NMSIM_REVIEW_OPTS).toBe(envOf(container(review)).NMSIM_REVIEW_OPTS);
  });

  test('pod 3 of stage 1 runs `nmsim review OPTS --no-progress --shard 3/4 --out PARTS/shard-3`; pod 5 of stage 2 adds --analysis with shard-0 … shard-3 and writes points-5; the merge names points-0 … points-7', async () => {
    expect(runPod(container(await load('review-job.yaml')), { JOB_COMPLETION_INDEX: '3' })).toEqual(['review', '--traces', '/data/traces/stories260k', '--no-progress', '--shard', '3/4', '--out', '/data/review-parts/shard-3']);
    expect(runPod(container(await load('review-points-job.yaml')), { JOB_COMPLETION_INDEX: '5' })).toEqual(
      ['review', '--traces', '/data/traces/stories260k', '--no-progress', '--shard', '5/8', '--analysis', ...Array.from({ length: 4 }, (_, i) => `/data/review-parts/shard-${i}`), '--out', '/data/review-parts/points-5'],
    );
    expect(runPod(container(await load('review-merge-job.yaml')), {})).toEqual(['merge', ...Array.from({ length: 8 }, (_, i) => `/data/review-parts/points-${i}`), '--no-progress', '--out', '/data/reports/review']);
  });
});

describe('deploy/slurm', () => {
  test('analyze.sbatch outside an array job refuses, saying how to submit it', () => {
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'slurm', 'analyze.sbatch')], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, NMSIM_BUNDLE: 'b', NMSIM_PARTS: 'p' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('submit as an array job: sbatch --array=0-(n-1) analyze.sbatch');
  });

  test('task 2 of 3 runs `nmsim analyze BUNDLE --threads 0 OPTS --shard 2/3 --out PARTS/shard-2`; the merge names shard-0 … shard-2', () => {
    const env = { PATH: `${bin}:/usr/bin:/bin`, NMSIM_BUNDLE: '/b', NMSIM_PARTS: '/p', NMSIM_OUT: '/o', NMSIM_SHARDS: '3', SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', NMSIM_ANALYZE_OPTS: '--runs dense' };
    const a = spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'slurm', 'analyze.sbatch')], { encoding: 'utf8', env });
    expect(a.stdout.trimEnd().split('\n')).toEqual(['analyze', '/b', '--threads', '0', '--runs', 'dense', '--shard', '2/3', '--out', '/p/shard-2']);
    const m = spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'slurm', 'merge.sbatch')], { encoding: 'utf8', env });
    expect(m.stdout.trimEnd().split('\n')).toEqual(['merge', '/p/shard-0', '/p/shard-1', '/p/shard-2', '--out', '/o']);
  });

  test('review task 1 of 3 runs `nmsim review OPTS --no-progress --shard 1/3 --out PARTS/shard-1`', () => {
    const env = { PATH: `${bin}:/usr/bin:/bin`, NMSIM_PARTS: '/p', SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3', NMSIM_REVIEW_OPTS: '--traces /b --profiles act-8of16' };
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'slurm', 'review.sbatch')], { encoding: 'utf8', env });
    expect(r.stdout.trimEnd().split('\n')).toEqual(['review', '--traces', '/b', '--profiles', 'act-8of16', '--no-progress', '--shard', '1/3', '--out', '/p/shard-1']);
  });

  test('review stage 2 task 2 of 4 runs `nmsim review OPTS --no-progress --shard 2/4 --analysis PARTS/shard-0 … shard-2 --out PARTS/points-2`; its merge names points-0 … points-3', () => {
    const env = { PATH: `${bin}:/usr/bin:/bin`, NMSIM_PARTS: '/p', NMSIM_OUT: '/o', SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', NMSIM_REVIEW_OPTS: '--traces /b', NMSIM_STAGE: 'points', NMSIM_ANALYSIS_SHARDS: '3', NMSIM_SHARDS: '4', NMSIM_MERGE_PREFIX: 'points' };
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'slurm', 'review.sbatch')], { encoding: 'utf8', env });
    expect(r.stdout.trimEnd().split('\n')).toEqual(['review', '--traces', '/b', '--no-progress', '--shard', '2/4', '--analysis', '/p/shard-0', '/p/shard-1', '/p/shard-2', '--out', '/p/points-2']);
    const m = spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'slurm', 'merge.sbatch')], { encoding: 'utf8', env });
    expect(m.stdout.trimEnd().split('\n')).toEqual(['merge', '/p/points-0', '/p/points-1', '/p/points-2', '/p/points-3', '--out', '/o']);
    const bad = spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'slurm', 'review.sbatch')], { encoding: 'utf8', env: { ...env, NMSIM_STAGE: 'both' } });
    expect([bad.status, bad.stderr.trim()]).toEqual([2, "review.sbatch: NMSIM_STAGE must be analysis or points, not 'both'"]);
  });
});

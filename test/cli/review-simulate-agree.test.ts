/**
 * Issue 12: `nmsim review` and `nmsim simulate` give the same speed-up for the same profile,
 * pattern, phase, model, tokens, batch, context and measured sparsity — and the measured sparsity
 * simulate reads is exactly what `nmsim analyze` writes (--out … analysis.json) or prints (--json).
 * End to end through the built CLI on the synthetic bundle (a few seconds).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execSync } from 'node:child_process';
import { CLI, runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from '../review/synthetic-bundle.js';

let tmp: string;
let bundle: string;
let analysisJson: string;
let review: { code: number; stdout: string; stderr: string };
const WORKLOAD = ['--model', 'llama3.1-8b'];
const PREFILL_TOKENS = '2048';
const CONTEXT_TOKENS = '4096';

interface ReviewPoint {
  profile: string;
  pattern: string;
  prefill_speedup: number;
  decode: { batch_tokens: number; speedup: number; io_savings_fraction: number }[];
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-agree-'));
  bundle = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundle);
  const an = runCli(['analyze', bundle, '--out', path.join(tmp, 'analysis')]);
  expect(an.code).toBe(0);
  analysisJson = path.join(tmp, 'analysis', 'analysis.json');
  review = runCli([
    'review', '--traces', bundle, '--profiles', 'act-flex,act-8of16', '--patterns', '8:16,unstructured', '--criteria', 'magnitude', '--mitigations', 'none',
    ...WORKLOAD, '--prefill-tokens', PREFILL_TOKENS, '--context', CONTEXT_TOKENS, '--decode-batches', '1,8', '--out', path.join(tmp, 'review'), '--json', '--no-progress',
    // the design axes held at the files' own choices: each review core is a profile simulate loads by name
    '--axes', 'selector=mux', '--axes', 'encoding=index', '--axes', 'provisioning=dense-balanced',
  ]);
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function simulate(profile: string, phase: string[], measured: string): { pattern: string; speedup: number; runs_as: string }[] {
  const r = runCli(['simulate', '--profile', profile, ...WORKLOAD, ...phase, '--patterns', '8:16,unstructured', '--measured', measured, '--json']);
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout).results;
}

describe('review and simulate agree', () => {
  it('simulate --measured reads the analysis.json that analyze --out writes', () => {
    const r = runCli(['simulate', '--profile', 'act-8of16', ...WORKLOAD, '--phase', 'decode', '--batch', '8', '--patterns', '8:16', '--measured', analysisJson, '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).results[1].weight_rows;
    expect(rows.source).toMatch(/^measured/);
  });

  it('simulate --measured - reads what analyze --json prints, piped from one command into the other', () => {
    const node = JSON.stringify(process.execPath);
    const cli = JSON.stringify(CLI);
    const piped = execSync(`${node} ${cli} analyze ${JSON.stringify(bundle)} --json | ${node} ${cli} simulate --profile act-8of16 --model llama3.1-8b --phase decode --batch 8 --context ${CONTEXT_TOKENS} --patterns 8:16,unstructured --measured - --json`, {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const fromFile = simulate('act-8of16', ['--phase', 'decode', '--batch', '8', '--context', CONTEXT_TOKENS], analysisJson);
    expect(JSON.parse(piped).results).toEqual(fromFile);
  });

  it('every review point has the speed-up simulate gives for the same profile, pattern and phase; a pattern the review skips runs dense in simulate', () => {
    expect(review.code).toBe(0);
    const points: ReviewPoint[] = JSON.parse(review.stdout).points;
    const phases: [string, string[], (p: ReviewPoint) => number][] = [
      ['prefill', ['--phase', 'prefill', '--tokens', PREFILL_TOKENS], (p) => p.prefill_speedup],
      ['decode B=1', ['--phase', 'decode', '--batch', '1', '--context', CONTEXT_TOKENS], (p) => p.decode.find((d) => d.batch_tokens === 1)!.speedup],
      ['decode B=8', ['--phase', 'decode', '--batch', '8', '--context', CONTEXT_TOKENS], (p) => p.decode.find((d) => d.batch_tokens === 8)!.speedup],
    ];
    let compared = 0;
    for (const profile of ['act-flex', 'act-8of16']) {
      for (const [phase, args, speedupOf] of phases) {
        for (const s of simulate(profile, args, analysisJson).filter((x) => x.pattern !== 'dense')) {
          const point = points.find((p) => p.profile === profile && p.pattern === s.pattern);
          const review = point ? Number(speedupOf(point).toFixed(5)) : 'not a design point';
          const simulated = s.runs_as === 'dense' ? 'not a design point' : Number(s.speedup.toFixed(5));
          expect({ profile, phase, pattern: s.pattern, review }).toEqual({ profile, phase, pattern: s.pattern, review: simulated });
          compared++;
        }
      }
    }
    expect(compared).toBe(2 * 3 * 2);
  });

  it('every review energy per token (dense and each pattern, prefill and each decode batch) is what simulate --json prints for it', () => {
    const energy: { profile: string; pattern: string; prefill_j_per_token: number; decode: { batch_tokens: number; j_per_token: number }[] }[] = JSON.parse(review.stdout).energy;
    const phases: [string, string[], (e: (typeof energy)[number]) => number][] = [
      ['prefill', ['--phase', 'prefill', '--tokens', PREFILL_TOKENS], (e) => e.prefill_j_per_token],
      ['decode B=1', ['--phase', 'decode', '--batch', '1', '--context', CONTEXT_TOKENS], (e) => e.decode.find((d) => d.batch_tokens === 1)!.j_per_token],
      ['decode B=8', ['--phase', 'decode', '--batch', '8', '--context', CONTEXT_TOKENS], (e) => e.decode.find((d) => d.batch_tokens === 8)!.j_per_token],
    ];
    let compared = 0;
    // one profile end to end (three CLI runs); test/review/energy.test.ts compares three in memory
    for (const profile of ['act-flex']) {
      for (const [phase, args, jOf] of phases) {
        const r = runCli(['simulate', '--profile', profile, ...WORKLOAD, ...args, '--patterns', '8:16,unstructured', '--measured', analysisJson, '--json']);
        expect(r.code).toBe(0);
        // simulate's JSON keeps 6 significant digits (report/energy.ts)
        for (const s of JSON.parse(r.stdout).energy.results as { pattern: string; joules_per_token: number }[]) {
          const e = energy.find((x) => x.profile === profile && x.pattern === s.pattern)!;
          expect({ profile, phase, pattern: s.pattern, jPerToken: Number(jOf(e).toPrecision(6)) }).toEqual({ profile, phase, pattern: s.pattern, jPerToken: s.joules_per_token });
          compared++;
        }
      }
    }
    // dense, 8:16 and unstructured in three phases
    expect(compared).toBe(3 * 3);
  });
});

/**
 * `nmsim capture --threads`: the runs that record nothing go to worker threads, and every output
 * is the same for 1 and 2 threads — each file of the bundle byte for byte (the manifest apart from
 * the command line it quotes, which names --threads), and the printed JSON apart from its timings.
 * Three stories (3 windows of ≤ 512), 2:4 magnitude: activation runs recording 16 positions (main
 * thread) beside a weight run recording none (workers); then a perplexity-only 8:16 capture.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

const BASE = ['capture', '--model', sharedPath('models/stories260K.bin'), '--tokenizer', sharedPath('models/tok512.bin'), '--text', sharedPath('data/tinystories_hf_validation_head.stories.txt'), '--stories', '3', '--json'];

/** the printed JSON without what depends on the clock */
function untimed(stdout: string): unknown {
  const json = JSON.parse(stdout);
  for (const r of json.runs) for (const k of ['eval_s', 'eval_tokens_per_s', 'calibration_s']) delete r[k];
  delete json.bundle;
  return json;
}

function files(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describeWithShared('nmsim capture --threads', ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'], () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-threads-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a bundle written with 1 and with 2 threads holds the same bytes in every file (the manifest\'s command line apart)', () => {
    const outs = ['1', '2'].map((threads) => {
      const out = path.join(tmp, `t${threads}`);
      const r = runCli([...BASE, '--operand', 'activation,weight', '--patterns', '2:4', '--trace-tokens', '16', '--weight-trace-tokens', '0', '--threads', threads, '--out', out]);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(r.code).toBe(0);
      return { out, json: untimed(r.stdout) };
    });
    expect(outs[1].json).toEqual(outs[0].json);
    const names = files(outs[0].out);
    expect(names).toEqual(files(outs[1].out));
    expect(names).toContain('weight-2of4-magnitude.safetensors');
    for (const name of names) {
      const [a, b] = outs.map((o) => fs.readFileSync(path.join(o.out, name)));
      if (name === 'manifest.json') {
        const [ma, mb] = [a, b].map((buf) => JSON.parse(buf.toString('utf8')));
        expect(ma.source.command).toMatch(/--threads 1/);
        expect(mb.source.command).toMatch(/--threads 2/);
        delete ma.source.command;
        delete mb.source.command;
        expect(mb).toEqual(ma);
      } else expect(b.equals(a)).toBe(true);
    }
    // several windows: a pool of 2 had work for both threads
    const manifest = JSON.parse(fs.readFileSync(path.join(outs[0].out, 'manifest.json'), 'utf8'));
    expect(manifest.runs[0].metrics[0].detail).toMatch(/over 3 windows/);
  });

  test('a perplexity-only capture (nothing recorded, every run on the workers) prints the same runs for 1 and 2 threads', () => {
    const [one, two] = ['1', '2'].map((threads) => runCli([...BASE, '--patterns', '8:16', '--threads', threads]));
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(untimed(two.stdout)).toEqual(untimed(one.stdout));
  });

  test('--threads beyond its bound is a usage error naming it', () => {
    const r = runCli([...BASE, '--patterns', '8:16', '--threads', '1000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--threads/);
    expect(r.stderr).toMatch(/64/);
  });
});

/**
 * `nmsim capture --precision`: f32 (the opt-in float32 matmul, src/capture/precision.ts) prints a
 * dense mean NLL within 16·u (u = 2⁻²⁴) relative of the default's — the bound derived in
 * test/capture/precision.test.ts — yet not the same number; its runs are the same bits on 1 and 2
 * threads; an unknown precision, and f32 with --out (a bundle holds the f64 reference's bits), are
 * usage errors naming the option. Three stories (3 windows of ≤ 512), perplexity only.
 */
import { runCli } from '../helpers/cli.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';

const BASE = ['capture', '--model', sharedPath('models/stories260K.bin'), '--tokenizer', sharedPath('models/tok512.bin'), '--text', sharedPath('data/tinystories_hf_validation_head.stories.txt'), '--stories', '3', '--json'];
const U = 2 ** -24;

interface Run {
  id: string;
  mean_nll_nats: number;
  scored_tokens: number;
}
const runsOf = (stdout: string): Run[] => JSON.parse(stdout).runs.map((r: Run) => ({ id: r.id, mean_nll_nats: r.mean_nll_nats, scored_tokens: r.scored_tokens }));

describeWithShared('nmsim capture --precision', ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'], () => {
  test('f32 gives the dense mean NLL within 16·u relative of f64 (not equal), and the same runs on 1 and 2 threads', () => {
    const [f64, f32one, f32two] = [['f64', '1'], ['f32', '1'], ['f32', '2']].map(([precision, threads]) => {
      const r = runCli([...BASE, '--patterns', '8:16', '--precision', precision, '--threads', threads]);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).precision).toBe(precision);
      return runsOf(r.stdout);
    });
    expect(f32two).toEqual(f32one);
    expect(f32one.map((r) => r.id)).toEqual(['dense', '8of16-magnitude-none']);
    const [d64, d32] = [f64[0], f32one[0]];
    expect(d32.scored_tokens).toBe(d64.scored_tokens);
    expect(d32.mean_nll_nats).not.toBe(d64.mean_nll_nats);
    expect(Math.abs(d32.mean_nll_nats - d64.mean_nll_nats) / d64.mean_nll_nats).toBeLessThanOrEqual(16 * U);
  });

  test('the text output says when the evaluation ran in float32, and says nothing for the default', () => {
    const plain = BASE.filter((a) => a !== '--json');
    const f32 = runCli([...plain, '--patterns', 'dense', '--precision', 'f32']);
    const f64 = runCli([...plain, '--patterns', 'dense']);
    expect([f32.code, f64.code]).toEqual([0, 0]);
    expect(f32.stdout.split('\n')[0]).toMatch(/scored tokens; float32 arithmetic \(--precision f32\): not the float64 reference's bits\)$/);
    expect(f64.stdout.split('\n')[0]).toMatch(/^perplexity on .* \(\d+ scored tokens\)$/);
  });

  test('an unknown precision is a usage error listing the valid ones', () => {
    const r = runCli([...BASE, '--patterns', 'dense', '--precision', 'f16']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/capture\/unknown-precision/);
    expect(r.stderr).toMatch(/f64, f32/);
  });

  test('f32 with --out is a usage error: a bundle holds the f64 reference\'s bits', () => {
    const r = runCli([...BASE, '--patterns', 'dense', '--precision', 'f32', '--out', 'never-written']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/capture\/precision-with-out/);
    expect(r.stderr).toMatch(/--precision/);
  });
});

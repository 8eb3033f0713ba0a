/** Issue 13: `nmsim simulate --gemm M,K,N` runs one GEMM, dense and per pattern, on any profile and sparse operand. */
import { runCli } from '../helpers/cli.js';

describe('nmsim simulate --gemm', () => {
  test('--operand weight on a100-like: the PyTorch tutorial’s 3072×10240→3072 at 2:4 weights, as the validation corpus predicts it (1.371×)', () => {
    const r = runCli(['simulate', '--profile', 'a100-like', '--gemm', '3072,10240,3072', '--patterns', '2:4', '--operand', 'weight', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.gemm).toEqual({ m: 3072, k: 10240, n: 3072 });
    expect(doc.results.map((x: { pattern: string; runs_as: string }) => [x.pattern, x.runs_as])).toEqual([
      ['dense', 'dense'],
      ['2:4', 'native 2:4'],
    ]);
    expect(doc.results[1].speedup).toBeCloseTo(1.371, 3);
    expect(doc.results[1].activity.weight_metadata_bytes).toBe((3072 * 5120 * 2) / 8);
    for (const x of doc.results) expect(x.cycles).toBeGreaterThanOrEqual(x.roofline_cycles);
  });
  test('a malformed --gemm is a usage error (exit 2) naming the option, no stack trace', () => {
    const r = runCli(['simulate', '--profile', 'a100-like', '--gemm', '3072,x,3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('simulate/bad-gemm');
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});

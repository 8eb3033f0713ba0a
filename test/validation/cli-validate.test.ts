/** `nmsim validate`: table and group errors on stdout, CSV + chart (SVG, PNG) in the report folder. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';

describe('nmsim validate', () => {
  test('prints every row and the mean absolute error per group, and writes validation.csv and the log-log chart', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-validate-')), 'v');
    try {
      const r = runCli(['validate', '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/mm-8192x16384x16384\s+a100-like\s+8192×16384×16384\s+calibration\s+15008\.7/);
      expect(r.stdout).toMatch(/llmcompass-a100-matmul\s+20\s+\d+\.\d%/);
      expect(fs.readdirSync(out).filter((f) => !f.startsWith('.')).sort()).toEqual(['predicted-vs-measured.png', 'predicted-vs-measured.svg', 'validation.csv']);
      const csv = fs.readFileSync(path.join(out, 'validation.csv'), 'utf8').trim().split('\n');
      expect(csv[0]).toBe('dataset,id,profile,kind,shape,role,measured,predicted,unit,error_fraction,bound');
      expect(csv).toHaveLength(1 + 20 + 64 + 5 + 7 + 3 + 5);
      // decode rows in tokens/s: 107.38 measured, 1 ÷ the modelled dense decode step predicted
      expect(csv.find((l) => l.includes(',torchao-a100-l2-7b,'))).toMatch(/,decode,llama2-7b decode B=1 L=105,held-out,107\.380,\d{3}\.\d{3},tokens\/s,/);
      expect(csv.find((l) => l.includes(',pt-tut-1,'))).toMatch(/,speedup,3072×10240×3072 w2:4,calibration,1\.382,\d\.\d{3},x,/);
      const png = fs.readFileSync(path.join(out, 'predicted-vs-measured.png'));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
  test('--json lists rows and groups with snake_case keys', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-validate-')), 'v');
    try {
      const r = runCli(['validate', '--out', out, '--json']);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const g = doc.groups.find((x: { group: string }) => x.group === 'llmcompass-a100-matmul');
      expect(g.rows).toBe(20);
      expect(g.mean_abs_error_fraction).toBeLessThanOrEqual(0.1);
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
  test('a corpus folder that does not exist exits 1 with a diagnostic, no stack trace', () => {
    const r = runCli(['validate', '--corpus', '/nonexistent-corpus', '--out', path.join(os.tmpdir(), 'nmsim-validate-never')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('validation/not-found');
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});

/** The validation corpus loader: CSV parsing, unit conversion, and errors as data. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNmsimError } from '../../src/diagnostics.js';
import { loadCorpus, parseCsv } from '../../src/validation/corpus.js';
import { REPO_ROOT } from '../helpers/cli.js';

describe('the validation corpus', () => {
  test('CSV cells may be quoted, with commas and doubled quotes inside', () => {
    expect(parseCsv('a,b,c\n"K=N=12288, M swept",2,"say ""hi"""\n')).toEqual([
      ['a', 'b', 'c'],
      ['K=N=12288, M swept', '2', 'say "hi"'],
    ]);
  });
  test('published units become µs: 4096 × 32 softmax at 9.9956 G elem/s is 13.11 µs; 2048×13312×2048 at 794.5 TFLOP/s is 140.6 µs', () => {
    const c = loadCorpus(path.join(REPO_ROOT, 'validation'));
    const softmax = c.rows.find((r) => r.id === 'softmax-4096x32-row1')!;
    expect(softmax.measuredUs).toBeCloseTo(131072 / 9.99556025250909e3, 9);
    expect(softmax.measuredUs).toBeCloseTo(13.11, 2);
    const h100 = c.rows.find((r) => r.id === 'mamf-v2-h100')!;
    expect(h100.measuredUs).toBeCloseTo((2 * 2048 * 13312 * 2048) / 794.5e6, 9);
    // the LLMCompass harness overhead travels with its rows (their fitted 21 µs for matmul)
    expect(c.rows.find((r) => r.id === 'mm-8192x64x64')!.harnessOverheadUs).toBe(21);
    expect(c.rows.filter((r) => r.dataset === 'llmcompass-a100-matmul').map((r) => r.role).sort()).toEqual([...Array(10).fill('calibration'), ...Array(10).fill('held-out')]);
  });
  test('a row with a non-numeric size is refused naming the file, row and column', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-corpus-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'corpus.yaml'),
        'datasets:\n  - { id: d, kind: gemm, file: d.csv, profile: a100-like, measured: latency, source: s, method: m, harnessOverheadUs: { gemm: 0 } }\n',
      );
      fs.writeFileSync(path.join(dir, 'd.csv'), 'id,m,k,n,measured_us,role\nx,64,abc,64,10,held-out\n');
      let err: unknown;
      try {
        loadCorpus(dir);
      } catch (e) {
        err = e;
      }
      expect(isNmsimError(err)).toBe(true);
      const d = (err as { diagnostics: { code: string; path?: string; file?: string }[] }).diagnostics[0];
      expect(d).toMatchObject({ code: 'validation/bad-row', path: 'row 1.k', file: path.join(dir, 'd.csv') });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

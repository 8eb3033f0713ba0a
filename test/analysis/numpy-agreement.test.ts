/**
 * nmsim's rel_err_l2 and kept_fraction equal the numpy peer's (../shared/bench/nm_numpy_peer.py)
 * on the same small file, to 1e-6. Skips with a clear message without python3 + numpy or
 * without ../shared/bench.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openBundle } from '../../src/trace/bundle.js';
import { analyze } from '../../src/analysis/analyze.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { hasShared, sharedPath } from '../helpers/shared.js';

const numpyOk = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const sharedOk = hasShared('bench/make_trace.py') && hasShared('bench/nm_numpy_peer.py');
const why = !numpyOk ? 'python3 with numpy not found' : '../shared/bench/{make_trace,nm_numpy_peer}.py not found';
const maybe = numpyOk && sharedOk ? describe : describe.skip;

maybe(numpyOk && sharedOk ? 'agreement with the numpy peer' : `agreement with the numpy peer (skipped: ${why})`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nmsim-peer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['F16', 'BF16', 'F32'])('rel_err_l2 and kept_fraction equal the peer to 1e-6 on a %s file with tail groups', async (dtype) => {
    const file = path.join(dir, `peer-${dtype}.safetensors`);
    // K = 100 and 72 leave tail groups for every M; 48 is a multiple of 16 but not of 32
    const made = spawnSync('python3', [sharedPath('bench/make_trace.py'), file, '--tokens', '24', '--layers', '2', '--dims', '100,72,48,64', '--dtype', dtype, '--seed', '3'], { encoding: 'utf8' });
    expect(made.status).toBe(0);
    const peer = spawnSync('python3', [sharedPath('bench/nm_numpy_peer.py'), file, '--patterns', '2:4,4:8,8:16,16:32', '--json'], { encoding: 'utf8' });
    expect(peer.status).toBe(0);
    const expected = JSON.parse(peer.stdout) as { tensor: string; pattern: string; rel_err_l2: number; kept_fraction: number }[];
    const bundle = await openBundle(file);
    try {
      const result = await analyze(bundle, { patterns: parsePatternList('2:4,4:8,8:16,16:32'), batchSizes: [1] });
      expect(expected).toHaveLength(8 * 4);
      for (const e of expected) {
        const config = result.runs[0].configs.find((c) => c.pattern === e.pattern)!;
        const slot = config.sites.find((s) => s.site === e.tensor)!;
        expect(Math.abs(slot.relErrL2! - e.rel_err_l2)).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(slot.keptFraction! - e.kept_fraction)).toBeLessThanOrEqual(1e-6);
      }
    } finally {
      await bundle.close();
    }
  });
});

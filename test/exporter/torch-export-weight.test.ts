/**
 * The PyTorch exporter's weight runs (issue 14): `torch_export.py --operand weight` on the tiny
 * llama-style model writes weight masks and wanda input norms that nmsim opens, validates and
 * reproduces bit for bit with its own pruneWeight from the bundle's recorded weights and norms;
 * and the exporter's own end-to-end check (test/fixtures/exporter/weight_export_check.py: masks
 * against a numpy selection, norms against a numpy accumulation, perplexities against a
 * masked-weight forward, usage errors) passes. Skips clearly without a Python with torch.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBundle, type TraceBundle } from '../../src/trace/bundle.js';
import { unpackMask } from '../../src/trace/mask.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { pruneWeight } from '../../src/sparsity/weight-prune.js';
import { isWeightCriterion } from '../../src/sparsity/weight-registry.js';
import { runOperand } from '../../src/trace/manifest.js';
import { runCli } from '../helpers/cli.js';
import { EXPORTER, FIXTURES, findTorchPython, runPython } from './python.js';

const PYTHON = findTorchPython();
const describeTorch = PYTHON ? describe : describe.skip;
const SKIP_NOTE = PYTHON ? '' : ' (skipped: no python with torch+numpy; tried $NMSIM_PYTHON, /usr/bin/python3, python3)';

describeTorch(`torch_export.py --operand weight on a tiny llama-style model${SKIP_NOTE}`, () => {
  let work = '';
  let dir = '';
  let bundle: TraceBundle;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-wexport-'));
    dir = path.join(work, 'bf16');
    const r = runPython(PYTHON!, [
      EXPORTER, '--text', path.join(FIXTURES, 'text.txt'), '--out', dir,
      '--model', path.join(FIXTURES, 'tiny_llama.py:build_bf16'), '--operand', 'weight',
      '--patterns', '2:4,5:7,16:32,unstructured', '--criteria', 'magnitude,wanda',
      '--seq-len', '96', '--trace-tokens', '32', '--calib-tokens', '256', '--max-tokens', '576', '--weights',
    ]);
    if (r.code !== 0) throw new Error(`exporter failed (${r.code}):\n${r.stderr}`);
    bundle = await openBundle(dir);
  }, 300_000);

  afterAll(async () => {
    await bundle?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('nmsim reproduces every weight mask bit for bit from the bundle\'s weights (BF16) and input norms', async () => {
    const runs = bundle.manifest.runs.filter((r) => r.config.pattern !== 'dense');
    expect(runs.map((r) => r.id)).toHaveLength(8);
    const dense = bundle.manifest.runs[0];
    let masks = 0;
    let mismatches = 0;
    for (const run of runs) {
      expect(runOperand(run.config)).toBe('weight');
      const criterion = run.config.criterion!;
      if (!isWeightCriterion(criterion)) throw new Error(`run ${run.id}: ${criterion} is not a weight criterion`);
      const pattern = parsePattern(run.config.pattern);
      for (const site of run.sites) {
        const k = site.tensor.shape[1];
        expect(site.input_norms !== undefined).toBe(criterion === 'wanda');
        const inputNorms = site.input_norms ? await bundle.readFloat32(site.input_norms) : undefined;
        for (const wm of site.weight_masks ?? []) {
          const ws = dense.sites.find((s) => s.name === site.name)!.weight_stats!.find((w) => w.consumer === wm.consumer)!;
          const w = await bundle.readFloat32(ws.weight!);
          const out = ws.out_features!;
          const ours = pruneWeight(w, out, k, pattern, criterion, { inputNorms }).keep;
          const theirs = unpackMask(await bundle.readMask(wm.tensor), out, k);
          for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) mismatches++;
          masks++;
        }
      }
    }
    expect(masks).toBe(8 * 2 * 7); // 8 runs × 2 layers × 7 consumers
    expect(mismatches).toBe(0);
  });

  test('nmsim inspect accepts the bundle: every weight mask keeps exactly its pattern\'s quota, no warnings', () => {
    const r = runCli(['inspect', dir, '--json']);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.warnings).toEqual([]);
    const wm = report.runs.flatMap((run: { sites: { weight_masks?: { every_group_at_quota: boolean; padding_bit_rows: number }[] }[] }) => run.sites.flatMap((s) => s.weight_masks ?? []));
    expect(wm).toHaveLength(8 * 2 * 7);
    expect(wm.every((m: { every_group_at_quota: boolean; padding_bit_rows: number }) => m.every_group_at_quota && m.padding_bit_rows === 0)).toBe(true);
  });

  test('the exporter\'s own weight check (weight_export_check.py) finds 0 mismatches', () => {
    const r = runPython(PYTHON!, [path.join(FIXTURES, 'weight_export_check.py')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /checked (\d+) masks, (\d+) runs and (\d+) usage errors, (\d+) mismatches/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![4])).toBe(0);
  }, 300_000);
});

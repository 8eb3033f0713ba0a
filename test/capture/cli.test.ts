/**
 * `nmsim capture` and `nmsim generate` end to end through the built CLI: a small real capture is
 * read back with openBundle and its recorded masks checked against the pattern; bad inputs give
 * diagnostics and exit codes, never a stack trace or a partial bundle.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { describeWithShared, sharedPath } from '../helpers/shared.js';
import { openBundle } from '../../src/trace/bundle.js';
import { unpackMask } from '../../src/trace/mask.js';

const MODEL = sharedPath('models/stories260K.bin');
const TOK = sharedPath('models/tok512.bin');
const TEXT = sharedPath('data/tinystories_hf_validation_head.stories.txt');

describeWithShared('nmsim capture and generate', ['models/stories260K.bin', 'models/tok512.bin', 'data/tinystories_hf_validation_head.stories.txt'], () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-capture-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('capture --json runs dense, 2:4 and 4:4 on one story, writes a bundle whose masks keep 2 of every 4', async () => {
    const out = path.join(tmp, 'bundle');
    const r = runCli(
      ['capture', '--model', MODEL, '--tokenizer', TOK, '--text', TEXT, '--stories', '1', '--patterns', '2:4,4:4', '--mitigations', 'none,spts', '--calib-stories', '2', '--trace-tokens', '24', '--out', out, '--json'],
      { timeoutMs: 300_000 },
    );
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.runs.map((x: { id: string }) => x.id)).toEqual(['dense', '2of4-magnitude-none', '2of4-magnitude-spts', '4of4-magnitude-none', '4of4-magnitude-spts']);
    const dense = json.runs[0];
    expect(json.runs[3].perplexity).toBe(dense.perplexity); // 4:4 keeps everything
    expect(json.runs[1].perplexity).toBeGreaterThan(dense.perplexity);
    expect(json.calibration).toContain('stories 900–901');

    const b = await openBundle(out);
    try {
      expect(b.manifest.model).toMatchObject({ hidden_size: 64, intermediate_size: 172, num_layers: 5 });
      const run = b.manifest.runs.find((x) => x.id === '2of4-magnitude-spts')!;
      expect(run.config).toEqual({ pattern: '2:4', criterion: 'magnitude', mitigation: 'spts' });
      expect(run.metrics[0]).toMatchObject({ metric: 'perplexity', tokens: dense.scored_tokens });
      expect(run.metrics[0].value).toBeCloseTo(json.runs[2].perplexity, 10);
      // issue 16: one story, so its per-story NLL is the run's whole NLL: tokens × ln(perplexity)
      expect(run.metrics[0].per_story!.tokens).toEqual([dense.scored_tokens]);
      const storyNll = run.metrics[0].per_story!.nll_sums_nats[0];
      expect(Math.abs(storyNll - dense.scored_tokens * Math.log(run.metrics[0].value))).toBeLessThan(1e-9 * storyNll);
      expect(run.tokens).toBe(24);
      expect(run.sites).toHaveLength(20);
      const down = run.sites.find((s) => s.name === 'layers.4.mlp.down_proj.input')!;
      expect(down.tensor.shape).toEqual([24, 172]);
      expect(typeof down.static_shift).toBe('number');
      const keep = unpackMask(await b.readMask(down.masks![0].tensor), 24, 172);
      for (let t = 0; t < 24; t++) {
        for (let g = 0; g < 172; g += 4) expect(keep[t * 172 + g] + keep[t * 172 + g + 1] + keep[t * 172 + g + 2] + keep[t * 172 + g + 3]).toBe(2);
      }
      // the recorded input is the pre-pruning activation: the kept entries of the first token are its largest |x − η|
      const x = await b.readFloat32(down.tensor);
      const eta = down.static_shift!;
      for (let g = 0; g < 172; g += 4) {
        const mags = [0, 1, 2, 3].map((i) => Math.abs(x[g + i] - eta));
        const kept = [0, 1, 2, 3].filter((i) => keep[g + i]).map((i) => mags[i]);
        const dropped = [0, 1, 2, 3].filter((i) => !keep[g + i]).map((i) => mags[i]);
        expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...dropped) * (1 - 2e-3) - 1e-3); // F16 storage rounds x
      }
      const q = b.manifest.runs[0].sites[0].weight_stats!.find((w) => w.consumer === 'k')!;
      expect(q.out_features).toBe(32);
      expect((await b.readFloat32(q.weight!)).length).toBe(32 * 64);
    } finally {
      await b.close();
    }
  }, 600_000);

  test('capture refuses calibration stories that overlap the evaluated ones (exit 2, nothing written)', () => {
    const out = path.join(tmp, 'never');
    const r = runCli(['capture', '--model', MODEL, '--tokenizer', TOK, '--text', TEXT, '--stories', '10', '--mitigations', 'spts', '--calib-offset', '5', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('capture/calibration-overlap');
    expect(r.stderr).toContain('--calib-offset');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a checkpoint of the wrong size is an input error naming the file and both sizes (exit 1)', () => {
    const bad = path.join(tmp, 'cut.bin');
    fs.writeFileSync(bad, fs.readFileSync(MODEL).subarray(0, 500_000));
    const out = path.join(tmp, 'never2');
    const r = runCli(['capture', '--model', bad, '--tokenizer', TOK, '--text', TEXT, '--stories', '1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('checkpoint/size-mismatch');
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toContain('1056540 bytes');
    expect(r.stderr).toContain('500000 bytes');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a checkpoint holding a NaN weight is refused at load (exit 1) naming the tensor and index: no "ppl NaN", no bundle, no manifest blamed', () => {
    const bytes = Buffer.from(fs.readFileSync(MODEL));
    // legacy layout: 7-int header, then tok_embeddings [512, 64]; element 100 is row 1, column 36
    bytes.writeFloatLE(NaN, 28 + 4 * 100);
    const bad = path.join(tmp, 'nan.bin');
    fs.writeFileSync(bad, bytes);
    const out = path.join(tmp, 'never-nan');
    for (const args of [
      ['capture', '--model', bad, '--tokenizer', TOK, '--text', TEXT, '--stories', '1', '--patterns', '2:4', '--out', out],
      ['capture', '--model', bad, '--tokenizer', TOK, '--text', TEXT, '--stories', '1', '--patterns', '2:4', '--json'],
      ['generate', '--model', bad, '--tokenizer', TOK, '--steps', '4'],
    ]) {
      const r = runCli(args);
      expect({ args: args[0], code: r.code }).toEqual({ args: args[0], code: 1 });
      expect(r.stderr).toContain('checkpoint/nonfinite-weight');
      expect(r.stderr).toContain('"tok_embeddings"');
      expect(r.stderr).toContain('index 100 (row 1, column 36 of [512, 64])');
      expect(r.stdout + r.stderr).not.toMatch(/ppl NaN|perplexity.*NaN|manifest/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a --model that is a folder is an input error (exit 1) naming the file and the cause, not bad usage', () => {
    const r = runCli(['capture', '--model', tmp, '--tokenizer', TOK, '--text', TEXT, '--stories', '1', '--patterns', '2:4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('capture/model-unreadable');
    expect(r.stderr).toContain('EISDIR');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  test('unknown criteria and impossible patterns are usage errors listing the valid names', () => {
    const a = runCli(['capture', '--model', MODEL, '--tokenizer', TOK, '--text', TEXT, '--criteria', 'wanda']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('magnitude, amber, clact');
    const b = runCli(['generate', '--model', MODEL, '--tokenizer', TOK, '--pattern', '8:4']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('pattern/invalid');
  });

  test('generate prints the golden greedy sample from BOS, and a pruned model says something else', () => {
    const golden = fs.readFileSync(sharedPath('data/stories260K_greedy_from_bos_256.txt'), 'utf8');
    const dense = runCli(['generate', '--model', MODEL, '--tokenizer', TOK, '--steps', '256']);
    expect(dense.code).toBe(0);
    expect(dense.stdout).toBe(golden);
    const pruned = runCli(['generate', '--model', MODEL, '--tokenizer', TOK, '--steps', '40', '--pattern', '2:4', '--criterion', 'clact', '--json']);
    expect(pruned.code).toBe(0);
    const j = JSON.parse(pruned.stdout);
    expect(j).toMatchObject({ pattern: '2:4', criterion: 'clact', mitigation: 'none', steps: 40 });
    expect(golden.startsWith(j.text)).toBe(false);
    // one token per step: clact degenerates to magnitude, token for token
    const mag = JSON.parse(runCli(['generate', '--model', MODEL, '--tokenizer', TOK, '--steps', '40', '--pattern', '2:4', '--json']).stdout);
    expect(j.generated_ids).toEqual(mag.generated_ids);
  }, 300_000);
});

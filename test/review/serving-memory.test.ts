/**
 * Issue 16, serving within the device's memory: every shipped profile carries a cited DRAM
 * capacity (80 GB: A100 80GB SXM HBM2e, H100 SXM HBM3; act-* take H100's), and the serving
 * metrics mark a batch whose weights + KV cache exceed it as not fitting — in the JSON (`fits:
 * false`) and the report — and pick tokens/s at the latency target only among the fitting ones.
 * Every byte count is derived here by hand from Llama-3.1-8B's config.json figures.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProfile } from '../../src/profile/load.js';
import { servingBlocks, servingJson } from '../../src/report/review-serving.js';
import { toMarkdown } from '../../src/report/document.js';
import { modelParameters, servingFor } from '../../src/review/serving.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { REPO_ROOT } from '../helpers/cli.js';

const shape = MODEL_CATALOG['llama3.1-8b'];
const p816 = parsePattern('8:16');
const GB = 1e9;

// Llama-3.1-8B (hidden 4096, intermediate 14336, 32 layers, 32 heads, 8 KV heads, head dim 128, vocab 128256, untied):
// per layer q 4096·4096 + k, v 2·4096·1024 + o 4096·4096 + MLP 3·4096·14336 + 2 norms · 4096 = 218,112,000;
// 32 layers 6,979,584,000 + embeddings and LM head 2 · 128256 · 4096 = 1,050,673,152 + final norm 4096
const PARAMETERS = 32 * (4096 * 4096 + 2 * 4096 * 1024 + 4096 * 4096 + 3 * 4096 * 14336 + 2 * 4096) + 2 * 128256 * 4096 + 4096;
const WEIGHT_BYTES = PARAMETERS * 2; // FP16 operands
// KV bytes = 2 (K, V) × layers × kv_heads × head_dim × bytes × tokens × B, at prompt + output = 2048 + 256 tokens
const kvBytes = (batch: number) => 2 * 32 * 8 * 128 * 2 * 2304 * batch;

describe('serving within the device memory', () => {
  it('counts Llama-3.1-8B and Llama-2-7B at their published parameter counts', () => {
    expect(PARAMETERS).toBe(8_030_261_248);
    expect(modelParameters(shape)).toBe(PARAMETERS);
    // Llama-2-7B (hidden 4096, intermediate 11008, 32 layers, 32 KV heads, vocab 32000): its published 6,738,415,616
    expect(32 * (4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096) + 2 * 32000 * 4096 + 4096).toBe(6_738_415_616);
    expect(modelParameters(MODEL_CATALOG['llama2-7b'])).toBe(6_738_415_616);
  });

  it('reads every shipped profile’s DRAM capacity as 80 × 10⁹ bytes', async () => {
    const names = (await fs.readdir(path.join(REPO_ROOT, 'hardware-profiles'))).filter((f) => f.endsWith('.yaml'));
    expect(names.length).toBe(9);
    for (const f of names) {
      const { profile } = await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', f));
      expect({ f, bytes: profile.memory.dramCapacityBytes }).toEqual({ f, bytes: 80 * GB });
    }
  });

  it('marks B = 256 at 2048:256 as not fitting in 80 GB (16.06 GB of weights + 77.31 GB of KV cache) and picks the target only among the batches that fit', async () => {
    const profile = (await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'))).profile;
    // a target every batch meets, so the pick is decided by memory alone
    const s = servingFor([profile], [p816], shape, [], { promptTokens: 2048, outputTokens: 256 }, 1e6, [1, 128, 256]);
    expect(s.weightBytes).toBe(WEIGHT_BYTES);
    expect(s.peakContextTokens).toBe(2304);
    for (const row of s.rows) {
      expect(row.dramCapacityBytes).toBe(80 * GB);
      expect(row.steps.map((x) => ({ b: x.batch, memoryBytes: x.memoryBytes, fits: x.fits }))).toEqual([
        { b: 1, memoryBytes: WEIGHT_BYTES + kvBytes(1), fits: true },
        // 16,060,522,496 + 38,654,705,664 = 54.7 GB
        { b: 128, memoryBytes: WEIGHT_BYTES + kvBytes(128), fits: true },
        // 16,060,522,496 + 77,309,411,328 = 93.4 GB > 80 GB
        { b: 256, memoryBytes: WEIGHT_BYTES + kvBytes(256), fits: false },
      ]);
      expect(row.atTarget?.batch).toBe(128);
    }
    expect(WEIGHT_BYTES + kvBytes(256)).toBe(93_369_933_824);
    const json = servingJson(s) as { weight_bytes: number; rows: { dram_capacity_bytes: number; decode: { batch: number; fits: boolean | null; memory_bytes: number }[]; at_target: { batch: number } }[] };
    expect(json.weight_bytes).toBe(WEIGHT_BYTES);
    expect(json.rows[1].dram_capacity_bytes).toBe(80 * GB);
    expect(json.rows[1].decode.map((d) => [d.batch, d.fits])).toEqual([[1, true], [128, true], [256, false]]);
    expect(json.rows[1].at_target.batch).toBe(128);
    const md = toMarkdown(servingBlocks(s));
    expect(md).toContain('B = 256 does not fit');
  });

  it('checks nothing for a profile without a DRAM capacity: every batch may be picked', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-capacity-'));
    try {
      const text = await fs.readFile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'), 'utf8');
      const file = path.join(tmp, 'act-8of16.yaml');
      await fs.writeFile(file, text.replace(/^ {2}dramCapacity: .*$/m, ''));
      const profile = (await loadProfile(file)).profile;
      expect(profile.memory.dramCapacityBytes).toBeUndefined();
      const s = servingFor([profile], [p816], shape, [], { promptTokens: 2048, outputTokens: 256 }, 1e6, [1, 256]);
      expect(s.rows[1].steps.map((x) => x.fits)).toEqual([undefined, undefined]);
      expect(s.rows[1].atTarget?.batch).toBe(256);
      expect((servingJson(s) as { rows: { decode: { fits: boolean | null }[] }[] }).rows[1].decode.map((d) => d.fits)).toEqual([null, null]);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});

/**
 * Bounds of the analysis: row width, working set, and work options, all checked before any
 * allocation; and the closed forms that must stay fast at the widest allowed row.
 */
import { metadataBitsPerRow } from '../../src/sparsity/footprint.js';
import { MAX_ROW_ELEMENTS, SITE_MEMORY_BUDGET_BYTES, checkSiteBounds, siteWorkingBytes } from '../../src/analysis/memory.js';
import { METADATA_ENCODINGS, parsePatternList } from '../../src/sparsity/pattern.js';
import { isNmsimError } from '../../src/diagnostics.js';
import { plan } from './helpers.js';
import { BundleWriter } from '../../src/trace/writer.js';
import { openBundle } from '../../src/trace/bundle.js';
import { analyze } from '../../src/analysis/analyze.js';
import { tempDir } from '../trace/tmp.js';
import * as path from 'node:path';

const { dir, cleanup } = tempDir('nmsim-bounds-');
afterAll(cleanup);

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return null;
}

describe('analysis bounds', () => {
  test('unstructured metadata is a K-bit bitmask under every encoding, up to K = 2^20', () => {
    for (const k of [1, 2, 3, 17, 4097, 1 << 20]) {
      for (const encoding of METADATA_ENCODINGS) expect([k, encoding, metadataBitsPerRow({ kind: 'unstructured' }, k, encoding)]).toEqual([k, encoding, k]);
    }
  });

  test('a row wider than 2^20 is refused with the tensor, its shape, the bound and why', () => {
    const e = thrown(() => checkSiteBounds({ tokens: 1, k: 1 << 29, consumers: 1 }, plan({}), { site: 'layers.0.mlp.down_proj.input', tensorKey: 'big.input' }));
    expect(isNmsimError(e)).toBe(true);
    if (!isNmsimError(e)) return;
    expect(e.kind).toBe('input');
    expect(e.diagnostics[0].code).toBe('analysis/row-too-wide');
    expect(e.diagnostics[0].message).toContain('"big.input"');
    expect(e.diagnostics[0].message).toContain('[1, 536870912]');
    expect(e.diagnostics[0].message).toContain(`K ≤ ${MAX_ROW_ELEMENTS}`);
    expect(e.diagnostics[0].message).toMatch(/whole rows/);
    expect(() => checkSiteBounds({ tokens: 1, k: MAX_ROW_ELEMENTS, consumers: 1 }, plan({}), { site: 's', tensorKey: 'k' })).not.toThrow();
    expect((thrown(() => checkSiteBounds({ tokens: 4, k: 0, consumers: 1 }, plan({}), { site: 's', tensorKey: 'k' })) as { diagnostics: { code: string }[] }).diagnostics[0].code).toBe('analysis/empty-row');
  });

  test('analyze() refuses a [1, 2^21] site before reading or allocating anything', async () => {
    const out = path.join(dir, 'wide');
    const w = new BundleWriter(out);
    const k = 1 << 21;
    const tensor = w.addTensor('a.safetensors', 'flat.input', new Float32Array(k), [1, k], 'F16');
    await w.finish({
      format: 'nmsim-trace',
      version: 1,
      model: { name: 'wide', family: 'llama', hidden_size: 64, intermediate_size: 64, num_layers: 1, num_heads: 4, num_kv_heads: 4, vocab_size: 32 },
      source: { tool: 'bounds test', checkpoint: 'none', dataset: 'none' },
      runs: [{ id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens: 1, sites: [{ name: 'layers.0.mlp.down_proj.input', layer: 0, consumers: ['down'], tensor }] }],
    });
    const bundle = await openBundle(out);
    try {
      const t0 = performance.now();
      const e = await analyze(bundle, {}).then(() => null, (err: unknown) => err);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(isNmsimError(e) && e.diagnostics[0]).toMatchObject({ code: 'analysis/row-too-wide', path: 'runs[0].sites[0].tensor' });
      expect(isNmsimError(e) && e.diagnostics[0].message).toContain('"flat.input"');
    } finally {
      await bundle.close();
    }
  });

  test('the working-set estimate of a default plan is about 220 bytes per row element, and a plan over 2 GiB is refused', () => {
    // default plan, one fast lane, 5 patterns, 7 batch sizes, 64 draws, K = 2^20 (chunk of 1 row):
    // random unions as 3 rank planes per draw (64 · 3 bits: fewer than the 4096 tokens sampled)
    // 24 + 4 + (16 + 8 + 5 + 16) + 5 · (1/8 + 5 + 7/8 + 64·3/8) = 73 + 5 · 30 = 223 B per element
    const k = 1 << 20;
    const bytes = siteWorkingBytes({ tokens: 4096, k, consumers: 1 }, plan({}));
    expect(bytes).toBe(223 * k + 64 * 64 * 48);
    // 64 tokens: each draw samples all 64, so one bit per token (64 bits) beats 192 bits of planes
    expect(siteWorkingBytes({ tokens: 64, k, consumers: 1 }, plan({}))).toBe((73 + 5 * (1 + 5 + 8)) * k + 64 * 64 * 48);
    expect(bytes).toBeLessThan(SITE_MEMORY_BUDGET_BYTES / 4);
    const e = thrown(() => checkSiteBounds({ tokens: 4096, k, consumers: 1 }, plan({ randomBatchesPerSize: 10_000 }), { site: 's', tensorKey: 'wide' }));
    expect(isNmsimError(e) && e.diagnostics[0].code).toBe('analysis/too-much-memory');
    expect(isNmsimError(e) && e.diagnostics[0].hint).toMatch(/--random-batches/);
  });

  test('work options have generous documented maxima', () => {
    const code = (p: Parameters<typeof plan>[0]) => (thrown(() => plan(p)) as { diagnostics?: { code: string; path?: string }[] } | null)?.diagnostics?.[0];
    expect(code({ randomBatchesPerSize: 10_001 })).toMatchObject({ code: 'analysis/invalid-option', path: '--random-batches' });
    expect(code({ randomBatchesPerSize: 10_000 })).toBeUndefined();
    expect(code({ batchSizes: [4097] })).toMatchObject({ code: 'analysis/invalid-batch-size' });
    expect(code({ batchSizes: Array.from({ length: 65 }, (_, i) => i + 1) })).toMatchObject({ code: 'analysis/invalid-batch-size' });
    expect(code({ clactBatchTokens: 65_537 })).toMatchObject({ code: 'analysis/invalid-clact-batch' });
    expect(code({ patterns: parsePatternList('2:4'), nonfinite: 'ignore' as never })).toMatchObject({ path: '--nonfinite' });
  });
});

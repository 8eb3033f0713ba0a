/**
 * Deeply nested and very wide inputs are read iteratively: a manifest nested 100,000 deep or a
 * safetensors header with 200,000 tensors gives a result or an input error (exit 1), never a
 * stack overflow (exit 3).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openBundle } from '../../src/trace/bundle.js';
import { parseManifest } from '../../src/trace/manifest-check.js';
import { parseSafetensorsHeader } from '../../src/trace/safetensors.js';
import { type Diagnostic, NmsimError } from '../../src/diagnostics.js';
import { runCli } from '../helpers/cli.js';
import { formatInspectText } from '../../src/report/inspect.js';
import type { InspectReport } from '../../src/trace/inspect.js';
import { emptyStats, finishStats } from '../../src/trace/tensor-stats.js';
import { manifestWith, tempDir } from './tmp.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const DEPTH = 100_000;
const deepArray = (inner = '1') => '['.repeat(DEPTH) + inner + ']'.repeat(DEPTH);
const deepObject = (inner = '1') => '{"a":'.repeat(DEPTH) + inner + '}'.repeat(DEPTH);

function diagnostics(fn: () => unknown): Diagnostic[] {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof NmsimError)) throw e;
    return e.diagnostics;
  }
  throw new Error('expected an NmsimError');
}

const validManifestText = () =>
  JSON.stringify(manifestWith([{ id: 'dense', config: { pattern: 'dense' }, metrics: [], tokens: 2, sites: [{ name: 's', consumers: ['q'], tensor: { file: 'a.safetensors', key: 'x', shape: [2, 4] } }] }]));

describe('a manifest nested 100,000 deep', () => {
  test('under a string field: an invalid-manifest error at that key path, the found value cut short', () => {
    const text = validManifestText().replace('"tool":"test"', `"tool":${deepArray()}`);
    const ds = diagnostics(() => parseManifest(text, 'manifest.json'));
    expect(ds.map((d) => [d.code, d.path])).toEqual([['trace/invalid-manifest', 'source.tool']]);
    expect(ds[0].found!.length).toBeLessThanOrEqual(60);
    expect(ds[0].found!.startsWith('[[[[')).toBe(true);
  });

  test('as the value of "format": an invalid-manifest error at "format"', () => {
    const text = validManifestText().replace('"format":"nmsim-trace"', `"format":${deepObject()}`);
    const ds = diagnostics(() => parseManifest(text, 'manifest.json'));
    expect(ds.map((d) => [d.code, d.path])).toEqual([['trace/invalid-manifest', 'format']]);
  });

  test('as the whole document: the manifest must be an object', () => {
    const ds = diagnostics(() => parseManifest(deepArray(), 'manifest.json'));
    expect(ds[0].code).toBe('trace/invalid-manifest');
    expect(ds[0].message).toMatch(/must be an? object/);
  });

  test('through the CLI: exit 1 and no stack trace', () => {
    const d = path.join(dir, 'deep-bundle');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'manifest.json'), validManifestText().replace('"tool":"test"', `"tool":${deepArray()}`));
    const r = runCli(['inspect', d]);
    expect({ code: r.code, internal: r.stderr.includes('internal error') }).toEqual({ code: 1, internal: false });
    expect(r.stderr).toContain('source.tool');
  });
});

describe('a safetensors header with deep or many entries', () => {
  const header = (h: string, dataBytes = 1 << 20) => parseSafetensorsHeader(h, 'f.safetensors', 8 + h.length, dataBytes);

  test('an entry nested 100,000 deep is a bad-header error for that key', () => {
    const ds = diagnostics(() => header(`{"x":${deepArray()}}`));
    expect(ds.map((d) => [d.code, d.path])).toEqual([['trace/bad-header', 'x']]);
    expect(ds[0].found!.length).toBeLessThanOrEqual(60);
  });

  test('a shape nested 100,000 deep is a bad-header error at x.shape', () => {
    const ds = diagnostics(() => header(`{"x":{"dtype":"F32","shape":${deepArray()},"data_offsets":[0,4]}}`));
    expect(ds.map((d) => [d.code, d.path])).toEqual([['trace/bad-header', 'x.shape']]);
  });

  test('offsets nested 100,000 deep are a bad-offsets error at x.data_offsets', () => {
    const ds = diagnostics(() => header(`{"x":{"dtype":"F32","shape":[1],"data_offsets":${deepArray()}}}`));
    expect(ds.map((d) => [d.code, d.path])).toEqual([['trace/bad-offsets', 'x.data_offsets']]);
  });

  test('a metadata value nested 100,000 deep is dropped with a warning, the tensors still read', () => {
    const h = header(`{"__metadata__":{"ok":"yes","deep":${deepArray()}},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4);
    expect(h.metadata).toEqual({ ok: 'yes' });
    expect(h.warnings.map((w) => [w.code, w.path])).toEqual([['trace/bad-metadata', '__metadata__.deep']]);
  });

  test('a bare file with 200,000 tensors opens as 200,000 sites, and inspect can print them', async () => {
    const h: Record<string, unknown> = {};
    const n = 200_000;
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const bytes = 4 * (1 + (i % 3));
      h[`layers.${i}.x`] = { dtype: 'F32', shape: [1, 1 + (i % 3)], data_offsets: [offset, offset + bytes] };
      offset += bytes;
    }
    const json = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const f = path.join(dir, 'many.safetensors');
    fs.writeFileSync(f, Buffer.concat([len, json]));
    fs.truncateSync(f, 8 + json.length + offset);
    const b = await openBundle(f);
    const m = b.manifest;
    try {
      expect(m.runs[0].sites).toHaveLength(n);
      // K is 1, 2, 3 in turn: no down_proj input, so intermediate_size is the largest K;
      // hidden_size the most common K (1 and 2 tie at 66,667 each; the smaller wins)
      expect([m.model.hidden_size, m.model.intermediate_size, m.model.num_layers]).toEqual([1, 3, n]);
    } finally {
      await b.close();
    }
    // the text table of 200,000 sites (inspecting them through the CLI takes ~16 s here: one read per site)
    const stats = finishStats(emptyStats());
    const report: InspectReport = {
      root: f,
      anonymous: true,
      model: m.model,
      source: m.source,
      warnings: [],
      runs: [{ id: 'anonymous', config: { pattern: 'dense' }, tokens: 1, metrics: [], sites: m.runs[0].sites.map((s) => ({ name: s.name, consumers: s.consumers, file: s.tensor.file, key: s.tensor.key ?? '', dtype: 'F32', shape: s.tensor.shape, tokensScanned: 1, stats, masks: [], weightMasks: [] })) }],
    };
    const text = formatInspectText(report);
    expect(text.split('\n').filter((l) => l.startsWith('  layers.'))).toHaveLength(n);
  });
});

/**
 * The manifest extension of issue 16: `metrics[].per_story` (optional; every bundle written
 * before stays valid) holds the per-story NLL sums and scored tokens, one of each per story,
 * summing to the metric's tokens.
 */
import { isNmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { parseManifest } from '../../src/trace/manifest-check.js';
import { manifestJsonSchema } from '../../src/trace/json-schema.js';
import { manifestWith } from './tmp.js';

const site = { name: 'layers.0.self_attn.qkv.input', consumers: ['q', 'k', 'v'], tensor: { file: 'r.safetensors', key: 'x', shape: [4, 8], dtype: 'F32' } };
const run = (metric: Record<string, unknown>) => ({ id: 'dense', config: { pattern: 'dense' }, tokens: 4, metrics: [metric], sites: [site] });
// three stories: NLL 3, 2, 1 nats over 2 + 3 + 1 = 6 tokens → perplexity e^(6/6) = e
const ppl = { metric: 'perplexity', dataset: 'd', tokens: 6, value: Math.E };

function diagnostics(metric: Record<string, unknown>): Diagnostic[] {
  try {
    parseManifest(JSON.stringify(manifestWith([run(metric)])), 'manifest.json');
  } catch (e) {
    if (isNmsimError(e)) return e.diagnostics;
    throw e;
  }
  return [];
}

describe('per-story NLL in the trace manifest', () => {
  test('a perplexity with per-story NLL sums and token counts parses and keeps them in story order', () => {
    const m = parseManifest(JSON.stringify(manifestWith([run({ ...ppl, per_story: { nll_sums_nats: [3, 2, 1], tokens: [2, 3, 1] } })])), 'manifest.json');
    expect(m.runs[0].metrics[0].per_story).toEqual({ nll_sums_nats: [3, 2, 1], tokens: [2, 3, 1] });
  });

  test('a metric without per_story (every bundle before issue 16) still validates', () => {
    expect(diagnostics(ppl)).toEqual([]);
  });

  test('per-story token counts that do not add up to the metric\'s tokens are refused at per_story.tokens', () => {
    const d = diagnostics({ ...ppl, per_story: { nll_sums_nats: [3, 2, 1], tokens: [2, 3, 2] } });
    expect(d.map((x) => [x.path, x.message])).toEqual([['runs[0].metrics[0].per_story.tokens', 'runs[0].metrics[0].per_story.tokens: the per-story token counts add up to 7, but the metric scored 6 tokens.']]);
  });

  test('one NLL sum per story: arrays of different lengths are refused, as are a negative sum and a story of 0 tokens', () => {
    expect(diagnostics({ ...ppl, per_story: { nll_sums_nats: [3, 3], tokens: [2, 3, 1] } }).map((x) => x.message)).toEqual([
      'runs[0].metrics[0].per_story.tokens: per_story holds 2 NLL sums but 3 token counts: one of each per story.',
    ]);
    expect(diagnostics({ ...ppl, per_story: { nll_sums_nats: [3, 2, -1], tokens: [2, 3, 1] } }).map((x) => x.path)).toEqual(['runs[0].metrics[0].per_story.nll_sums_nats[2]']);
    expect(diagnostics({ ...ppl, per_story: { nll_sums_nats: [3, 2, 1], tokens: [3, 3, 0] } }).map((x) => x.path)).toEqual(['runs[0].metrics[0].per_story.tokens[2]']);
  });

  test('the published JSON Schema describes per_story as an optional closed object', () => {
    const s = manifestJsonSchema() as { properties: Record<string, any> };
    const metric = s.properties.runs.items.properties.metrics.items;
    expect(metric.required).toEqual(['metric', 'dataset', 'tokens', 'value']);
    expect(metric.properties.per_story.additionalProperties).toBe(false);
    expect(metric.properties.per_story.required).toEqual(['nll_sums_nats', 'tokens']);
  });
});

describe('the shipped bundle traces/stories260k', () => {
  test('every run\'s perplexity carries 100 stories whose NLL sums and tokens give back its perplexity to 1e-12', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { REPO_ROOT } = await import('../helpers/cli.js');
    const file = path.join(REPO_ROOT, 'traces/stories260k/manifest.json');
    const m = parseManifest(fs.readFileSync(file, 'utf8'), file);
    expect(m.runs).toHaveLength(21);
    for (const r of m.runs) {
      const ppl = r.metrics.find((x) => x.metric === 'perplexity')!;
      const ps = ppl.per_story!;
      expect([r.id, ps.tokens.length, ps.nll_sums_nats.length]).toEqual([r.id, 100, 100]);
      expect(ps.tokens.reduce((a, b) => a + b, 0)).toBe(32927);
      const nll = ps.nll_sums_nats.reduce((a, b) => a + b, 0);
      expect(Math.abs(Math.exp(nll / 32927) - ppl.value)).toBeLessThan(1e-12 * ppl.value);
    }
  });
});

/**
 * A manifest's numbers are checked against what they can mean: a perplexity is ≥ 1, an NLL ≥ 0,
 * an accuracy in [0, 1]; model sizes, token counts and shapes have documented, generous upper
 * bounds. Each refusal names the file and the key path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { manifestJsonSchema } from '../../src/trace/json-schema.js';
import { MANIFEST_BOUNDS, metricRange } from '../../src/trace/manifest.js';
import { parseManifest } from '../../src/trace/manifest-check.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { manifestWith } from './tmp.js';

type Json = Record<string, any>;

function manifest(edit: (m: Json) => void = () => {}): string {
  const m = manifestWith([
    {
      id: 'm8of16',
      config: { pattern: '8:16', criterion: 'magnitude' },
      metrics: [{ metric: 'perplexity', dataset: 'd', tokens: 100, value: 3.5 }],
      tokens: 2,
      sites: [
        {
          name: 'layers.0.mlp.down_proj.input',
          layer: 0,
          consumers: ['down'],
          tensor: { file: 'a.safetensors', key: 'x', shape: [2, 16] },
          weight_stats: [{ consumer: 'down', out_features: 8 }],
        },
      ],
    },
  ]) as Json;
  edit(m);
  return JSON.stringify(m);
}

function problems(text: string): Diagnostic[] {
  try {
    parseManifest(text, 'bundle/manifest.json');
  } catch (e) {
    if (!(e instanceof NmsimError)) throw e;
    return e.diagnostics;
  }
  return [];
}

const metric = (name: string, value: number) => manifest((m) => (m.runs[0].metrics = [{ metric: name, dataset: 'd', tokens: 100, value }]));

describe('metric values', () => {
  test('a negative perplexity is refused at its key path, naming the file, what a perplexity can be, and a hint', () => {
    const ds = problems(metric('perplexity', -3));
    expect(ds.map((d) => [d.code, d.file, d.path])).toEqual([['trace/invalid-manifest', 'bundle/manifest.json', 'runs[0].metrics[0].value']]);
    expect(ds[0].expected).toBe('≥ 1 (perplexity = exp(mean NLL) ≥ 1)');
    expect(ds[0].found).toBe('-3');
    expect(ds[0].message).toContain('"perplexity"');
    expect(ds[0].hint).toBeTruthy();
  });

  test.each([
    ['perplexity', 0.999, false],
    ['perplexity', 1, true],
    ['Perplexity', -3, false],
    ['wikitext_ppl', 0, false],
    ['word-perplexity', 1e6, true],
    ['mean_nll_nats', -0.01, false],
    ['mean_nll_nats', 0, true],
    ['cross_entropy', -1, false],
    ['val.loss', 2.5, true],
    ['accuracy', 1.01, false],
    ['accuracy', 0.73, true],
    ['acc_norm', -0.1, false],
    ['ACC', 1, true],
    ['accuracy', 73.5, false],
    // names not in the table: any finite value (the word must stand alone: "accumulated" is not "acc")
    ['bleu', -5, true],
    ['accumulated_error', 7, true],
    ['perplexityish', 0.5, true],
  ])('%s = %s is %s', (name, value, ok) => {
    const ds = problems(metric(name, value));
    expect(ds.map((d) => d.path)).toEqual(ok ? [] : ['runs[0].metrics[0].value']);
  });

  test('metric names are classified by whole words: perplexity/ppl, nll/loss/entropy, accuracy/acc', () => {
    expect(['perplexity', 'PPL', 'mean_nll_nats', 'train loss', 'cross-entropy', 'acc_norm', 'accuracy', 'f1', 'accumulate'].map((n) => metricRange(n)?.kind ?? null)).toEqual([
      'perplexity',
      'perplexity',
      'nll',
      'nll',
      'nll',
      'accuracy',
      'accuracy',
      null,
      null,
    ]);
  });

  test('the published JSON Schema encodes the same ranges (its if/then/else patterns classify names as metricRange does)', () => {
    const s = manifestJsonSchema() as Json;
    const item = s.properties.runs.items.properties.metrics.items;
    /** walks the if/then/else chain the way a JSON Schema validator would, for one metric object */
    const rangeOf = (name: string): [number | undefined, number | undefined] | null => {
      let node = item.allOf?.[0];
      while (node) {
        const re = new RegExp(node.if.properties.metric.pattern);
        if (re.test(name)) return [node.then.properties.value.minimum, node.then.properties.value.maximum];
        node = node.else;
      }
      return null;
    };
    for (const name of ['perplexity', 'Perplexity', 'wikitext_ppl', 'mean_nll_nats', 'LOSS', 'cross_entropy', 'acc', 'acc_norm', 'Accuracy', 'bleu', 'accumulate', 'ppls']) {
      const r = metricRange(name);
      expect([name, rangeOf(name)]).toEqual([name, r ? [r.min, r.max] : null]);
    }
  });
});

describe('documented upper bounds on sizes and counts', () => {
  const over: [string, (m: Json, v: number) => void, keyof typeof MANIFEST_BOUNDS][] = [
    ['model.num_layers', (m, v) => (m.model.num_layers = v), 'layers'],
    ['model.hidden_size', (m, v) => (m.model.hidden_size = v), 'modelDim'],
    ['model.intermediate_size', (m, v) => (m.model.intermediate_size = v), 'modelDim'],
    ['model.head_dim', (m, v) => (m.model.head_dim = v), 'modelDim'],
    ['model.num_heads', (m, v) => (m.model.num_heads = v), 'heads'],
    ['model.num_kv_heads', (m, v) => (m.model.num_kv_heads = v), 'heads'],
    ['model.vocab_size', (m, v) => (m.model.vocab_size = v), 'vocab'],
    ['model.max_seq_len', (m, v) => (m.model.max_seq_len = v), 'tokens'],
    ['runs[0].tokens', (m, v) => (m.runs[0].tokens = v), 'tokens'],
    ['runs[0].metrics[0].tokens', (m, v) => (m.runs[0].metrics[0].tokens = v), 'tokens'],
    ['runs[0].config.clact_batch_tokens', (m, v) => (m.runs[0].config.clact_batch_tokens = v), 'tokens'],
    ['runs[0].sites[0].layer', (m, v) => (m.runs[0].sites[0].layer = v - 1), 'layers'],
    ['runs[0].sites[0].tensor.shape[1]', (m, v) => (m.runs[0].sites[0].tensor.shape[1] = v), 'shapeDim'],
    ['runs[0].sites[0].weight_stats[0].out_features', (m, v) => (m.runs[0].sites[0].weight_stats[0].out_features = v), 'modelDim'],
  ];

  test('the bounds are generous: 4096 layers, 2^20 model dims, 65,536 heads, 2^24 vocabulary, 2^40 tokens and tensor dims, rank ≤ 8', () => {
    expect(MANIFEST_BOUNDS).toEqual({ layers: 4096, modelDim: 2 ** 20, heads: 65_536, vocab: 2 ** 24, tokens: 2 ** 40, shapeDim: 2 ** 40, rank: 8, nameChars: 1024 });
  });

  test('num_layers: 1e9 is refused with the bound in "expected"', () => {
    const ds = problems(manifest((m) => (m.model.num_layers = 1e9)));
    expect(ds.map((d) => [d.path, d.expected, d.found])).toEqual([['model.num_layers', '≤ 4096', '1000000000']]);
    expect(ds[0].message).toContain('traces/README.md');
  });

  test.each(over)('%s: at the bound it is accepted, one past it refused', (where, set, bound) => {
    const max = MANIFEST_BOUNDS[bound];
    expect(problems(manifest((m) => set(m, max))).map((d) => d.path)).toEqual([]);
    const ds = problems(manifest((m) => set(m, max + 1)));
    expect(ds.map((d) => d.path)).toEqual([where]);
  });

  test('a tensor shape of rank 9 is refused', () => {
    const ds = problems(manifest((m) => (m.runs[0].sites[0].tensor.shape = [1, 1, 1, 1, 1, 1, 1, 1, 2])));
    expect(ds.map((d) => [d.path, d.expected])).toEqual([['runs[0].sites[0].tensor.shape', '≤ 8 items']]);
  });

  test('a run id, site name or tensor key longer than 1024 characters is refused', () => {
    const long = 'x'.repeat(1025);
    const ds = problems(
      manifest((m) => {
        m.runs[0].id = long;
        m.runs[0].sites[0].name = long;
        m.runs[0].sites[0].tensor.key = long;
      }),
    );
    expect(ds.map((d) => d.path)).toEqual(['runs[0].id', 'runs[0].sites[0].name', 'runs[0].sites[0].tensor.key']);
  });

  test('traces/README.md documents every bound and the metric ranges', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'traces', 'README.md'), 'utf8');
    for (const s of ['4096', '1,048,576 (2^20)', '65,536', '16,777,216 (2^24)', '2^40', 'rank ≤ 8', '1024 characters', 'perplexity', '≥ 1', 'accuracy', '[0, 1]']) expect(text).toContain(s);
  });
});

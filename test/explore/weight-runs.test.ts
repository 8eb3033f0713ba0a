/**
 * Issue 14: which measured weight runs the review turns into weight points (accuracy.ts
 * measuredWeightRuns) — only those on the activation runs' text (one perplexity axis, one text),
 * one per pattern × criterion, impossible perplexities refused; every one left out is named.
 */
import { measuredWeightRuns } from '../../src/explore/accuracy.js';
import { isNmsimError } from '../../src/diagnostics.js';
import type { Manifest } from '../../src/trace/manifest.js';

type WeightLite = { id: string; pattern: string; criterion?: 'magnitude' | 'wanda'; ppl?: number; dataset?: string; tokens?: number };

function manifest(runs: WeightLite[]): Manifest {
  return {
    format: 'nmsim-trace',
    version: 1,
    model: { name: 'tiny', family: 'llama', hidden_size: 64, intermediate_size: 172, num_layers: 5, num_heads: 8, num_kv_heads: 4, vocab_size: 512 },
    source: { tool: 'test', checkpoint: 'x.bin', dataset: 'd' },
    runs: [
      { id: 'dense', config: { pattern: 'dense' }, metrics: [{ metric: 'perplexity', dataset: 'ts', tokens: 1000, value: 3.5 }], tokens: 0, sites: [] },
      ...runs.map((r) => ({
        id: r.id,
        config: { pattern: r.pattern, operand: 'weight', ...(r.criterion ? { criterion: r.criterion } : {}), mitigation: 'none' },
        metrics: r.ppl === undefined ? [] : [{ metric: 'perplexity', dataset: r.dataset ?? 'ts', tokens: r.tokens ?? 1000, value: r.ppl }],
        tokens: 0,
        sites: [],
      })),
    ],
  } as Manifest;
}

const TEXT = { dataset: 'ts', scoredTokens: 1000 };

describe('measured weight runs', () => {
  test('keeps the weight runs on the activation runs’ text, in manifest order, and names the others', () => {
    const { runs, notes } = measuredWeightRuns(
      manifest([
        { id: 'w24-wanda', pattern: '2:4', criterion: 'wanda', ppl: 60.8 },
        { id: 'w24-mag', pattern: '2:4', ppl: 116.3 },
        { id: 'w816-other-text', pattern: '8:16', criterion: 'wanda', ppl: 23.8, tokens: 500 },
        { id: 'w816-no-ppl', pattern: '8:16', criterion: 'magnitude' },
      ]),
      TEXT,
    );
    expect(runs.map((r) => [r.runId, r.criterion, r.perplexity])).toEqual([
      ['w24-wanda', 'wanda', 60.8],
      ['w24-mag', 'magnitude', 116.3], // absent criterion: magnitude
    ]);
    expect(notes).toEqual(['Weight runs measured on another text than the activation runs (ts, 1000 scored tokens) are left out: run "w816-other-text" (ts, 500 tokens).']);
  });

  test('keeps the first of two runs of one pattern × criterion', () => {
    const { runs } = measuredWeightRuns(manifest([{ id: 'a', pattern: '2:4', criterion: 'wanda', ppl: 60.8 }, { id: 'b', pattern: '2:4', criterion: 'wanda', ppl: 61.0 }]), TEXT);
    expect(runs.map((r) => r.runId)).toEqual(['a']);
  });

  test('refuses a perplexity below 1, naming the run and its key path', () => {
    let err: unknown;
    try {
      measuredWeightRuns(manifest([{ id: 'bad', pattern: '2:4', criterion: 'wanda', ppl: 0.5 }]), TEXT, 'b/manifest.json');
    } catch (e) {
      err = e;
    }
    expect(isNmsimError(err)).toBe(true);
    const d = (err as { diagnostics: { code: string; path?: string; file?: string }[] }).diagnostics[0];
    expect([d.code, d.path, d.file]).toEqual(['review/impossible-perplexity', 'runs[1].metrics[0].value', 'b/manifest.json']);
  });
});

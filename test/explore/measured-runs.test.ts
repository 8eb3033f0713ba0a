/**
 * Which measured perplexities a review may put on one axis: only runs measured on the same
 * text (dataset and scored tokens), one per configuration, with possible values — and every
 * run left out or suspicious is named in a note, never dropped or used silently.
 */
import { measuredRuns, screenMeasuredRuns, type SweepConfig } from '../../src/explore/accuracy.js';
import { isNmsimError } from '../../src/diagnostics.js';
import type { Manifest } from '../../src/trace/manifest.js';
import { parsePattern } from '../../src/sparsity/pattern.js';

type RunLite = { id: string; pattern: string; criterion?: 'magnitude' | 'amber' | 'clact'; mitigation?: 'none' | 'var' | 'dpts' | 'spts' | 'affine'; ppl?: number; dataset?: string; tokens?: number };

function manifest(runs: RunLite[]): Manifest {
  return {
    format: 'nmsim-trace',
    version: 1,
    model: { name: 'tiny', family: 'llama', hidden_size: 64, intermediate_size: 172, num_layers: 5, num_heads: 8, num_kv_heads: 4, vocab_size: 512 },
    source: { tool: 'test', checkpoint: 'x.bin', dataset: 'd' },
    runs: runs.map((r) => ({
      id: r.id,
      config: { pattern: r.pattern, ...(r.criterion ? { criterion: r.criterion } : {}), ...(r.mitigation ? { mitigation: r.mitigation } : {}) },
      metrics: r.ppl === undefined ? [] : [{ metric: 'perplexity', dataset: r.dataset ?? 'ts', tokens: r.tokens ?? 1000, value: r.ppl }],
      tokens: 0,
      sites: [],
    })),
  } as Manifest;
}

const swept = (...patterns: string[]): SweepConfig[] => patterns.map((pattern) => ({ pattern: parsePattern(pattern), criterion: 'magnitude', mitigation: 'none' }));

describe('measured perplexities a review may compare', () => {
  test('a perplexity below 1 is impossible (exp of a mean NLL ≥ 0): refused with the run and key path', () => {
    const m = manifest([
      { id: 'dense', pattern: 'dense', ppl: 3.5 },
      { id: 'p8', pattern: '8:16', ppl: 0.21 },
    ]);
    let err: unknown;
    try {
      measuredRuns(m, 'bundle/manifest.json');
    } catch (e) {
      err = e;
    }
    expect(isNmsimError(err)).toBe(true);
    if (!isNmsimError(err)) return;
    expect(err.diagnostics[0]).toMatchObject({ code: 'review/impossible-perplexity', file: 'bundle/manifest.json', path: 'runs[1].metrics[0].value', found: '0.21' });
    expect(err.diagnostics[0].message).toContain('"p8"');
  });

  test('runs measured on another text are left out of the axis and named', () => {
    const m = manifest([
      { id: 'dense', pattern: 'dense', ppl: 3.5 },
      { id: 'p8', pattern: '8:16', ppl: 3.9 },
      { id: 'p16-wiki', pattern: '16:32', ppl: 9.1, dataset: 'wikitext' },
      { id: 'p2-short', pattern: '2:4', ppl: 4.4, tokens: 50 },
    ]);
    const s = screenMeasuredRuns(measuredRuns(m), swept('2:4', '8:16', '16:32'));
    expect(s.usable.map((r) => r.runId)).toEqual(['dense', 'p8']);
    expect(s.notes).toContain(
      'Measured perplexities are compared only on one text, that of the dense run (ts, 1000 scored tokens); left out: run "p16-wiki" (16:32 magnitude+none, wikitext, 1000 tokens), run "p2-short" (2:4 magnitude+none, ts, 50 tokens).',
    );
  });

  test('a configuration measured twice, or two dense runs: the first is used and both values are named', () => {
    const m = manifest([
      { id: 'dense-a', pattern: 'dense', ppl: 3.5 },
      { id: 'dense-b', pattern: 'dense', ppl: 3.6 },
      { id: 'p8', pattern: '8:16', ppl: 3.9 },
      { id: 'p8-again', pattern: '8:16', ppl: 4.2 },
    ]);
    const s = screenMeasuredRuns(measuredRuns(m), swept('8:16'));
    expect(s.usable.map((r) => r.runId)).toEqual(['dense-a', 'p8']);
    expect(s.notes).toEqual([
      'dense is measured by 2 runs with different perplexities: "dense-a" 3.5000, "dense-b" 3.6000; the first in manifest order is used.',
      '8:16 magnitude+none is measured by 2 runs with different perplexities: "p8" 3.9000, "p8-again" 4.2000; the first in manifest order is used.',
    ]);
  });

  test('a pruned run measured better than dense is flagged, and measured runs outside the sweep are listed', () => {
    const m = manifest([
      { id: 'dense', pattern: 'dense', ppl: 3.5 },
      { id: 'p8', pattern: '8:16', ppl: 3.2 },
      { id: 'p4-amber', pattern: '4:8', criterion: 'amber', ppl: 4.0 },
    ]);
    const s = screenMeasuredRuns(measuredRuns(m), swept('8:16'));
    expect(s.notes).toEqual([
      'Run "p8" (8:16 magnitude+none) measured perplexity 3.2000, below the dense run\'s 3.5000: pruning half the activations rarely helps; check that run.',
      'Measured runs outside this review\'s sweep (not shown): 4:8 amber+none ("p4-amber"); add them with --patterns, --criteria and --mitigations.',
    ]);
  });

  test('a run whose recorded masks break its pattern loses its perplexity, with a warning and a note', () => {
    const m = manifest([
      { id: 'dense', pattern: 'dense', ppl: 3.5 },
      { id: 'p8', pattern: '8:16', ppl: 3.9 },
    ]);
    const violations = new Map([['p8', { site: 'layers.0.mlp.down_proj.input', consumer: 'down' as const, violatingGroups: 12, groups: 400 }]]);
    const s = screenMeasuredRuns(measuredRuns(m), swept('8:16'), violations);
    expect(s.usable.map((r) => r.runId)).toEqual(['dense']);
    expect(s.warnings[0]).toMatchObject({ code: 'review/mask-violates-pattern', severity: 'warning', path: 'runs[1]' });
    expect(s.notes).toContain(
      'Run "p8" (8:16 magnitude+none): its recorded masks keep more than the pattern allows in 12 of 400 groups (first at layers.0.mlp.down_proj.input, consumer down), so its perplexity is not that of 8:16; left out.',
    );
  });
});

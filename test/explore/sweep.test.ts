import { sweep, type ExecutionEstimate } from '../../src/explore/sweep.js';
import { accuracyFor, measuredRuns, type ProxyAccuracy, type SweepConfig } from '../../src/explore/accuracy.js';
import type { Manifest } from '../../src/trace/manifest.js';
import { formatPattern, parsePattern, type Pattern } from '../../src/sparsity/pattern.js';

const manifest = {
  format: 'nmsim-trace',
  version: 1,
  model: { name: 'tiny', family: 'llama', hidden_size: 64, intermediate_size: 172, num_layers: 5, num_heads: 8, num_kv_heads: 4, vocab_size: 512 },
  source: { tool: 'test', checkpoint: 'x.bin', dataset: 'd' },
  runs: [
    { id: 'dense', config: { pattern: 'dense' }, metrics: [{ metric: 'perplexity', dataset: 'ts', tokens: 100, value: 3.5 }], tokens: 0, sites: [] },
    { id: 'p8', config: { pattern: '8:16' }, metrics: [{ metric: 'perplexity', dataset: 'ts', tokens: 100, value: 3.9 }], tokens: 0, sites: [] },
    { id: 'p8v', config: { pattern: '8:16', criterion: 'magnitude', mitigation: 'var' }, metrics: [{ metric: 'perplexity', dataset: 'ts', tokens: 100, value: 3.8 }], tokens: 0, sites: [] },
    { id: 'nometric', config: { pattern: '2:4' }, metrics: [], tokens: 0, sites: [] },
  ],
} as Manifest;

const proxies: ProxyAccuracy[] = [
  { pattern: parsePattern('8:16'), criterion: 'magnitude', mitigation: 'none', relErrL2: 0.3, source: 'analysis' },
  { pattern: parsePattern('2:4'), criterion: 'magnitude', mitigation: 'none', relErrL2: 0.4, source: 'analysis' },
];

describe('accuracy lookup', () => {
  const measured = measuredRuns(manifest);

  it('reads every run with a perplexity, defaulting criterion and mitigation to magnitude and none', () => {
    expect(measured.map((m) => [m.runId, formatPattern(m.pattern), m.criterion, m.mitigation, m.perplexity])).toEqual([
      ['dense', 'dense', 'magnitude', 'none', 3.5],
      ['p8', '8:16', 'magnitude', 'none', 3.9],
      ['p8v', '8:16', 'magnitude', 'var', 3.8],
    ]);
  });

  it('prefers the measured perplexity and falls back to the labelled proxy', () => {
    const c = (pattern: string, mitigation: 'none' | 'var' = 'none'): SweepConfig => ({ pattern: parsePattern(pattern), criterion: 'magnitude', mitigation });
    expect(accuracyFor(c('8:16'), measured, proxies, 'traces/tiny')).toEqual({ value: 3.9, kind: 'measured-perplexity', source: 'traces/tiny run "p8": perplexity on ts (100 tokens)' });
    expect(accuracyFor(c('2:4'), measured, proxies, 'traces/tiny')).toEqual({ value: 0.4, kind: 'proxy-rel-err', source: 'analysis' });
    expect(accuracyFor(c('4:8'), measured, proxies, 'traces/tiny')).toBeUndefined();
  });
});

describe('sweep', () => {
  const exec = (profile: string, pattern: Pattern): ExecutionEstimate => {
    const natives: Record<string, string[]> = { 'act-8of16': ['8:16'], flex: ['2:4', '8:16'] };
    const native = natives[profile].includes(formatPattern(pattern));
    return { native, executedAs: native ? pattern : { kind: 'dense' }, prefillSpeedup: native ? 1.7 : 1, decode: [{ batchTokens: 1, speedup: native ? 1.5 : 1, ioSavingsFraction: native ? 0.4 : 0 }, { batchTokens: 8, speedup: native ? 1.3 : 1, ioSavingsFraction: native ? 0.25 : 0 }] };
  };
  const configs: SweepConfig[] = [
    { pattern: parsePattern('2:4'), criterion: 'magnitude', mitigation: 'none' },
    { pattern: parsePattern('8:16'), criterion: 'magnitude', mitigation: 'none' },
    { pattern: parsePattern('8:16'), criterion: 'amber', mitigation: 'none' },
  ];
  const result = sweep({
    configs,
    profiles: [
      { profile: 'flex', areaUm2: 130, denseAreaUm2: 100 },
      { profile: 'act-8of16', areaUm2: 110, denseAreaUm2: 100 },
    ],
    accuracy: (c) => (c.criterion === 'amber' ? undefined : { value: formatPattern(c.pattern) === '2:4' ? 5 : 4, kind: 'measured-perplexity', source: 's' }),
    execution: exec,
    workload: { model: 'm', prefillTokens: 2048, decodeBatches: [1, 8], decodeContextTokens: 4096 },
  });

  it('makes a point for every profile × configuration the core exploits and that has an accuracy', () => {
    expect(result.points.map((p) => [p.id, p.areaOverheadFraction.toFixed(6), p.prefillSpeedup])).toEqual([
      ['act-8of16|8:16|magnitude|none', '0.100000', 1.7],
      ['flex|2:4|magnitude|none', '0.300000', 1.7],
      ['flex|8:16|magnitude|none', '0.300000', 1.7],
    ]);
  });

  it('carries every decode batch into the point, in batch order, and the workload beside it', () => {
    const p = result.points.find((x) => x.id === 'flex|2:4|magnitude|none')!;
    expect(p.decode).toEqual([
      { batchTokens: 1, speedup: 1.5, ioSavingsFraction: 0.4 },
      { batchTokens: 8, speedup: 1.3, ioSavingsFraction: 0.25 },
    ]);
    expect([p.prefillTokens, p.decodeContextTokens]).toEqual([2048, 4096]);
  });

  it('lists what it skipped and why', () => {
    expect(result.skipped.map((s) => `${s.profile} ${formatPattern(s.pattern)} ${s.criterion} ${s.reason}`)).toEqual([
      'flex 8:16 amber no-accuracy',
      'act-8of16 2:4 magnitude runs-dense',
      'act-8of16 8:16 amber no-accuracy',
    ]);
  });
});

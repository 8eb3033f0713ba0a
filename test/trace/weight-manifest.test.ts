/**
 * The manifest extension of issue 14: `config.operand` (absent = activation, so every bundle
 * written before stays valid), the weight criterion wanda, `sites[].weight_masks` and
 * `sites[].input_norms`, and the checks that keep the two operands apart.
 */
import { execFileSync } from 'node:child_process';
import { isNmsimError, type Diagnostic } from '../../src/diagnostics.js';
import { parseManifest } from '../../src/trace/manifest-check.js';
import { runOperand } from '../../src/trace/manifest.js';
import { measuredRuns } from '../../src/explore/accuracy.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { manifestWith } from './tmp.js';

const site = (extra: Record<string, unknown> = {}) => ({
  name: 'layers.0.self_attn.qkv.input',
  consumers: ['q', 'k', 'v'],
  tensor: { file: 'r.safetensors', key: 'x', shape: [4, 8], dtype: 'F32' },
  ...extra,
});
const wmask = (consumer: string) => ({ consumer, tensor: { file: 'r.safetensors', key: `${consumer}.weight_mask`, shape: [8, 1], dtype: 'U8' } });
const norms = { file: 'r.safetensors', key: 'norms', shape: [8], dtype: 'F32' };
const ppl = (value: number) => [{ metric: 'perplexity', dataset: 'd', tokens: 10, value }];

function diagnostics(runs: unknown[]): Diagnostic[] {
  try {
    parseManifest(JSON.stringify(manifestWith(runs)), 'manifest.json');
  } catch (e) {
    if (isNmsimError(e)) return e.diagnostics;
    throw e;
  }
  return [];
}

describe('the operand in the trace manifest', () => {
  test('a run without an operand is an activation run, and a weight run with wanda, weight masks and input norms parses', () => {
    const m = parseManifest(
      JSON.stringify(
        manifestWith([
          { id: 'dense', config: { pattern: 'dense' }, tokens: 4, metrics: ppl(3.5), sites: [site()] },
          { id: 'a', config: { pattern: '2:4', criterion: 'magnitude', mitigation: 'none' }, tokens: 4, metrics: ppl(5), sites: [site()] },
          { id: 'w', config: { pattern: '2:4', operand: 'weight', criterion: 'wanda', mitigation: 'none' }, tokens: 4, metrics: ppl(60), sites: [site({ weight_masks: [wmask('q'), wmask('k'), wmask('v')], input_norms: norms })] },
        ]),
      ),
      'manifest.json',
    );
    expect(m.runs.map((r) => runOperand(r.config))).toEqual(['activation', 'activation', 'weight']);
    expect(m.runs[2].sites[0].weight_masks?.map((w) => w.consumer)).toEqual(['q', 'k', 'v']);
  });

  test('the accuracy of a pattern is read from its activation runs only: a weight run of the same pattern is left out', () => {
    const m = parseManifest(
      JSON.stringify(
        manifestWith([
          { id: 'a', config: { pattern: '2:4' }, tokens: 4, metrics: ppl(5), sites: [site()] },
          { id: 'w', config: { pattern: '2:4', operand: 'weight', criterion: 'magnitude' }, tokens: 4, metrics: ppl(116), sites: [site()] },
        ]),
      ),
      'manifest.json',
    );
    expect(measuredRuns(m).map((r) => [r.runId, r.perplexity])).toEqual([['a', 5]]);
  });

  test('the committed stories260k manifest as it was before weight runs (git HEAD of main) still parses, every run an activation run', () => {
    let text: string;
    try {
      text = execFileSync('git', ['show', '04a2d07:traces/stories260k/manifest.json'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return; // not a git checkout (a packed tree): the fixture-based test above covers old manifests
    }
    const m = parseManifest(text, 'manifest.json');
    expect(m.runs.length).toBe(11);
    expect(m.runs.every((r) => r.config.operand === undefined && runOperand(r.config) === 'activation')).toBe(true);
    expect(measuredRuns(m)).toHaveLength(11);
  });

  test.each([
    ['a weight run scored by amber', { pattern: '2:4', operand: 'weight', criterion: 'amber' }, {}, 'runs[0].config.criterion'],
    ['a weight run with a mitigation', { pattern: '2:4', operand: 'weight', criterion: 'magnitude', mitigation: 'dpts' }, {}, 'runs[0].config.mitigation'],
    ['an activation run scored by wanda', { pattern: '2:4', criterion: 'wanda' }, {}, 'runs[0].config.criterion'],
    ['weight masks on an activation run', { pattern: '2:4' }, { weight_masks: [wmask('q')] }, 'runs[0].sites[0].weight_masks'],
    ['input norms on a magnitude weight run', { pattern: '2:4', operand: 'weight', criterion: 'magnitude' }, { input_norms: norms }, 'runs[0].sites[0].input_norms'],
    ['activation masks on a weight run', { pattern: '2:4', operand: 'weight', criterion: 'magnitude' }, { masks: [{ consumer: 'q', tensor: { file: 'r.safetensors', key: 'm', shape: [4, 1], dtype: 'U8' } }] }, 'runs[0].sites[0].masks'],
  ])('%s is refused with trace/operand-mismatch at its key path', (_name, config, extra, path) => {
    const ds = diagnostics([{ id: 'r', config, tokens: 4, metrics: [], sites: [site(extra)] }]);
    const d = ds.find((x) => x.code === 'trace/operand-mismatch');
    expect(d?.path).toBe(path);
    expect(d?.hint).toBeTruthy();
  });

  test('a weight mask for a consumer that does not read the site, or given twice, is refused', () => {
    const ds = diagnostics([{ id: 'r', config: { pattern: '2:4', operand: 'weight', criterion: 'magnitude' }, tokens: 4, metrics: [], sites: [site({ weight_masks: [wmask('q'), wmask('down'), wmask('q')] })] }]);
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ['trace/unknown-consumer', 'runs[0].sites[0].weight_masks[1].consumer'],
      ['trace/duplicate-id', 'runs[0].sites[0].weight_masks[2].consumer'],
    ]);
  });

  test('an unknown operand is a schema error listing the two operands', () => {
    const ds = diagnostics([{ id: 'r', config: { pattern: '2:4', operand: 'both' }, tokens: 4, metrics: [], sites: [site()] }]);
    expect(ds[0].path).toBe('runs[0].config.operand');
    expect(`${ds[0].expected ?? ''} ${ds[0].message}`).toMatch(/activation.*weight/);
  });
});

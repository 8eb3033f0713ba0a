#!/usr/bin/env node
/**
 * The full perplexity table of issue 3: patterns × criteria × mitigations on a story range,
 * no trace recording. Needs `npm run build` first. Writes one JSON line per run to stdout as it
 * goes (so a partial table survives an interrupted run) and a summary line at the end.
 *
 *   node bench/perplexity-table.mjs --model M --tokenizer T --text F [--stories 100] [--offset 0]
 *        [--calib-offset 900] [--calib-stories 50] [--patterns 2:4,4:8,8:16,16:32,unstructured]
 *        [--criteria magnitude,amber,clact] [--mitigations none,var,dpts,spts,affine] [--no-dense]
 *        [--skip-files done1.jsonl,done2.jsonl]   (skip run ids already in these files; lets two processes share a table)
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { loadCheckpoint } from '../dist/capture/checkpoint.js';
import { loadTokenizer } from '../dist/capture/tokenizer.js';
import { loadStories, selectStories } from '../dist/capture/stories.js';
import { encodeStream, evaluatePerplexity } from '../dist/capture/perplexity.js';
import { createPruningHooks, modelAmberFactors, runId } from '../dist/capture/prune-hooks.js';
import { calibrateStaticShifts, calibrateAffine } from '../dist/capture/calibrate.js';
import { parsePatternList } from '../dist/sparsity/pattern.js';
import { parseCriteria, parseMitigations } from '../dist/sparsity/registry.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' }, tokenizer: { type: 'string' }, text: { type: 'string' },
    stories: { type: 'string', default: '100' }, offset: { type: 'string', default: '0' },
    'calib-offset': { type: 'string', default: '900' }, 'calib-stories': { type: 'string', default: '50' },
    patterns: { type: 'string', default: '2:4,4:8,8:16,16:32,unstructured' },
    criteria: { type: 'string', default: 'magnitude,amber,clact' },
    mitigations: { type: 'string', default: 'none,var,dpts,spts,affine' },
    'no-dense': { type: 'boolean', default: false },
    'skip-files': { type: 'string', default: '' },
  },
});
const model = await loadCheckpoint(a.model);
const tok = await loadTokenizer(a.tokenizer, model.config.vocabSize);
const stories = await loadStories(a.text);
const evalStream = encodeStream(tok, selectStories(stories, { offset: +a.offset, count: +a.stories }, a.text, '--stories'));
const calibStream = encodeStream(tok, selectStories(stories, { offset: +a['calib-offset'], count: +a['calib-stories'] }, a.text, '--calib'));
const amber = modelAmberFactors(model);
/** ids already measured (by an earlier or a parallel run of this script), re-read before each run */
const doneIds = () => {
  const ids = new Set();
  for (const f of a['skip-files'].split(',').filter(Boolean)) {
    let text = '';
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n')) { try { const o = JSON.parse(line); if (o.id) ids.add(o.id); } catch { /* partial line */ } }
  }
  return ids;
};
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const t0 = performance.now();
if (!a['no-dense']) {
  const dense = evaluatePerplexity(model, evalStream);
  emit({ id: 'dense', pattern: 'dense', perplexity: dense.perplexity, mean_nll_nats: dense.meanNllNats, scored_tokens: dense.scoredTokens, tokens_per_s: dense.tokensPerSecond });
}
const mitigations = parseMitigations(a.mitigations);
let staticShift; // calibrated on first use
for (const pattern of parsePatternList(a.patterns)) {
  for (const criterion of parseCriteria(a.criteria)) {
    for (const mitigation of mitigations) {
      const spec = { pattern, criterion, mitigation };
      if (doneIds().has(runId(spec))) continue;
      const tc = performance.now();
      if (mitigation === 'spts') staticShift ??= calibrateStaticShifts(model, calibStream);
      const calibration = { staticShift, affine: mitigation === 'affine' ? calibrateAffine(model, calibStream, spec, amber) : undefined };
      const calibSeconds = (performance.now() - tc) / 1000;
      const r = evaluatePerplexity(model, evalStream, () => createPruningHooks(model, spec, { amber, calibration }));
      emit({ id: runId(spec), pattern: pattern.kind === 'nm' ? `${pattern.n}:${pattern.m}` : pattern.kind, criterion, mitigation,
        perplexity: r.perplexity, mean_nll_nats: r.meanNllNats, scored_tokens: r.scoredTokens, tokens_per_s: r.tokensPerSecond, calibration_s: calibSeconds });
    }
  }
}
emit({ done: true, seconds: (performance.now() - t0) / 1000, stories: `${a.offset}+${a.stories}`, calibration_stories: `${a['calib-offset']}+${a['calib-stories']}` });

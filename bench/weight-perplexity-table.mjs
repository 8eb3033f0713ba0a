#!/usr/bin/env node
/**
 * The weight-pruning perplexity table of issue 14, measured by nmsim's capture engine (the
 * library behind `nmsim capture --operand weight`): dense + patterns × weight criteria on a story
 * range, wanda calibrated on the dense model, no trace recording. Needs `npm run build` first.
 * Writes one JSON line per run to stdout as it goes (a partial table survives an interruption),
 * each with its mask digest — sha256 over layers 0…L−1, consumers q k v o gate up down, of the
 * packed masks (LSB first along the input dimension), the digest
 * test/fixtures/capture/weight_prune_ref.py prints — and, given --reference, the independent
 * numpy implementation's perplexity and digest beside it.
 *
 *   node bench/weight-perplexity-table.mjs --model M --tokenizer T --text F [--stories 100] [--offset 0]
 *        [--calib-offset 900] [--calib-stories 50] [--patterns 2:4,4:8,8:16,16:32,unstructured]
 *        [--criteria magnitude,wanda] [--no-dense] [--reference test/fixtures/capture/stories260k-weight-first100-numpy.json]
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadCheckpoint } from '../dist/capture/checkpoint.js';
import { loadTokenizer } from '../dist/capture/tokenizer.js';
import { loadStories, selectStories } from '../dist/capture/stories.js';
import { encodeStream } from '../dist/capture/perplexity.js';
import { captureRuns } from '../dist/capture/capture.js';
import { packMask } from '../dist/trace/mask.js';
import { formatPattern, parsePatternList } from '../dist/sparsity/pattern.js';
import { parseRunCriteria, WEIGHT_CRITERIA } from '../dist/sparsity/weight-registry.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' }, tokenizer: { type: 'string' }, text: { type: 'string' },
    stories: { type: 'string', default: '100' }, offset: { type: 'string', default: '0' },
    'calib-offset': { type: 'string', default: '900' }, 'calib-stories': { type: 'string', default: '50' },
    patterns: { type: 'string', default: '2:4,4:8,8:16,16:32,unstructured' },
    criteria: { type: 'string', default: 'magnitude,wanda' },
    'no-dense': { type: 'boolean', default: false },
    reference: { type: 'string' },
  },
});
const model = await loadCheckpoint(a.model);
const tok = await loadTokenizer(a.tokenizer, model.config.vocabSize);
const stories = await loadStories(a.text);
const evalStream = encodeStream(tok, selectStories(stories, { offset: +a.offset, count: +a.stories }, a.text, '--stories'));
const calibStream = encodeStream(tok, selectStories(stories, { offset: +a['calib-offset'], count: +a['calib-stories'] }, a.text, '--calib'));
const criteria = parseRunCriteria(a.criteria).filter((c) => WEIGHT_CRITERIA.includes(c));
const specs = [
  ...(a['no-dense'] ? [] : [{ pattern: { kind: 'dense' }, criterion: 'magnitude', mitigation: 'none' }]),
  ...parsePatternList(a.patterns).filter((p) => p.kind !== 'dense').flatMap((pattern) => criteria.map((criterion) => ({ operand: 'weight', pattern, criterion }))),
];
const reference = a.reference ? readFileSync(a.reference, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)) : [];
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const t0 = performance.now();
captureRuns(model, {
  evalStream,
  calibStream,
  specs,
  traceTokens: 0,
  onRun: (r) => {
    const pattern = formatPattern(r.spec.pattern);
    const out = { id: r.id, pattern, perplexity: r.result.perplexity, mean_nll_nats: r.result.meanNllNats, scored_tokens: r.result.scoredTokens, tokens_per_s: r.result.tokensPerSecond };
    if (r.weightMasks) {
      const h = createHash('sha256');
      for (const m of r.weightMasks) h.update(packMask(m.keep, m.outFeatures, m.inFeatures));
      Object.assign(out, { operand: 'weight', criterion: r.spec.criterion, calibration_s: r.calibrationSeconds, kept_fraction: r.weightMaskStats.keptFraction, satisfies_pattern: r.weightMaskStats.satisfiesPattern, mask_sha256: h.digest('hex') });
    }
    const ref = reference.find((x) => (r.weightMasks ? x.kind === 'weight' && x.pattern === pattern && x.criterion === r.spec.criterion : x.kind === 'dense'));
    if (ref) {
      Object.assign(out, { reference_perplexity: ref.perplexity, rel_diff: out.perplexity / ref.perplexity - 1 });
      if (r.weightMasks) out.reference_mask_sha256_equal = out.mask_sha256 === ref.mask_sha256;
    }
    emit(out);
  },
});
emit({ done: true, seconds: (performance.now() - t0) / 1000, stories: `${a.offset}+${a.stories}`, calibration_stories: `${a['calib-offset']}+${a['calib-stories']}` });

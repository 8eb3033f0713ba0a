#!/usr/bin/env node
/**
 * Weight against activation N:M pruning at the same pattern, as a Markdown table.
 *
 *   node bench/weight-vs-activation-md.mjs \
 *     [test/fixtures/capture/stories260k-weight-first100-numpy.json] \
 *     [src/capture/results/stories260k-first100.jsonl]
 *
 * The first file is the JSON lines of test/fixtures/capture/weight_prune_ref.py (weight runs);
 * the second the activation table of bench/perplexity-table.mjs. Both measure perplexity on the
 * first 100 stories with the same windows; rows are patterns, columns the activation runs
 * without mitigation (magnitude, amber), their best mitigation, and the weight runs (magnitude,
 * wanda), with the ratio weight magnitude / activation magnitude.
 */
import { readFileSync } from 'node:fs';

const [weightFile = 'test/fixtures/capture/stories260k-weight-first100-numpy.json',
  activationFile = 'src/capture/results/stories260k-first100.jsonl'] = process.argv.slice(2);

const lines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const weight = lines(weightFile).filter((r) => r.kind === 'weight' || r.kind === 'dense');
const activation = lines(activationFile);

const fmt = (v) => (v === undefined ? '—' : v.toFixed(2));
const act = (pattern, criterion, mitigation) =>
  activation.find((r) => r.pattern === pattern && r.criterion === criterion && r.mitigation === mitigation)?.perplexity;
const bestAct = (pattern) =>
  activation.filter((r) => r.pattern === pattern).reduce((best, r) => (best && best.perplexity <= r.perplexity ? best : r), undefined);
const wt = (pattern, criterion) => weight.find((r) => r.pattern === pattern && r.criterion === criterion)?.perplexity;

const denseW = weight.find((r) => r.kind === 'dense');
const denseA = activation.find((r) => r.pattern === 'dense');
console.log(`dense: ${denseA?.perplexity.toFixed(4)} (nmsim) / ${denseW?.perplexity.toFixed(4)} (numpy reference), ${denseW?.scored_tokens} scored tokens\n`);
console.log('| pattern | activation magnitude | activation amber | best activation run | weight magnitude | weight wanda | weight / activation (magnitude) |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: |');
for (const pattern of ['2:4', '4:8', '8:16', '16:32', 'unstructured']) {
  const aMag = act(pattern, 'magnitude', 'none');
  const best = bestAct(pattern);
  const wMag = wt(pattern, 'magnitude');
  const ratio = aMag && wMag ? `${(wMag / aMag).toFixed(2)}×` : '—';
  const bestText = best ? `${fmt(best.perplexity)} (${best.criterion} + ${best.mitigation})` : '—';
  console.log(`| ${pattern} | ${fmt(aMag)} | ${fmt(act(pattern, 'amber', 'none'))} | ${bestText} | ${fmt(wMag)} | ${fmt(wt(pattern, 'wanda'))} | ${ratio} |`);
}

/**
 * The content of design-review.md / .html, in order: recommendation, inputs (profiles, bundles,
 * runs, hashes), summary per pattern, the charts with the front listed under each, the
 * assumptions with the source of every constant, notes. No timestamps, no timings.
 */
import { accuracyOf, compareDesignPoints, comparePatterns, decodeAt, distinctPatterns, type Accuracy, type AccuracyKind, type DecodeAtBatch } from '../explore/design-point.js';
import { samePattern } from '../sparsity/pattern.js';
import { CHART_TITLES, HEADLINE_CHART, accuracyAxisLabel } from './charts/index.js';
import { countNoun } from '../plural.js';
import { COMPONENT_TEXT, ENERGY_CHART_TITLES, energyBars, energyChartBatch } from './charts/energy.js';
import { ENERGY_COMPONENTS } from '../energy/event-energies.js';
import { energyAtBatch } from '../review/energy.js';
import { energyTable, mjText, pairEnergyText } from './review-energy.js';
import type { Block } from './document.js';
import { areaUm2, fixed, patternText, percent, PRECISION, speedup } from './format.js';
import { recommendationText } from './recommendation.js';
import { baselineEnergyText, weightBaselineRow } from './review-baseline.js';
import { accuracyCell, accuracyIntervalCell, areaCoreText, assumptionValue, compatibleCoreText, compatibleRun, runPart, summaryInterval } from './review-text.js';

/** Digits of an accuracy figure in the report's tables (as accuracyCell). */
const accuracyDigits = (kind: AccuracyKind) => (kind === 'measured-perplexity' ? PRECISION.perplexity : PRECISION.relErr);
import type { ReviewData } from '../review/review-data.js';
import { CHIP_TABLE_TEXT, chipTable } from './review-chip.js';
import { sensitivityBlocks } from './review-sensitivity.js';
import { variantBlocks } from './review-variants.js';
import { DECODE_CHART_STEM, servingBlocks } from './review-serving.js';

function decodeCell(decode: readonly DecodeAtBatch[], batch: number, f: (d: DecodeAtBatch) => string): string {
  const d = decodeAt({ decode: [...decode] }, batch);
  return d ? f(d) : '—';
}

/** "3.9000 (95 % interval 3.8500–3.9600)" when the figure has an interval, else the figure alone. */
function accuracyWithInterval(a: Accuracy | undefined, kind: AccuracyKind): string {
  const value = accuracyCell(kind, a?.value ?? null);
  return a?.interval ? `${value} (95 % interval ${accuracyCell(kind, a.interval[0])}–${accuracyCell(kind, a.interval[1])})` : value;
}

function orDash<T>(v: T | null, f: (x: T) => string): string {
  return v === null ? '—' : f(v);
}

/** The summary table's weight baseline row (none without a weight point): accuracy is always its measured perplexity. */
function baselineSummaryRows(data: ReviewData): string[][] {
  const base = weightBaselineRow(data);
  if (!base) return [];
  const p = base.point;
  return [
    [
      base.label,
      `${p.criterion} (weights)`,
      accuracyIntervalCell(p.accuracy.kind, p.accuracy, PRECISION.perplexity),
      p.accuracy.kind,
      p.profile,
      percent(p.areaOverheadFraction, PRECISION.percentTable),
      speedup(p.prefillSpeedup),
      ...data.decodeBatches.map((bt) => decodeCell(p.decode, bt, (d) => speedup(d.speedup))),
      ...data.decodeBatches.map((bt) => decodeCell(p.decode, bt, (d) => percent(d.ioSavingsFraction, 1))),
      'baseline',
    ],
  ];
}

export function reviewDocument(data: ReviewData): Block[] {
  const b: Block[] = [];
  const coreCell = (s: ReviewData['summary'][number]) => {
    const c = compatibleRun(s, data.points);
    return c ? compatibleCoreText(c) : s.compatibleProfile ? `${s.compatibleProfile} (compatible)` : '—';
  };
  const decodeBatches = data.decodeBatches;
  b.push({ kind: 'heading', level: 1, text: data.title });
  b.push({ kind: 'paragraph', text: `nmsim ${data.toolVersion} · ${countNoun(data.points.length, 'design point')} · workload: ${data.workload}` });

  b.push({ kind: 'heading', level: 2, text: 'Recommendation' });
  b.push({ kind: 'paragraph', text: recommendationText(data.recommendation) });
  const pairEnergy = pairEnergyText(data);
  if (pairEnergy) b.push({ kind: 'paragraph', text: pairEnergy });

  b.push({ kind: 'heading', level: 2, text: 'Summary per pattern' });
  b.push({
    kind: 'paragraph',
    text: `Accuracy: the best ${data.headline.accuracyKind === 'measured-perplexity' ? 'measured perplexity' : 'proxy error'} any criterion × mitigation reaches with the pattern (— where the pattern has none: the other kind is a different quantity and is not shown here). Hardware: the cheapest swept core that runs the pattern natively, else the cheapest that runs it through a compatible pattern (named with the pattern it executes: a wider one the data's masks fit into, or a narrower one where groups that do not fit take a second pass).${data.headline.accuracyKind === 'measured-perplexity' ? ' A measured perplexity carries its bootstrap 95 % interval over the stories in brackets ([—]: the run records no per-story NLL, so no interval).' : ''}`,
  });
  b.push({
    kind: 'table',
    headers: [
      'pattern',
      'best configuration',
      data.headline.accuracyKind === 'measured-perplexity' ? 'accuracy [95 % interval]' : 'accuracy',
      'accuracy kind',
      'core',
      'area overhead',
      'prefill speed-up',
      ...decodeBatches.map((bt) => `decode speed-up B = ${bt}`),
      ...decodeBatches.map((bt) => `decode I/O savings B = ${bt}`),
      'on front',
    ],
    numeric: [false, false, true, false, false, true, true, ...decodeBatches.map(() => true), ...decodeBatches.map(() => true), false],
    rows: data.summary.map((s) => [
      patternText(s.pattern),
      s.bestConfig ?? '—',
      accuracyIntervalCell(s.accuracyKind, s.accuracyValue === null ? null : { value: s.accuracyValue, interval: summaryInterval(s, data.points) ?? undefined }, accuracyDigits(s.accuracyKind)),
      s.accuracyValue === null ? '—' : s.accuracyKind,
      s.nativeProfile ?? coreCell(s),
      orDash(s.areaOverheadFraction, (v) => percent(v, PRECISION.percentTable)),
      orDash(s.prefillSpeedup, speedup),
      ...decodeBatches.map((bt) => decodeCell(s.decode, bt, (d) => speedup(d.speedup))),
      ...decodeBatches.map((bt) => decodeCell(s.decode, bt, (d) => percent(d.ioSavingsFraction, 1))),
      s.onFront ? 'yes' : 'no',
    ]).concat(baselineSummaryRows(data)),
  });
  const base = weightBaselineRow(data);
  if (base) {
    const energyText = baselineEnergyText(base);
    b.push({
      kind: 'paragraph',
      text: `${base.label}: the baseline every new core must beat — ${patternText(base.point.pattern)} weights pruned offline by ${base.point.criterion} (its most accurate weight run) on ${base.point.profile}, its measured perplexity (weight runs have no activation masks to analyse, so no proxy), priced with the weight plan: compressed weights + metadata, no online pruning${energyText ? `; energy ${energyText}` : ''}. It is not a candidate: the fronts are over activation points.`,
    });
  }
  if (data.accuracyReferences.length > 0) {
    b.push({
      kind: 'list',
      items: data.accuracyReferences.map((r) => `reference — ${r.label}: ${accuracyCell(r.kind, r.value)} (${r.kind}; ${r.source})`),
    });
  }

  const chip = chipTable(data);
  if (chip) {
    b.push({ kind: 'heading', level: 2, text: 'Chip level and iso-area' });
    b.push({ kind: 'paragraph', text: CHIP_TABLE_TEXT });
    b.push({ kind: 'table', ...chip });
  }
  b.push(...variantBlocks(data));
  const energy = energyTable(data);
  if (energy) {
    const batch = energyChartBatch(data);
    b.push({ kind: 'heading', level: 2, text: 'Energy per token' });
    b.push({
      kind: 'paragraph',
      text: `Modelled energy (src/energy: activity of the same perf steps as the speed-ups × per-event energies from the tech file, plus the profile's static power over the step's time) per token: prefill of T tokens and one decode step of B sequences, each pattern on the core the summary names, beside that core run dense. Accuracy and area as in the summary. design-points.csv has every point's figures.`,
    });
    b.push({ kind: 'table', ...energy });
    b.push({ kind: 'heading', level: 3, text: ENERGY_CHART_TITLES['accuracy-vs-energy'] });
    b.push({ kind: 'chart', stem: 'accuracy-vs-energy', title: ENERGY_CHART_TITLES['accuracy-vs-energy'] });
    b.push({ kind: 'heading', level: 3, text: ENERGY_CHART_TITLES['energy-breakdown'] });
    b.push({ kind: 'chart', stem: 'energy-breakdown', title: ENERGY_CHART_TITLES['energy-breakdown'] });
    b.push({
      kind: 'table',
      headers: ['bar', ...ENERGY_COMPONENTS.map((c) => `${COMPONENT_TEXT[c]} (mJ)`), `total mJ/token at B = ${batch}`],
      numeric: [false, ...ENERGY_COMPONENTS.map(() => true), true],
      rows: energyBars(data).flatMap(({ label, core, row }) => {
        const d = energyAtBatch(row, batch);
        return d ? [[`${label} (${core})`, ...ENERGY_COMPONENTS.map((c) => mjText(d.joulesPerTokenByComponent[c] * 1e3)), mjText(d.joulesPerToken * 1e3)]] : [];
      }),
    });
  }

  b.push({ kind: 'heading', level: 2, text: 'Charts' });
  const byId = new Map(data.points.map((p) => [p.id, p]));
  const kind = data.headline.accuracyKind;
  const frontTable = (ids: readonly string[]): Block => ({
    kind: 'table',
    headers: ['profile', 'pattern', 'criterion', 'mitigation', kind === 'measured-perplexity' ? 'measured perplexity' : 'proxy error', 'area overhead', 'prefill speed-up', ...decodeBatches.map((bt) => `decode speed-up B = ${bt}`)],
    numeric: [false, false, false, false, true, true, true, ...decodeBatches.map(() => true)],
    rows: ids
      .map((id) => byId.get(id)!)
      .filter((p) => p !== undefined)
      .sort((a, b) => comparePatterns(a.pattern, b.pattern) || compareDesignPoints(a, b))
      .map((p) => [
      p.profile,
      patternText(p.pattern),
      p.criterion,
      p.mitigation,
      accuracyWithInterval(accuracyOf(p, kind), kind),
      percent(p.areaOverheadFraction, PRECISION.percentTable),
      speedup(p.prefillSpeedup),
      ...decodeBatches.map((bt) => decodeCell(p.decode, bt, (d) => speedup(d.speedup))),
    ]),
  });
  b.push({ kind: 'heading', level: 3, text: CHART_TITLES[HEADLINE_CHART] });
  b.push({ kind: 'chart', stem: HEADLINE_CHART, title: CHART_TITLES[HEADLINE_CHART] });
  b.push({ kind: 'paragraph', text: `Points on the front (${accuracyAxisLabel(data.headline.accuracyKind)} vs area overhead; duplicates all listed):` });
  b.push(frontTable(data.headline.frontIds));
  b.push({ kind: 'heading', level: 3, text: CHART_TITLES['accuracy-vs-speedup'] });
  b.push({ kind: 'chart', stem: 'accuracy-vs-speedup', title: CHART_TITLES['accuracy-vs-speedup'] });
  b.push({ kind: 'paragraph', text: `Points on the front (${accuracyAxisLabel(data.headline.accuracyKind)} vs prefill speed-up):` });
  b.push(frontTable(data.speedupFrontIds));
  b.push({ kind: 'heading', level: 3, text: CHART_TITLES['io-savings'] });
  b.push({ kind: 'chart', stem: 'io-savings', title: CHART_TITLES['io-savings'] });
  b.push({ kind: 'heading', level: 3, text: CHART_TITLES['area-breakdown'] });
  b.push({ kind: 'chart', stem: 'area-breakdown', title: CHART_TITLES['area-breakdown'] });
  const areaRows = data.areaBreakdown.map((r) => [patternText(r.pattern), areaCoreText(r), r.component, areaUm2(r.areaUm2, PRECISION.areaUm2), r.source]);
  b.push({ kind: 'table', headers: ['pattern', 'core', 'component', 'area', 'source'], numeric: [false, false, false, true, false], rows: areaRows, sourceColumn: 4 });
  b.push({ kind: 'heading', level: 3, text: CHART_TITLES['union-density'] });
  b.push({ kind: 'chart', stem: 'union-density', title: CHART_TITLES['union-density'] });
  b.push({ kind: 'paragraph', text: `Source: ${data.unionDensitySource}. Independence: 1 − (1 − d)^B with d the measured kept fraction. Cells: measured (independence).` });
  const batches = [...new Set(data.unionDensity.map((r) => r.batch))].sort((x, y) => x - y);
  const unionPatterns = distinctPatterns(data.unionDensity.map((r) => r.pattern));
  if (batches.length > 0) {
    b.push({
      kind: 'table',
      headers: ['pattern', ...batches.map((x) => `B = ${x}`)],
      numeric: [false, ...batches.map(() => true)],
      rows: unionPatterns.map((pattern) => [
        patternText(pattern),
        ...batches.map((batch) => {
          const r = data.unionDensity.find((u) => samePattern(u.pattern, pattern) && u.batch === batch);
          return r ? `${fixed(r.measuredDensity, PRECISION.densityText)} (${fixed(r.independenceDensity, PRECISION.densityText)})` : '—';
        }),
      ]),
    });
  }

  // the serving metrics (review/serving.ts): absent in hand-built data, the document is as before
  if (data.serving) b.push(...servingBlocks(data.serving, data.unionDensity.length > 0));
  // the sensitivity sweep, only when requested (--sensitivity, --set): without it the document is as before
  if (data.sensitivity) b.push(...sensitivityBlocks(data.sensitivity));
  b.push({ kind: 'heading', level: 2, text: 'Inputs' });
  b.push({ kind: 'heading', level: 3, text: 'Hardware profiles' });
  b.push({
    kind: 'table',
    headers: ['profile', 'native patterns', 'illustrative', 'file', 'sha256'],
    rows: data.profiles.map((p) => [p.name, p.patterns.map(patternText).join(', ') || '—', p.illustrative ? 'yes' : 'no', p.path, p.sha256]),
  });
  b.push({ kind: 'list', items: data.profiles.map((p) => `${p.name}: ${p.description}`) });
  b.push({ kind: 'heading', level: 3, text: 'Trace bundles' });
  for (const bundle of data.bundles) {
    b.push({ kind: 'paragraph', text: `${bundle.path} — model ${bundle.model}, checkpoint ${bundle.checkpoint}` });
    b.push({ kind: 'table', headers: ['file', 'sha256'], rows: bundle.files.map((f) => [f.path, f.sha256]) });
    // the operand column only where a run pruned weights: a bundle of activation runs reads as before
    const operands = bundle.runs.some((r) => r.operand === 'weight');
    b.push({
      kind: 'table',
      headers: ['run', 'pattern', ...(operands ? ['operand'] : []), 'criterion', 'mitigation', 'perplexity', 'dataset', 'scored tokens'],
      numeric: [false, false, ...(operands ? [false] : []), false, false, true, false, true],
      rows: bundle.runs.map((r) => [
        r.id,
        patternText(r.pattern),
        ...(operands ? [r.operand === 'weight' ? 'weights' : r.pattern.kind === 'dense' ? '—' : 'activations'] : []),
        runPart(r, 'criterion'),
        runPart(r, 'mitigation'),
        r.perplexity === undefined ? '—' : fixed(r.perplexity, PRECISION.perplexity),
        r.perplexityDataset ?? '—',
        r.scoredTokens === undefined ? '—' : String(r.scoredTokens),
      ]),
    });
  }

  b.push({ kind: 'heading', level: 2, text: 'Assumptions and sources' });
  b.push({ kind: 'table', headers: ['constant', 'value', 'source'], rows: data.assumptions.map((a) => [a.name, assumptionValue(a), a.source]), sourceColumn: 2 });
  if (data.notes.length > 0) {
    b.push({ kind: 'heading', level: 2, text: 'Notes' });
    b.push({ kind: 'list', items: data.notes });
  }
  b.push({ kind: 'heading', level: 2, text: 'Files' });
  b.push({
    kind: 'list',
    items: [
      'design-points.csv — every design point, one row each',
      ...(data.variants && data.variants.length > 0 ? ['design-variants.csv — every variant of the design axes × pattern, and the one chosen'] : []),
      'accuracy-vs-area, accuracy-vs-speedup, io-savings, area-breakdown, union-density — .svg and .png',
      ...(energy ? ['accuracy-vs-energy, energy-breakdown — .svg and .png'] : []),
      ...(data.serving ? [`${DECODE_CHART_STEM}${data.unionDensity.length > 0 ? ', union-density-gap' : ''} — .svg and .png`] : []),
      'design-review.html — this report, self-contained',
      'run.json — inputs with hashes, tool version, timings',
    ],
  });
  return b;
}

/** The report's "Design variants" section: every variant of the design axes and the one chosen (explore/variants.ts). */
import { SPEEDUP_TOLERANCE } from '../explore/variants.js';
import type { ReviewData } from '../review/review-data.js';
import type { Block } from './document.js';
import { areaUm2, patternText, percent, speedup } from './format.js';

export const VARIANTS_HEADING = 'Design variants';

export function variantBlocks(data: ReviewData): Block[] {
  const rows = data.variants ?? [];
  if (rows.length === 0) return [];
  const cores = [...new Set(rows.map((r) => r.base))];
  const variantCount = new Set(rows.map((r) => r.profile)).size;
  const objective = data.decodeBatches[data.decodeBatches.length - 1];
  return [
    { kind: 'heading', level: 2, text: VARIANTS_HEADING },
    {
      kind: 'paragraph',
      text:
        `Selector style, metadata encoding and operand provisioning are swept on every activation core (${cores.join(', ')}): ${variantCount} variants, each a design point. ` +
        `Per core, provisioning and pattern the review uses the variant with the least core area among those whose prefill speed-up and decode speed-up at B = ${objective} are within ${percent(SPEEDUP_TOLERANCE)} of the best variant's ` +
        `(the selector changes area only; the encoding changes metadata bytes, so speed too). Provisioning stays a choice of its own: sparse-balanced buys speed with area, so both are design points. ` +
        `The summary, fronts, charts and recommendation use the chosen variants; this table and design-variants.csv list every one.`,
    },
    {
      kind: 'table',
      headers: ['core', 'selector', 'encoding', 'provisioning', 'pattern', 'area', 'area +', 'prefill', ...data.decodeBatches.map((b) => `dec B=${b}`), 'chosen'],
      numeric: [false, false, false, false, false, true, true, true, ...data.decodeBatches.map(() => true), false],
      rows: rows.map((r) => [
        r.profile,
        r.selectorStyle,
        r.metadataEncoding,
        r.provisioning,
        patternText(r.pattern),
        areaUm2(r.areaUm2),
        percent(r.areaOverheadFraction),
        speedup(r.prefillSpeedup),
        ...data.decodeBatches.map((b) => {
          const d = r.decode.find((x) => x.batchTokens === b);
          return d ? speedup(d.speedup) : '—';
        }),
        r.chosen ? 'yes' : `no (${r.chosenProfile})`,
      ]),
    },
  ];
}

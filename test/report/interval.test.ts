/**
 * An accuracy interval (explore/uncertainty.ts, once capture records per-story NLL) travels
 * through every rendering: an error bar on the charts (test/report/charts.test.ts), the hover
 * details, the front tables, the JSON; and a malformed one is refused before anything is drawn.
 */
import { NmsimError } from '../../src/diagnostics.js';
import { toMarkdown } from '../../src/report/document.js';
import { reviewDocument } from '../../src/report/review-document.js';
import { reviewJson } from '../../src/report/review-json.js';
import { validateReviewData } from '../../src/report/validate.js';
import { renderReport } from '../../src/report/write-report.js';
import type { ReviewData } from '../../src/review/review-data.js';
import { fixtureReviewData } from './fixture.js';

/** the fixture with a 95 % interval on 16:32 magnitude+var (perplexity 3.7, on both fronts) */
function withInterval(interval: [number, number]): ReviewData {
  const data = fixtureReviewData();
  data.points[3] = { ...data.points[3], accuracy: { ...data.points[3].accuracy, interval } };
  return data;
}

function codes(f: () => void): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof NmsimError) return e.diagnostics.map((d) => d.code);
    throw e;
  }
  return [];
}

describe('an accuracy interval', () => {
  it('is quoted beside the figure in the front tables, and only where the point has one', () => {
    const md = toMarkdown(reviewDocument(withInterval([3.61, 3.79])));
    const rows = md.split('\n').filter((l) => l.startsWith('| act-16of32 | 16:32 | magnitude | var |'));
    expect(rows).toHaveLength(2); // both fronts
    for (const r of rows) expect(r).toContain('| 3.7000 (95 % interval 3.6100–3.7900) |');
    const other = md.split('\n').filter((l) => l.startsWith('| act-8of16 | 8:16 | magnitude | var |'));
    for (const r of other) expect(r).toContain('| 3.9000 |');
  });

  it('is in the JSON of the point that has one, as [lower, upper], and absent elsewhere', () => {
    const j = reviewJson(withInterval([3.61, 3.79]), { outDir: 'out', headlinePng: 'out/a.png', files: [] }, [], 0) as unknown as { points: Record<string, unknown>[] };
    const withIt = j.points.filter((p) => 'accuracy_interval_95' in p);
    expect(withIt).toHaveLength(1);
    expect(withIt[0]).toMatchObject({ profile: 'act-16of32', pattern: '16:32', mitigation: 'var', accuracy: 3.7, accuracy_interval_95: [3.61, 3.79] });
  });

  it('reaches the hover details and an error bar in the written SVG and HTML', async () => {
    const files = await renderReport(withInterval([3.61, 3.79]));
    for (const f of ['accuracy-vs-area.svg', 'accuracy-vs-speedup.svg', 'design-review.html']) {
      const text = files.get(f) as string;
      expect({ f, bars: text.split('class="error-bar"').length - 1 }).toEqual({ f, bars: f.endsWith('.html') ? 2 : 1 });
      expect(text).toContain('measured perplexity 3.7000 (95 % interval 3.6100–3.7900)');
    }
  });

  it('is refused, naming the point, when a bound is not finite or the bounds are reversed', () => {
    expect(codes(() => validateReviewData(withInterval([3.6, Number.NaN])))).toEqual(['report/non-finite-value']);
    expect(codes(() => validateReviewData(withInterval([3.79, 3.61])))).toEqual(['report/reversed-interval']);
    expect(codes(() => validateReviewData(withInterval([3.61, 3.79])))).toEqual([]);
  });
});

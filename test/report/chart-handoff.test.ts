import { CHART_STEMS, renderCharts } from '../../src/report/charts/index.js';
import { SVG_TREE_BACKEND, type ChartBackend } from '../../src/report/charts/backend.js';
import { fixtureReviewData } from './fixture.js';

describe('handing each review chart over as it is drawn', () => {
  it('gives onChart each chart\'s SVG before the next chart is started, in CHART_STEMS order, the same text renderCharts returns', async () => {
    let started = 0;
    const counting: ChartBackend = { ...SVG_TREE_BACKEND, createSvg: (w, h) => (started++, SVG_TREE_BACKEND.createSvg(w, h)) };
    const handed: { stem: string; svg: string; chartsStarted: number }[] = [];
    const svgs = await renderCharts(fixtureReviewData(), counting, (stem, svg) => handed.push({ stem, svg, chartsStarted: started }));
    // the renderer's PNG of chart i can start while chart i + 1 is drawn (report/write-report.ts)
    expect(handed.map((h) => h.chartsStarted)).toEqual([1, 2, 3, 4, 5]);
    expect(handed.map((h) => h.stem)).toEqual([...CHART_STEMS]);
    for (const h of handed) expect(h.svg).toBe(svgs[h.stem as keyof typeof svgs]);
    expect(started).toBe(5);
  });
});

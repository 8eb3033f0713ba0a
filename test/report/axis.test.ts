/**
 * Our axes (src/report/charts/axis.ts) on tiny scales, against strings written out by hand from
 * the rules: ticks 6 px, labels 3 px beyond them, every position + 0.5 px, a band's tick at its
 * centre. (svg-backends.test.ts compares whole charts with d3-axis's output.)
 */
import { scaleBand, scaleLinear } from 'd3-scale';
import { drawAxis } from '../../src/report/charts/axis.js';
import { SvgElement } from '../../src/report/charts/svg-tree.js';

describe('drawAxis', () => {
  it('draws a left axis on 0…10 over 100 px with the scale\'s own 3 ticks at y = 100.5, 50.5 and 0.5', () => {
    const g = new SvgElement('g');
    drawAxis(g, 'left', scaleLinear().domain([0, 10]).range([100, 0]), { count: 2 });
    const tick = (y: string, label: string) => `<g class="tick" opacity="1" transform="translate(0,${y})"><line stroke="currentColor" x2="-6"></line><text fill="currentColor" x="-9" dy="0.32em">${label}</text></g>`;
    expect(g.toString()).toBe(
      '<g fill="none" font-size="10" font-family="sans-serif" text-anchor="end"><path class="domain" stroke="currentColor" d="M-6,100.5H0.5V0.5H-6"></path>' +
        tick('100.5', '0') +
        tick('50.5', '5') +
        tick('0.5', '10') +
        '</g>',
    );
  });

  it('centres a bottom axis\'s ticks on two 50 px bands: 0 + (50 − 1)/2 + 0.5 = 25 and 75, labelled with the band names', () => {
    const g = new SvgElement('g').attr('class', 'x-axis');
    drawAxis(g, 'bottom', scaleBand().domain(['a & b', 'c']).range([0, 100]));
    const tick = (x: number, label: string) => `<g class="tick" opacity="1" transform="translate(${x},0)"><line stroke="currentColor" y2="6"></line><text fill="currentColor" y="9" dy="0.71em">${label}</text></g>`;
    expect(g.toString()).toBe(
      '<g class="x-axis" fill="none" font-size="10" font-family="sans-serif" text-anchor="middle"><path class="domain" stroke="currentColor" d="M0.5,6V0.5H100.5V6"></path>' +
        tick(25, 'a &amp; b') +
        tick(75, 'c') +
        '</g>',
    );
  });

  it('uses given tick values and format over the scale\'s', () => {
    const g = new SvgElement('g');
    drawAxis(g, 'bottom', scaleLinear().domain([0, 10]).range([0, 100]), { count: 8, values: [2.5], format: (v: number) => `${v}×` });
    expect(g.toString()).toContain('<g class="tick" opacity="1" transform="translate(25.5,0)"><line stroke="currentColor" y2="6"></line><text fill="currentColor" y="9" dy="0.71em">2.5×</text></g></g>');
  });
});

/**
 * The SVG tree's serializer (src/report/charts/svg-tree.ts), on hand-written expected strings:
 * what an HTML document's outerHTML writes for SVG elements, as the charts wrote through jsdom.
 */
import { escapeAttribute, escapeText, SvgElement, svgRoot } from '../../src/report/charts/svg-tree.js';

describe('the SVG tree serializer', () => {
  it('writes the root with xmlns, width and height first, then the attributes in the order they were set', () => {
    const svg = svgRoot(800, 500).attr('viewBox', '0 0 800 500').attr('font-size', 12);
    expect(svg.toString()).toBe('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500" viewBox="0 0 800 500" font-size="12"></svg>');
  });

  it('keeps an attribute set again in its first place, with the new value', () => {
    const g = new SvgElement('g').attr('class', 'y-axis').attr('font-size', 10).attr('font-family', 'sans-serif').attr('font-size', 11);
    expect(g.toString()).toBe('<g class="y-axis" font-size="11" font-family="sans-serif"></g>');
  });

  it('gives every element an end tag, empty or not, and nests children in append order', () => {
    const g = new SvgElement('g');
    g.append('rect').attr('x', 0).append('title').text('bar');
    g.append('line').attr('x2', -6);
    expect(g.toString()).toBe('<g><rect x="0"><title>bar</title></rect><line x2="-6"></line></g>');
  });

  it('writes numbers as String(number) does: no trailing zeros, exponent form, -0 as 0, NaN', () => {
    const e = new SvgElement('circle').attr('cx', 66.25).attr('cy', 1e-7).attr('r', -0).attr('data-x', 0.1 + 0.2).attr('data-y', NaN);
    expect(e.toString()).toBe('<circle cx="66.25" cy="1e-7" r="0" data-x="0.30000000000000004" data-y="NaN"></circle>');
  });

  it('escapes & < > and U+00A0 in text, leaving quotes', () => {
    expect(escapeText('a & b <c> "d" \'e\'\u00a0f')).toBe('a &amp; b &lt;c&gt; "d" \'e\'&nbsp;f');
    expect(new SvgElement('text').text('x < 1 & y > 2').toString()).toBe('<text>x &lt; 1 &amp; y &gt; 2</text>');
  });

  it('escapes & " and U+00A0 in attribute values, leaving < > and apostrophes', () => {
    expect(escapeAttribute('a & b <c> "d" \'e\'\u00a0f')).toBe('a &amp; b <c> &quot;d&quot; \'e\'&nbsp;f');
    // an entity-looking value is escaped again: the value is text, not markup
    expect(new SvgElement('g').attr('data-x', '&amp;').toString()).toBe('<g data-x="&amp;amp;"></g>');
  });

  it('replaces the children by one text run, as textContent does; empty text leaves no child', () => {
    const t = new SvgElement('text');
    t.append('tspan').text('gone');
    t.text('kept');
    expect(t.toString()).toBe('<text>kept</text>');
    expect(t.text('').toString()).toBe('<text></text>');
    // newlines in a title stay as they are
    expect(new SvgElement('title').text('a\nb').toString()).toBe('<title>a\nb</title>');
  });
});

/**
 * A small SVG element tree: what the charts draw, without a DOM. Elements keep their attributes
 * in the order they were first set (setting one again changes it in place) and their children in
 * append order; `text` replaces the children by one text run, as DOM textContent does.
 *
 * The serializer writes what an HTML document's outerHTML writes for SVG elements (the HTML
 * fragment serialization algorithm, https://html.spec.whatwg.org/#serialising-html-fragments),
 * which is what the charts wrote when they were drawn through d3-node/jsdom:
 *   - every element has an end tag, empty or not: `<rect …></rect>`;
 *   - attribute values escape & → &amp;, U+00A0 → &nbsp;, " → &quot; (< and > stay);
 *   - text escapes & → &amp;, U+00A0 → &nbsp;, < → &lt;, > → &gt; (quotes stay);
 *   - a number is written as String(number) (a DOM attribute is a string: `setAttribute` converts so).
 */

/** What the chart code needs of an element: append a child, set an attribute, set the text. */
export interface ChartNode {
  append(name: string): ChartNode;
  attr(name: string, value: string | number): ChartNode;
  text(value: string): ChartNode;
}

export class SvgElement implements ChartNode {
  private readonly attributes = new Map<string, string>();
  private children: (SvgElement | string)[] = [];

  constructor(readonly name: string) {}

  append(name: string): SvgElement {
    const child = new SvgElement(name);
    this.children.push(child);
    return child;
  }

  attr(name: string, value: string | number): this {
    this.attributes.set(name, String(value));
    return this;
  }

  /** Replaces the children by one text run ('' leaves none, as textContent = '' does). */
  text(value: string): this {
    this.children = value === '' ? [] : [value];
    return this;
  }

  toString(): string {
    const out: string[] = [];
    this.write(out);
    return out.join('');
  }

  private write(out: string[]): void {
    out.push('<', this.name);
    for (const [name, value] of this.attributes) out.push(' ', name, '="', escapeAttribute(value), '"');
    out.push('>');
    for (const c of this.children) {
      if (typeof c === 'string') out.push(escapeText(c));
      else c.write(out);
    }
    out.push('</', this.name, '>');
  }
}

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/** The root `<svg xmlns=… width=… height=…>` (the attributes d3-node's createSVG set, in its order). */
export function svgRoot(widthPx: number, heightPx: number): SvgElement {
  return new SvgElement('svg').attr('xmlns', SVG_NAMESPACE).attr('width', widthPx).attr('height', heightPx);
}

const NBSP = '\u00a0';

export function escapeAttribute(value: string): string {
  if (!/[&"\u00a0]/.test(value)) return value;
  return value.replace(/&/g, '&amp;').replace(new RegExp(NBSP, 'g'), '&nbsp;').replace(/"/g, '&quot;');
}

export function escapeText(value: string): string {
  if (!/[&<>\u00a0]/.test(value)) return value;
  return value.replace(/&/g, '&amp;').replace(new RegExp(NBSP, 'g'), '&nbsp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

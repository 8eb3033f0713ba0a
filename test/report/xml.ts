/**
 * Strict XML parsing for the chart tests, through jsdom's DOMParser (XML mode is backed by the
 * saxes parser, which rejects any well-formedness error). jsdom is already installed as
 * d3-node's dependency.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let parser: any;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function parseXml(text: string): Promise<any> {
  if (!parser) {
    // @ts-expect-error jsdom ships no types here
    const { JSDOM } = await import('jsdom');
    parser = new new JSDOM('').window.DOMParser();
  }
  const doc = parser.parseFromString(text, 'image/svg+xml');
  const err = doc.getElementsByTagName('parsererror');
  if (err.length > 0) throw new Error(`not well-formed XML: ${err[0].textContent}`);
  return doc;
}

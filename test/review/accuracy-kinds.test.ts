/**
 * A review never compares numbers of different kinds: with a bundle that measured only some
 * patterns, every sentence, table row and chart uses one accuracy kind per comparison and says
 * which. Bundles: the synthetic one (review/synthetic-bundle.ts) with runs for only some
 * patterns; its invented perplexities are 2:4 7.0, 8:16 6.0, 16:32 5.5.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

// the design axes held at the shipped act-* cores' own choices: these tests are about accuracy kinds / the compared pair on the cores as written
const FAST = ['--criteria', 'magnitude', '--mitigations', 'none', '--no-progress', '--axes', 'selector=mux', '--axes', 'encoding=index', '--axes', 'provisioning=dense-balanced'];
const PROFILES = 'act-2of4,act-8of16,act-16of32';
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-kinds-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

type Row = Record<string, string>;
async function csvRows(dir: string): Promise<Row[]> {
  const lines = (await fs.readFile(path.join(dir, 'design-points.csv'), 'utf8')).trim().split('\n');
  const header = lines[0].split(',');
  // accuracy_source holds no comma in these bundles' labels except inside quotes: parse simply
  return lines.slice(1).map((l) => {
    const cells = l.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  });
}

/** Every decimal number written in a sentence (e.g. "from 6.000 … to 0.207"). */
function numbersIn(text: string): number[] {
  return [...text.matchAll(/\b\d+\.\d+\b/g)].map((m) => Number(m[0]));
}

async function review(name: string, measured: string[], profiles: string, extra: string[] = []) {
  const bundle = path.join(tmp, `${name}-bundle`);
  const out = path.join(tmp, `${name}-report`);
  await writeSyntheticBundle(bundle, measured);
  const r = runCli(['review', '--traces', bundle, '--profiles', profiles, '--out', out, ...FAST, ...extra]);
  const j = runCli(['review', '--traces', bundle, '--profiles', profiles, '--out', path.join(tmp, `${name}-json`), '--json', ...FAST, ...extra]);
  return { r, json: JSON.parse(j.stdout), out, md: await fs.readFile(path.join(out, 'design-review.md'), 'utf8').catch(() => ''), rows: await csvRows(out).catch(() => [] as Row[]) };
}

describe('a review of a bundle that measured only some patterns', () => {
  test('measured 8:16 only: the headline is the proxy for every pattern, and 16:32 vs 8:16 compares two proxy errors', async () => {
    const { r, json, out, md, rows } = await review('only816', ['8:16'], PROFILES);
    expect(r.code).toBe(0);
    // one measured pattern cannot be compared with anything: the proxy covers all three
    expect(json.accuracy_kind).toBe('proxy-rel-err');
    const proxy = (pattern: string, profile: string) => Number(rows.find((x) => x.pattern === pattern && x.profile === profile)!.proxy_rel_err_l2);
    // the measured 8:16 points also carry their proxy, so they stay on the proxy charts
    const p816 = rows.find((x) => x.pattern === '8:16' && x.profile === 'act-8of16')!;
    expect(p816.perplexity).toBe('6.0000');
    expect(Number(p816.proxy_rel_err_l2)).toBeGreaterThan(0);
    const rec: string = json.recommendation;
    expect(rec).not.toMatch(/perplexity from/);
    expect(rec).toContain('(proxy error');
    const compare = rec.slice(rec.indexOf('16:32 (magnitude+none)'));
    const [from, to] = numbersIn(compare);
    expect(from).toBeCloseTo(proxy('8:16', 'act-8of16'), 3);
    expect(to).toBeCloseTo(proxy('16:32', 'act-16of32'), 3);
    // the summary rows are proxy errors too, the 8:16 row included
    const s816 = json.summary.find((s: { pattern: string }) => s.pattern === '8:16');
    expect(s816.accuracy_kind).toBe('proxy-rel-err');
    expect(s816.accuracy).toBeCloseTo(proxy('8:16', 'act-8of16'), 5);
    // the headline chart plots every point on the proxy axis
    const svg = await fs.readFile(path.join(out, 'accuracy-vs-area.svg'), 'utf8');
    expect(svg).toContain('accuracy: analysis proxy');
    expect(svg).toContain('proxy: relative L2 error');
    const plotted = svg.slice(svg.indexOf('class="points"'), svg.indexOf('class="label-leaders"'));
    expect(plotted.match(/<circle/g)?.length).toBe(rows.length);
    expect(md).toContain('measured perplexity');
    expect(md).toMatch(/8:16[^\n]*6\.0000/); // the measured value is still reported (bundle runs, CSV)
  });

  test('measured 2:4 and 8:16: the headline is measured; 16:32, unmeasured, is named as such and compared on the proxy, never against a perplexity', async () => {
    const { r, json, md, rows } = await review('no1632', ['2:4', '8:16'], PROFILES);
    expect(r.code).toBe(0);
    expect(json.accuracy_kind).toBe('measured-perplexity');
    const rec: string = json.recommendation;
    expect(rec).toMatch(/On the accuracy–area Pareto front \(measured perplexity\): 2:4 \(act-2of4\), 8:16 \(act-8of16\)/);
    expect(rec).toMatch(/no measured perplexity: [^.;]*16:32/);
    expect(rec).not.toMatch(/not on it: [^.]*16:32/);
    // the comparison falls back to one common kind, the proxy, and says so
    const compare = rec.slice(rec.indexOf('16:32 (magnitude+none)'));
    expect(compare).toMatch(/proxy error from/);
    expect(compare).toMatch(/16:32 has no measured perplexity/);
    const proxy = (pattern: string, profile: string) => Number(rows.find((x) => x.pattern === pattern && x.profile === profile)!.proxy_rel_err_l2);
    const [from, to] = numbersIn(compare);
    expect(from).toBeCloseTo(proxy('8:16', 'act-8of16'), 3);
    expect(to).toBeCloseTo(proxy('16:32', 'act-16of32'), 3);
    // the summary row of 16:32 has no measured value: a dash, not its proxy in the perplexity column
    const s1632 = json.summary.find((s: { pattern: string }) => s.pattern === '16:32');
    expect(s1632.accuracy).toBeNull();
    expect(r.stdout).toMatch(/^\s+16:32\s+—\s+—\s/m);
    expect(md).toMatch(/\| 16:32 \| — \| — \|/);
    // nothing in the perplexity column of the terminal table is below 1
    const pplCells = r.stdout.split('\n').filter((l) => /^\s+\d+:\d+\s/.test(l)).map((l) => l.trim().split(/\s+/)[2]);
    for (const c of pplCells) if (c !== '—') expect(Number(c)).toBeGreaterThanOrEqual(1);
  });

  test('a one-point review (one profile, one pattern, measured) says perplexity, puts the point on its own front and names it', async () => {
    const { r, json, rows } = await review('onepoint', ['8:16'], 'act-8of16', ['--patterns', '8:16']);
    expect(r.code).toBe(0);
    expect(rows).toHaveLength(1);
    expect(json.accuracy_kind).toBe('measured-perplexity');
    expect(json.front).toEqual(['act-8of16|8:16|magnitude|none']);
    expect(json.recommendation).toMatch(/On the accuracy–area Pareto front \(measured perplexity\): 8:16 \(act-8of16\)/);
    expect(json.recommendation).not.toMatch(/no pattern ran/);
    expect(r.stdout).toMatch(/pattern\s+best config\s+ppl\s/);
    expect(r.stdout).toMatch(/^\s+8:16\s+magnitude\+none\s+6\.000\s/m);
    expect(rows[0].on_accuracy_area_front).toBe('true');
  });
});

/**
 * Issue 16: the serving metrics follow the review's chosen design-axis variants (the points the
 * summary and the compare paragraph use), not the profile files as written. A chosen variant's
 * TTFT and TPOT are checked against `nmsim simulate` on a profile file with that variant's
 * selector, encoding and provisioning written in (another path: the CLI's own profile load and
 * normalize, with the measured sparsity read back from an analysis file).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../src/analysis/analyze.js';
import { analysisJson } from '../../src/report/analysis-json.js';
import { runReview, type ReviewOutcome } from '../../src/review/run-review.js';
import { formatPattern, nm } from '../../src/sparsity/pattern.js';
import { openBundle } from '../../src/trace/bundle.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { writeSyntheticBundle } from './synthetic-bundle.js';

let tmp: string;
let review: ReviewOutcome;
let analysisFile: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-serving-variants-'));
  const bundlePath = path.join(tmp, 'bundle');
  await writeSyntheticBundle(bundlePath);
  // every axis swept (the CLI's default) on one activation core
  review = await runReview({ traces: [bundlePath], profiles: ['act-8of16'], patterns: [nm(8, 16)], criteria: ['magnitude'], mitigations: ['none'] });
  const bundle = await openBundle(bundlePath);
  try {
    analysisFile = path.join(tmp, 'analysis.json');
    await fs.writeFile(analysisFile, JSON.stringify(analysisJson(await analyze(bundle, {}), '0.0.0-test')));
  } finally {
    await bundle.close();
  }
}, 120_000);
afterAll(async () => fs.rm(tmp, { recursive: true, force: true }));

/** act-8of16.yaml with the variant's three choices written into its sparsity block. */
async function writeVariantFile(selector: string, encoding: string, provisioning: string): Promise<string> {
  const text = await fs.readFile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'), 'utf8');
  const edited = text
    .replace(/^ {2}metadataEncoding: index$/m, `  metadataEncoding: ${encoding}`)
    .replace(/^ {2}selectorStyle: mux$/m, `  selectorStyle: ${selector}\n  provisioning: ${provisioning}`);
  expect(edited).not.toBe(text);
  const file = path.join(tmp, `act-8of16-${selector}-${encoding}-${provisioning}.yaml`);
  await fs.writeFile(file, edited);
  return file;
}

function simulateMs(file: string, args: string[]): Map<string, number> {
  const r = runCli(['simulate', '--profile', file, '--patterns', '8:16', '--measured', analysisFile, '--json', ...args]);
  expect(r.code).toBe(0);
  const j = JSON.parse(r.stdout) as { results: { pattern: string; time_ms: number }[] };
  return new Map(j.results.map((x) => [x.pattern, x.time_ms]));
}

describe('serving metrics of the chosen design-axis variants', () => {
  it('has rows for each chosen variant (dense-balanced and sparse-balanced) and none for a variant not chosen', () => {
    const variants = review.data.variants ?? [];
    const chosen = variants.filter((v) => v.chosen);
    expect(chosen.map((v) => v.provisioning).sort()).toEqual(['dense-balanced', 'sparse-balanced']);
    const rows = review.data.serving!.rows.map((r) => `${r.profile} ${formatPattern(r.pattern)}`);
    expect(rows).toEqual(chosen.flatMap((v) => [`${v.profile} dense`, `${v.profile} 8:16`]));
    // the file as written (mux, index, dense-balanced) is a variant the choice does not keep
    expect(chosen.map((v) => v.profile)).not.toContain('act-8of16');
    expect(rows).not.toContain('act-8of16 dense');
    expect(rows).not.toContain('act-8of16 8:16');
  });

  it("gives each chosen variant's TTFT and TPOT as nmsim simulate does on a profile file with its selector, encoding and provisioning written in", async () => {
    const s = review.data.serving!;
    expect(s.decodeContextTokens).toBe(2048 + 128);
    for (const v of (review.data.variants ?? []).filter((x) => x.chosen)) {
      const file = await writeVariantFile(v.selectorStyle, v.metadataEncoding, v.provisioning);
      const pre = simulateMs(file, ['--phase', 'prefill', '--tokens', '2048']);
      const dec8 = simulateMs(file, ['--phase', 'decode', '--batch', '8', '--context', '2176']);
      const dense = s.rows.find((r) => r.profile === v.profile && r.pattern.kind === 'dense')!;
      const sparse = s.rows.find((r) => r.profile === v.profile && r.pattern.kind === 'nm')!;
      // simulate's JSON rounds time_ms to 6 decimals
      expect(dense.ttftMs).toBeCloseTo(pre.get('dense')!, 5);
      expect(sparse.ttftMs).toBeCloseTo(pre.get('8:16')!, 5);
      expect(dense.steps.find((x) => x.batch === 8)!.tpotMs).toBeCloseTo(dec8.get('dense')!, 5);
      expect(sparse.steps.find((x) => x.batch === 8)!.tpotMs).toBeCloseTo(dec8.get('8:16')!, 5);
    }
    // the two provisionings are different cores: sparse-balanced prefill is faster
    const [db, sb] = ['dense-balanced', 'sparse-balanced'].map((p) => s.rows.find((r) => r.pattern.kind === 'nm' && (review.data.variants ?? []).some((v) => v.chosen && v.profile === r.profile && v.provisioning === p))!);
    expect(sb.ttftMs).toBeLessThan(db.ttftMs);
  }, 60_000);
});

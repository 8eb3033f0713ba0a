import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { areaBreakdownRows, profileCost, type AreaReportLike } from '../../src/cli/review/area.js';
import { defaultBundlePaths, displayPath } from '../../src/cli/review/inputs.js';
import { estimateProfile } from '../../src/cli/review/performance.js';
import { loadProfile } from '../../src/profile/load.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { REPO_ROOT } from '../helpers/cli.js';

const core = (label: string, patterns: string[], parts: Record<string, number>) => ({
  label,
  patterns,
  components: Object.entries(parts).map(([name, areaUm2]) => ({ name, areaUm2, source: `${name} src` })),
  totalUm2: Object.values(parts).reduce((a, b) => a + b, 0),
});
const dense = core('dense', [], { mac_array: 100, selector: 0, sram: 50 });
const report = (profile: string, patterns: string[], parts: Record<string, number>, kind: string, perPattern: AreaReportLike['perPattern'] = []): AreaReportLike => ({
  profile,
  tech: 'nangate45',
  dense,
  core: core(patterns.join(' + '), patterns, parts),
  perPattern,
  pruning: { kind },
});

describe('area adapter', () => {
  const reports = [
    report('gpu', ['8:16'], { mac_array: 100, selector: 3, sram: 50 }, 'software'),
    report('act-8of16', ['8:16'], { mac_array: 100, selector: 10, pruning_unit: 5, sram: 50 }, 'hardware'),
    report('flex', ['2:4', '8:16'], { mac_array: 100, selector: 20, sram: 50 }, 'hardware', [core('2:4', ['2:4'], { mac_array: 100, selector: 4, sram: 50 }), core('8:16', ['8:16'], { mac_array: 100, selector: 12, sram: 50 })]),
  ];

  it('costs a profile as its whole core against the same core without sparsity', () => {
    expect(profileCost(reports[1])).toEqual({ profile: 'act-8of16', areaUm2: 165, denseAreaUm2: 150 });
  });

  it('draws each pattern from its single-pattern hardware core, else from a flexible core’s variant, with a dense bar and no empty segments', () => {
    const rows = areaBreakdownRows(reports, ['16:32', '8:16', '2:4']);
    expect(rows.map((r) => `${r.pattern} ${r.profile} ${r.component} ${r.areaUm2}`)).toEqual([
      'dense act-8of16 without sparsity mac_array 100',
      'dense act-8of16 without sparsity sram 50',
      '2:4 flex (2:4-only variant) mac_array 100',
      '2:4 flex (2:4-only variant) selector 4',
      '2:4 flex (2:4-only variant) sram 50',
      '8:16 act-8of16 mac_array 100',
      '8:16 act-8of16 selector 10',
      '8:16 act-8of16 pruning_unit 5',
      '8:16 act-8of16 sram 50',
    ]);
    expect(rows[0].source).toBe('mac_array src [nangate45]');
  });
});

describe('performance adapter on a shipped profile', () => {
  it('runs the native pattern faster than dense but never beyond M/N, and names what the core executes', async () => {
    const { profile } = await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', 'act-8of16.yaml'));
    const { byPattern } = estimateProfile(profile, ['8:16', '16:32'], { shape: catalogModel('llama3.1-8b'), prefillTokens: 2048, decodeBatch: 8, decodeContextTokens: 4096 }, []);
    const native = byPattern.get('8:16')!;
    expect(native.native).toBe(true);
    expect(native.executedAs).toBe('8:16');
    expect(native.prefillSpeedup).toBeGreaterThan(1);
    expect(native.prefillSpeedup).toBeLessThanOrEqual(2);
    const wider = byPattern.get('16:32')!;
    expect(wider.native).toBe(false);
    // without a measured compatibility fraction, 16:32 data cannot be shown to fit 8:16 groups
    expect(wider.executedAs).toBe('dense');
    expect(wider.prefillSpeedup).toBeCloseTo(1, 9);
  });
});

describe('input discovery', () => {
  it('finds every folder with a manifest.json, sorted, and shows paths relative to the working folder', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-discover-'));
    for (const d of ['b', 'a', 'exporters']) await fs.mkdir(path.join(tmp, d));
    await fs.writeFile(path.join(tmp, 'b', 'manifest.json'), '{}');
    await fs.writeFile(path.join(tmp, 'a', 'manifest.json'), '{}');
    expect(defaultBundlePaths(tmp)).toEqual([path.join(tmp, 'a'), path.join(tmp, 'b')]);
    expect(defaultBundlePaths(path.join(tmp, 'missing'))).toEqual([]);
    await fs.rm(tmp, { recursive: true });
    expect(displayPath(path.join(process.cwd(), 'traces', 'x'))).toBe('traces/x');
  });
});

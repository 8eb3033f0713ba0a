/**
 * The area model costs the core the performance model simulates (issue 12): at most one
 * activation row per lane, and each native pattern once.
 */
import { loadTech, type TechLibrary } from '../../src/profile/tech.js';
import { areaReport } from '../../src/area/report.js';
import type { ProfileInput } from '../../src/profile/schema.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { profile } from '../perf/profiles.js';

let tech: TechLibrary;
beforeAll(async () => {
  tech = await loadTech('nangate45');
});

function core(over: { rows?: number; patterns?: string[] }): ProfileInput {
  return {
    name: 'geometry-test',
    description: 'a 16-lane core',
    illustrative: true,
    clockMHz: 1000,
    tensorCore: { count: 4, lanes: 16, denseKPerCycle: 8, activationRowsPerCycle: over.rows, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
    sparsity: {
      operand: 'activation',
      patterns: over.patterns ?? ['8:16'],
      metadataEncoding: 'index',
      selectorStyle: 'mux',
      effect: 'skipping',
      fallback: 'dense',
      onlinePruning: { kind: 'hardware', network: 'batcher', groupsPerCycle: 2, latencyCycles: 10 },
    },
    memory: { buffers: [{ name: 'b', sizeKiB: 32, bandwidthBytesPerCycle: 64 }], dramBandwidthGBps: 100, dramLatencyNs: 300 },
    tech: 'nangate45',
  };
}

describe('the costed core is the simulated core', () => {
  test('32 activation rows on 16 lanes are costed as 16 rows, the rows the performance model runs', () => {
    const asked = profile(core({ rows: 32 }));
    const oneRowPerLane = profile(core({ rows: 16 }));
    expect(hardwareView(asked).laneRows).toBe(16);
    const totals = (p: typeof asked) => areaReport(p, tech).core.components.map((c) => [c.name, c.areaUm2]);
    expect(totals(asked)).toEqual(totals(oneRowPerLane));
  });

  test('a pattern listed twice is costed once: one 8:16 column, labelled 8:16', () => {
    const r = areaReport(profile(core({ patterns: ['8:16', '8:16'] })), tech);
    expect(r.core.label).toBe('8:16');
    expect(r.perPattern.map((c) => c.label)).toEqual(['8:16']);
    expect(r.core.totalUm2).toBe(areaReport(profile(core({ patterns: ['8:16'] })), tech).core.totalUm2);
  });
});

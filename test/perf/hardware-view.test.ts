import { hardwareView } from '../../src/perf/hardware-view.js';
import type { ProfileInput } from '../../src/profile/schema.js';
import { profile } from './profiles.js';

const spec = (clockMHz: number, dramLatencyNs: number, dramBandwidthGBps: number): ProfileInput => ({
  name: 'view-test',
  description: 'one core',
  illustrative: true,
  clockMHz,
  tensorCore: { count: 1, lanes: 64, denseKPerCycle: 8, operandBits: 16, accumulatorBits: 32, macDatatype: 'fp16' },
  sparsity: { operand: 'activation', patterns: [], metadataEncoding: 'index', selectorStyle: 'mux', effect: 'skipping', fallback: 'dense', onlinePruning: { kind: 'none' } },
  memory: { buffers: [{ name: 'b', sizeKiB: 64, bandwidthBytesPerCycle: 64 }], dramBandwidthGBps, dramLatencyNs },
  tech: 'nangate45',
});

describe('the hardware view of a profile', () => {
  test('500 ns of DRAM latency at 1830 MHz is 915 cycles exactly (not 916 from float noise)', () => {
    // 500e-9 s × 1.83e9 /s = 915; in doubles 500 × 1e-9 × 1.83e9 = 915.0000000000001
    expect(hardwareView(profile(spec(1830, 500, 3350))).dramLatencyCycles).toBe(915);
  });
  test('a latency between cycles rounds up: 1 ns at 1500 MHz is 1.5 → 2 cycles, 600 ns at 1410 MHz is 846', () => {
    expect(hardwareView(profile(spec(1500, 1, 100))).dramLatencyCycles).toBe(2);
    expect(hardwareView(profile(spec(1410, 600, 100))).dramLatencyCycles).toBe(846);
  });
  test('3.35 TB/s at 1830 MHz is 3350e9 / 1830e6 ≈ 1830.6 bytes per cycle, and a 64 KiB buffer is 65,536 bytes', () => {
    const hw = hardwareView(profile(spec(1830, 500, 3350)));
    expect(hw.dramBytesPerCycle).toBeCloseTo(3350e9 / 1830e6, 9);
    expect(hw.localBuffer.bytes).toBe(65536);
  });
});

import * as path from 'node:path';
import { loadProfile } from '../../src/profile/load.js';
import { densePeakTflops } from '../../src/perf/hardware-view.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { A100_LIKE, H100_LIKE } from './profiles.js';

const shipped = (name: string) => loadProfile(path.join(REPO_ROOT, 'hardware-profiles', `${name}.yaml`));

describe('dense tensor-core peak', () => {
  // NVIDIA H100 whitepaper: 989.4 TFLOPS dense FP16 (SXM5) = 528 tensor cores × 512 FMA/clk × 2 × 1.83 GHz
  test('the shipped H100-like profile peaks at the datasheet 989.4 TFLOPS dense FP16', async () => {
    const { profile } = await shipped('h100-like');
    expect(profile.tensorCore.count).toBe(528);
    expect(profile.clockMHz).toBe(1830);
    expect(profile.tensorCore.lanes * profile.tensorCore.denseKPerCycle).toBe(512);
    expect(densePeakTflops(profile)).toBeCloseTo(989.4, 1);
  });
  // NVIDIA A100 whitepaper: 312 TFLOPS dense FP16 = 432 × 256 FMA/clk × 2 × 1.41 GHz = 311.9
  test('the shipped A100-like profile peaks at 311.9 TFLOPS dense FP16', async () => {
    const { profile } = await shipped('a100-like');
    expect(densePeakTflops(profile)).toBeCloseTo(311.87, 1);
  });
  test('the SM-level test profiles give the same peaks (108 × 1024 and 132 × 2048 FMA/clk)', () => {
    expect(densePeakTflops(A100_LIKE)).toBeCloseTo(311.87, 1);
    expect(densePeakTflops(H100_LIKE)).toBeCloseTo(989.4, 1);
  });
});

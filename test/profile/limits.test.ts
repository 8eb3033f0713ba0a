/**
 * Issue 11: every numeric profile field is finite, bounded, and whole where it counts things;
 * a value outside its bound is refused at load with the key path (the user's own key when the
 * value was written with units), the bound and why — instead of an area or performance model
 * that runs forever (denseKPerCycle: 1e8) or reports Infinity/NaN.
 */
import { loadProfile } from '../../src/profile/load.js';
import { goodProfile, printed, profileDiagnostics, tempDir, writeSpec } from './fixture.js';

const dir = tempDir('nmsim-limits-');
let n = 0;

/** sets a dotted path ("memory.buffers.0.size") in a fresh good profile */
function withValue(keyPath: string, value: unknown): any {
  const doc = goodProfile();
  const parts = keyPath.split('.');
  let o = doc;
  for (const p of parts.slice(0, -1)) o = o[p];
  const last = parts[parts.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
  return doc;
}

/** [where to write it, the value, the key path the error names, a bound the error states] */
const OUT_OF_RANGE: Array<[string, unknown, string, string]> = [
  ['tensorCore.denseKPerCycle', 1e8, 'tensorCore.denseKPerCycle', '65,536'],
  ['tensorCore.denseKPerCycle', 0, 'tensorCore.denseKPerCycle', '1 to 65,536'],
  ['tensorCore.count', 2 ** 20 + 1, 'tensorCore.count', '1,048,576'],
  ['tensorCore.count', 2.5, 'tensorCore.count', 'whole'],
  ['tensorCore.lanes', 65537, 'tensorCore.lanes', '65,536'],
  ['tensorCore.activationRowsPerCycle', 65537, 'tensorCore.activationRowsPerCycle', '65,536'],
  ['tensorCore.operandBits', 65, 'tensorCore.operandBits', '64'],
  ['tensorCore.accumulatorBits', 129, 'tensorCore.accumulatorBits', '128'],
  ['sparsity.onlinePruning.groupsPerCycle', 1e9, 'sparsity.onlinePruning.groupsPerCycle', '65,536'],
  ['sparsity.onlinePruning.groupsPerCycle', 1e-9, 'sparsity.onlinePruning.groupsPerCycle', '0.001 to 65,536'],
  ['sparsity.onlinePruning.latencyCycles', 1e7, 'sparsity.onlinePruning.latencyCycles', '1,000,000'],
  ['sparsity.onlinePruning.latencyCycles', 2.5, 'sparsity.onlinePruning.latencyCycles', 'whole'],
  ['clock', '200 GHz', 'clock', '1 to 100,000'],
  ['clock', '1 kHz', 'clock', '1 to 100,000'],
  ['memory.dramBandwidth', '1 B/s', 'memory.dramBandwidth', '0.001 to 1,000,000'],
  ['memory.dramBandwidth', '2 PB/s', 'memory.dramBandwidth', '1,000,000'],
  ['memory.dramLatency', '2 ms', 'memory.dramLatency', '1,000,000'],
  ['memory.buffers.0.size', '2 TiB', 'memory.buffers[0].size', '1,073,741,824'],
  ['memory.buffers.0.size', '32 B', 'memory.buffers[0].size', '0.0625 to 1,073,741,824'],
  ['memory.buffers.0.bandwidthBytesPerCycle', 1e-300, 'memory.buffers[0].bandwidthBytesPerCycle', '0.001 to 1,048,576'],
  ['memory.buffers.0.bandwidthBytesPerCycle', 1e7, 'memory.buffers[0].bandwidthBytesPerCycle', '1,048,576'],
];

describe('profile field bounds', () => {
  test.each(OUT_OF_RANGE)('%s = %p is refused naming %s and the bound %s', async (where, value, keyPath, bound) => {
    const ds = await profileDiagnostics(writeSpec(dir, `p${n++}.yaml`, withValue(where, value)));
    const d = ds.find((x) => x.path === keyPath);
    expect(d).toBeDefined();
    expect(d!.code).toMatch(/^profile\/(out-of-range|not-whole)$/);
    expect(printed([d!])).toContain(bound);
    // the why: every bound says what it protects or what real designs reach
    expect(d!.hint).toBeDefined();
  });

  test('the bounds themselves load: a core at every maximum and one at every minimum', async () => {
    const max = goodProfile();
    max.clock = '100 GHz';
    max.tensorCore = { count: 2 ** 20, lanes: 65536, denseKPerCycle: 65536, activationRowsPerCycle: 65536, operandBits: 64, accumulatorBits: 128, macDatatype: 'fp32' };
    max.sparsity.onlinePruning = { kind: 'hardware', network: 'batcher', groupsPerCycle: 65536, latencyCycles: 1_000_000 };
    max.memory = { buffers: [{ name: 'b', size: '1 TiB', bandwidthBytesPerCycle: 1048576 }], dramBandwidth: '1 PB/s', dramLatency: '1 ms' };
    const hi = await loadProfile(writeSpec(dir, 'max.yaml', max));
    expect(hi.profile.tensorCore.denseKPerCycle).toBe(65536);
    expect(hi.spec.memory.buffers[0].sizeKiB).toBe(2 ** 30);
    expect(hi.spec.memory.dramBandwidthGBps).toBe(1e6);

    const min = goodProfile();
    min.clock = '1 MHz';
    min.tensorCore = { count: 1, lanes: 1, denseKPerCycle: 1, operandBits: 1, accumulatorBits: 1, macDatatype: 'int8' };
    min.sparsity.onlinePruning = { kind: 'hardware', network: 'batcher', groupsPerCycle: 0.001, latencyCycles: 0 };
    min.memory = { buffers: [{ name: 'b', size: '64 B', bandwidthBytesPerCycle: 0.001 }], dramBandwidth: '1 MB/s', dramLatency: '0 ns' };
    const lo = await loadProfile(writeSpec(dir, 'min.yaml', min));
    expect(lo.spec.memory.buffers[0].sizeKiB).toBe(0.0625);
    expect(lo.spec.memory.dramBandwidthGBps).toBe(0.001);
    expect(lo.profile.memory.buffers[0].bytes).toBe(64);
  });

  test('at most 64 patterns and 16 buffer levels', async () => {
    const many = goodProfile();
    many.sparsity.patterns = Array.from({ length: 65 }, (_, i) => `${(i % 32) + 1}:${i < 32 ? 32 : 64}`);
    expect((await profileDiagnostics(writeSpec(dir, 'many-patterns.yaml', many))).map((d) => d.path)).toContain('sparsity.patterns');
    const deep = goodProfile();
    deep.memory.buffers = Array.from({ length: 17 }, (_, i) => ({ name: `b${i}`, size: '1 KiB', bandwidthBytesPerCycle: 1 }));
    expect((await profileDiagnostics(writeSpec(dir, 'deep.yaml', deep))).map((d) => d.path)).toContain('memory.buffers');
  });

  test('.inf and .nan are not numbers a profile accepts', async () => {
    const yaml = (await import('yaml')).stringify(goodProfile()).replace('lanes: 16', 'lanes: .inf').replace('latencyCycles: 10', 'latencyCycles: .nan');
    const paths = (await profileDiagnostics(writeSpec(dir, 'inf.yaml', yaml))).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['tensorCore.lanes', 'sparsity.onlinePruning.latencyCycles']));
  });
});

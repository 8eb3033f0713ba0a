/**
 * The default thread count of the capture pool (src/capture/perplexity-pool.ts, freeCores): the
 * cores the 1-minute load average leaves free, at least one — measured on a loaded 2-core machine,
 * a second thread that finds no free core only costs time (bench/README.md, issue 17 capture).
 */
import { defaultThreads, freeCores } from '../../src/capture/perplexity-pool.js';
import os from 'node:os';

describe('default capture threads', () => {
  test('are the cores the rounded load average leaves free, at least 1 and at most the cores', () => {
    expect(freeCores(2, 0)).toBe(2); // idle, or an OS without load averages (Windows: 0)
    expect(freeCores(2, 0.4)).toBe(2);
    expect(freeCores(2, 0.6)).toBe(1);
    expect(freeCores(2, 6.3)).toBe(1); // this machine while three engineers run jobs
    expect(freeCores(16, 3.4)).toBe(13);
    expect(freeCores(16, 15.5)).toBe(1);
    expect(freeCores(1, 0)).toBe(1);
    expect(freeCores(4, Number.NaN)).toBe(4);
  });

  test('defaultThreads applies it to this process\'s cores and load', () => {
    expect(defaultThreads()).toBe(freeCores(os.availableParallelism(), os.loadavg()[0]));
  });
});

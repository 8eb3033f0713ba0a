import fc from 'fast-check';
import { selectionNetwork, comparatorCount, networkDepth, applyNetwork, NETWORK_KINDS } from '../../src/area/sorting-networks.js';

/** Top-N check on the output wires: the N highest wires hold the N largest inputs (as a multiset). */
function selectsTopN(kind: (typeof NETWORK_KINDS)[number], n: number, keys: number[], net = selectionNetwork(kind, n, keys.length)): boolean {
  const out = applyNetwork(net, keys);
  const got = out.slice(out.length - n).sort((a, b) => a - b);
  const want = [...keys].sort((a, b) => a - b).slice(keys.length - n);
  return JSON.stringify(got) === JSON.stringify(want);
}

describe('comparator networks', () => {
  test('Batcher odd-even merge sort needs 5/19/63/191 comparators for M = 4/8/16/32', () => {
    expect([4, 8, 16, 32].map((m) => comparatorCount(selectionNetwork('batcher', m / 2, m)))).toEqual([5, 19, 63, 191]);
  });

  test('Batcher counts follow (p² − p + 4)·2^(p−2) − 1 and depth p(p+1)/2 for M = 2^p', () => {
    for (let p = 1; p <= 6; p++) {
      const net = selectionNetwork('batcher', 2 ** (p - 1), 2 ** p);
      expect(comparatorCount(net)).toBe((p * p - p + 4) * 2 ** (p - 2) - 1);
      expect(networkDepth(net)).toBe((p * (p + 1)) / 2);
    }
  });

  test('bitonic sort needs (p(p+1)/2)·2^(p−1) comparators: 6/24/80/240', () => {
    expect([4, 8, 16, 32].map((m) => comparatorCount(selectionNetwork('bitonic', m / 2, m)))).toEqual([6, 24, 80, 240]);
  });

  test('the pruned selection network is never larger than Batcher and smaller from M = 8 on', () => {
    for (const m of [4, 6, 8, 12, 16, 32, 64]) {
      const sel = comparatorCount(selectionNetwork('selection', m / 2, m));
      const bat = comparatorCount(selectionNetwork('batcher', m / 2, m));
      expect(sel).toBeLessThanOrEqual(bat);
      if (m >= 8) expect(sel).toBeLessThan(bat);
    }
    expect(comparatorCount(selectionNetwork('selection', 16, 32))).toBe(157);
  });

  test('0-1 principle: every network selects the top N of every 0/1 input up to M = 16', () => {
    for (const kind of NETWORK_KINDS) {
      for (const m of [4, 6, 8, 12, 16]) {
        for (const n of [1, m / 2, m - 1]) {
          const net = selectionNetwork(kind, n, m);
          const v = new Int8Array(net.wires);
          for (let bits = 0; bits < 2 ** m; bits++) {
            v.fill(-1); // padding wires hold −∞ (here −1, below every 0/1 key)
            let ones = 0;
            for (let i = 0; i < m; i++) {
              v[net.wires - m + i] = (bits >> i) & 1;
              ones += (bits >> i) & 1;
            }
            for (const [lo, hi] of net.comparators) if (v[lo] > v[hi]) [v[lo], v[hi]] = [v[hi], v[lo]];
            let top = 0;
            for (let w = net.wires - n; w < net.wires; w++) top += v[w];
            if (top !== Math.min(ones, n)) throw new Error(`${kind} ${n}:${m} fails on input ${bits.toString(2)}`);
          }
        }
      }
    }
  });

  test('property: every network keeps the N largest of random keys for M up to 64', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NETWORK_KINDS),
        fc.integer({ min: 2, max: 64 }).chain((m) => fc.tuple(fc.constant(m), fc.integer({ min: 1, max: m }), fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: m, maxLength: m }))),
        (kind, [, n, keys]) => selectsTopN(kind, n, keys),
      ),
      { numRuns: 300 },
    );
  });
});

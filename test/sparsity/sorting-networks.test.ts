import fc from 'fast-check';
import {
  selectionNetwork,
  comparatorCount,
  networkDepth,
  applyNetwork,
  batcherMergeStages,
  batcherOddEvenMergeSort,
  networkComparators,
  networkDepthStages,
  NETWORK_KINDS,
  PRUNING_NETWORK_KINDS,
} from '../../src/sparsity/sorting-networks.js';

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

describe('Batcher merge stages (the analysis kernel runs them descending)', () => {
  test('are the comparators of the area model’s Batcher network, stage by stage: 5/19/63/191 for 4/8/16/32', () => {
    for (const n of [4, 8, 16, 32]) {
      expect(batcherMergeStages(n).flatMap((st) => st.comparators)).toEqual(batcherOddEvenMergeSort(n));
      expect(batcherMergeStages(n).map((st) => st.sortedBlock)).toEqual(Array.from({ length: Math.log2(n) }, (_, i) => 2 ** (i + 1)));
    }
    expect([4, 8, 16, 32].map((n) => batcherOddEvenMergeSort(n).length)).toEqual([5, 19, 63, 191]);
  });

  test('sort every 0/1 input of 16 descending (larger key to the lower wire), every block sorted after its stage', () => {
    const stages = batcherMergeStages(16);
    let unsorted = 0;
    for (let v = 0; v < 1 << 16; v++) {
      const s = Array.from({ length: 16 }, (_, i) => (v >>> i) & 1);
      for (const st of stages) {
        for (const [a, b] of st.comparators) if (s[b] > s[a]) [s[a], s[b]] = [s[b], s[a]];
        for (let blk = 0; blk < 16; blk += st.sortedBlock) {
          for (let i = blk; i + 1 < blk + st.sortedBlock; i++) if (s[i] < s[i + 1]) unsorted++;
        }
      }
    }
    expect(unsorted).toBe(0);
  });
});

describe('pruning-unit network shape (perf latency, area comparators)', () => {
  test('Batcher and bitonic take p(p+1)/2 stages for M = 2^p: 3/6/10/15 for M = 4/8/16/32', () => {
    for (const kind of ['batcher', 'bitonic'] as const) expect([4, 8, 16, 32].map((m) => networkDepthStages(kind, m))).toEqual([3, 6, 10, 15]);
  });

  test('comparators: Batcher 191, bitonic 240, pruned selection 157 for 16:32; threshold has none', () => {
    expect(networkComparators('batcher', 32)).toBe(191);
    expect(networkComparators('bitonic', 32)).toBe(240);
    expect(networkComparators('selection', 32, { n: 16 })).toBe(157);
    expect(networkComparators('threshold', 32)).toBe(0);
  });

  test('equal the generated network’s count and depth for every kind, N and M up to 64', () => {
    for (const kind of NETWORK_KINDS) {
      for (const m of [2, 3, 4, 6, 8, 12, 16, 24, 32, 64]) {
        for (const n of [1, Math.ceil(m / 2), m - 1]) {
          const net = selectionNetwork(kind, n, m);
          expect([kind, n, m, networkComparators(kind, m, { n })]).toEqual([kind, n, m, comparatorCount(net)]);
          expect([kind, n, m, networkDepthStages(kind, m, { n })]).toEqual([kind, n, m, networkDepth(net)]);
        }
      }
    }
  });

  test('threshold takes one stage per key bit: 15 magnitude + 5 index bits = 20 for BF16 groups of 32', () => {
    expect(networkDepthStages('threshold', 32, { keyBits: 16 - 1 + 5 })).toBe(20);
    expect(() => networkDepthStages('threshold', 32)).toThrow(/keyBits/);
    expect(() => networkDepthStages('selection', 32)).toThrow(/needs n/);
    expect(PRUNING_NETWORK_KINDS).toEqual([...NETWORK_KINDS, 'threshold']);
  });
});

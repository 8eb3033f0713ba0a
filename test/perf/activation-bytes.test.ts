/**
 * activationRowBytes keeps each (stored pattern, K, element width, encoding) answer: calls that
 * differ in one argument each get their own, checked against bytes worked out by hand from the
 * canonical N:M footprint (DESIGN.md §2: n·⌈log₂M⌉ index bits, M bitmask bits, ⌈log₂ C(M,N)⌉
 * combinatorial bits per group; a tail group padded to M stores N value slots).
 */
import { activationRowBytes } from '../../src/perf/activation-bytes.js';
import { parsePattern } from '../../src/sparsity/pattern.js';

const p = parsePattern;

describe('activation row bytes', () => {
  test('calls that differ in the pattern, compression, K, width or encoding each get their own bytes, twice over, and a caller may change what it gets', () => {
    const calls: Array<[Parameters<typeof activationRowBytes>, { valueBytes: number; metadataBytes: number }]> = [
      // 8:16 on 4096 BF16 values: 2048 kept × 2 bytes; 256 groups × 8·4 index bits = 1024 bytes
      [[p('8:16'), true, 4096, 2, 'index'], { valueBytes: 4096, metadataBytes: 1024 }],
      [[p('8:16'), true, 4096, 2, 'bitmask'], { valueBytes: 4096, metadataBytes: 512 }],
      // ⌈log₂ C(16,8)⌉ = ⌈log₂ 12870⌉ = 14 bits a group
      [[p('8:16'), true, 4096, 2, 'combinatorial'], { valueBytes: 4096, metadataBytes: 448 }],
      [[p('8:16'), false, 4096, 2, 'index'], { valueBytes: 8192, metadataBytes: 0 }],
      // K = 4100: the tail group of 4, padded to 16, stores N = 8 value slots: 257 groups × 8 × 2 bytes, 257 of index metadata
      [[p('8:16'), true, 4100, 2, 'index'], { valueBytes: 4112, metadataBytes: 1028 }],
      [[p('8:16'), true, 4096, 1, 'index'], { valueBytes: 2048, metadataBytes: 1024 }],
      // 2:4: 1024 groups × 2·2 index bits
      [[p('2:4'), true, 4096, 2, 'index'], { valueBytes: 4096, metadataBytes: 512 }],
      // unstructured: half the values, a K-bit bitmask
      [[p('unstructured'), true, 4096, 2, 'index'], { valueBytes: 4096, metadataBytes: 512 }],
      [[p('dense'), true, 4096, 2, 'index'], { valueBytes: 8192, metadataBytes: 0 }],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [args, expected] of calls) {
        const got = activationRowBytes(...args);
        expect(got).toEqual(expected);
        got.valueBytes = -1;
      }
    }
  });
});

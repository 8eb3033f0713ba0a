/**
 * Every user of the compressed activation footprint — analysis (measured sizes), perf (bytes
 * moved) and explore (closed-form I/O savings) — gives the same size for the same row, on a
 * grid of K × pattern × encoding that includes K not a multiple of M, K < M and K = 1.
 * Expected sizes are derived here from the convention alone (sparsity/README.md): the row is
 * padded to ⌈K/M⌉ groups, each storing N value slots and its metadata; unstructured stores
 * ⌊K/2⌋ values and a K-bit bitmask.
 */
import { compressedSizes } from '../../src/analysis/compressed-size.js';
import { activationRowBytes } from '../../src/perf/activation-bytes.js';
import { ioFootprint } from '../../src/explore/io-savings.js';
import { rowFootprint, footprintRatio } from '../../src/sparsity/footprint.js';
import { METADATA_ENCODINGS, parsePattern, type MetadataEncoding, type NmPattern, type Pattern } from '../../src/sparsity/pattern.js';

/** Metadata bits per group, from DESIGN.md §2 and ⌈log₂ C(M,N)⌉ worked out by hand. */
const META_BITS: Record<string, Record<MetadataEncoding, number>> = {
  '1:4': { index: 2, bitmask: 4, combinatorial: 2 }, // C(4,1) = 4
  '2:4': { index: 4, bitmask: 4, combinatorial: 3 }, // C(4,2) = 6
  '4:8': { index: 12, bitmask: 8, combinatorial: 7 }, // C(8,4) = 70
  '8:16': { index: 32, bitmask: 16, combinatorial: 14 }, // C(16,8) = 12,870
  '16:32': { index: 80, bitmask: 32, combinatorial: 30 }, // C(32,16) = 601,080,390
  '3:6': { index: 9, bitmask: 6, combinatorial: 5 }, // C(6,3) = 20
};

function expectedBits(pattern: string, k: number, valueBits: number, encoding: MetadataEncoding): number {
  if (pattern === 'dense') return k * valueBits;
  if (pattern === 'unstructured') return Math.floor(k / 2) * valueBits + k;
  const [n, m] = pattern.split(':').map(Number);
  return Math.ceil(k / m) * (n * valueBits + META_BITS[pattern][encoding]);
}

const PATTERNS = ['1:4', '2:4', '4:8', '8:16', '16:32', '3:6', 'unstructured'];
const KS = [1, 2, 3, 5, 7, 15, 31, 33, 64, 70, 100, 172, 4096];

describe('compressed footprint: analysis, perf and explore agree', () => {
  test.each(PATTERNS)('%s: analysis bits = perf bytes × 8 = the padded-group convention, at 16 and 8 value bits', (text) => {
    const p: Pattern = parsePattern(text);
    for (const k of KS) {
      for (const encoding of METADATA_ENCODINGS) {
        const want16 = expectedBits(text, k, 16, encoding);
        const analysis = compressedSizes(p, k, 3, 16).find((c) => c.encoding === encoding && c.valueFormat === 'trace')!;
        const analysis8 = compressedSizes(p, k, 1, 16).find((c) => c.encoding === encoding && c.valueFormat === 'int8')!;
        const perf = activationRowBytes(p, true, k, 2, encoding);
        const perf8 = activationRowBytes(p, true, k, 1, encoding);
        expect([text, k, encoding, analysis.compressedBits]).toEqual([text, k, encoding, 3 * want16]);
        expect([text, k, encoding, (perf.valueBytes + perf.metadataBytes) * 8]).toEqual([text, k, encoding, want16]);
        expect([text, k, encoding, analysis8.compressedBits, (perf8.valueBytes + perf8.metadataBytes) * 8]).toEqual([text, k, encoding, expectedBits(text, k, 8, encoding), expectedBits(text, k, 8, encoding)]);
      }
    }
  });

  test('explore’s closed-form ratio equals the measured ratio of analysis and perf wherever M divides K', () => {
    for (const text of PATTERNS.filter((t) => t !== 'unstructured')) {
      const p = parsePattern(text) as NmPattern;
      for (const k of KS.filter((v) => v % p.m === 0)) {
        for (const encoding of METADATA_ENCODINGS) {
          const closed = ioFootprint(p, encoding, 16).footprintFraction;
          const analysis = compressedSizes(parsePattern(text), k, 1, 16).find((c) => c.encoding === encoding && c.valueFormat === 'trace')!.ratio;
          const perf = activationRowBytes(parsePattern(text), true, k, 2, encoding);
          expect([text, k, encoding, analysis, (perf.valueBytes + perf.metadataBytes) / (2 * k)]).toEqual([text, k, encoding, closed, closed]);
        }
      }
    }
  });

  test('8:16 at K = 70 is 100 B with 16-bit values and index metadata: 5 padded groups × (8 × 2 B + 32 bits)', () => {
    const perf = activationRowBytes(parsePattern('8:16'), true, 70, 2, 'index');
    expect(perf).toEqual({ valueBytes: 80, metadataBytes: 20 });
    expect(compressedSizes(parsePattern('8:16'), 70, 1, 16).find((c) => c.encoding === 'index' && c.valueFormat === 'trace')!.compressedBits).toBe(800);
  });

  test('unstructured at K = 4096 is 4,608 B with 16-bit values under every encoding: 2,048 values and a 4,096-bit bitmask', () => {
    for (const encoding of METADATA_ENCODINGS) {
      const perf = activationRowBytes(parsePattern('unstructured'), true, 4096, 2, encoding);
      expect(perf).toEqual({ valueBytes: 4096, metadataBytes: 512 });
      expect(compressedSizes(parsePattern('unstructured'), 4096, 1, 16).find((c) => c.encoding === encoding && c.valueFormat === 'trace')!.compressedBits).toBe(4608 * 8);
    }
  });

  test('dense and uncompressed rows cost K values and no metadata in both', () => {
    for (const k of KS) {
      expect(activationRowBytes(parsePattern('8:16'), false, k, 2, 'index')).toEqual({ valueBytes: 2 * k, metadataBytes: 0 });
      expect(activationRowBytes(parsePattern('dense'), true, k, 2, 'index')).toEqual({ valueBytes: 2 * k, metadataBytes: 0 });
      for (const c of compressedSizes(parsePattern('dense'), k, 2, 16)) expect(c.compressedBits).toBe(c.denseBits);
    }
  });
});

describe('rowFootprint', () => {
  test('8:16 at K = 70 stores 40 value slots (38 kept values, 2 pad zeros) and 5 × 32 index bits', () => {
    expect(rowFootprint(parsePattern('8:16'), 70, 16, 'index')).toEqual({ valueSlots: 40, valueBits: 640, metadataBits: 160, totalBits: 800 });
    expect(footprintRatio(parsePattern('2:4'), 4096, 16, 'index')).toBe(0.5625);
    expect(footprintRatio(parsePattern('8:16'), 0, 16, 'index')).toBe(0);
  });
});

/**
 * Metadata: storage beside the compressed activations and the decoders that turn it into
 * mux selects.
 *
 * Storage: buffers[0] (the operand buffer) holds compressed values; each kept value brings
 * bitsPerGroup / N metadata bits (sparsity/pattern.ts: index N·⌈log₂M⌉, bitmask M,
 * combinatorial ⌈log₂C(M,N)⌉), so the buffer needs that fraction of its value capacity again
 * as metadata SRAM. A flexible core sizes it for its most metadata-hungry pattern.
 *
 * Decoders: lanes on one activation row share its metadata, so there are
 * rows × ⌈K/N⌉ group decoders (each serves one group per cycle, or one group over N/K
 * cycles). Per group:
 * - index: selects drive the mux trees directly (style mux); sorted styles subtract the
 *   constant rank, ⌈log₂M⌉ half adders per kept value.
 * - bitmask: a prefix count of the mask (M × ⌈log₂(N+1)⌉ full adders), then for each kept
 *   rank r an equality match over its M − N + 1 possible positions and an OR-encoder of the
 *   matching position into ⌈log₂M⌉ bits.
 * - combinatorial: combinadic unranking, one conditional subtract of a hard-wired binomial per
 *   position (M × (⌈log₂C⌉-bit subtractor + mux)), giving a bitmask decoded as above.
 * A flexible core's decoder is costed as its largest single-pattern decoder (narrow groups
 * reuse segments of the wide one); this is a lower bound for the union.
 */
import type { NmPattern, MetadataEncoding } from '../sparsity/pattern.js';
import { metadataBitsPerGroup, binomial, ceilLog2Big, formatPattern } from '../sparsity/pattern.js';
import type { TechLibrary } from '../profile/tech.js';
import { addCounts, cellItem, component, countsAreaUm2, scaleCounts, techTag, type AreaComponent, type CellCounts } from './component.js';
import { ceilLog2, muxTree, subtractor } from './gates.js';
import { BITS_PER_BYTE, kibText, sramItem } from './sram.js';
import type { SelectorStyle } from './selector.js';

export interface MetadataGeometry {
  rows: number;
  denseKPerCycle: number;
  operandBits: number;
  /** capacity of the operand buffer that holds compressed activations */
  operandBufferBytes: number;
  /** its access ports (the metadata columns are read with the values, so they have as many); default 1 */
  operandBufferPorts?: number;
}

/** Metadata bits per kept value. */
export function metadataBitsPerValue(p: NmPattern, encoding: MetadataEncoding): number {
  return metadataBitsPerGroup(p, encoding) / p.n;
}

function bitmaskDecodeCells(p: NmPattern): CellCounts {
  const w = ceilLog2(p.n + 1);
  const window = p.m - p.n + 1;
  return addCounts(
    { fullAdder: p.m * w },
    { xor2: p.n * window * w },
    { nand2: p.n * ceilLog2(p.m) * window },
  );
}

/** Cells of one group decoder. */
export function groupDecoderCells(p: NmPattern, encoding: MetadataEncoding, style: SelectorStyle): CellCounts {
  switch (encoding) {
    case 'index':
      return style === 'mux' ? {} : { halfAdder: p.n * ceilLog2(p.m) };
    case 'bitmask':
      return bitmaskDecodeCells(p);
    case 'combinatorial': {
      const w = ceilLog2Big(binomial(p.m, p.n));
      return addCounts(scaleCounts(addCounts(subtractor(w), muxTree(2, w)), p.m), bitmaskDecodeCells(p));
    }
  }
}

export function decodersPerCore(p: NmPattern, g: MetadataGeometry): number {
  return g.rows * Math.ceil(g.denseKPerCycle / p.n);
}

export function metadataArea(g: MetadataGeometry, patterns: readonly NmPattern[], encoding: MetadataEncoding, style: SelectorStyle, tech: TechLibrary): AreaComponent {
  const worstStorage = patterns.reduce((a, b) => (metadataBitsPerValue(b, encoding) > metadataBitsPerValue(a, encoding) ? b : a));
  const perValue = metadataBitsPerValue(worstStorage, encoding);
  const valueCapacity = (g.operandBufferBytes * BITS_PER_BYTE) / g.operandBits;
  const bits = Math.ceil(valueCapacity * perValue);
  const storage = sramItem(
    `metadata SRAM beside the ${kibText(g.operandBufferBytes)} operand buffer: ${metadataBitsPerGroup(worstStorage, encoding)} bits per ${formatPattern(worstStorage)} group (${encoding}) = ${perValue.toFixed(3)} bits per ${g.operandBits}-bit value, extra columns of the operand buffer's macro${(g.operandBufferPorts ?? 1) > 1 ? ` (${g.operandBufferPorts} ports)` : ''}`,
    bits,
    tech,
    { macroBits: g.operandBufferBytes * BITS_PER_BYTE + bits, ports: g.operandBufferPorts ?? 1 },
  );
  const decoders = patterns.map((p) => {
    const cells = scaleCounts(groupDecoderCells(p, encoding, style), decodersPerCore(p, g));
    return { p, cells, area: countsAreaUm2(cells, tech) };
  });
  const worst = decoders.reduce((a, b) => (b.area > a.area ? b : a));
  const decoderItem = cellItem(
    worst.area === 0
      ? `index selects drive the mux trees directly: no decoder logic`
      : `${decodersPerCore(worst.p, g)} ${encoding} group decoders for ${formatPattern(worst.p)} (${g.rows} activation rows × ⌈${g.denseKPerCycle}/${worst.p.n}⌉)`,
    worst.cells,
    tech,
  );
  return component(
    'metadata',
    [storage, decoderItem],
    `bits per group from sparsity/pattern.ts (${encoding}); decoders composed from cells (src/area/metadata.ts); ${tech.sram.source}; ${techTag(tech)}`,
  );
}

/**
 * Compression (packing) after the pruning unit, and decompression where the core needs the
 * dense layout back.
 *
 * Packing, per pruning unit and group: turn the selected ranks into a kept mask (for comparator
 * networks: N one-hot decoders of the winners' index tags, OR-ed; a radix select yields the
 * mask directly), derive the sorted kept indices from the mask (the bitmask decoder of
 * metadata.ts), move the kept values into N slots with (M−N+1):1 muxes (rank r lies at
 * positions r … r+M−N), encode the metadata (index and bitmask come out of the previous steps;
 * combinatorial ranking is one conditional add of a hard-wired binomial per position), and
 * register the packed group. A unit sized for groups of M_max handles M_max/M narrower groups
 * per cycle; a flexible core pays for its costliest pattern.
 *
 * Decompression only where `effect` is gating: weights then stream dense and each of a row's
 * K dense positions takes its kept value back (rank r can land on min(N, M−N+1) positions) or
 * zero. A skipping core consumes the packed values directly and needs none.
 */
import type { NmPattern, MetadataEncoding } from '../sparsity/pattern.js';
import { binomial, ceilLog2Big, formatPattern, metadataBitsPerGroup } from '../sparsity/pattern.js';
import type { TechLibrary } from '../profile/tech.js';
import { addCounts, cellItem, component, countsAreaUm2, scaleCounts, techTag, type AreaComponent, type AreaItem, type CellCounts } from './component.js';
import { and2, ceilLog2, muxTree, registers } from './gates.js';

export interface CompressionSpec {
  /** hardware pruning unit present (packing happens in hardware) */
  hardwarePacking: boolean;
  /** the pruning unit yields a mask directly (radix select) */
  maskFromUnit: boolean;
  units: number;
  operandBits: number;
  encoding: MetadataEncoding;
  gating: boolean;
  rows: number;
  denseKPerCycle: number;
}

export function packingCellsPerGroup(p: NmPattern, encoding: MetadataEncoding, operandBits: number, maskFromUnit: boolean): CellCounts {
  const lg = ceilLog2(p.m);
  const mask = maskFromUnit ? {} : addCounts(scaleCounts(and2(p.m * Math.max(0, lg - 1)), p.n), and2(p.m * Math.max(0, p.n - 1)));
  const w = ceilLog2(p.n + 1);
  const window = p.m - p.n + 1;
  const ranks = addCounts({ fullAdder: p.m * w }, { xor2: p.n * window * w }, { nand2: p.n * lg * window });
  const pack = muxTree(window, operandBits * p.n);
  const cw = ceilLog2Big(binomial(p.m, p.n));
  const encode = encoding === 'combinatorial' ? scaleCounts(addCounts({ fullAdder: cw }, muxTree(2, cw)), p.m) : {};
  const out = registers(p.n * operandBits + metadataBitsPerGroup(p, encoding));
  return addCounts(mask, ranks, pack, encode, out);
}

export function compressionArea(spec: CompressionSpec, patterns: readonly NmPattern[], tech: TechLibrary): AreaComponent {
  const items: AreaItem[] = [];
  const mMax = Math.max(...patterns.map((p) => p.m));
  if (spec.hardwarePacking) {
    const options = patterns.map((p) => {
      const cells = scaleCounts(packingCellsPerGroup(p, spec.encoding, spec.operandBits, spec.maskFromUnit), spec.units * Math.floor(mMax / p.m));
      return { p, cells, area: countsAreaUm2(cells, tech) };
    });
    const worst = options.reduce((a, b) => (b.area > a.area ? b : a));
    items.push(
      cellItem(
        `${spec.units} × ${Math.floor(mMax / worst.p.m)} ${formatPattern(worst.p)} packers: mask, rank, ${worst.p.m - worst.p.n + 1}:1 value muxes, ${spec.encoding} encode, output register`,
        worst.cells,
        tech,
      ),
    );
  }
  if (spec.gating) {
    const options = patterns.map((p) => {
      const inputs = Math.min(p.n, p.m - p.n + 1);
      const cells = scaleCounts(addCounts(muxTree(inputs, spec.operandBits), and2(spec.operandBits)), spec.rows * spec.denseKPerCycle);
      return { p, cells, area: countsAreaUm2(cells, tech), inputs };
    });
    const worst = options.reduce((a, b) => (b.area > a.area ? b : a));
    items.push(cellItem(`decompression for gating: ${spec.rows} rows × ${spec.denseKPerCycle} positions, ${worst.inputs}:1 mux + zero (${formatPattern(worst.p)})`, worst.cells, tech));
  }
  const source = spec.hardwarePacking || spec.gating
    ? `packing and decompression composed from cells (src/area/compression.ts); ${techTag(tech)}`
    : 'none in hardware: activations are pruned and compressed in software, and a skipping core reads them packed';
  return component('compression', items, source);
}

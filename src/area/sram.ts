/**
 * SRAM buffers: bits × bit-cell area ÷ array efficiency (tech file `sram`). Per-core buffers
 * belong to the core; shared ones (e.g. L2) are one instance for the chip and are reported
 * beside, not inside, the per-core total.
 */
import type { BufferLevel } from '../profile/schema.js';
import type { TechLibrary } from '../profile/tech.js';
import { KIB_BYTES } from '../profile/quantities.js';
import { component, type AreaComponent, type AreaItem } from './component.js';

export const BITS_PER_BYTE = 8;

/** "64 KiB" for a buffer of 65,536 bytes. */
export function kibText(bytes: number): string {
  return `${bytes / KIB_BYTES} KiB`;
}

export function sramAreaUm2(bits: number, tech: TechLibrary): number {
  return (bits * tech.sram.bitcellAreaUm2) / tech.sram.arrayEfficiency;
}

export function sramItem(item: string, bits: number, tech: TechLibrary): AreaItem {
  return { item, bits, areaUm2: sramAreaUm2(bits, tech) };
}

/**
 * The buffers' SRAM. `bandwidthScale` > 1 (a sparse-balanced core's per-core buffers) is built as
 * that many times the banks, each of 1/scale the bits: the bit cells stay, the periphery (the
 * macro's 1 − arrayEfficiency share: decoders, sense amplifiers, I/O) is repeated per bank, so a
 * macro costs bits × cell ÷ efficiency × (efficiency + scale × (1 − efficiency)) — ×1.3 for 2×
 * at 70 % efficiency. Assumption built on the tech file's own array efficiency; wider operand
 * buses (wires) are not costed.
 */
export function sramArea(buffers: readonly BufferLevel[], tech: TechLibrary, bandwidthScale = 1): AreaComponent {
  const eff = tech.sram.arrayEfficiency;
  const banking = eff + bandwidthScale * (1 - eff);
  const items = buffers.map((b) => {
    const item = sramItem(`${b.name}: ${kibText(b.bytes)}${bandwidthScale > 1 ? `, ${bandwidthScale}× banks for ${bandwidthScale}× bandwidth (sparse-balanced)` : ''}`, b.bytes * BITS_PER_BYTE, tech);
    return { ...item, areaUm2: item.areaUm2 * banking };
  });
  const banks = bandwidthScale > 1 ? `; ${bandwidthScale}× banks for sparse-balanced bandwidth: periphery (1 − ${eff}) repeated per bank, ×${banking.toFixed(2)}` : '';
  return component('sram', items, `${tech.sram.bitcellAreaUm2} µm² bit cell ÷ ${eff} array efficiency (${tech.sram.source})${banks}`);
}

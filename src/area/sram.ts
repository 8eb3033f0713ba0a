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

export function sramArea(buffers: readonly BufferLevel[], tech: TechLibrary): AreaComponent {
  const items = buffers.map((b) => sramItem(`${b.name}: ${kibText(b.bytes)}`, b.bytes * BITS_PER_BYTE, tech));
  return component('sram', items, `${tech.sram.bitcellAreaUm2} µm² bit cell ÷ ${tech.sram.arrayEfficiency} array efficiency (${tech.sram.source})`);
}

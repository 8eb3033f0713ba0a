/**
 * SRAM buffers: bits × bit-cell area ÷ array efficiency (tech file `sram`). Per-core buffers
 * belong to the core; shared ones (e.g. L2) are one instance for the chip and are reported
 * beside, not inside, the per-core total.
 */
import type { HardwareProfile } from '../profile/schema.js';
import type { TechLibrary } from '../profile/tech.js';
import { component, type AreaComponent, type AreaItem } from './component.js';

export function sramAreaUm2(bits: number, tech: TechLibrary): number {
  return (bits * tech.sram.bitcellAreaUm2) / tech.sram.arrayEfficiency;
}

export function sramItem(item: string, bits: number, tech: TechLibrary): AreaItem {
  return { item, bits, areaUm2: sramAreaUm2(bits, tech) };
}

type Buffer = HardwareProfile['memory']['buffers'][number];

export function sramArea(buffers: readonly Buffer[], tech: TechLibrary): AreaComponent {
  const items = buffers.map((b) => sramItem(`${b.name}: ${b.sizeKiB} KiB`, b.sizeKiB * 8192, tech));
  return component('sram', items, `${tech.sram.bitcellAreaUm2} µm² bit cell ÷ ${tech.sram.arrayEfficiency} array efficiency (${tech.sram.source})`);
}

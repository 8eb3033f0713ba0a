/**
 * SRAM area, calibrated by macro capacity, ports and kind (tech file `sram`):
 *
 *   macro (a per-core buffer):  bits × bit cell ÷ efficiency(capacity) × ports^exponent
 *   cache (a shared buffer, L2): bits × bit cell ÷ cacheEfficiency      × ports^exponent
 *
 * efficiency(capacity) is the tech file's `efficiencyByCapacity` curve, interpolated linearly in
 * log₂(capacity) and clamped at its ends (small macros are periphery-dominated); without one, the
 * flat `arrayEfficiency`. `cacheEfficiency` is a whole cache's density (tags, control, routing),
 * calibrated on a published die; `portAreaExponent` prices multi-ported cells (register files).
 * Per-core buffers belong to the core; shared ones are one instance for the chip and are
 * reported beside, not inside, the per-core total. The published figures these reproduce are
 * checked in test/area/sram-calibration.test.ts.
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

/** Share of a macro of `bits` that is bit cells: the tech file's capacity curve, or its flat array efficiency. */
export function macroEfficiency(bits: number, tech: TechLibrary): number {
  const curve = tech.sram.efficiencyByCapacity;
  if (!curve) return tech.sram.arrayEfficiency;
  const kib = bits / BITS_PER_BYTE / KIB_BYTES;
  const pts = curve.points;
  if (kib <= pts[0].kib) return pts[0].value;
  const last = pts[pts.length - 1];
  if (kib >= last.kib) return last.value;
  const i = pts.findIndex((p) => p.kib >= kib);
  const a = pts[i - 1];
  const b = pts[i];
  const t = Math.log2(kib / a.kib) / Math.log2(b.kib / a.kib);
  return a.value + t * (b.value - a.value);
}

/** A whole shared cache's efficiency (bit cells ÷ cache area). */
export function cacheEfficiency(tech: TechLibrary): number {
  return tech.sram.cacheEfficiency?.value ?? tech.sram.arrayEfficiency;
}

/** Area of a p-port cell in single-port cells. */
export function portAreaFactor(ports: number, tech: TechLibrary): number {
  return ports ** tech.sram.portAreaExponent.value;
}

export interface SramShape {
  /** a whole shared cache (L2) rather than a macro */
  cache?: boolean;
  /** access ports per cell (default 1) */
  ports?: number;
  /** capacity of the macro these bits are columns of (its efficiency applies); default: the bits themselves */
  macroBits?: number;
}

export function sramAreaUm2(bits: number, tech: TechLibrary, shape: SramShape = {}): number {
  const eff = shape.cache ? cacheEfficiency(tech) : macroEfficiency(shape.macroBits ?? bits, tech);
  return ((bits * tech.sram.bitcellAreaUm2) / eff) * portAreaFactor(shape.ports ?? 1, tech);
}

export function sramItem(item: string, bits: number, tech: TechLibrary, shape: SramShape = {}): AreaItem {
  return { item, bits, areaUm2: sramAreaUm2(bits, tech, shape) };
}

/** How one buffer is costed, in words (the component's source line). */
function bufferBasis(b: BufferLevel, tech: TechLibrary): string {
  const bits = b.bytes * BITS_PER_BYTE;
  const eff = b.shared ? `cache efficiency ${cacheEfficiency(tech).toFixed(3)}` : `efficiency ${macroEfficiency(bits, tech).toFixed(3)} at ${kibText(b.bytes)}`;
  const ports = (b.ports ?? 1) > 1 ? `, ${b.ports} ports ×${portAreaFactor(b.ports!, tech).toFixed(1)}` : '';
  return `${b.name}: ${eff}${ports}`;
}

/**
 * The buffers' SRAM. `bandwidthScale` > 1 (a sparse-balanced core's per-core buffers) is built as
 * that many times the banks, each of 1/scale the bits: the bit cells stay, the periphery (the
 * macro's 1 − efficiency share: decoders, sense amplifiers, I/O) is repeated per bank, so a
 * macro costs its area × (efficiency + scale × (1 − efficiency)). Assumption built on the macro's
 * own efficiency; wider operand buses (wires) are not costed.
 */
export function sramArea(buffers: readonly BufferLevel[], tech: TechLibrary, bandwidthScale = 1): AreaComponent {
  const items = buffers.map((b) => {
    const bits = b.bytes * BITS_PER_BYTE;
    const eff = b.shared ? cacheEfficiency(tech) : macroEfficiency(bits, tech);
    const banking = eff + bandwidthScale * (1 - eff);
    const ports = b.ports ?? 1;
    const label = `${b.name}: ${kibText(b.bytes)}${ports > 1 ? `, ${ports} ports` : ''}${bandwidthScale > 1 ? `, ${bandwidthScale}× banks for ${bandwidthScale}× bandwidth (sparse-balanced)` : ''}`;
    const item = sramItem(label, bits, tech, { cache: b.shared, ports });
    return { ...item, areaUm2: item.areaUm2 * banking };
  });
  const s = tech.sram;
  const parts = [
    s.source,
    ...buffers.map((b) => bufferBasis(b, tech)),
    s.efficiencyByCapacity ? `efficiency by capacity: ${s.efficiencyByCapacity.source}` : '',
    buffers.some((b) => b.shared) && s.cacheEfficiency ? `cache efficiency: ${s.cacheEfficiency.source}` : '',
    buffers.some((b) => (b.ports ?? 1) > 1) ? `ports: ${s.portAreaExponent.source}` : '',
    bandwidthScale > 1 ? `${bandwidthScale}× banks for sparse-balanced bandwidth: periphery (1 − efficiency) repeated per bank` : '',
  ].filter((x) => x !== '');
  return component('sram', items, parts.join('; '));
}

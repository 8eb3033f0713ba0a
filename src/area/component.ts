/**
 * What every area function returns: a named component, its area in µm², the breakdown that
 * produced it (cell counts × cell areas) and the source of the numbers, so a reviewer can
 * trace each figure (the Accelergy habit of naming the estimator beside every number).
 */
import type { CellName, TechLibrary } from '../profile/tech.js';

export const COMPONENT_NAMES = ['mac_array', 'selector', 'metadata', 'pruning_unit', 'compression', 'sram'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export type CellCounts = Partial<Record<CellName, number>>;

export interface AreaItem {
  /** what this line is, e.g. "32:1 operand mux, per kept lane per operand bit" */
  item: string;
  /** cells used, by kind (absent for SRAM lines) */
  cells?: CellCounts;
  /** SRAM bits (SRAM lines only) */
  bits?: number;
  areaUm2: number;
}

export interface AreaComponent {
  name: ComponentName;
  areaUm2: number;
  breakdown: AreaItem[];
  /** modelling assumption and where the constants come from */
  source: string;
}

export function addCounts(...parts: CellCounts[]): CellCounts {
  const out: CellCounts = {};
  for (const p of parts) for (const [k, v] of Object.entries(p) as Array<[CellName, number]>) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function scaleCounts(c: CellCounts, factor: number): CellCounts {
  const out: CellCounts = {};
  for (const [k, v] of Object.entries(c) as Array<[CellName, number]>) out[k] = v * factor;
  return out;
}

export function countsAreaUm2(c: CellCounts, tech: TechLibrary): number {
  let a = 0;
  for (const [k, v] of Object.entries(c) as Array<[CellName, number]>) a += v * tech.cells[k].areaUm2;
  return a;
}

export function cellItem(item: string, cells: CellCounts, tech: TechLibrary): AreaItem {
  return { item, cells, areaUm2: countsAreaUm2(cells, tech) };
}

export function component(name: ComponentName, breakdown: AreaItem[], source: string): AreaComponent {
  return { name, areaUm2: breakdown.reduce((s, i) => s + i.areaUm2, 0), breakdown, source };
}

/** "Nangate 45nm Open Cell Library (nangate45)" style tag for a component's source line. */
export function techTag(tech: TechLibrary): string {
  return `cells: ${tech.name} tech file${tech.derivation ? ` (${tech.derivation})` : ''}`;
}

/**
 * Area report for one profile at one technology node:
 *
 *   profile + tech ─▶ dense baseline (MAC array + per-core SRAM)
 *                  ─▶ the profile's core (its whole pattern set: selector union, widest
 *                     pruning network, largest decoders)
 *                  ─▶ one single-pattern core per pattern, at the same dense throughput and
 *                     the same pruning rate in elements per cycle
 *                  ─▶ overhead of each vs the dense core, and chip totals
 *
 * Pure: no files, no printing. The CLI picks the tech file (profile or --node).
 */
import type { HardwareProfile } from '../profile/schema.js';
import type { TechLibrary } from '../profile/tech.js';
import { formatPattern, parsePattern, type MetadataEncoding, type NmPattern } from '../sparsity/pattern.js';
import { COMPONENT_NAMES, type AreaComponent, type ComponentName } from './component.js';
import { macArrayArea } from './mac-array.js';
import { selectorArea, type SelectorStyle } from './selector.js';
import { metadataArea } from './metadata.js';
import { pruningUnitArea } from './pruning-unit.js';
import type { PruningNetworkKind } from '../sparsity/sorting-networks.js';
import { compressionArea } from './compression.js';
import { sramArea } from './sram.js';

export interface AreaOptions {
  /** patterns the core supports, instead of the profile's list */
  patterns?: readonly NmPattern[];
  selectorStyle?: SelectorStyle;
  metadataEncoding?: MetadataEncoding;
  network?: PruningNetworkKind;
}

export interface CoreArea {
  /** "dense", "8:16", or "2:4 + 4:8 + 8:16 + 16:32" */
  label: string;
  patterns: string[];
  components: AreaComponent[];
  totalUm2: number;
  overheadUm2: number;
  /** (total − dense) / dense core */
  overheadVsDense: number;
  /** (total − dense) / dense MAC array */
  overheadVsMacArray: number;
}

export interface AreaReport {
  profile: string;
  tech: string;
  techDerivation?: string;
  selectorStyle: SelectorStyle;
  metadataEncoding: MetadataEncoding;
  pruning: { kind: HardwareProfile['sparsity']['onlinePruning']['kind']; network?: PruningNetworkKind; elementsPerCycle?: number };
  dense: CoreArea;
  core: CoreArea;
  perPattern: CoreArea[];
  chip: { tensorCores: number; denseCoresMm2: number; coresMm2: number; sharedSramMm2: number };
}

function zero(name: ComponentName, source: string): AreaComponent {
  return { name, areaUm2: 0, breakdown: [], source };
}

interface Resolved {
  style: SelectorStyle;
  encoding: MetadataEncoding;
  network: PruningNetworkKind;
  elementsPerCycle: number;
}

function coreComponents(profile: HardwareProfile, patterns: readonly NmPattern[], r: Resolved, tech: TechLibrary): AreaComponent[] {
  const tc = profile.tensorCore;
  const sp = profile.sparsity;
  const rows = tc.activationRowsPerCycle ?? tc.lanes;
  const perCore = profile.memory.buffers.filter((b) => !b.shared);
  const mac = macArrayArea(tc, tech);
  const sram = sramArea(perCore, tech);
  if (patterns.length === 0) {
    return [mac, ...(['selector', 'metadata', 'pruning_unit', 'compression'] as const).map((n) => zero(n, 'not present in a dense core')), sram];
  }
  const gating = sp.effect === 'gating';
  const selector = gating
    ? zero('selector', 'gating: weights stream dense, so no weight selector (see compression: decompression)')
    : selectorArea(tc, patterns, r.style, tech);
  const operandBuffer = profile.memory.buffers[0];
  const metadata = metadataArea({ rows, denseKPerCycle: tc.denseKPerCycle, operandBits: tc.operandBits, operandBufferKiB: operandBuffer.sizeKiB }, patterns, r.encoding, gating ? 'mux' : r.style, tech);
  const hardware = sp.onlinePruning.kind === 'hardware';
  const mMax = Math.max(...patterns.map((p) => p.m));
  const units = Math.ceil(r.elementsPerCycle / mMax);
  const pruning = hardware
    ? pruningUnitArea(
        { network: r.network, groupsPerCycle: r.elementsPerCycle / mMax, latencyCycles: sp.onlinePruning.latencyCycles, operandBits: tc.operandBits, signedInteger: tc.macDatatype === 'int8' },
        patterns,
        tech,
      )
    : zero('pruning_unit', sp.onlinePruning.kind === 'software' ? 'software: a separate pass through memory prunes the activations (no hardware unit)' : 'none: the sparse operand arrives pruned');
  const compression = compressionArea(
    { hardwarePacking: hardware, maskFromUnit: r.network === 'threshold', units, operandBits: tc.operandBits, encoding: r.encoding, gating, rows, denseKPerCycle: tc.denseKPerCycle },
    patterns,
    tech,
  );
  return [mac, selector, metadata, pruning, compression, sram];
}

function coreArea(label: string, patterns: readonly NmPattern[], components: AreaComponent[], dense?: { total: number; mac: number }): CoreArea {
  const totalUm2 = components.reduce((s, c) => s + c.areaUm2, 0);
  const denseTotal = dense?.total ?? totalUm2;
  const mac = dense?.mac ?? components.find((c) => c.name === 'mac_array')!.areaUm2;
  return {
    label,
    patterns: patterns.map(formatPattern),
    components,
    totalUm2,
    overheadUm2: totalUm2 - denseTotal,
    overheadVsDense: (totalUm2 - denseTotal) / denseTotal,
    overheadVsMacArray: (totalUm2 - denseTotal) / mac,
  };
}

export function areaReport(profile: HardwareProfile, tech: TechLibrary, opts: AreaOptions = {}): AreaReport {
  const sp = profile.sparsity;
  const profilePatterns = sp.patterns.map((t) => parsePattern(t)).filter((p): p is NmPattern => p.kind === 'nm');
  const patterns = opts.patterns ?? profilePatterns;
  const profileMMax = Math.max(0, ...profilePatterns.map((p) => p.m));
  // the pruning rate is kept in elements per cycle, so cores built for other patterns prune as fast
  const elementsPerCycle = (sp.onlinePruning.groupsPerCycle ?? 1) * (profileMMax || Math.max(1, ...patterns.map((p) => p.m)));
  const r: Resolved = {
    style: opts.selectorStyle ?? sp.selectorStyle,
    encoding: opts.metadataEncoding ?? sp.metadataEncoding,
    network: opts.network ?? sp.onlinePruning.network ?? 'batcher',
    elementsPerCycle,
  };
  const denseComponents = coreComponents(profile, [], r, tech);
  const dense = coreArea('dense', [], denseComponents);
  const ref = { total: dense.totalUm2, mac: denseComponents[0].areaUm2 };
  const core = coreArea(patterns.length === 0 ? 'dense' : patterns.map(formatPattern).join(' + '), patterns, coreComponents(profile, patterns, r, tech), ref);
  const perPattern = patterns.map((p) => coreArea(formatPattern(p), [p], coreComponents(profile, [p], r, tech), ref));
  const shared = profile.memory.buffers.filter((b) => b.shared);
  const sharedSramUm2 = sramArea(shared, tech).areaUm2;
  const n = profile.tensorCore.count;
  return {
    profile: profile.name,
    tech: tech.name,
    techDerivation: tech.derivation,
    selectorStyle: r.style,
    metadataEncoding: r.encoding,
    pruning: {
      kind: sp.onlinePruning.kind,
      ...(sp.onlinePruning.kind === 'hardware' ? { network: r.network, elementsPerCycle } : {}),
    },
    dense,
    core,
    perPattern,
    chip: { tensorCores: n, denseCoresMm2: (dense.totalUm2 * n) / 1e6, coresMm2: (core.totalUm2 * n) / 1e6, sharedSramMm2: sharedSramUm2 / 1e6 },
  };
}

export function componentOf(core: CoreArea, name: ComponentName): AreaComponent {
  return core.components.find((c) => c.name === name)!;
}

export { COMPONENT_NAMES };

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
import { withDesignChoices, type DesignChoices } from '../profile/normalize.js';
import { formatPattern, type MetadataEncoding, type NmPattern } from '../sparsity/pattern.js';
import type { AreaComponent, ComponentName } from './component.js';
import { macArrayArea } from './mac-array.js';
import { selectorArea, type SelectorStyle } from './selector.js';
import { metadataArea } from './metadata.js';
import { pruningUnitArea } from './pruning-unit.js';
import type { PruningNetworkKind } from '../sparsity/sorting-networks.js';
import { compressionArea } from './compression.js';
import { sramArea } from './sram.js';
import { pipelineTiming, type PipelineTiming } from './timing.js';

/** Other design choices than the profile's (patterns the core supports, selector, encoding, network). */
export type AreaOptions = DesignChoices;

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
  /** (total − dense) × tensor cores per SM / the die's area per physical SM; absent without the profile's chip */
  overheadVsSm?: number;
  /** (total − dense) × tensor cores / the die area; absent without the profile's chip */
  overheadVsDie?: number;
}

/** The chip the cores sit in (profile `chip`): the denominators of the per-SM and per-die shares. */
export interface ChipDenominators {
  dieMm2: number;
  sms: number;
  physicalSms: number;
  tensorCoresPerSm: number;
  /**
   * die area ÷ physical SMs: an UPPER bound on one SM's own area (it carries each SM's share of
   * L2, crossbar, HBM and NVLink PHYs), so a share of it is a lower bound. No die-shot SM area
   * was found; LLMCompass's area model, calibrated to GA100's 826 mm², gives 4.10 mm² per A100
   * SM (a model: /work/research/perf/a100_h100_chip.csv), 0.64 of A100's 6.45 mm² here.
   */
  smMm2: number;
  /** the profile's tensor cores (count) with the report's core: mm² and share of the die */
  coresVsDie: number;
  /** the profile core's additions over the dense core on every tensor core of the chip, mm² */
  overheadMm2: number;
  source: string;
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
  chip: { tensorCores: number; denseCoresMm2: number; coresMm2: number; sharedSramMm2: number; die?: ChipDenominators };
  /** selector and pruning-unit pipeline stages at the profile's clock (area/timing.ts); absent when the tech file has no timing */
  timing?: PipelineTiming;
}

function zero(name: ComponentName, source: string): AreaComponent {
  return { name, areaUm2: 0, breakdown: [], source };
}

/** The six components of one core supporting `patterns` (none: the dense core), by the profile's design choices. */
function coreComponents(profile: HardwareProfile, patterns: readonly NmPattern[], tech: TechLibrary): AreaComponent[] {
  const tc = profile.tensorCore;
  const sp = profile.sparsity;
  const rows = tc.activationRowsPerCycle;
  const perCore = profile.memory.buffers.filter((b) => !b.shared);
  const mac = macArrayArea(tc, tech);
  // the dense baseline has the dense-balanced buffers; a sparse core its provisioning's banks
  const sram = sramArea(perCore, tech, patterns.length === 0 ? 1 : profile.sparsity.bandwidthScale);
  if (patterns.length === 0) {
    return [mac, ...(['selector', 'metadata', 'pruning_unit', 'compression'] as const).map((n) => zero(n, 'not present in a dense core')), sram];
  }
  const gating = sp.effect === 'gating';
  const selector = gating
    ? zero('selector', 'gating: weights stream dense, so no weight selector (see compression: decompression)')
    : selectorArea(tc, patterns, sp.selectorStyle, tech);
  const operandBuffer = profile.memory.buffers[0];
  const metadata = metadataArea(
    { rows, denseKPerCycle: tc.denseKPerCycle, operandBits: tc.operandBits, operandBufferBytes: operandBuffer.bytes, operandBufferPorts: operandBuffer.ports ?? 1 },
    patterns,
    sp.metadataEncoding,
    gating ? 'mux' : sp.selectorStyle,
    tech,
  );
  const unit = sp.onlinePruning;
  const hardware = unit.kind === 'hardware';
  const mMax = Math.max(...patterns.map((p) => p.m));
  // the unit keeps its rate in elements per cycle, so a core built for other patterns prunes as fast
  const units = hardware ? Math.ceil(unit.elementsPerCyclePerCore / mMax) : 0;
  const pruning = hardware
    ? pruningUnitArea(
        { network: unit.network, groupsPerCycle: unit.elementsPerCyclePerCore / mMax, latencyCycles: unit.latencyCycles, operandBits: tc.operandBits, signedInteger: tc.macDatatype === 'int8' },
        patterns,
        tech,
      )
    : zero('pruning_unit', unit.kind === 'software' ? 'software: a separate pass through memory prunes the activations (no hardware unit)' : 'none: the sparse operand arrives pruned');
  const compression = compressionArea(
    { hardwarePacking: hardware, maskFromUnit: hardware && unit.network === 'threshold', units, operandBits: tc.operandBits, encoding: sp.metadataEncoding, gating, rows, denseKPerCycle: tc.denseKPerCycle },
    patterns,
    tech,
  );
  return [mac, selector, metadata, pruning, compression, sram];
}

const totalUm2 = (components: readonly AreaComponent[]): number => components.reduce((s, c) => s + c.areaUm2, 0);

const UM2_PER_MM2 = 1e6;

/** The die's area per physical SM (mm²), the SM denominator (see ChipDenominators.smMm2). */
export function smAreaMm2(chip: NonNullable<HardwareProfile['chip']>): number {
  return chip.dieAreaMm2 / chip.physicalSms;
}

/** A core's totals and its overhead against the dense core (total and MAC array, µm²), the SM and the die. */
function coreArea(
  label: string,
  patterns: readonly NmPattern[],
  components: AreaComponent[],
  dense: { totalUm2: number; macUm2: number },
  chip?: { chip: NonNullable<HardwareProfile['chip']>; tensorCores: number },
): CoreArea {
  const total = totalUm2(components);
  const overhead = total - dense.totalUm2;
  const shares = chip
    ? {
        overheadVsSm: (overhead * chip.chip.tensorCoresPerSm) / (smAreaMm2(chip.chip) * UM2_PER_MM2),
        overheadVsDie: (overhead * chip.tensorCores) / (chip.chip.dieAreaMm2 * UM2_PER_MM2),
      }
    : {};
  return {
    label,
    patterns: patterns.map(formatPattern),
    components,
    totalUm2: total,
    overheadUm2: total - dense.totalUm2,
    overheadVsDense: (total - dense.totalUm2) / dense.totalUm2,
    overheadVsMacArray: (total - dense.totalUm2) / dense.macUm2,
    ...shares,
  };
}

export function areaReport(profile: HardwareProfile, tech: TechLibrary, opts: AreaOptions = {}): AreaReport {
  const design = withDesignChoices(profile, opts);
  const sp = design.sparsity;
  const patterns = sp.patterns;
  const denseComponents = coreComponents(design, [], tech);
  const ref = { totalUm2: totalUm2(denseComponents), macUm2: denseComponents[0].areaUm2 };
  const n = design.tensorCore.count;
  const onChip = design.chip ? { chip: design.chip, tensorCores: n } : undefined;
  const dense = coreArea('dense', [], denseComponents, ref, onChip);
  const core = coreArea(patterns.length === 0 ? 'dense' : patterns.map(formatPattern).join(' + '), patterns, coreComponents(design, patterns, tech), ref, onChip);
  const perPattern = patterns.map((p) => coreArea(formatPattern(p), [p], coreComponents(design, [p], tech), ref, onChip));
  const shared = design.memory.buffers.filter((b) => b.shared);
  const sharedSramUm2 = sramArea(shared, tech).areaUm2;
  const c = design.chip;
  const die: ChipDenominators | undefined = c
    ? {
        dieMm2: c.dieAreaMm2,
        sms: c.sms,
        physicalSms: c.physicalSms,
        tensorCoresPerSm: c.tensorCoresPerSm,
        smMm2: smAreaMm2(c),
        coresVsDie: (core.totalUm2 * n) / UM2_PER_MM2 / c.dieAreaMm2,
        overheadMm2: (core.overheadUm2 * n) / UM2_PER_MM2,
        source: c.source,
      }
    : undefined;
  const unit = sp.onlinePruning;
  const timing = pipelineTiming(design, patterns, tech);
  return {
    profile: design.name,
    tech: tech.name,
    techDerivation: tech.derivation,
    selectorStyle: sp.selectorStyle,
    metadataEncoding: sp.metadataEncoding,
    pruning: {
      kind: unit.kind,
      ...(unit.kind === 'hardware' ? { network: unit.network, elementsPerCycle: unit.elementsPerCyclePerCore } : {}),
    },
    dense,
    core,
    perPattern,
    chip: {
      tensorCores: n,
      denseCoresMm2: (dense.totalUm2 * n) / UM2_PER_MM2,
      coresMm2: (core.totalUm2 * n) / UM2_PER_MM2,
      sharedSramMm2: sharedSramUm2 / UM2_PER_MM2,
      ...(die ? { die } : {}),
    },
    ...(timing ? { timing } : {}),
  };
}

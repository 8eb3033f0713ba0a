/**
 * Normalize: a validated `ProfileSpec` → the `HardwareProfile` every model reads, once, at load.
 *
 *   patterns: text ─▶ NmPattern, each once (sparsity/pattern.ts)
 *   defaults: every optional key the file left out ─▶ its documented default (defaults.ts),
 *             listed in `defaulted`
 *   units:    KiB ─▶ bytes, GB/s ─▶ bytes per cycle, ns ─▶ cycles (rounded up), MHz ─▶ Hz
 *   warnings: designs that load but are probably not what was meant (as data)
 *
 * A hardware pruning unit's latency defaults to the stages of the unit the area model costs for
 * the profile's patterns (sparsity/sorting-networks.ts `pruningUnitStages`), so perf and area describe
 * one unit. Pure: no files; throws NmsimError only for patterns that are not N:M.
 */
import { isNmsimError, NmsimError, type Diagnostic } from '../diagnostics.js';
import { formatPattern, parsePattern, samePattern, type MetadataEncoding, type NmPattern } from '../sparsity/pattern.js';
import { excerpt } from '../user-text.js';
import { pruningUnitStages } from '../sparsity/sorting-networks.js';
import { DEFAULT_KERNEL_LAUNCH_NS, DEFAULT_PRUNING_GROUPS_PER_CYCLE_PER_CORE, DEFAULT_PRUNING_NETWORK } from './defaults.js';
import { KIB_BYTES } from './quantities.js';
import type { BufferLevel, ExecutionModel, HardwareProfile, OnlinePruning, ProfileSpec, PruningNetwork, SelectorStyle } from './schema.js';

/** 1 ns × 1 MHz = 10⁻³ cycles. */
const NS_MHZ_PER_CYCLE = 1000;

export interface NormalizedProfile {
  profile: HardwareProfile;
  warnings: Diagnostic[];
}

/** Parses the native patterns; errors name `sparsity.patterns[i]`, a pattern listed twice is kept once with a warning. */
function nativePatterns(texts: readonly string[], file: string | undefined): { patterns: NmPattern[]; listedAt: number[]; errors: Diagnostic[]; warnings: Diagnostic[] } {
  const patterns: NmPattern[] = [];
  const listedAt: number[] = [];
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const at = file === undefined ? {} : { file };
  texts.forEach((text, i) => {
    const where = `sparsity.patterns[${i}]`;
    try {
      const p = parsePattern(text, { ...at, path: where });
      if (p.kind !== 'nm') {
        errors.push({
          code: 'profile/invalid-pattern',
          severity: 'error',
          ...at,
          path: where,
          message: `"${text}" is not an N:M pattern a core can run natively.`,
          hint: 'list N:M patterns such as "2:4" or "8:16"; dense is always supported (see sparsity.fallback).',
        });
        return;
      }
      if (patterns.some((q) => samePattern(p, q))) {
        warnings.push({ code: 'profile/duplicate-pattern', severity: 'warning', ...at, path: where, message: `${formatPattern(p)} is listed twice; it is modelled once.`, hint: 'list each pattern once.' });
        return;
      }
      patterns.push(p);
      listedAt.push(i);
    } catch (e) {
      if (!isNmsimError(e)) throw e;
      // the pattern text is the user's: quoted as a short escaped excerpt only
      for (const d of e.diagnostics) {
        errors.push({ ...d, code: 'profile/invalid-pattern', ...at, path: where, message: d.message.split(`"${text}"`).join(excerpt(text)), found: excerpt(text) });
      }
    }
  });
  return { patterns, listedAt, errors, warnings };
}

/** Latency of a unit that does not give one: one register rank per stage (0 with no pattern to prune). */
export function defaultPruningLatencyCycles(network: PruningNetwork, patterns: readonly NmPattern[], operandBits: number): number {
  return patterns.length === 0 ? 0 : pruningUnitStages(network, patterns, operandBits);
}

function widestM(patterns: readonly NmPattern[]): number {
  return Math.max(0, ...patterns.map((p) => p.m));
}

function onlinePruning(spec: ProfileSpec, patterns: readonly NmPattern[], defaulted: string[]): OnlinePruning {
  const u = spec.sparsity.onlinePruning;
  if (u.kind !== 'hardware') return { kind: u.kind };
  const key = (k: string) => `sparsity.onlinePruning.${k}`;
  if (u.network === undefined) defaulted.push(key('network'));
  if (u.groupsPerCycle === undefined) defaulted.push(key('groupsPerCycle'));
  if (u.latencyCycles === undefined) defaulted.push(key('latencyCycles'));
  const network = u.network ?? DEFAULT_PRUNING_NETWORK;
  const groupsPerCycle = u.groupsPerCycle ?? DEFAULT_PRUNING_GROUPS_PER_CYCLE_PER_CORE;
  return {
    kind: 'hardware',
    network,
    groupsPerCycle,
    elementsPerCyclePerCore: groupsPerCycle * widestM(patterns),
    latencyCycles: u.latencyCycles ?? defaultPruningLatencyCycles(network, patterns, spec.tensorCore.operandBits),
  };
}

/** The execution figures, each its documented default when the file leaves it out. */
function executionModel(spec: ProfileSpec, defaulted: string[]): ExecutionModel {
  const e = spec.execution ?? {};
  const pick = (key: keyof ExecutionModel, fallback: number): number => {
    const v = e[key];
    if (v === undefined) defaulted.push(`execution.${key}`);
    return v ?? fallback;
  };
  const mainloopEfficiency = pick('mainloopEfficiency', 1);
  return {
    mainloopEfficiency,
    sparseMainloopEfficiency: pick('sparseMainloopEfficiency', mainloopEfficiency),
    dramEfficiency: pick('dramEfficiency', 1),
    attentionEfficiency: pick('attentionEfficiency', 1),
    kernelLaunchNs: pick('kernelLaunchNs', DEFAULT_KERNEL_LAUNCH_NS),
  };
}

/**
 * Resolves every default and unit of a validated spec. Throws NmsimError (every bad pattern at
 * once) when a listed pattern is not N:M; returns the warnings as data.
 */
export function normalizeProfile(spec: ProfileSpec, file?: string): NormalizedProfile {
  const native = nativePatterns(spec.sparsity.patterns, file);
  if (native.errors.length > 0) throw new NmsimError(native.errors);
  const { patterns } = native;
  const defaulted: string[] = [];
  if (spec.sources === undefined) defaulted.push('sources');
  const tc = spec.tensorCore;
  if (tc.activationRowsPerCycle === undefined) defaulted.push('tensorCore.activationRowsPerCycle');
  const clockHz = spec.clockMHz * 1e6;
  if (tc.perSm === undefined) defaulted.push('tensorCore.perSm');
  else if (tc.count % tc.perSm !== 0) {
    throw new NmsimError([
      {
        code: 'profile/per-sm-not-divisor',
        severity: 'error',
        file,
        path: 'tensorCore.perSm',
        message: `tensorCore.perSm (${tc.perSm}) must divide tensorCore.count (${tc.count}): an SM holds whole tensor cores.`,
        expected: `a divisor of ${tc.count}`,
        found: String(tc.perSm),
        hint: 'A100 and H100 have 4 tensor cores per SM (432 = 108 × 4, 528 = 132 × 4).',
      },
    ]);
  }
  const provisioning = spec.sparsity.provisioning ?? 'dense-balanced';
  if (spec.sparsity.provisioning === undefined) defaulted.push('sparsity.provisioning');
  // sparse-balanced: the per-core operand levels deliver the widest skip's rate, M/N × the dense one
  const bandwidthScale = provisioning === 'sparse-balanced' ? Math.max(1, ...patterns.map((p) => p.m / p.n)) : 1;
  const buffers: BufferLevel[] = spec.memory.buffers.map((b, i) => {
    if (b.shared === undefined) defaulted.push(`memory.buffers[${i}].shared`);
    const shared = b.shared ?? false;
    return { name: b.name, bytes: b.sizeKiB * KIB_BYTES, bandwidthBytesPerCycle: b.bandwidthBytesPerCycle * (shared ? 1 : bandwidthScale), shared, ...(b.ports !== undefined ? { ports: b.ports } : {}) };
  });
  const profile: HardwareProfile = {
    name: spec.name,
    description: spec.description,
    illustrative: spec.illustrative,
    sources: spec.sources ?? [],
    clockMHz: spec.clockMHz,
    clockHz,
    tensorCore: {
      count: tc.count,
      perSm: tc.perSm ?? 1,
      lanes: tc.lanes,
      denseKPerCycle: tc.denseKPerCycle,
      // a row needs at least one lane (the loader warns when the file asks for more)
      activationRowsPerCycle: Math.min(tc.lanes, tc.activationRowsPerCycle ?? tc.lanes),
      operandBits: tc.operandBits,
      accumulatorBits: tc.accumulatorBits,
      macDatatype: tc.macDatatype,
    },
    sparsity: {
      operand: spec.sparsity.operand,
      patterns,
      metadataEncoding: spec.sparsity.metadataEncoding,
      selectorStyle: spec.sparsity.selectorStyle,
      effect: spec.sparsity.effect,
      fallback: spec.sparsity.fallback,
      onlinePruning: onlinePruning(spec, patterns, defaulted),
      provisioning,
      bandwidthScale,
    },
    memory: {
      buffers,
      dramBytesPerCycle: (spec.memory.dramBandwidthGBps * 1e9) / clockHz,
      // ns × MHz / 1000 = cycles, exact for whole ns and MHz (ns × 1e-9 × Hz made 500 ns at
      // 1830 MHz 915.0000000000001, rounded up to 916)
      dramLatencyCycles: Math.ceil((spec.memory.dramLatencyNs * spec.clockMHz) / NS_MHZ_PER_CYCLE),
      ...(spec.memory.dramCapacityGB !== undefined ? { dramCapacityBytes: spec.memory.dramCapacityGB * 1e9 } : {}),
    },
    execution: executionModel(spec, defaulted),
    tech: spec.tech,
    ...(spec.power ? { power: { tdpW: spec.power.tdpW, idleW: spec.power.idleW, staticW: spec.power.staticW, source: spec.power.source } } : {}),
    ...(spec.chip ? { chip: { ...spec.chip } } : {}),
    defaulted,
  };
  return { profile, warnings: [...native.warnings, ...consistencyWarnings(spec, profile, native.listedAt, file)] };
}

/** Designs that load but are probably not what was meant; each says what the models assume. */
function consistencyWarnings(spec: ProfileSpec, profile: HardwareProfile, listedAt: readonly number[], file: string | undefined): Diagnostic[] {
  const w: Diagnostic[] = [];
  const warn = (pathStr: string, message: string, hint: string) =>
    w.push({ code: 'profile/inconsistent', severity: 'warning', ...(file === undefined ? {} : { file }), path: pathStr, message, hint });
  const written = spec.sparsity.onlinePruning;
  const unit = profile.sparsity.onlinePruning;
  if (unit.kind === 'hardware') {
    if (written.network === undefined) warn('sparsity.onlinePruning.network', `a hardware pruning unit without a network; "${unit.network}" is assumed.`, 'name the network: batcher, bitonic, selection or threshold.');
    if (written.groupsPerCycle === undefined) warn('sparsity.onlinePruning.groupsPerCycle', `a hardware pruning unit without a rate; ${unit.groupsPerCycle} group per cycle is assumed.`, 'give groupsPerCycle (groups of the largest M pruned per cycle per core).');
    if (written.latencyCycles === undefined) warn('sparsity.onlinePruning.latencyCycles', `a hardware pruning unit without a pipeline latency; one register rank per stage of its ${unit.network} unit is assumed (${unit.latencyCycles} cycles).`, 'give latencyCycles.');
    if (spec.sparsity.operand === 'weight') warn('sparsity.onlinePruning.kind', 'weights are pruned offline; a hardware online pruning unit is unusual for a weight-sparse core.', 'use kind: none or software for weight sparsity.');
  } else if (written.network !== undefined || written.groupsPerCycle !== undefined || written.latencyCycles !== undefined) {
    warn('sparsity.onlinePruning', `network, groupsPerCycle and latencyCycles describe a hardware unit and are ignored for kind "${unit.kind}".`, 'remove them, or set kind: hardware.');
  }
  const tc = spec.tensorCore;
  if (tc.activationRowsPerCycle !== undefined && tc.activationRowsPerCycle > tc.lanes) {
    warn('tensorCore.activationRowsPerCycle', `activationRowsPerCycle (${tc.activationRowsPerCycle}) exceeds lanes (${tc.lanes}); a row needs a lane, so ${tc.lanes} rows are modelled.`, 'lanes are rows × output columns; give at most as many rows as lanes.');
  } else if (tc.activationRowsPerCycle !== undefined && tc.lanes % tc.activationRowsPerCycle !== 0) {
    warn('tensorCore.activationRowsPerCycle', `lanes (${tc.lanes}) is not a multiple of activationRowsPerCycle (${tc.activationRowsPerCycle}).`, 'lanes are rows × output columns; make lanes a multiple of the row count.');
  }
  if (profile.sparsity.selectorStyle === 'hierarchical') {
    profile.sparsity.patterns.forEach((p, i) => {
      if (p.m % 2 !== 0 || p.n % 2 !== 0 || tc.denseKPerCycle % 2 !== 0) {
        warn(`sparsity.patterns[${listedAt[i]}]`, `the hierarchical selector picks blocks of 2 elements; ${formatPattern(p)} (or denseKPerCycle) does not split into them, so the selector is costed as sorted-mux.`, 'use even N, M and denseKPerCycle, or selectorStyle: sorted-mux.');
      }
    });
  }
  const chip = spec.chip;
  if (chip && chip.sms * chip.tensorCoresPerSm !== tc.count) {
    warn(
      'chip.tensorCoresPerSm',
      `the chip's ${chip.sms} SMs × ${chip.tensorCoresPerSm} = ${chip.sms * chip.tensorCoresPerSm} tensor cores, but tensorCore.count is ${tc.count}; the area report's per-SM share uses ${chip.tensorCoresPerSm} per SM and the per-die share ${tc.count}.`,
      'make chip.sms × chip.tensorCoresPerSm equal tensorCore.count (sms counts the enabled SMs).',
    );
  }
  if (profile.sparsity.patterns.length === 0 && unit.kind === 'hardware') {
    warn('sparsity.patterns', 'a pruning unit on a core that lists no sparse pattern.', 'list the patterns the core runs, or set onlinePruning.kind: none.');
  }
  return w;
}

/** What-if design choices on a profile (`nmsim area --pattern/--selector/--encoding/--network`). */
export interface DesignChoices {
  patterns?: readonly NmPattern[];
  selectorStyle?: SelectorStyle;
  metadataEncoding?: MetadataEncoding;
  network?: PruningNetwork;
  /** operand provisioning (`nmsim review --axes provisioning=…`): the per-core buffer bandwidths are rescaled as normalize scales them */
  provisioning?: HardwareProfile['sparsity']['provisioning'];
}

/**
 * The profile with other design choices. The pruning unit keeps its rate in elements per cycle
 * (a core built for other patterns prunes as fast; a core that listed none gets groupsPerCycle
 * groups of the new widest M), and a latency the profile left to its default follows the new
 * network and patterns.
 */
export function withDesignChoices(profile: HardwareProfile, choices: DesignChoices): HardwareProfile {
  const sp = profile.sparsity;
  const patterns = choices.patterns === undefined ? sp.patterns : choices.patterns.filter((p, i) => choices.patterns!.findIndex((q) => samePattern(p, q)) === i);
  let unit = sp.onlinePruning;
  if (unit.kind === 'hardware') {
    const network = choices.network ?? unit.network;
    unit = {
      ...unit,
      network,
      elementsPerCyclePerCore: unit.elementsPerCyclePerCore || unit.groupsPerCycle * Math.max(1, widestM(patterns)),
      latencyCycles: profile.defaulted.includes('sparsity.onlinePruning.latencyCycles')
        ? defaultPruningLatencyCycles(network, patterns, profile.tensorCore.operandBits)
        : unit.latencyCycles,
    };
  }
  const provisioning = choices.provisioning ?? sp.provisioning;
  // as normalize: sparse-balanced per-core levels deliver the widest skip's rate, M/N × the dense one
  const bandwidthScale = provisioning === 'sparse-balanced' ? Math.max(1, ...patterns.map((p) => p.m / p.n)) : 1;
  const buffers =
    bandwidthScale === sp.bandwidthScale
      ? profile.memory.buffers
      : profile.memory.buffers.map((b) => (b.shared ? b : { ...b, bandwidthBytesPerCycle: (b.bandwidthBytesPerCycle / sp.bandwidthScale) * bandwidthScale }));
  return {
    ...profile,
    sparsity: {
      ...sp,
      patterns: [...patterns],
      selectorStyle: choices.selectorStyle ?? sp.selectorStyle,
      metadataEncoding: choices.metadataEncoding ?? sp.metadataEncoding,
      onlinePruning: unit,
      provisioning,
      bandwidthScale,
    },
    memory: { ...profile.memory, buffers },
  };
}

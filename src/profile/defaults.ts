/**
 * Every default a hardware profile may leave out, with its value (or rule) and its source. The
 * normalize step (normalize.ts) is the only place that applies them; models never see a missing
 * field. hardware-profiles/README.md shows this table (a test keeps the two in step).
 */

/**
 * Online pruning unit rate when a hardware unit does not give one. Assumption: one group of the
 * widest native M per cycle per tensor core.
 */
export const DEFAULT_PRUNING_GROUPS_PER_CYCLE_PER_CORE = 1;

/**
 * Online pruning network when a hardware unit does not name one: Batcher's odd-even merge sort
 * (K. E. Batcher, "Sorting networks and their applications", AFIPS SJCC 1968), the network
 * DESIGN.md §2 costs (5/19/63/191 comparators for M = 4/8/16/32).
 */
export const DEFAULT_PRUNING_NETWORK = 'batcher' as const;

/**
 * Gap between back-to-back dependent kernels (launch + tail), charged once per operator.
 * Assumption: 2 µs, the order of magnitude of a CUDA kernel launch (about 1.3 µs per kernel with
 * CUDA graphs on H100 is reported: Hazy Research, "Look Ma, No Bubbles!", 2025, via a secondary
 * summary). Set 0 to model an accelerator that sequences operators in hardware.
 */
export const DEFAULT_KERNEL_LAUNCH_NS = 2000;

export interface ProfileDefault {
  /** the value, or the rule that gives it */
  value: string;
  /** where it applies */
  when: string;
  source: string;
}

/** By key path, `[]` standing for every element of a list. */
export const PROFILE_DEFAULTS = {
  sources: { value: 'none', when: 'always', source: 'citations are optional' },
  'tensorCore.activationRowsPerCycle': {
    value: 'lanes',
    when: 'always',
    source: 'assumption: no two lanes share an activation row, so none shares its metadata decode (conservative for area)',
  },
  'sparsity.onlinePruning.network': {
    value: DEFAULT_PRUNING_NETWORK,
    when: 'kind: hardware',
    source: 'Batcher odd-even merge sort (AFIPS 1968), the network DESIGN.md §2 costs',
  },
  'sparsity.onlinePruning.groupsPerCycle': {
    value: String(DEFAULT_PRUNING_GROUPS_PER_CYCLE_PER_CORE),
    when: 'kind: hardware',
    source: 'assumption: one group of the widest native M per cycle per tensor core',
  },
  'sparsity.onlinePruning.latencyCycles': {
    value: 'one register rank per stage of the unit: its network depth for the widest native M, or one stage per key bit (threshold)',
    when: 'kind: hardware',
    source: 'assumption: one comparator stage per cycle; depths by construction (Batcher and bitonic for M = 2^p: p(p+1)/2, Knuth TAOCP vol. 3 §5.3.4); area/pruning-unit.ts costs the same unit',
  },
  'memory.buffers[].shared': { value: 'false', when: 'always', source: 'a buffer level is per tensor core unless it says otherwise' },
  'sparsity.provisioning': { value: 'dense-balanced', when: 'always', source: 'the operand bandwidths the profile gives are what the core has' },
  'tensorCore.perSm': { value: '1', when: 'always', source: 'each tensor core is its own SM: its tile shares nothing with another core' },
  'execution.mainloopEfficiency': { value: '1', when: 'always', source: 'assumption: the main loop issues tensor-core work every cycle (an upper bound)' },
  'execution.sparseMainloopEfficiency': { value: 'execution.mainloopEfficiency', when: 'always', source: 'assumption: sparse kernels issue MACs as well as dense ones on the same core' },
  'execution.dramEfficiency': { value: '1', when: 'always', source: 'assumption: streaming kernels sustain the published DRAM bandwidth (an upper bound)' },
  'execution.attentionEfficiency': { value: '1', when: 'always', source: 'assumption: fused attention runs at the dense tensor peak (an upper bound; FlashAttention-2 reaches up to 73 % on A100, FlashAttention-3 up to 75 % on H100)' },
  'execution.kernelLaunchNs': { value: String(DEFAULT_KERNEL_LAUNCH_NS), when: 'always', source: 'assumption: 2 µs, the order of a CUDA kernel launch (about 1.3 µs with CUDA graphs on H100, Hazy Research 2025)' },
} as const satisfies Record<string, ProfileDefault>;

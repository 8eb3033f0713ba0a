/**
 * Hardware profile: the design, not the workload (DESIGN.md §4), in two forms.
 *
 *   file ─▶ quantities with units resolved into unit keys (quantities.ts) ─▶ ProfileSchema (zod)
 *        ─▶ `ProfileSpec`: what the file says, validated; optional keys may be absent
 *        ─▶ normalize.ts ─▶ `HardwareProfile`: every default resolved (defaults.ts) and every
 *           unit converted to the one the models compute in (bytes, cycles, Hz); patterns parsed
 *
 * Models (perf/, area/) only ever see `HardwareProfile` and read plain numbers from it.
 */
import { z } from 'zod';
import { METADATA_ENCODINGS, type NmPattern } from '../sparsity/pattern.js';
import { limitedNumber, PROFILE_LIST_LIMITS } from './limits.js';
import { PRUNING_NETWORK_KINDS, type PruningNetworkKind } from '../sparsity/sorting-networks.js';

export const SPARSE_OPERANDS = ['activation', 'weight', 'both'] as const;
export const SELECTOR_STYLES = ['mux', 'sorted-mux', 'hierarchical'] as const;
export const SPARSITY_EFFECTS = ['skipping', 'gating'] as const;
export const FALLBACKS = ['dense', 'compatible'] as const;
export const PRUNING_UNIT_KINDS = ['hardware', 'software', 'none'] as const;
export const MAC_DATATYPES = ['fp16', 'bf16', 'fp8', 'int8', 'tf32', 'fp32'] as const;
/**
 * What the per-core operand buffers (register file, shared memory) were sized for: the dense
 * compute rate, or the sparse one (M/N times the dense operand traffic of the widest skip).
 */
export const PROVISIONINGS = ['dense-balanced', 'sparse-balanced'] as const;

export const BufferSchema = z
  .object({
    name: z.string().min(1).describe('e.g. "smem", "operand-buffer", "l2"'),
    sizeKiB: limitedNumber('memory.buffers[].sizeKiB').describe('per tensor core for a per-core buffer; the whole instance when shared'),
    bandwidthBytesPerCycle: limitedNumber('memory.buffers[].bandwidthBytesPerCycle').describe('per tensor core for a per-core buffer; for a shared one (`shared: true`), the whole instance'),
    shared: z.boolean().optional().describe('true when one instance serves every core (e.g. L2). Default: false'),
    ports: z.number().int().min(1).max(16).optional().describe('independent access ports of each bit cell (a register file bank reads and writes in one cycle: 2); area scales with the tech file\'s sram.portAreaExponent. Default: 1'),
  })
  .strict();

/** The chip the tensor cores sit in (area denominators), with its source. */
export const ChipSchema = z
  .object({
    dieAreaMm2: z.number().positive().max(1_000_000).describe('published die area, mm²'),
    sms: z.number().int().positive().max(1_000_000).describe('SMs enabled on the product (its tensor cores are tensorCore.count)'),
    physicalSms: z.number().int().positive().max(1_000_000).describe('SMs on the full die (the die area is shared by all of them)'),
    tensorCoresPerSm: z.number().int().positive().max(1024).describe('tensor cores per SM'),
    source: z.string().min(1),
  })
  .strict()
  .refine((c) => c.sms <= c.physicalSms, { message: 'expected sms ≤ physicalSms', path: ['sms'] });

/** Published power of the chip (W, board level as NVIDIA rates it), with its source. */
export const PowerSchema = z
  .object({
    tdpW: z.number().positive().max(1_000_000).describe('thermal design power (board power limit), W'),
    idleW: z.number().nonnegative().max(1_000_000).describe('power drawn with nothing running (idle clocks), W; reported'),
    staticW: z
      .number()
      .nonnegative()
      .max(1_000_000)
      .describe('power drawn at operating clocks that no modelled event accounts for (leakage at operating voltage, clock tree, control), W: the energy model’s static component'),
    source: z.string().min(1),
  })
  .strict()
  .refine((p) => p.idleW <= p.staticW && p.staticW < p.tdpW, { message: 'expected idle ≤ static < TDP', path: ['staticW'] });

export const ProfileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().min(1).describe('what is assumed, and whether the numbers are illustrative'),
    illustrative: z.boolean().describe('true when the design is a what-if, not a shipped product'),
    sources: z.array(z.string().min(1)).max(PROFILE_LIST_LIMITS.sources.max).optional().describe('citations for clocks, counts, bandwidths. Default: none'),
    clockMHz: limitedNumber('clockMHz'),
    tensorCore: z
      .object({
        count: limitedNumber('tensorCore.count').describe('tensor cores in the chip'),
        perSm: limitedNumber('tensorCore.perSm')
          .optional()
          .describe('tensor cores per SM: a GEMM kernel gives each SM one thread-block tile, shared by its tensor cores and staged in their pooled per-core buffers. Default: 1'),
        lanes: limitedNumber('tensorCore.lanes').describe('independent dot-product lanes per core'),
        denseKPerCycle: limitedNumber('tensorCore.denseKPerCycle').describe('reduction depth each lane consumes per cycle, dense'),
        activationRowsPerCycle: limitedNumber('tensorCore.activationRowsPerCycle')
          .optional()
          .describe(
            'distinct activation rows (tokens) the lanes consume per cycle; lanes on one row share its sparsity metadata. Default: lanes (no sharing, conservative)',
          ),
        operandBits: limitedNumber('tensorCore.operandBits'),
        accumulatorBits: limitedNumber('tensorCore.accumulatorBits'),
        macDatatype: z.enum(MAC_DATATYPES),
      })
      .strict(),
    sparsity: z
      .object({
        operand: z.enum(SPARSE_OPERANDS),
        patterns: z.array(z.string().min(1)).max(PROFILE_LIST_LIMITS['sparsity.patterns'].max).describe('N:M patterns run natively, e.g. ["2:4", "4:8", "8:16"]'),
        metadataEncoding: z.enum(METADATA_ENCODINGS),
        selectorStyle: z.enum(SELECTOR_STYLES),
        effect: z.enum(SPARSITY_EFFECTS),
        fallback: z.enum(FALLBACKS).describe('unsupported pattern: run dense, or a compatible narrower pattern'),
        provisioning: z
          .enum(PROVISIONINGS)
          .optional()
          .describe('per-core operand buffer bandwidths as given (dense-balanced), or × the widest M/N (sparse-balanced; the area model charges the banks). Default: dense-balanced'),
        onlinePruning: z
          .object({
            kind: z.enum(PRUNING_UNIT_KINDS).describe('software: a separate pass through memory before the GEMM'),
            network: z.enum(PRUNING_NETWORK_KINDS).optional().describe('hardware only. Default: batcher'),
            groupsPerCycle: limitedNumber('sparsity.onlinePruning.groupsPerCycle').optional().describe('hardware only: groups of the widest native M per cycle per core. Default: 1'),
            latencyCycles: limitedNumber('sparsity.onlinePruning.latencyCycles').optional().describe('hardware only. Default: one register rank per stage of the unit'),
          })
          .strict(),
      })
      .strict(),
    memory: z
      .object({
        buffers: z.array(BufferSchema).min(1).max(PROFILE_LIST_LIMITS['memory.buffers'].max).describe('innermost first: buffers[0] is the operand buffer that holds (compressed) activations'),
        dramBandwidthGBps: limitedNumber('memory.dramBandwidthGBps'),
        dramLatencyNs: limitedNumber('memory.dramLatencyNs'),
        dramCapacityGB: limitedNumber('memory.dramCapacityGB')
          .optional()
          .describe('device memory (GB = 10⁹ bytes; cite the datasheet): the serving metrics mark a batch whose weights + KV cache exceed it as not fitting. Absent: not checked'),
      })
      .strict(),
    execution: z
      .object({
        mainloopEfficiency: limitedNumber('execution.mainloopEfficiency')
          .optional()
          .describe('fraction of cycles a GEMM main loop issues tensor-core work in steady state (measured kernels; cite the calibration). Default: 1'),
        sparseMainloopEfficiency: limitedNumber('execution.sparseMainloopEfficiency')
          .optional()
          .describe('the same for sparse (MAC-skipping) kernels, of the sparse peak. Default: mainloopEfficiency'),
        dramEfficiency: limitedNumber('execution.dramEfficiency').optional().describe('fraction of the DRAM bandwidth streaming kernels sustain. Default: 1'),
        attentionEfficiency: limitedNumber('execution.attentionEfficiency')
          .optional()
          .describe('fraction of the dense tensor peak fused attention (QKᵀ, PV) reaches (cite the measurement). Default: 1'),
        kernelLaunchNs: limitedNumber('execution.kernelLaunchNs').optional().describe('gap between dependent kernels (launch + tail), charged once per operator. Default: 2000 ns'),
      })
      .strict()
      .optional()
      .describe('how kernels run on the chip: measured efficiencies and overheads. Default: every key its own default'),
    tech: z.string().min(1).describe('tech file name without extension, e.g. "nangate45": found next to the profile (its tech/ folder, then its own folder) or shipped in hardware-profiles/tech/'),
    power: PowerSchema.optional().describe('published board power figures (energy model: static power, TDP check). Default: none'),
    chip: ChipSchema.optional().describe('published die area and SM counts: the area report\'s per-SM and per-die denominators. Default: none'),
  })
  .strict();

/** A profile as its file says it, validated, with units resolved into the unit keys. */
export type ProfileSpec = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;

export type SparseOperand = (typeof SPARSE_OPERANDS)[number];
export type SelectorStyle = (typeof SELECTOR_STYLES)[number];
export type PruningNetwork = PruningNetworkKind;
export type MacDatatype = (typeof MAC_DATATYPES)[number];

/** A hardware online pruning unit, every figure resolved. */
export interface HardwarePruningUnit {
  kind: 'hardware';
  network: PruningNetwork;
  /** groups of the widest native M pruned per cycle per core */
  groupsPerCycle: number;
  /** groupsPerCycle × the widest native M: the unit's rate whatever pattern it prunes (0 when the core lists no pattern) */
  elementsPerCyclePerCore: number;
  /** cycles from a group entering the unit to its kept values leaving it */
  latencyCycles: number;
}

export type OnlinePruning = HardwarePruningUnit | { kind: 'software' } | { kind: 'none' };

export interface BufferLevel {
  name: string;
  bytes: number;
  /** per tensor core for a per-core level; the whole instance for a shared one */
  bandwidthBytesPerCycle: number;
  /** one instance serves every core (L2) */
  shared: boolean;
  /** access ports per bit cell, when the profile states them (absent: one port) */
  ports?: number;
}

/** How kernels run on the chip, every figure resolved. */
export interface ExecutionModel {
  /** fraction in (0, 1] of cycles the GEMM main loop issues tensor-core work */
  mainloopEfficiency: number;
  /** the same for sparse kernels that skip MACs */
  sparseMainloopEfficiency: number;
  /** fraction in (0, 1] of the DRAM bandwidth streaming kernels sustain */
  dramEfficiency: number;
  /** fraction in (0, 1] of the dense tensor peak fused attention reaches */
  attentionEfficiency: number;
  kernelLaunchNs: number;
}

/**
 * The normalized profile (normalize.ts) — what every model reads. Every default is resolved and
 * listed in `defaulted`; sizes are bytes, DRAM figures are per cycle of `clockHz`.
 */
export interface HardwareProfile {
  name: string;
  description: string;
  illustrative: boolean;
  sources: string[];
  /** the clock as the profile gives it (reports) */
  clockMHz: number;
  clockHz: number;
  tensorCore: {
    count: number;
    /** tensor cores per SM (they share one thread-block tile); divides count */
    perSm: number;
    lanes: number;
    denseKPerCycle: number;
    /** distinct activation rows per cycle, 1 … lanes */
    activationRowsPerCycle: number;
    operandBits: number;
    accumulatorBits: number;
    macDatatype: MacDatatype;
  };
  sparsity: {
    operand: SparseOperand;
    /** native N:M patterns, each once, in the profile's order */
    patterns: NmPattern[];
    metadataEncoding: ProfileSpec['sparsity']['metadataEncoding'];
    selectorStyle: SelectorStyle;
    effect: ProfileSpec['sparsity']['effect'];
    fallback: ProfileSpec['sparsity']['fallback'];
    onlinePruning: OnlinePruning;
    provisioning: (typeof PROVISIONINGS)[number];
    /** what provisioning multiplied the per-core buffer bandwidths by (1 when dense-balanced) */
    bandwidthScale: number;
  };
  memory: {
    /** innermost first: buffers[0] is the operand buffer */
    buffers: BufferLevel[];
    dramBytesPerCycle: number;
    /** DRAM latency rounded up to whole cycles */
    dramLatencyCycles: number;
    /** device memory in bytes (absent: the profile gives none, and nothing is checked against it) */
    dramCapacityBytes?: number;
  };
  execution: ExecutionModel;
  tech: string;
  /** published board power (W); absent when the profile gives none */
  power?: { tdpW: number; idleW: number; staticW: number; source: string };
  /** published die area and SM counts; absent when the profile gives none */
  chip?: { dieAreaMm2: number; sms: number; physicalSms: number; tensorCoresPerSm: number; source: string };
  /** key paths the profile left out and normalize filled with their documented default (defaults.ts) */
  defaulted: string[];
}

/**
 * Hardware profile: the design, not the workload (DESIGN.md §4). This is the *resolved* form:
 * every quantity is a plain number whose unit is in its key. The loader (profile/load.ts)
 * accepts YAML or JSON where a quantity may instead be written with units under the key
 * without its unit suffix (`clock: 1.41 GHz` → `clockMHz: 1410`), converts once with mathjs,
 * then validates against this schema (every number within its bound, limits.ts). Models only
 * ever see `HardwareProfile`.
 */
import { z } from 'zod';
import { limitedNumber, PROFILE_LIST_LIMITS } from './limits.js';
import { PRUNING_NETWORK_KINDS } from '../sparsity/sorting-networks.js';
import { METADATA_ENCODINGS } from '../sparsity/pattern.js';

export const SPARSE_OPERANDS = ['activation', 'weight', 'both'] as const;
export const SELECTOR_STYLES = ['mux', 'sorted-mux', 'hierarchical'] as const;
export const SPARSITY_EFFECTS = ['skipping', 'gating'] as const;
export const FALLBACKS = ['dense', 'compatible'] as const;
export const PRUNING_UNIT_KINDS = ['hardware', 'software', 'none'] as const;
export const MAC_DATATYPES = ['fp16', 'bf16', 'fp8', 'int8', 'tf32', 'fp32'] as const;

export const BufferSchema = z
  .object({
    name: z.string().min(1).describe('e.g. "smem", "operand-buffer", "l2"'),
    sizeKiB: limitedNumber('memory.buffers[].sizeKiB').describe('per tensor core for a per-core buffer; the whole instance when shared'),
    bandwidthBytesPerCycle: limitedNumber('memory.buffers[].bandwidthBytesPerCycle').describe('per tensor core for a per-core buffer; for a shared one (`shared: true`), the whole instance'),
    shared: z.boolean().default(false).describe('true when one instance serves every core (e.g. L2)'),
  })
  .strict();

export const ProfileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().min(1).describe('what is assumed, and whether the numbers are illustrative'),
    illustrative: z.boolean().describe('true when the design is a what-if, not a shipped product'),
    sources: z.array(z.string().min(1)).max(PROFILE_LIST_LIMITS.sources.max).default([]).describe('citations for clocks, counts, bandwidths'),
    clockMHz: limitedNumber('clockMHz'),
    tensorCore: z
      .object({
        count: limitedNumber('tensorCore.count').describe('tensor cores in the chip'),
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
        onlinePruning: z
          .object({
            kind: z.enum(PRUNING_UNIT_KINDS).describe('software: a separate pass through memory before the GEMM'),
            network: z.enum(PRUNING_NETWORK_KINDS).optional(),
            groupsPerCycle: limitedNumber('sparsity.onlinePruning.groupsPerCycle').optional(),
            latencyCycles: limitedNumber('sparsity.onlinePruning.latencyCycles').optional(),
          })
          .strict(),
      })
      .strict(),
    memory: z
      .object({
        buffers: z.array(BufferSchema).min(1).max(PROFILE_LIST_LIMITS['memory.buffers'].max).describe('innermost first: buffers[0] is the operand buffer that holds (compressed) activations'),
        dramBandwidthGBps: limitedNumber('memory.dramBandwidthGBps'),
        dramLatencyNs: limitedNumber('memory.dramLatencyNs'),
      })
      .strict(),
    tech: z.string().min(1).describe('tech file name without extension, e.g. "nangate45": found next to the profile (its tech/ folder, then its own folder) or shipped in hardware-profiles/tech/'),
  })
  .strict();

export type HardwareProfile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;

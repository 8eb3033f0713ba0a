/**
 * Every modelling constant of the performance model, with its unit in its name and its source
 * or an explicit "assumption" label. Nothing else in src/perf holds a bare number. What a
 * profile may leave out (the pruning unit's rate, network and latency, …) is not a perf
 * constant: profile/defaults.ts holds those defaults and profile/normalize.ts applies them.
 */

/**
 * Operand reuse inside the MAC array: operands move from the operand buffer (buffers[0]) into
 * the array one matrix fragment at a time and are reused inside it. Fragment shape from the
 * NVIDIA PTX ISA, warp-level `mma.sync.aligned.m16n8k16` (FP16/BF16): A 16 × 16, B 16 × 8.
 * At 256 MACs/cycle that is (16·16 + 16·8) · 2 B / 8 cycles = 96 B/cycle, the a100-like
 * profile's operand-buffer bandwidth. Assumption for non-NVIDIA designs.
 */
export const MMA_FRAGMENT_ROWS_TOKENS = 16;
export const MMA_FRAGMENT_COLS_OUT = 8;
export const MMA_FRAGMENT_K_ELEMENTS = 16;

/**
 * Output tile per core and reduction step (elements). Assumption: a 128 × 128 output tile with
 * 64-deep K steps, a common CUTLASS threadblock tile for FP16 tensor-op GEMMs (CUTLASS
 * `GemmShape<128, 128, 64>`); shrunk until double-buffered operands and the accumulator tile
 * fit the core's local buffer. K steps are rounded up to whole N:M groups.
 */
export const DEFAULT_TILE_ROWS_TOKENS = 128;
export const DEFAULT_TILE_COLS_OUT = 128;
export const DEFAULT_TILE_K_ELEMENTS = 64;

/** Operand stages in flight per core: double buffering (load step s+1 while computing step s). */
export const OPERAND_BUFFER_STAGES = 2;

/** Assumption: cycles from the last MAC of a tile to its accumulators being readable. */
export const MAC_PIPELINE_DRAIN_CYCLES = 4;

/**
 * Metadata decode latency per encoding (cycles, pipelined: one group per lane-row per cycle,
 * so decode adds fill latency, not throughput). Assumptions from the decoders' structure:
 * index — one register stage; bitmask — a prefix-popcount tree, ⌈log₂ M⌉ stages;
 * combinatorial — unranking the combinatorial number system, 4 positions per stage, ⌈M/4⌉ stages.
 */
export const INDEX_DECODE_LATENCY_CYCLES = 1;
export const COMBINATORIAL_UNRANK_POSITIONS_PER_CYCLE = 4;

/**
 * Software online pruning (today's GPUs): activations are pruned and compressed by separate
 * kernels through memory before the sparse GEMM. cuSPARSELt exposes them as two calls,
 * `cusparseLtSpMMAPrune` (dense in → pruned dense out) and `cusparseLtSpMMACompress` (pruned
 * dense in → values + metadata out) — NVIDIA cuSPARSELt documentation, "Matmul" API.
 */
export const SOFTWARE_PRUNE_KERNELS_PER_SITE = 2;

/**
 * Vector (non-tensor-core) throughput per tensor core, for norms, softmax and activations.
 * Assumption from the NVIDIA A100 whitepaper SM layout: 64 FP32 lanes and 4 tensor cores per
 * SM → 16 FP32 FMA lanes (32 flop/cycle) per tensor core.
 */
export const VECTOR_FLOPS_PER_CYCLE_PER_TENSOR_CORE = 32;

/**
 * The tile pipeline is simulated wave by wave over every tile of a GEMM (gemm-pipeline.ts), so
 * its time grows with the tile count. Bound: 2^20 tiles per GEMM. The largest sizes the CLI
 * accepts (--tokens 131,072, --batch 8,192) stay inside it on every shipped profile and catalog
 * model (widest: qwen2.5-7b's gate/up at 131,072 tokens on 64 × 64 tiles, 606,208 tiles, about
 * 1 s per pattern). More tiles come from an operand buffer too small for a useful tile (the
 * tile shrinks to lane rows × columns) or a size no review needs; the model refuses them
 * rather than running for minutes.
 */
export const MAX_SIMULATED_TILES_PER_GEMM = 2 ** 20;

/**
 * Vector-unit work per element for the non-GEMM operators. These only matter where an operator
 * is not memory-bound; on every profile shipped they are (a few flops per 2-byte element against
 * a ridge point of hundreds of flops per byte). Assumptions, counted by hand from the operator
 * definitions (one transcendental counted as one flop):
 */
/** RMSNorm: square, accumulate, scale by 1/rms, scale by the learned weight */
export const RMSNORM_FLOPS_PER_ELEMENT = 4;
/** online softmax over one attention score: max, subtract, exp, accumulate, rescale */
export const SOFTMAX_FLOPS_PER_SCORE = 5;
/** SiLU/GELU gate times up: sigmoid-or-tanh (~3), multiply by x, multiply by up */
export const GATED_ACTIVATION_FLOPS_PER_ELEMENT = 5;
/** residual add */
export const RESIDUAL_FLOPS_PER_ELEMENT = 1;

/**
 * The iso-area alternative of a sparse core: what the same extra silicon would buy as more DENSE
 * tensor cores. A sparse core is worth building only if it beats that.
 *
 *   extra mm² (chip)     = (sparse core µm² − dense core µm²) × tensor cores ÷ 10⁶
 *   extra dense cores    = extra mm² ÷ dense core mm²  (= area overhead fraction × tensor cores)
 *   iso-area speed-up    = (cores + extra) ÷ cores      where the dense step scales with cores,
 *                        = 1×                           where the dense step is bound by a resource
 *                                                       more cores do not add (DRAM bandwidth, kernel launch)
 *
 * Which case holds is the perf model's own answer: the DENSE step's binding resource (perf
 * ModelSim.bottleneck, carried on the point as densePrefillBottleneck / decode[].denseBottleneck).
 * The rule is whole-step (the binding that holds the most cycles decides), an upper bound on
 * what extra cores buy in a compute-bound step (they add no bandwidth) and a lower one in a
 * memory-bound step (its compute-bound layers would still gain a little).
 */
import { activationPoints, type DesignPoint } from './design-point.js';

const UM2_PER_MM2 = 1e6;

/** Dense-step bindings more tensor cores do not relieve: the shared DRAM bandwidth and the fixed kernel-launch time. */
export const NOT_SCALED_BY_CORES: readonly string[] = ['dram', 'launch'];

/** One phase: the sparse core's speed-up against what the same area buys as dense cores. */
export interface IsoAreaPhase {
  /** the sparse core's speed-up over the same core run dense */
  sparseSpeedup: number;
  /** the dense chip with the extra cores, over the dense chip */
  isoAreaSpeedup: number;
  /** the dense step's binding resource (undefined: the perf model named none; scaled as compute) */
  denseBottleneck?: string;
  /** the dense step is bound by something more cores do not add, so the extra cores buy 1× */
  bound: boolean;
  /** sparse speed-up > iso-area speed-up */
  sparseWins: boolean;
}

export interface IsoArea {
  pointId: string;
  profile: string;
  tensorCores: number;
  /** the sparse additions on every tensor core of the chip, mm² */
  extraMm2: number;
  denseCoreMm2: number;
  /** extra mm² ÷ dense core mm² (fractional: an equivalent, not a floor plan) */
  extraDenseCores: number;
  prefill: IsoAreaPhase;
  decode: ({ batchTokens: number } & IsoAreaPhase)[];
}

function phase(sparseSpeedup: number, scale: number, denseBottleneck: string | undefined): IsoAreaPhase {
  const bound = denseBottleneck !== undefined && NOT_SCALED_BY_CORES.includes(denseBottleneck);
  const isoAreaSpeedup = bound ? 1 : scale;
  return { sparseSpeedup, isoAreaSpeedup, ...(denseBottleneck !== undefined ? { denseBottleneck } : {}), bound, sparseWins: sparseSpeedup > isoAreaSpeedup };
}

/** The iso-area alternative of one point, or undefined when the point has no chip (hand-made points). */
export function isoAreaOf(p: DesignPoint): IsoArea | undefined {
  if (!p.chip) return undefined;
  const n = p.chip.tensorCores;
  const extraMm2 = ((p.areaUm2 - p.denseAreaUm2) * n) / UM2_PER_MM2;
  const denseCoreMm2 = p.denseAreaUm2 / UM2_PER_MM2;
  const extraDenseCores = extraMm2 / denseCoreMm2;
  const scale = (n + extraDenseCores) / n;
  return {
    pointId: p.id,
    profile: p.profile,
    tensorCores: n,
    extraMm2,
    denseCoreMm2,
    extraDenseCores,
    prefill: phase(p.prefillSpeedup, scale, p.densePrefillBottleneck),
    decode: p.decode.map((d) => ({ batchTokens: d.batchTokens, ...phase(d.speedup, scale, d.denseBottleneck) })),
  };
}

/** The iso-area alternative of every activation point that has a chip, in the points' order. */
export function isoAreaRows(points: readonly DesignPoint[]): IsoArea[] {
  return activationPoints(points).flatMap((p) => {
    const r = isoAreaOf(p);
    return r ? [r] : [];
  });
}

/** The tensor cores' area on the chip, mm² (core µm² × tensor cores). */
export function chipCoresMm2(p: Pick<DesignPoint, 'areaUm2' | 'chip'>): number | undefined {
  return p.chip ? (p.areaUm2 * p.chip.tensorCores) / UM2_PER_MM2 : undefined;
}

/** The sparse additions on every tensor core of the chip, mm². */
export function chipOverheadMm2(p: Pick<DesignPoint, 'areaUm2' | 'denseAreaUm2' | 'chip'>): number | undefined {
  return p.chip ? ((p.areaUm2 - p.denseAreaUm2) * p.chip.tensorCores) / UM2_PER_MM2 : undefined;
}

/**
 * Prefill performance per mm² of tensor-core silicon, against the dense core (1 = the same):
 * speed-up ÷ (core area ÷ dense core area). Above 1 exactly when the sparse core beats its
 * compute-bound iso-area alternative.
 */
export function perfPerAreaVsDense(speedup: number, p: Pick<DesignPoint, 'areaUm2' | 'denseAreaUm2'>): number {
  return speedup / (p.areaUm2 / p.denseAreaUm2);
}

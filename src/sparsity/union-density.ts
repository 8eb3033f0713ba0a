/**
 * Decode weight-row union density under the independence assumption: if each of B tokens kept
 * every input channel independently with probability d (the kept fraction), the fraction of
 * channels kept by at least one token — the weight rows a decode step of batch B must fetch —
 * is 1 − (1 − d)^B. Real masks are correlated; analysis/ measures the union on traces and
 * reports this beside it, perf/ falls back to it where no measurement exists.
 */
export function independentUnionDensity(keptFraction: number, batchSize: number): number {
  return 1 - Math.pow(1 - keptFraction, batchSize);
}

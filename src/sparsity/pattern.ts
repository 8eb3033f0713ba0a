/**
 * The one definition of an N:M pattern in nmsim: parsing, density, tail and tie rules, and
 * metadata bits. Every other module (capture, analysis, area, perf, exporter checks) uses this;
 * the compressed footprint of a whole row is footprint.ts's.
 *
 * Semantics (DESIGN.md §1, arXiv 2509.22166):
 * - groups start at index 0 of K; a tail group of r < M elements is treated as zero-padded to
 *   M, so it keeps min(N, r) elements (hardware-faithful);
 * - ties: the lower index wins;
 * - "unstructured" keeps the top floor(K/2) of the whole vector per token;
 * - "dense" keeps everything.
 */
import { usageError } from '../diagnostics.js';

export const MAX_GROUP_SIZE = 64;

export type NmPattern = { kind: 'nm'; n: number; m: number };
export type Pattern = NmPattern | { kind: 'unstructured' } | { kind: 'dense' };

/** The patterns the paper studies, in the order reports show them. */
export const PAPER_PATTERNS = ['2:4', '4:8', '8:16', '16:32'] as const;

export const METADATA_ENCODINGS = ['index', 'bitmask', 'combinatorial'] as const;
export type MetadataEncoding = (typeof METADATA_ENCODINGS)[number];

export function nm(n: number, m: number): NmPattern {
  return { kind: 'nm', n, m };
}

/** Returns a reason string when (n, m) is not a valid pattern, else undefined. */
export function nmProblem(n: number, m: number): string | undefined {
  if (!Number.isInteger(n) || !Number.isInteger(m)) return `n and m must be whole numbers`;
  if (m < 1 || m > MAX_GROUP_SIZE) return `m (${m}) must be between 1 and ${MAX_GROUP_SIZE}`;
  if (n < 1 || n > m) return `n (${n}) must be between 1 and m (${m})`;
  return undefined;
}

/**
 * Parses "8:16", "unstructured" or "dense". Throws a usage diagnostic naming the text and the
 * fix; `where` (e.g. "--patterns" or a file path) goes into the diagnostic.
 */
export function parsePattern(text: string, where?: { file?: string; path?: string }): Pattern {
  const s = text.trim().toLowerCase();
  if (s === 'dense') return { kind: 'dense' };
  if (s === 'unstructured') return { kind: 'unstructured' };
  const match = /^(\d+)\s*:\s*(\d+)$/.exec(s);
  const hint = 'write kept:group — "8:16" keeps 8 of every 16 elements; or "unstructured", or "dense".';
  if (!match) {
    throw usageError({
      code: 'pattern/invalid',
      ...where,
      message: `"${text}" is not a sparsity pattern.`,
      expected: `N:M with 1 ≤ N ≤ M ≤ ${MAX_GROUP_SIZE}, "unstructured" or "dense"`,
      found: JSON.stringify(text),
      hint,
    });
  }
  const n = Number(match[1]);
  const m = Number(match[2]);
  const problem = nmProblem(n, m);
  if (problem) {
    throw usageError({
      code: 'pattern/invalid',
      ...where,
      message: `"${text}" is not an N:M pattern: ${problem}.`,
      hint,
    });
  }
  return nm(n, m);
}

/** Parses a comma-separated list ("2:4,8:16,unstructured"), keeping order, dropping repeats. */
export function parsePatternList(text: string, where?: { file?: string; path?: string }): Pattern[] {
  const out: Pattern[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const p = parsePattern(part, where);
    const key = formatPattern(p);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

export function formatPattern(p: Pattern): string {
  return p.kind === 'nm' ? `${p.n}:${p.m}` : p.kind;
}

/** True when two patterns are the same pattern (same kind, and for N:M the same N and M). */
export function samePattern(a: Pattern, b: Pattern): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== 'nm' || (b.kind === 'nm' && a.n === b.n && a.m === b.m);
}

/** Elements kept in a (possibly tail) group of r ≤ M real elements: min(N, r). */
export function keptInGroup(p: NmPattern, r: number): number {
  return Math.min(p.n, r);
}

/** Number of groups along K (the last may be a tail group). */
export function groupCount(p: NmPattern, k: number): number {
  return Math.ceil(k / p.m);
}

/** Elements kept per token of length K. */
export function keptPerToken(p: Pattern, k: number): number {
  if (p.kind === 'dense') return k;
  if (p.kind === 'unstructured') return Math.floor(k / 2);
  const full = Math.floor(k / p.m);
  const tail = k - full * p.m;
  return full * p.n + (tail > 0 ? keptInGroup(p, tail) : 0);
}

/** Effective density for vectors of length K, counting the tail rule exactly. */
export function effectiveDensity(p: Pattern, k: number): number {
  return k === 0 ? 0 : keptPerToken(p, k) / k;
}

/** C(m, n) exactly, as a BigInt (C(64, 32) exceeds 2^53). */
export function binomial(m: number, n: number): bigint {
  if (n < 0 || n > m) return 0n;
  const r = Math.min(n, m - n);
  let c = 1n;
  for (let i = 1; i <= r; i++) c = (c * BigInt(m - r + i)) / BigInt(i);
  return c;
}

/** ⌈log₂ v⌉ for a positive BigInt (0 for v = 1). */
export function ceilLog2Big(v: bigint): number {
  if (v <= 1n) return 0;
  return (v - 1n).toString(2).length;
}

/**
 * Metadata bits for one group of M (a tail group is padded, so it costs the same):
 * - index: N · ⌈log₂ M⌉ (2:4 → 4, 8:16 → 32, 16:32 → 80)
 * - bitmask: M
 * - combinatorial: ⌈log₂ C(M, N)⌉ (2:4 → 3, 8:16 → 14, 16:32 → 30)
 */
export function metadataBitsPerGroup(p: NmPattern, encoding: MetadataEncoding): number {
  switch (encoding) {
    case 'index':
      return p.n * ceilLog2Big(BigInt(p.m));
    case 'bitmask':
      return p.m;
    case 'combinatorial':
      return ceilLog2Big(binomial(p.m, p.n));
  }
}

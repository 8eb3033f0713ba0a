/**
 * Bit-packed keep-masks: one bit per activation element, row per token, ceil(K/8) bytes per
 * row; element j of a token is bit (j % 8) of byte (j >> 3), least-significant bit first —
 * what np.packbits(mask, axis=-1, bitorder="little") writes. Bits past K in the last byte are 0.
 */
import { usageError } from '../diagnostics.js';
import { type Pattern, keptInGroup } from '../sparsity/pattern.js';

export function maskRowBytes(k: number): number {
  return Math.ceil(k / 8);
}

function checkLength(what: string, found: number, expected: number): void {
  if (found < expected) {
    throw usageError({ code: 'trace/mask-size', message: `${what} holds ${found} entries; ${expected} needed.`, expected: String(expected), found: String(found) });
  }
}

/** keep: tokens × k bytes, non-zero = kept → packed [tokens, ceil(k/8)]. */
export function packMask(keep: Uint8Array, tokens: number, k: number): Uint8Array {
  checkLength('keep', keep.length, tokens * k);
  const rowBytes = maskRowBytes(k);
  const out = new Uint8Array(tokens * rowBytes);
  for (let t = 0; t < tokens; t++) {
    const src = t * k;
    const dst = t * rowBytes;
    for (let j = 0; j < k; j++) if (keep[src + j] !== 0) out[dst + (j >> 3)] |= 1 << (j & 7);
  }
  return out;
}

/** packed [tokens, ceil(k/8)] → tokens × k bytes of 0/1 (into `out` when it is long enough). */
export function unpackMask(packed: Uint8Array, tokens: number, k: number, out?: Uint8Array): Uint8Array {
  const rowBytes = maskRowBytes(k);
  checkLength('packed', packed.length, tokens * rowBytes);
  const target = out && out.length >= tokens * k ? out : new Uint8Array(tokens * k);
  for (let t = 0; t < tokens; t++) {
    const src = t * rowBytes;
    const dst = t * k;
    for (let j = 0; j < k; j++) target[dst + j] = (packed[src + (j >> 3)] >> (j & 7)) & 1;
  }
  return target;
}

export interface MaskCheck {
  /** kept elements counted (bits set within the first k of each row) */
  keptCount: number;
  /** elements covered: tokens × k */
  elementCount: number;
  /** groups checked: tokens × ceil(k/M) for N:M; tokens for unstructured and dense */
  groupCount: number;
  /** groups keeping more than the pattern allows (N:M: > min(N, r); unstructured: > floor(K/2)) */
  violatingGroups: number;
  /** rows in which some bit past k is set (padding must be zero) */
  paddingBitRows: number;
}

export function emptyMaskCheck(): MaskCheck {
  return { keptCount: 0, elementCount: 0, groupCount: 0, violatingGroups: 0, paddingBitRows: 0 };
}

/** Where a row scan stands: the next element of the row, and the position and kept count in the current group. */
export interface MaskRowState {
  element: number;
  inGroup: number;
  keptInGroup: number;
}

export function newMaskRowState(): MaskRowState {
  return { element: 0, inGroup: 0, keptInGroup: 0 };
}

/**
 * Adds the next bytes of one packed row into `acc`: `bytes` holds row bytes from
 * state.element / 8 on, so a row wider than any buffer can be checked slice by slice (inspect
 * does, for rows past its chunk size). When the row's last byte is in the slice, the row is
 * finished (padding bits checked, elements and groups counted) and `state` reset for the next.
 * Uses the canonical N:M semantics of sparsity/pattern.ts: groups from index 0, a tail group of
 * r < M may keep min(N, r); unstructured keeps at most floor(K/2) per row.
 */
export function scanMaskRowBytes(bytes: Uint8Array, k: number, pattern: Pattern, acc: MaskCheck, state: MaskRowState): void {
  const m = pattern.kind === 'nm' ? pattern.m : Math.max(k, 1);
  const allowedFull = pattern.kind === 'nm' ? pattern.n : pattern.kind === 'unstructured' ? Math.floor(k / 2) : k;
  const first = state.element;
  const end = Math.min(k, first + bytes.length * 8);
  let inGroup = state.inGroup;
  let kept = state.keptInGroup;
  for (let j = first; j < end; j++) {
    kept += (bytes[(j - first) >> 3] >> (j & 7)) & 1;
    inGroup += 1;
    if (inGroup === m || j === k - 1) {
      const allowed = pattern.kind === 'nm' ? keptInGroup(pattern, inGroup) : allowedFull;
      acc.keptCount += kept;
      if (kept > allowed) acc.violatingGroups += 1;
      inGroup = 0;
      kept = 0;
    }
  }
  state.element = end;
  state.inGroup = inGroup;
  state.keptInGroup = kept;
  const rowBytes = maskRowBytes(k);
  if (end === k && first + bytes.length * 8 >= rowBytes * 8) {
    // the row's last byte is in this slice
    if (k % 8 !== 0 && bytes[rowBytes - 1 - (first >> 3)] >> (k % 8) !== 0) acc.paddingBitRows += 1;
    acc.elementCount += k;
    acc.groupCount += pattern.kind === 'nm' ? Math.ceil(k / m) : 1;
    state.element = 0;
    state.inGroup = 0;
    state.keptInGroup = 0;
  }
}

/**
 * Counts kept bits and pattern violations in `tokens` packed rows, adding into `acc` (so a
 * caller can stream a mask chunk by chunk); one scanMaskRowBytes per row.
 */
export function checkMaskRows(packed: Uint8Array, tokens: number, k: number, pattern: Pattern, acc: MaskCheck = emptyMaskCheck()): MaskCheck {
  const rowBytes = maskRowBytes(k);
  checkLength('packed', packed.length, tokens * rowBytes);
  const state = newMaskRowState();
  for (let t = 0; t < tokens; t++) scanMaskRowBytes(packed.subarray(t * rowBytes, (t + 1) * rowBytes), k, pattern, acc, state);
  return acc;
}

/**
 * What `nmsim inspect` reports about a bundle: per site, summary statistics of the stored
 * activations and, for each keep-mask (a weight run's weight masks too, one row of groups per
 * output row), the measured kept fraction and how many groups break the run's N:M pattern. Tensors are streamed in chunks of rows into reused buffers — and rows
 * wider than a chunk in column ranges — so memory stays bounded by the chunk size whatever the
 * bundle's size or shape.
 */
import { type Diagnostic, capDiagnostics } from '../diagnostics.js';
import { type Pattern, effectiveDensity, formatPattern, keptPerToken, parsePattern } from '../sparsity/pattern.js';
import type { TraceBundle } from './bundle.js';
import type { Consumer, Manifest, Metric, RunConfig, TensorRef } from './manifest.js';
import { type MaskCheck, checkMaskRows, emptyMaskCheck, maskRowBytes, newMaskRowState, scanMaskRowBytes } from './mask.js';
import { type TensorStats, accumulateStats, emptyStats, finishStats } from './tensor-stats.js';

/** Elements decoded per chunk: 4 Mi float32 = 16 MiB, plus the raw-bytes scratch of the reader. */
export const DEFAULT_CHUNK_ELEMENTS = 1 << 22;

export interface MaskInspection {
  consumer: Consumer;
  /** rows checked: tokens of an activation mask, out_features of a weight mask */
  rows: number;
  keptFraction: number;
  /** what the run's pattern keeps for this K (tail rule included) */
  expectedKeptFraction: number;
  groups: number;
  violatingGroups: number;
  satisfiesPattern: boolean;
  /** no group over its quota and exactly the pattern's count kept: every group at min(N, r) */
  everyGroupAtQuota: boolean;
  paddingBitRows: number;
}

export interface SiteInspection {
  name: string;
  layer?: number;
  consumers: Consumer[];
  file: string;
  key: string;
  dtype: string;
  shape: number[];
  tokensScanned: number;
  stats: TensorStats;
  masks: MaskInspection[];
  /** a weight run's weight masks, each [out_features, ceil(K/8)] */
  weightMasks: MaskInspection[];
}

export interface RunInspection {
  id: string;
  config: RunConfig;
  tokens: number;
  metrics: Metric[];
  sites: SiteInspection[];
}

export interface InspectReport {
  root: string;
  anonymous: boolean;
  model: Manifest['model'];
  source: Manifest['source'];
  runs: RunInspection[];
  /** non-finite values, masks that break their pattern, stray padding bits */
  warnings: Diagnostic[];
}

export interface InspectOptions {
  /** scan only the first N tokens of every site (default: all) */
  maxTokens?: number;
  chunkElements?: number;
  /** called after each chunk with the bytes read so far */
  onProgress?: (bytesRead: number) => void;
}

/** Bytes `inspectBundle` will read (for a progress bar). */
export function inspectBytes(manifest: Manifest, maxTokens?: number): number {
  let bytes = 0;
  for (const run of manifest.runs) {
    for (const site of run.sites) {
      const [t, k] = site.tensor.shape;
      const tokens = Math.min(t, maxTokens ?? t);
      const width = site.tensor.dtype === 'F32' ? 4 : site.tensor.dtype === 'U8' ? 1 : 2;
      bytes += tokens * k * width + (site.masks?.length ?? 0) * tokens * maskRowBytes(k);
      for (const wm of site.weight_masks ?? []) bytes += (wm.tensor.shape[0] ?? 0) * maskRowBytes(k);
    }
  }
  return bytes;
}

function maskInspection(consumer: Consumer, check: MaskCheck, rows: number, k: number, pattern: Pattern): MaskInspection {
  return {
    consumer,
    rows,
    keptFraction: check.elementCount > 0 ? check.keptCount / check.elementCount : 0,
    expectedKeptFraction: effectiveDensity(pattern, k),
    groups: check.groupCount,
    violatingGroups: check.violatingGroups,
    satisfiesPattern: check.violatingGroups === 0,
    everyGroupAtQuota: check.violatingGroups === 0 && check.keptCount === rows * keptPerToken(pattern, k),
    paddingBitRows: check.paddingBitRows,
  };
}

/** A mask over its pattern's quota, and stray padding bits, as warnings. `what`: "q mask", "q weight mask". */
function maskWarnings(check: MaskCheck, what: string, siteName: string, runId: string, k: number, pattern: Pattern, file: string, path: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (check.violatingGroups > 0) {
    out.push({
      code: 'trace/mask-violates-pattern',
      severity: 'warning',
      file,
      path,
      message: `The ${what} of "${siteName}" keeps too many elements in ${check.violatingGroups} of ${check.groupCount} groups for run "${runId}" (${formatPattern(pattern)}).`,
      expected: pattern.kind === 'nm' ? `≤ ${pattern.n} kept per group of ${pattern.m} (tail group of r: ≤ min(${pattern.n}, r))` : `≤ ${Math.floor(k / 2)} kept per ${what.includes('weight') ? 'row' : 'token'}`,
      found: `${check.violatingGroups} groups over`,
      hint: 'check the bit order (LSB first: np.packbits(..., bitorder="little")) and the run’s config.pattern.',
    });
  }
  if (check.paddingBitRows > 0) {
    out.push({
      code: 'trace/mask-padding-bits',
      severity: 'warning',
      file,
      path,
      message: `${check.paddingBitRows} rows of the ${what} of "${siteName}" set bits past K = ${k}.`,
      expected: 'padding bits 0',
      found: `${check.paddingBitRows} rows`,
      hint: `pack the [${what.includes('weight') ? 'out_features' : 'tokens'}, K] boolean mask, not a padded one.`,
    });
  }
  return out;
}

export async function inspectBundle(bundle: TraceBundle, opts: InspectOptions = {}): Promise<InspectReport> {
  const { manifest } = bundle;
  const chunkElements = opts.chunkElements ?? DEFAULT_CHUNK_ELEMENTS;
  const warnings: Diagnostic[] = [...bundle.warnings];
  let floats: Float32Array = new Float32Array(0);
  let maskBytes: Uint8Array = new Uint8Array(0);
  let bytesRead = 0;
  const runs: RunInspection[] = [];

  /** Streams a packed mask of `rows` rows of K bits (all its rows by default) through checkMaskRows, chunk by chunk. */
  async function scanMask(ref: TensorRef, mp: string, rowLimit: number | undefined, k: number, pattern: Pattern): Promise<{ check: MaskCheck; rows: number; file: string }> {
    const msrc = await bundle.tensor(ref, mp);
    const rows = rowLimit ?? msrc.rows;
    const rowBytes = maskRowBytes(k);
    const chunkBytes = chunkElements * 4;
    const check: MaskCheck = emptyMaskCheck();
    if (rowBytes === 0) {
      // zero-width rows: no bytes, no N:M groups; one (empty) group per row otherwise, as checkMaskRows counts
      if (pattern.kind !== 'nm') check.groupCount += rows;
    } else if (rowBytes <= chunkBytes) {
      const maskRowsPerChunk = Math.max(1, Math.floor(chunkBytes / Math.max(rowBytes, 1)));
      for (let t = 0; t < rows; t += maskRowsPerChunk) {
        const n = Math.min(maskRowsPerChunk, rows - t);
        maskBytes = await msrc.readBytes(t * rowBytes, n * rowBytes, maskBytes);
        checkMaskRows(maskBytes, n, k, pattern, check);
        bytesRead += n * rowBytes;
        opts.onProgress?.(bytesRead);
      }
    } else {
      // a mask row wider than a chunk: check it in byte slices
      const state = newMaskRowState();
      for (let t = 0; t < rows; t++) {
        for (let b = 0; b < rowBytes; b += chunkBytes) {
          const n = Math.min(chunkBytes, rowBytes - b);
          maskBytes = await msrc.readBytes(t * rowBytes + b, n, maskBytes);
          scanMaskRowBytes(maskBytes.subarray(0, n), k, pattern, check, state);
          bytesRead += n;
          opts.onProgress?.(bytesRead);
        }
      }
    }
    return { check, rows, file: msrc.info.file };
  }

  for (const [i, run] of manifest.runs.entries()) {
    const pattern: Pattern = parsePattern(run.config.pattern);
    const sites: SiteInspection[] = [];
    for (const [j, site] of run.sites.entries()) {
      const where = `runs[${i}].sites[${j}]`;
      const src = await bundle.tensor(site.tensor, `${where}.tensor`);
      const tokens = Math.min(src.rows, opts.maxTokens ?? src.rows);
      const k = src.cols;
      const acc = emptyStats();
      const width = src.info.byteLength / Math.max(src.rows * src.cols, 1);
      if (k === 0) {
        // a zero-width tensor ([2^52, 0] is legal): nothing to read, and no loop over its rows
      } else if (k <= chunkElements) {
        const rowsPerChunk = Math.max(1, Math.floor(chunkElements / Math.max(k, 1)));
        for (let t = 0; t < tokens; t += rowsPerChunk) {
          const rows = Math.min(rowsPerChunk, tokens - t);
          floats = await src.readRows(t, rows, floats);
          accumulateStats(acc, floats, rows * k);
          bytesRead += width * rows * k;
          opts.onProgress?.(bytesRead);
        }
      } else {
        // a row wider than a chunk: stream it in column ranges
        for (let t = 0; t < tokens; t++) {
          for (let c = 0; c < k; c += chunkElements) {
            const n = Math.min(chunkElements, k - c);
            floats = await src.readRowRange(t, c, n, floats);
            accumulateStats(acc, floats, n);
            bytesRead += width * n;
            opts.onProgress?.(bytesRead);
          }
        }
      }
      const stats = finishStats(acc);
      if (stats.nanCount + stats.infCount > 0) {
        warnings.push({
          code: 'trace/non-finite-values',
          severity: 'warning',
          file: src.info.file,
          path: `${where}.tensor`,
          message: `Site "${site.name}" of run "${run.id}" holds ${stats.nanCount} NaN and ${stats.infCount} ±Inf values; mean and RMS skip them.`,
          expected: 'finite activations',
          found: `${stats.nanCount} NaN, ${stats.infCount} Inf in ${stats.count} values`,
          hint: 'an fp16 overflow in the exporting model? export in BF16 or F32.',
        });
      }

      const masks: MaskInspection[] = [];
      for (const [m, mask] of (site.masks ?? []).entries()) {
        const mp = `${where}.masks[${m}].tensor`;
        const { check, rows, file } = await scanMask(mask.tensor, mp, tokens, k, pattern);
        masks.push(maskInspection(mask.consumer, check, rows, k, pattern));
        warnings.push(...maskWarnings(check, `${mask.consumer} mask`, site.name, run.id, k, pattern, file, mp));
      }
      // a weight run's masks: one row of groups per output row, along the input dimension K
      const weightMasks: MaskInspection[] = [];
      for (const [m, mask] of (site.weight_masks ?? []).entries()) {
        const mp = `${where}.weight_masks[${m}].tensor`;
        const { check, rows, file } = await scanMask(mask.tensor, mp, undefined, k, pattern);
        weightMasks.push(maskInspection(mask.consumer, check, rows, k, pattern));
        warnings.push(...maskWarnings(check, `${mask.consumer} weight mask`, site.name, run.id, k, pattern, file, mp));
      }
      sites.push({
        name: site.name,
        ...(site.layer !== undefined ? { layer: site.layer } : {}),
        consumers: site.consumers,
        file: site.tensor.file,
        key: site.tensor.key ?? '',
        dtype: src.info.dtype,
        shape: src.info.shape,
        tokensScanned: tokens,
        stats,
        masks,
        weightMasks,
      });
    }
    runs.push({ id: run.id, config: run.config, tokens: run.tokens, metrics: run.metrics, sites });
  }
  // 200k sites with NaN must not print 200k warnings: the first 20 and a count (diagnostics.ts)
  return { root: bundle.root, anonymous: bundle.anonymous, model: manifest.model, source: manifest.source, runs, warnings: capDiagnostics(warnings) };
}

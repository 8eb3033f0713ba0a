/**
 * Do the recorded masks of the measured runs obey their runs' patterns? A run whose masks keep
 * more than its pattern allows measured another configuration's perplexity (an exporter bug),
 * so the review must not use it as that pattern's accuracy (explore/accuracy.ts
 * screenMeasuredRuns). Masks are streamed in chunks (trace/mask.ts checkMaskRows).
 */
import { createHash } from 'node:crypto';
import type { MaskViolation } from '../explore/accuracy.js';
import { TOOL_VERSION } from '../version.js';
import { CACHE_FORMAT, cached, codeFingerprint, type CacheEntryKind, type CacheStatus } from './cache.js';
import type { OpenedBundle } from './inputs.js';
import { parsePattern } from '../sparsity/pattern.js';
import type { TraceBundle } from '../trace/bundle.js';
import { checkMaskRows, emptyMaskCheck, maskRowBytes } from '../trace/mask.js';

/** Mask rows per read: about 1 MiB. */
const CHUNK_BYTES = 1 << 20;

/** Run id → its first violating mask and the violating groups over all its masks (runs with a perplexity only). */
export async function maskViolations(bundle: TraceBundle, runIds: ReadonlySet<string>): Promise<Map<string, MaskViolation>> {
  const out = new Map<string, MaskViolation>();
  for (const [ri, run] of bundle.manifest.runs.entries()) {
    if (!runIds.has(run.id)) continue;
    const pattern = parsePattern(run.config.pattern);
    if (pattern.kind === 'dense') continue;
    for (const [si, site] of run.sites.entries()) {
      const k = site.tensor.shape[1] ?? 0;
      for (const [mi, mask] of (site.masks ?? []).entries()) {
        const src = await bundle.tensor(mask.tensor, `runs[${ri}].sites[${si}].masks[${mi}].tensor`);
        const rowBytes = maskRowBytes(k);
        const step = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, rowBytes)));
        const check = emptyMaskCheck();
        let buf: Uint8Array | undefined;
        for (let r0 = 0; r0 < src.rows; r0 += step) {
          const rows = Math.min(step, src.rows - r0);
          buf = await src.readBytes(r0 * rowBytes, rows * rowBytes, buf);
          checkMaskRows(buf, rows, k, pattern, check);
        }
        if (check.violatingGroups === 0) continue;
        const seen = out.get(run.id);
        if (seen) {
          seen.violatingGroups += check.violatingGroups;
          seen.groups += check.groupCount;
        } else out.set(run.id, { site: site.name, consumer: mask.consumer, violatingGroups: check.violatingGroups, groups: check.groupCount });
      }
    }
  }
  return out;
}

export const MASKS_ENTRY: CacheEntryKind = { prefix: 'masks', what: "the recorded masks' check" };

/**
 * maskViolations through the cache folder `dir` (rerun16d: streaming every measured run's masks
 * was ~0.1 s of each rerun). Key: sha256 of CACHE_FORMAT, TOOL_VERSION, the code fingerprint, the
 * sha256 of every file of the bundle (openBundlesHashed's, so a changed mask byte is a new key
 * whatever the file's size and mtime) and the runs checked. `dir` undefined: computed, nothing
 * stored. The entry's own warnings are dropped (the analysis entry in the same folder reports an
 * unusable folder).
 */
export async function maskViolationsCached(dir: string | undefined, opened: OpenedBundle, runIds: ReadonlySet<string>): Promise<{ value: Map<string, MaskViolation>; status: CacheStatus }> {
  const key = async () =>
    createHash('sha256')
      .update(JSON.stringify({ format: CACHE_FORMAT, toolVersion: TOOL_VERSION, code: await codeFingerprint(), kind: MASKS_ENTRY.prefix, files: opened.files, runs: [...runIds].sort() }))
      .digest('hex');
  const r = await cached(dir, key, async () => [...(await maskViolations(opened.bundle, runIds))], MASKS_ENTRY);
  return { value: new Map(r.value), status: r.status };
}

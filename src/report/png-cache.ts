/**
 * The PNG cache of the review's charts (issue 16): a chart whose SVG is unchanged since an earlier
 * review is not rasterised again (resvg costs ~50–100 ms a chart). Entries live in the review's
 * cache folder (review/cache.ts: $NMSIM_CACHE_DIR, else .nmsim-cache/ beside --out):
 *
 *   png-<key>.png, key = sha256 of { PNG_CACHE_FORMAT, nmsim's code fingerprint (png.ts's options
 *                                    and zoom are code), the resvg and DejaVu font package versions,
 *                                    the SVG text }
 *
 * The key is the SVG's content, so the PNG is the one renderPng gives for that SVG byte for byte.
 * An entry is written to a temp file and renamed into place; one that is not a whole PNG (no
 * signature, no IEND chunk at its end) is rasterised again and rewritten. A folder that cannot be
 * read or written only costs the time: the review's analysis cache, in the same folder, already
 * warns about it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { codeFingerprint, touch } from '../review/cache.js';
import { renderPngOffThread } from './png.js';

export const PNG_CACHE_FORMAT = 'nmsim-chart-png-cache/1';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** the IEND chunk a whole PNG ends with: length 0, "IEND", its CRC */
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

let versions: string | undefined;

/** The rasteriser's and the fonts' package versions (a new resvg may draw other pixels). */
function rendererVersions(): string {
  if (versions === undefined) {
    const require = createRequire(import.meta.url);
    const v = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
    versions = `@resvg/resvg-js@${v('@resvg/resvg-js')} dejavu-fonts-ttf@${v('dejavu-fonts-ttf')}`;
  }
  return versions;
}

/** codeFingerprint() once it has resolved: from then on a chart's key is computed without yielding. */
let code: string | undefined;

/**
 * Resolves when pngCacheKey and cachedPng no longer need to wait for the code fingerprint: from
 * then on cachedPng reads its entry, or hands a miss to a rasterising thread, before it returns.
 */
export async function pngCacheReady(): Promise<void> {
  code ??= await codeFingerprint();
}

function keyOf(svg: string, fingerprint: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ format: PNG_CACHE_FORMAT, code: fingerprint, renderer: rendererVersions() }))
    .update('\0')
    .update(svg)
    .digest('hex');
}

export async function pngCacheKey(svg: string): Promise<string> {
  await pngCacheReady();
  return keyOf(svg, code!);
}

export function pngEntryFile(dir: string, key: string): string {
  return path.join(dir, `png-${key}.png`);
}

function wholePng(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.length >= PNG_SIGNATURE.length + PNG_END.length && b.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE) && b.subarray(b.length - PNG_END.length).equals(PNG_END);
}

/**
 * renderPng(svg).png, read from `dir` when an earlier review stored it (dir undefined: no cache).
 * A miss is rasterised off the main thread (png.ts renderPngOffThread): a caller that starts
 * several before awaiting them (write-report.ts) overlaps them with its own work.
 */
export async function cachedPng(svg: string, dir: string | undefined): Promise<Uint8Array> {
  if (dir === undefined) return renderPngOffThread(svg);
  // no await before the miss is handed over once the fingerprint is known (pngCacheReady): an
  // await's continuation waits until the caller yields to the event loop, and renderReport draws
  // its last charts and then every table (~200 ms) before it does, so the last chart's miss
  // reached a thread only after the tables — a tail of its own (issue 16)
  const file = pngEntryFile(dir, code !== undefined ? keyOf(svg, code) : await pngCacheKey(svg));
  // read synchronously (~0.1 ms for a chart's PNG), for the same reason: a miss is handed to the
  // worker now, while the caller goes on drawing
  try {
    const bytes = new Uint8Array(readFileSync(file));
    if (wholePng(bytes)) {
      touch(file);
      return bytes;
    }
  } catch {
    // no entry yet (or an unreadable one): rasterise
  }
  const png = await renderPngOffThread(svg);
  const tmp = `${path.join(dir, `.${path.basename(file)}`)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(tmp, png);
    await fs.rename(tmp, file);
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
  return png;
}

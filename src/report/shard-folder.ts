/**
 * The part folder `nmsim analyze BUNDLE --shard i/n --out PART` writes, and its reader for
 * `nmsim merge`. A part holds one file, shard.json: the AnalysisShard (analysis/shard.ts) in a
 * lossless JSON — every float64 as JSON's shortest round-tripping decimal, typed arrays as
 * base64 of their little-endian bytes, and NaN, ±Infinity and −0 tagged — so a site result read
 * back is bit for bit the one the shard computed. It goes through io/output-folder.ts like every
 * output (kind "analysis-shard", marker written last, atomic swap): a part folder exists
 * complete or not at all, which is how merge tells a finished shard from a failed one. The
 * review's parts use the same encoding: review-shard.json (kind "review-shard", its analysis)
 * and review-points.json (kind "review-points", one block of evaluated design points).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { inputError, NmsimError } from '../diagnostics.js';
import type { OutputClaim } from '../io/output-folder.js';
import { OUTPUT_MARKER, parseMarker, type OutputKind } from '../io/output-kind.js';
import type { AnalysisShard } from '../analysis/shard.js';
import type { ReviewPointsShard, ReviewShard } from '../review/shard.js';

export const SHARD_JSON = 'shard.json';
export const SHARD_FORMAT = 'nmsim-analysis-shard';
export const SHARD_FORMAT_VERSION = 1;

export const ANALYSIS_SHARD_OUTPUT: OutputKind = { id: 'analysis-shard', label: 'analysis shard part' };

/** The part `nmsim review --shard i/n --out PART` writes (review/shard.ts), in the same encoding. */
export const REVIEW_SHARD_JSON = 'review-shard.json';
export const REVIEW_SHARD_FORMAT = 'nmsim-review-shard';
export const REVIEW_SHARD_OUTPUT: OutputKind = { id: 'review-shard', label: 'review shard part' };

/** The part `nmsim review --shard i/n --analysis PARTS --out PART` writes: one block of design points (review/shard.ts). */
export const REVIEW_POINTS_JSON = 'review-points.json';
export const REVIEW_POINTS_FORMAT = 'nmsim-review-points';
export const REVIEW_POINTS_OUTPUT: OutputKind = { id: 'review-points', label: 'review design-point part' };

const TYPED = {
  f64: Float64Array,
  f32: Float32Array,
  u32: Uint32Array,
  i32: Int32Array,
  u16: Uint16Array,
  u8: Uint8Array,
} as const;
type TypedTag = keyof typeof TYPED;

function typedTag(v: unknown): TypedTag | null {
  for (const [tag, ctor] of Object.entries(TYPED) as [TypedTag, (typeof TYPED)[TypedTag]][]) if (v instanceof ctor) return tag;
  return null;
}

/** x → JSON-safe value; the inverse is revive(). Byte order: this is a little-endian format. */
function encode(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $num: 'NaN' };
    if (v === Infinity) return { $num: 'Infinity' };
    if (v === -Infinity) return { $num: '-Infinity' };
    if (Object.is(v, -0)) return { $num: '-0' };
    return v;
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(encode);
  const tag = typedTag(v);
  if (tag) {
    const a = v as ArrayBufferView;
    return { [`$${tag}`]: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encode(x);
  return out;
}

function revive(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(revive);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0].startsWith('$')) {
    const k = keys[0].slice(1);
    const x = o[keys[0]];
    if (k === 'num' && typeof x === 'string') return x === '-0' ? -0 : Number(x);
    if (k in TYPED && typeof x === 'string') {
      const bytes = Buffer.from(x, 'base64');
      const ctor = TYPED[k as TypedTag];
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return new ctor(copy.buffer, 0, copy.byteLength / ctor.BYTES_PER_ELEMENT);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = revive(x);
  return out;
}

/** The part as text (also used by tests to check the round trip). */
export function shardText(shard: AnalysisShard | ReviewShard | ReviewPointsShard, format = SHARD_FORMAT): string {
  return JSON.stringify({ format, version: SHARD_FORMAT_VERSION, little_endian: true, ...(encode(shard) as object) }) + '\n';
}

/** The part from its text; throws a plain Error with a sentence on a wrong format. */
export function parseShardText(text: string): AnalysisShard;
export function parseShardText(text: string, format: typeof REVIEW_SHARD_FORMAT): ReviewShard;
export function parseShardText(text: string, format: typeof REVIEW_POINTS_FORMAT): ReviewPointsShard;
export function parseShardText(text: string, format = SHARD_FORMAT): AnalysisShard | ReviewShard | ReviewPointsShard {
  const j = JSON.parse(text) as Record<string, unknown>;
  if (j?.format !== format) throw new Error(`its "format" is not "${format}"`);
  if (j.version !== SHARD_FORMAT_VERSION) throw new Error(`its version ${JSON.stringify(j.version)} is not ${SHARD_FORMAT_VERSION}`);
  const { format: _f, version: _v, little_endian: _le, ...rest } = j;
  const shard = revive(rest) as AnalysisShard & ReviewShard & ReviewPointsShard;
  if (format === REVIEW_POINTS_FORMAT) {
    const r = shard?.records;
    if (!shard || typeof shard !== 'object' || !shard.job || !shard.shard || typeof shard.pointCount !== 'number' || !shard.common || !Array.isArray(shard.warnings) || !r || !Array.isArray(r.points) || !Array.isArray(r.profiles) || !Array.isArray(r.energy)) {
      throw new Error('it lacks job, shard, pointCount, common, warnings or records');
    }
    return shard;
  }
  const complete = format === SHARD_FORMAT ? Array.isArray(shard?.results) : Boolean(shard?.structure && shard?.proxies && Array.isArray(shard.structure.results) && Array.isArray(shard.proxies.results));
  if (!shard || typeof shard !== 'object' || !shard.job || !shard.shard || !Array.isArray(shard.pieces) || !complete) throw new Error('it lacks job, shard, pieces or results');
  return shard;
}

export async function writeShardFolder(claim: OutputClaim, shard: AnalysisShard): Promise<void> {
  await claim.write(async (dir) => {
    await fs.writeFile(path.join(dir, SHARD_JSON), shardText(shard));
  });
}

export async function writeReviewShardFolder(claim: OutputClaim, shard: ReviewShard): Promise<void> {
  await claim.write(async (dir) => {
    await fs.writeFile(path.join(dir, REVIEW_SHARD_JSON), shardText(shard, REVIEW_SHARD_FORMAT));
  });
}

export async function writeReviewPointsFolder(claim: OutputClaim, shard: ReviewPointsShard): Promise<void> {
  await claim.write(async (dir) => {
    await fs.writeFile(path.join(dir, REVIEW_POINTS_JSON), shardText(shard, REVIEW_POINTS_FORMAT));
  });
}

function notAPart(dir: string, message: string, hint: string): NmsimError {
  return inputError({ code: 'merge/not-a-part', file: dir, message: `${dir} is not a finished analysis shard part: ${message}.`, hint });
}

/**
 * Reads the part a shard wrote into `dir`. Refuses (merge/not-a-part, naming the folder) a path
 * that does not exist, a folder without the analysis-shard marker (a shard that failed or is
 * still running leaves none), and a damaged shard.json.
 */
export type ShardFolder = { kind: 'analysis'; data: AnalysisShard } | { kind: 'review'; data: ReviewShard } | { kind: 'review-points'; data: ReviewPointsShard };

export async function readShardFolder(dir: string): Promise<ShardFolder> {
  const rerun = 'rerun that shard (nmsim analyze|review … --shard i/n --out <this folder>), then merge again';
  let markerText: string;
  try {
    markerText = await fs.readFile(path.join(dir, OUTPUT_MARKER), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const exists = await fs.stat(dir).then((s) => (s.isDirectory() ? 'folder' : 'file'), () => null);
      throw notAPart(dir, exists === null ? 'it does not exist (did that shard run?)' : exists === 'file' ? 'it is a file, not a part folder' : `it holds no ${OUTPUT_MARKER} (the shard failed or has not finished)`, rerun);
    }
    throw notAPart(dir, `its ${OUTPUT_MARKER} cannot be read (${code ?? String(e)})`, rerun);
  }
  const marker = parseMarker(markerText);
  if (typeof marker === 'string') throw notAPart(dir, `its ${OUTPUT_MARKER} is not valid: ${marker}`, rerun);
  if (marker.kind !== ANALYSIS_SHARD_OUTPUT.id && marker.kind !== REVIEW_SHARD_OUTPUT.id && marker.kind !== REVIEW_POINTS_OUTPUT.id) {
    throw notAPart(dir, `it is nmsim's ${marker.kind} output, not an analysis shard part`, 'give merge the --out folders of `nmsim analyze … --shard i/n` (or of `nmsim review … --shard i/n`)');
  }
  const file = marker.kind === REVIEW_SHARD_OUTPUT.id ? REVIEW_SHARD_JSON : marker.kind === REVIEW_POINTS_OUTPUT.id ? REVIEW_POINTS_JSON : SHARD_JSON;
  try {
    const text = await fs.readFile(path.join(dir, file), 'utf8');
    if (marker.kind === REVIEW_SHARD_OUTPUT.id) return { kind: 'review', data: parseShardText(text, REVIEW_SHARD_FORMAT) };
    if (marker.kind === REVIEW_POINTS_OUTPUT.id) return { kind: 'review-points', data: parseShardText(text, REVIEW_POINTS_FORMAT) };
    return { kind: 'analysis', data: parseShardText(text) };
  } catch (e) {
    throw notAPart(dir, `its ${file} is damaged (${(e as Error).message})`, rerun);
  }
}

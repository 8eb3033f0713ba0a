/**
 * Writes a trace bundle (format v1): one .safetensors file per name given to addTensor, and
 * manifest.json. Everything is written into a temporary folder beside the target and renamed
 * into place (io/output-folder.ts), so an interrupted write never leaves a half bundle that looks
 * valid; an existing folder is replaced only when it is a bundle nmsim wrote.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { NmsimError, usageError, type Diagnostic } from '../diagnostics.js';
import { writeOutputFolder, type ClaimOptions } from '../io/output-folder.js';
import type { OutputKind } from '../io/output-kind.js';
import { TOOL_VERSION } from '../version.js';
import { type DType, DTYPE_BYTES, DTYPES, encodeFromFloat32 } from './dtype.js';
import { type Manifest, ManifestSchema, type TensorRef } from './manifest.js';
import { zodIssuesToDiagnostics } from './manifest-check.js';
import { MANIFEST_FILE, openBundle } from './bundle.js';
import { encodeSafetensorsHeader } from './safetensors.js';
import { elementCount, formatShape } from './tensor-info.js';

/**
 * A bundle written before the output marker existed is nmsim's own when its manifest says
 * `nmsim capture` made it; it owns the manifest and the tensor files the manifest names (a
 * bundle from the PyTorch exporter is not nmsim capture's; anything else beside it is foreign).
 */
async function legacyBundleFiles(dir: string, files: readonly string[]): Promise<readonly string[] | undefined> {
  if (!files.includes(MANIFEST_FILE)) return undefined;
  try {
    const m = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    if (m?.format !== 'nmsim-trace' || typeof m?.source?.tool !== 'string' || !m.source.tool.startsWith('nmsim capture ')) return undefined;
    const named = new Set<string>([MANIFEST_FILE]);
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.file === 'string' && typeof o.key === 'string') named.add(path.posix.normalize(o.file));
        Object.values(o).forEach(collect);
      }
    };
    collect(m.runs);
    return files.filter((f) => named.has(f));
  } catch {
    return undefined;
  }
}

/** The output kind of a trace bundle folder (capture --out). */
export const TRACE_BUNDLE_OUTPUT: OutputKind = { id: 'trace-bundle', label: 'trace bundle', legacyFiles: legacyBundleFiles };

interface Pending {
  key: string;
  data: Float32Array | Uint8Array;
  shape: number[];
  dtype: DType;
}

export class BundleWriter {
  private readonly files = new Map<string, Pending[]>();

  constructor(readonly outDir: string) {}

  /** Queues a tensor for `file` (a .safetensors name inside the bundle); returns its manifest reference. */
  addTensor(file: string, key: string, data: Float32Array | Uint8Array, shape: number[], dtype: DType): TensorRef {
    const bad = (message: string, expected?: string, found?: string) => usageError({ code: 'trace/writer-input', file, path: key, message, expected, found });
    if (!file.endsWith('.safetensors') || path.isAbsolute(file) || path.normalize(file).startsWith('..')) {
      throw bad('The writer stores tensors in .safetensors files inside the bundle.', 'a relative name ending in .safetensors', file);
    }
    if (!(DTYPES as readonly string[]).includes(dtype)) throw bad(`Unknown dtype ${dtype}.`, DTYPES.join(', '), String(dtype));
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad('Invalid shape.', 'non-negative integers', formatShape(shape));
    if (elementCount(shape) !== data.length) throw bad(`Shape ${formatShape(shape)} holds ${elementCount(shape)} elements; the data has ${data.length}.`);
    if ((dtype === 'U8') !== data instanceof Uint8Array) throw bad('U8 tensors (masks) take a Uint8Array; F32/F16/BF16 take a Float32Array.');
    if (key === '__metadata__' || key === '') throw bad('Invalid tensor key.', 'a module path such as "layers.0.mlp.down_proj.input"', JSON.stringify(key));
    const list = this.files.get(file) ?? [];
    if (list.some((p) => p.key === key)) throw bad(`Tensor "${key}" was already added to ${file}.`);
    list.push({ key, data, shape: [...shape], dtype });
    this.files.set(file, list);
    return { file, key, shape: [...shape], dtype };
  }

  /**
   * Validates the manifest, writes every file and manifest.json into a temp folder, reopens it
   * with openBundle (references, shapes, dtypes), then renames it into place. Returns the
   * output folder's notes (e.g. a removed stale temporary) when `opts.onWarning` is not given.
   */
  async finish(manifest: Manifest, opts: ClaimOptions = {}): Promise<Diagnostic[]> {
    const parsed = ManifestSchema.safeParse(manifest);
    if (!parsed.success) throw new NmsimError(zodIssuesToDiagnostics(parsed.error.issues, path.join(this.outDir, MANIFEST_FILE), manifest), 'usage');
    const warnings: Diagnostic[] = [];
    await writeOutputFolder(this.outDir, TRACE_BUNDLE_OUTPUT, async (tmp) => {
      for (const [file, tensors] of this.files) {
        const target = path.join(tmp, file);
        await fs.mkdir(path.dirname(target), { recursive: true });
        const header = encodeSafetensorsHeader(
          tensors.map((t) => ({ key: t.key, dtype: t.dtype, shape: t.shape, byteLength: t.data.length * DTYPE_BYTES[t.dtype] })),
          { format: 'pt', writer: `nmsim ${TOOL_VERSION}` },
        );
        const fh = await fs.open(target, 'w');
        try {
          await fh.write(header);
          for (const t of tensors) await fh.write(encodeFromFloat32(t.data, t.dtype));
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
      await fs.writeFile(path.join(tmp, MANIFEST_FILE), JSON.stringify(parsed.data, null, 2) + '\n');
      // read it back as any user would: a manifest that does not match its tensors is never renamed into place
      const check = await openBundle(tmp);
      await check.close();
    }, { onWarning: (d) => warnings.push(d), ...opts });
    return warnings;
  }
}

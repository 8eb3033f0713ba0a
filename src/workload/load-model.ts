/**
 * `--model NAME|BUNDLE` → ModelShape: a catalog id, or a trace bundle folder (its
 * manifest.json `model` block). The only file-system code in workload/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../diagnostics.js';
import { ModelSchema } from '../trace/manifest.js';
import { catalogModel, isModelId, MODEL_CATALOG } from './catalog.js';
import { modelFromManifest } from './from-manifest.js';
import type { ModelShape } from './model-shape.js';

export function loadModelRef(ref: string): ModelShape {
  if (isModelId(ref)) return MODEL_CATALOG[ref];
  const manifest = fs.existsSync(ref) && fs.statSync(ref).isDirectory() ? path.join(ref, 'manifest.json') : undefined;
  if (!manifest || !fs.existsSync(manifest)) return catalogModel(ref); // throws, listing the catalog
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  } catch (e) {
    throw inputError({
      code: 'workload/bad-manifest',
      file: manifest,
      message: `manifest.json is not valid JSON: ${(e as Error).message}`,
      hint: 'write the manifest as JSON (see traces/README.md).',
    });
  }
  const model = (raw as { model?: unknown } | null)?.model;
  const parsed = ModelSchema.safeParse(model);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ['model', ...issue.path.map(String)].join('.');
    throw inputError({
      code: 'workload/bad-manifest-model',
      file: manifest,
      path: where,
      message: `the manifest's model block cannot describe the model's shapes: ${issue.message}.`,
      expected: 'model: { name, family, hidden_size, intermediate_size, num_layers, num_heads, num_kv_heads, vocab_size, head_dim? }',
      found: model === undefined ? 'no model block' : JSON.stringify(model).slice(0, 200),
      hint: 'fix the model block of manifest.json; every size is a positive integer.',
    });
  }
  return modelFromManifest(parsed.data, `trace bundle ${manifest}`);
}

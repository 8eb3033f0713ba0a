/**
 * `--model NAME|BUNDLE` → ModelShape: a catalog id, or a trace bundle (folder or manifest.json),
 * opened and validated by the trace module; its manifest's `model` block gives the shapes.
 */
import * as fs from 'node:fs';
import { openBundle } from '../trace/bundle.js';
import { catalogModel, isModelId, MODEL_CATALOG } from './catalog.js';
import { modelFromManifest } from './from-manifest.js';
import type { ModelShape } from './model-shape.js';

export async function loadModelRef(ref: string): Promise<ModelShape> {
  if (isModelId(ref)) return MODEL_CATALOG[ref];
  // a name that is not a path is a catalog id (a usage error listing the catalog when unknown);
  // a path that is not there is a missing bundle (bad input, exit 1), reported by openBundle
  if (!fs.existsSync(ref) && !/[\\/]|\.json$/i.test(ref)) return catalogModel(ref);
  const bundle = await openBundle(ref);
  try {
    return modelFromManifest(bundle.manifest.model, `trace bundle ${ref}`);
  } finally {
    await bundle.close();
  }
}

/**
 * Records, for the first `traceTokens` positions of the evaluation stream, every site's
 * pre-pruning input and the keep-mask each consumer applied. Windows share one boundary token;
 * each stream position is recorded once, at its first occurrence (the end of a window, where
 * it has its full context).
 */
import type { Consumer } from '../trace/manifest.js';
import type { ModelConfig } from './checkpoint.js';
import type { SiteObserver } from './prune-hooks.js';
import { SITE_CONSUMERS, SITE_KINDS, siteInputDim, siteName, type SiteKind } from './sites.js';

export interface SiteRecording {
  name: string;
  layer: number;
  kind: SiteKind;
  consumers: readonly Consumer[];
  k: number;
  /** recorded rows (≤ traceTokens) */
  tokens: number;
  /** pre-pruning input [tokens, k] */
  input: Float32Array;
  /** per consumer 0/1 keep [tokens, k]; absent for dense runs */
  masks?: Uint8Array[];
}

export interface Recorder {
  /** the observer for the window that starts at stream position windowStart */
  observerFor(windowStart: number): SiteObserver;
  /** recordings trimmed to the rows actually filled */
  recordings(): SiteRecording[];
}

export function createRecorder(c: ModelConfig, traceTokens: number): Recorder {
  const sites: SiteRecording[] = [];
  const index = new Map<string, SiteRecording>();
  for (let layer = 0; layer < c.nLayers; layer++) {
    for (const kind of SITE_KINDS) {
      const k = siteInputDim(c, kind);
      const r: SiteRecording = {
        name: siteName(layer, kind),
        layer,
        kind,
        consumers: SITE_CONSUMERS[kind],
        k,
        tokens: 0,
        input: new Float32Array(traceTokens * k),
      };
      sites.push(r);
      index.set(`${layer}.${kind}`, r);
    }
  }
  return {
    observerFor(windowStart) {
      return (layer, kind, x, tokens, k, startPos, masks) => {
        const r = index.get(`${layer}.${kind}`)!;
        for (let row = 0; row < tokens && r.tokens < traceTokens; row++) {
          if (windowStart + startPos + row !== r.tokens) continue;
          r.input.set(x.subarray(row * k, (row + 1) * k), r.tokens * k);
          if (masks) {
            r.masks ??= r.consumers.map(() => new Uint8Array(traceTokens * k));
            masks.forEach((m, i) => r.masks![i].set(m.subarray(row * k, (row + 1) * k), r.tokens * k));
          }
          r.tokens++;
        }
      };
    },
    recordings() {
      return sites.map((r) => ({
        ...r,
        input: r.input.subarray(0, r.tokens * r.k),
        masks: r.masks?.map((m) => m.subarray(0, r.tokens * r.k)),
      }));
    },
  };
}

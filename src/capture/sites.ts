/**
 * The linear inputs of a Llama layer ("sites") and the projections that consume them, named
 * as in the trace format (traces/README.md): q, k, v share one input, gate (w1) and up (w3)
 * share one, o and down have their own. Each consumer prunes its input independently.
 */
import type { Consumer } from '../trace/manifest.js';
import type { LayerWeights, ModelConfig } from './checkpoint.js';
import { kvDim } from './checkpoint.js';

export const SITE_KINDS = ['qkv', 'o', 'gate_up', 'down'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

export const SITE_CONSUMERS: Record<SiteKind, readonly Consumer[]> = {
  qkv: ['q', 'k', 'v'],
  o: ['o'],
  gate_up: ['gate', 'up'],
  down: ['down'],
};

export function siteName(layer: number, kind: SiteKind): string {
  switch (kind) {
    case 'qkv':
      return `layers.${layer}.self_attn.qkv.input`;
    case 'o':
      return `layers.${layer}.self_attn.o_proj.input`;
    case 'gate_up':
      return `layers.${layer}.mlp.gate_up.input`;
    case 'down':
      return `layers.${layer}.mlp.down_proj.input`;
  }
}

/** Input width K of a site. */
export function siteInputDim(c: ModelConfig, kind: SiteKind): number {
  return kind === 'down' ? c.hiddenDim : c.dim;
}

/** The weight a consumer multiplies, row-major [outFeatures, K], with its shape. */
export function consumerWeight(
  c: ModelConfig,
  w: LayerWeights,
  consumer: Consumer,
): { weight: Float32Array; outFeatures: number; inFeatures: number } {
  switch (consumer) {
    case 'q':
      return { weight: w.wq, outFeatures: c.dim, inFeatures: c.dim };
    case 'k':
      return { weight: w.wk, outFeatures: kvDim(c), inFeatures: c.dim };
    case 'v':
      return { weight: w.wv, outFeatures: kvDim(c), inFeatures: c.dim };
    case 'o':
      return { weight: w.wo, outFeatures: c.dim, inFeatures: c.dim };
    case 'gate':
      return { weight: w.w1, outFeatures: c.hiddenDim, inFeatures: c.dim };
    case 'up':
      return { weight: w.w3, outFeatures: c.hiddenDim, inFeatures: c.dim };
    case 'down':
      return { weight: w.w2, outFeatures: c.dim, inFeatures: c.hiddenDim };
  }
}

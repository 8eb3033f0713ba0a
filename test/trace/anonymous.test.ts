import { DEFAULT_CONSUMERS, inferConsumers, inferLayer, synthesizeManifest } from '../../src/trace/anonymous.js';
import { ManifestSchema } from '../../src/trace/manifest.js';
import type { TensorInfo } from '../../src/trace/tensor-info.js';

const t = (key: string, shape: number[], dtype: TensorInfo['dtype'] = 'F16'): TensorInfo => ({ file: 'x.safetensors', key, dtype, shape, byteOffset: 0, byteLength: 0 });

describe('bare tensor files become anonymous bundles', () => {
  test('consumers are inferred from Hugging Face, llama2.c and nmsim site names', () => {
    const cases: [string, string[]][] = [
      ['layers.3.self_attn.qkv.input', ['q', 'k', 'v']],
      ['model.layers.3.self_attn.o_proj.input', ['o']],
      ['layers.3.mlp.gate_up.input', ['gate', 'up']],
      ['model.layers.0.mlp.down_proj', ['down']],
      ['layers.1.attention.wq', ['q']],
      ['layers.1.feed_forward.w2', ['down']],
      ['layers.1.feed_forward.w3', ['up']],
      ['transformer.h.0.attn.c_proj', ['o']],
      ['transformer.h.0.mlp.c_proj', ['down']],
      ['layers.0.mlp', ['gate', 'up']],
    ];
    for (const [name, want] of cases) expect([name, inferConsumers(name).consumers]).toEqual([name, want]);
    expect(inferConsumers('layers.0.site2.input')).toEqual({ consumers: [...DEFAULT_CONSUMERS], inferred: false });
    expect(inferLayer('model.layers.12.mlp.down_proj.input')).toBe(12);
    expect(inferLayer('transformer.h.4.attn')).toBe(4);
    expect(inferLayer('acts')).toBeUndefined();
  });

  test('one site per 2-D float tensor; sizes from shapes; what was guessed is written in the notes', () => {
    const m = synthesizeManifest('x.safetensors', [
      t('layers.0.self_attn.qkv.input', [16, 64]),
      t('layers.0.mlp.down_proj.input', [16, 172]),
      t('layers.1.self_attn.qkv.input', [16, 64]),
      t('layers.1.mystery.input', [16, 64]),
      t('layers.0.norm', [64]),
      t('layers.0.mask', [16, 8], 'U8'),
    ]);
    expect(ManifestSchema.safeParse(m).success).toBe(true);
    expect(m.runs[0].sites.map((s) => s.name)).toEqual(['layers.0.self_attn.qkv.input', 'layers.0.mlp.down_proj.input', 'layers.1.self_attn.qkv.input', 'layers.1.mystery.input']);
    expect([m.model.hidden_size, m.model.intermediate_size, m.model.num_layers]).toEqual([64, 172, 2]);
    expect(m.runs[0]).toMatchObject({ id: 'anonymous', config: { pattern: 'dense' }, tokens: 16 });
    expect(m.source.notes).toMatch(/default \[q\] used for: layers\.1\.mystery\.input/);
    expect(m.source.notes).toMatch(/skipped \(not a 2-D float tensor\): layers\.0\.norm F16\[64\], layers\.0\.mask U8\[16, 8\]/);
  });
});

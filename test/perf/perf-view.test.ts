/**
 * The perf view key (perf/hardware-view.ts perfViewKey) the review shares estimates and serving rows
 * by: a selector-only variant has the same key, an encoding or provisioning variant does not; and
 * the ground it stands on — simulate and the serving rows never read `sparsity.selectorStyle`, the
 * prose or the power — checked by recording every property they read from each shipped profile,
 * prefill and decode, every pattern.
 */
import { loadProfile, listShippedProfiles, resolveProfileRef } from '../../src/profile/load.js';
import { withDesignChoices } from '../../src/profile/normalize.js';
import { perfViewKey } from '../../src/perf/hardware-view.js';
import { simulate } from '../../src/perf/simulate.js';
import { servingForProfile } from '../../src/review/serving.js';
import { catalogModel } from '../../src/workload/catalog.js';
import { parsePattern } from '../../src/sparsity/pattern.js';
import type { HardwareProfile } from '../../src/profile/schema.js';

const PATTERNS = ['2:4', '4:8', '8:16', '16:32', 'unstructured'].map((t) => parsePattern(t));

/** A deep proxy of `value` that adds the dotted path of every property read to `reads` (indices as [i]). */
function recording<T>(value: T, reads: Set<string>, at = ''): T {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || typeof v === 'function') return v;
      const p = /^\d+$/.test(key) ? `${at}[]` : at === '' ? key : `${at}.${key}`;
      reads.add(p);
      return recording(v, reads, p);
    },
  }) as T;
}

async function shipped(): Promise<HardwareProfile[]> {
  return Promise.all(listShippedProfiles().map(async (n) => (await loadProfile(resolveProfileRef(n))).profile));
}

describe('the perf view key', () => {
  it('is the same for a selector-only variant and a renamed profile, and differs for an encoding or a provisioning variant', async () => {
    const p = (await loadProfile(resolveProfileRef('act-8of16'))).profile;
    expect(p.sparsity.selectorStyle).toBe('mux');
    expect(p.sparsity.metadataEncoding).toBe('index');
    const key = perfViewKey(p);
    expect(perfViewKey(withDesignChoices(p, { selectorStyle: 'sorted-mux' }))).toBe(key);
    expect(perfViewKey(withDesignChoices(p, { selectorStyle: 'hierarchical' }))).toBe(key);
    expect(perfViewKey({ ...p, name: 'another name' })).toBe(key);
    // nor the prose and the power (a provisioning twin's file differs from its base's in them)
    expect(p.power).toBeDefined();
    expect(perfViewKey({ ...p, description: 'another', sources: [], illustrative: !p.illustrative, defaulted: [], power: undefined })).toBe(key);
    expect(perfViewKey(withDesignChoices(p, { metadataEncoding: 'bitmask' }))).not.toBe(key);
    expect(perfViewKey(withDesignChoices(p, { provisioning: 'sparse-balanced' }))).not.toBe(key);
    // the clock (what the rerun bench changes) is in the view
    expect(perfViewKey({ ...p, clockHz: p.clockHz * 0.9 })).not.toBe(key);
  });

  it('leaves out only what simulate and the serving rows never read: no shipped profile has its selector style, prose or power read, and the encoding is read', async () => {
    const model = catalogModel('llama3.1-8b');
    const reads = new Set<string>();
    for (const profile of await shipped()) {
      for (const phase of [{ kind: 'prefill' as const, tokens: 512 }, { kind: 'decode' as const, batch: 8, contextTokens: 1024 }]) {
        simulate({ profile: recording(profile, reads), model, phase, patterns: PATTERNS });
      }
      servingForProfile(recording(profile, reads), PATTERNS, model, [], { promptTokens: 256, outputTokens: 32 }, 50, [1, 4]);
      servingForProfile(recording(profile, reads), PATTERNS, model, [], { promptTokens: 256, outputTokens: 32 }, 50, [1, 4], 'weight');
    }
    expect(reads.has('sparsity.metadataEncoding')).toBe(true);
    expect(reads.has('memory.buffers[].bandwidthBytesPerCycle')).toBe(true);
    expect(reads.has('memory.dramCapacityBytes')).toBe(true);
    expect(reads.has('sparsity.selectorStyle')).toBe(false);
    // whatever else they read is in the key (perfViewKey drops only these; the name goes only into warning texts and the rows' own label)
    const dropped = [...reads].filter((r) => ['name', 'description', 'sources', 'illustrative', 'defaulted', 'power'].includes(r.split(/[.[]/)[0]) || r.startsWith('sparsity.selectorStyle'));
    expect(dropped).toEqual(['name']);
  });

  it('one selector-only variant gives the very same steps as its base (the sharing is exact)', async () => {
    const p = (await loadProfile(resolveProfileRef('act-16of32'))).profile;
    const model = catalogModel('llama3.1-8b');
    const phase = { kind: 'decode' as const, batch: 4, contextTokens: 2048 };
    const a = simulate({ profile: p, model, phase, patterns: PATTERNS });
    const b = simulate({ profile: withDesignChoices(p, { selectorStyle: 'sorted-mux' }), model, phase, patterns: PATTERNS });
    const c = simulate({ profile: withDesignChoices(p, { metadataEncoding: 'bitmask' }), model, phase, patterns: PATTERNS });
    const strip = (x: typeof a) => JSON.stringify({ dense: x.dense.cycles, patterns: x.patterns.map((q) => [q.sim.cycles, q.speedup, q.sim.io.perStep.totalBytes]) });
    expect(strip(b)).toBe(strip(a));
    expect(strip(c)).not.toBe(strip(a));
  });
});

/**
 * simulateModel's I/O (`io`, `ioByEncoding`) is modelIo's for each encoding, though a step now
 * calls it once per distinct result (model-sim.ts: the profile's own encoding is `io`'s call; a
 * dense plan's I/O reads no encoding, computed once and copied).
 */
import * as path from 'node:path';
import { modelIo } from '../../src/perf/io-model.js';
import { unionDensity } from '../../src/perf/measured-sparsity.js';
import { simulateModel } from '../../src/perf/model-sim.js';
import { loadProfile } from '../../src/profile/load.js';
import { effectiveDensity, METADATA_ENCODINGS, parsePattern } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG } from '../../src/workload/catalog.js';
import { modelWorkload, type GemmOp, type Phase } from '../../src/workload/layer-ops.js';
import { REPO_ROOT } from '../helpers/cli.js';

const shipped = async (name: string) => (await loadProfile(path.join(REPO_ROOT, 'hardware-profiles', `${name}.yaml`))).profile;

describe('a step`s I/O', () => {
  test('is modelIo`s under the profile`s encoding and under each encoding, dense and sparse plans, prefill and decode', async () => {
    const phases: Phase[] = [
      { kind: 'prefill', tokens: 300 },
      { kind: 'decode', batch: 8, contextTokens: 2048 },
    ];
    let sparsePlans = 0;
    for (const name of ['act-8of16', 'act-flex', 'a100-like']) {
      const profile = await shipped(name);
      for (const phase of phases) {
        const w = modelWorkload(MODEL_CATALOG['llama3.1-8b'], phase, 2);
        for (const text of ['dense', '2:4', '8:16', '16:32', 'unstructured']) {
          const pattern = parsePattern(text);
          const sim = simulateModel(w, profile, pattern);
          const rowSkip = sim.plan.mode !== 'dense' && sim.plan.rowSkipping && phase.kind === 'decode';
          const fraction = (g: GemmOp) => (rowSkip && g.site ? unionDensity(effectiveDensity(pattern, g.kIn), g.rowsTokens).density : 1);
          expect(sim.io).toEqual(modelIo(w, sim.plan, 2, profile.sparsity.metadataEncoding, fraction));
          for (const enc of METADATA_ENCODINGS) expect(sim.ioByEncoding[enc]).toEqual(modelIo(w, sim.plan, 2, enc, fraction).perStep);
          // every record its own object
          const all = [sim.io.perStep, sim.io.perLayer, sim.io.perToken, ...METADATA_ENCODINGS.map((e) => sim.ioByEncoding[e])];
          expect(new Set(all).size).toBe(all.length);
          if (sim.plan.mode !== 'dense') {
            sparsePlans++;
            // a sparse plan's metadata bytes differ by encoding: 8:16 index 8 · ⌈log₂ 16⌉ = 32 bits a group, bitmask 16
            if (text === '8:16') expect(sim.ioByEncoding.index.metadataBytes).toBe(2 * sim.ioByEncoding.bitmask.metadataBytes);
          }
        }
      }
    }
    expect(sparsePlans).toBeGreaterThan(4);
  });
});

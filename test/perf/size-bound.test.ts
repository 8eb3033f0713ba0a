/**
 * Issue 11: the tile pipeline is simulated tile by tile, so the number of tiles of one GEMM is
 * bounded. A core whose operand buffer holds only 1 × 1 output tiles (one lane, 64 bytes) turns
 * the 2048 × 4096 → 14336 GEMM of a Llama-3.1-8B prefill into 2048 · 14336 = 29,360,128 tiles;
 * that used to take ~50 s per run and now fails at once, naming the GEMM, the tile and the fix.
 */
import { compareModel } from '../../src/perf/model-sim.js';
import { MAX_SIMULATED_TILES_PER_GEMM } from '../../src/perf/constants.js';
import { NmsimError } from '../../src/diagnostics.js';
import { parsePatternList } from '../../src/sparsity/pattern.js';
import { MODEL_CATALOG, MODEL_IDS } from '../../src/workload/catalog.js';
import { modelWorkload } from '../../src/workload/layer-ops.js';
import { H100_LIKE, H100_SPEC, profile } from './profiles.js';
import { listShippedProfiles, loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { chooseTile } from '../../src/perf/tiling.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { simulateGemm } from '../../src/perf/gemm-pipeline.js';
import { planPattern } from '../../src/perf/execution-plan.js';
import { OPTION_BOUNDS } from '../../src/cli/options.js';

const llama = MODEL_CATALOG['llama3.1-8b'];

describe('bounded tile simulation', () => {
  const oneLane = profile({
    ...H100_SPEC,
    name: 'one-lane',
    tensorCore: { ...H100_SPEC.tensorCore, lanes: 1, activationRowsPerCycle: 1 },
    memory: { ...H100_SPEC.memory, buffers: [{ name: 'tiny', sizeKiB: 0.0625, bandwidthBytesPerCycle: 8, shared: false }, H100_SPEC.memory.buffers[1]] },
  });

  test('a GEMM of more than 2^20 tiles is refused at once, naming the GEMM, the tile and the buffer to raise', () => {
    expect(MAX_SIMULATED_TILES_PER_GEMM).toBe(2 ** 20);
    const started = performance.now();
    let err: unknown;
    try {
      compareModel(modelWorkload(llama, { kind: 'prefill', tokens: 2048 }, 2), oneLane, parsePatternList('2:4'));
    } catch (e) {
      err = e;
    }
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(NmsimError);
    const d = (err as NmsimError).diagnostics[0];
    expect(d.code).toBe('perf/too-many-tiles');
    // q projection: 2048 rows × 4096 outputs in 1 × 1 tiles
    expect(d.found).toBe('8,388,608 tiles of 1 × 1 (q: 2048 × 4096 → 4096)');
    expect(d.hint).toMatch(/memory\.buffers\[0\]/);
  });

  test('the largest sizes the CLI accepts fit the bound on every shipped profile and catalog model', async () => {
    // tiles of a GEMM = ⌈rows / tile rows⌉ · ⌈outputs / tile columns⌉ (no split-K: these GEMMs
    // have more output tiles than cores); the tile is the dense one, the largest any pattern uses
    let most = { tiles: 0, where: '' };
    for (const name of listShippedProfiles()) {
      const p = (await loadProfile(resolveProfileRef(name))).profile;
      const tile = chooseTile(hardwareView(p), 1);
      for (const id of MODEL_IDS) {
        for (const phase of [{ kind: 'prefill', tokens: OPTION_BOUNDS.tokens.max }, { kind: 'decode', batch: OPTION_BOUNDS.batch.max, contextTokens: OPTION_BOUNDS.context.max }] as const) {
          const w = modelWorkload(MODEL_CATALOG[id], phase, p.tensorCore.operandBits / 8);
          for (const g of [...w.layers.flatMap((l) => l.gemms), ...w.head.gemms]) {
            const tiles = Math.ceil(g.rowsTokens / tile.rowsTokens) * Math.ceil(g.nOut / tile.colsOut);
            if (tiles > most.tiles) most = { tiles, where: `${name} ${id} ${phase.kind} ${g.name}` };
          }
        }
      }
    }
    expect(most.tiles).toBeLessThanOrEqual(MAX_SIMULATED_TILES_PER_GEMM);
    // qwen2.5-7b's gate (18,944 outputs) at 131,072 tokens on a100-like's 64 × 64 tiles: 2,048 · 296
    expect(most).toEqual({ tiles: 606_208, where: 'a100-like qwen2.5-7b prefill gate' });
  });

  test('the tile count the bound is checked on is the one the pipeline simulates', () => {
    const g = { name: 'lm_head', rowsTokens: 8192, kIn: 2560, nOut: 262_144 } as const;
    const hw = hardwareView(H100_LIKE);
    const tile = chooseTile(hw, 1);
    const sim = simulateGemm(g, planPattern(H100_LIKE, { kind: 'dense' }), hw, 1);
    expect(sim.tiles).toBe(Math.ceil(8192 / tile.rowsTokens) * Math.ceil(262_144 / tile.colsOut));
  });

});

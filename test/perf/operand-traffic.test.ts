import { reloadBytes, operandTraffic } from '../../src/perf/operand-traffic.js';
import { hardwareView } from '../../src/perf/hardware-view.js';
import { chooseTile } from '../../src/perf/tiling.js';
import { A100_LIKE } from './profiles.js';

describe('operand traffic', () => {
  test('operands are fetched from DRAM once while the smaller fits half the on-chip capacity', () => {
    expect(reloadBytes(40, 300, 100)).toBe(0);
    expect(reloadBytes(300, 40, 100)).toBe(0);
  });
  test('otherwise the cheaper operand is re-streamed once per extra resident chunk of the other', () => {
    // half = 50: keep activations in 2 chunks → weights again once (300); keep weights in 6 chunks → activations 5 more times (500)
    expect(reloadBytes(100, 300, 100)).toBe(300);
  });
  test('the MAC array pulls whole m16n8k16 fragments: a dense 64×64×64 BF16 step moves 4·8·4 fragments of 768 bytes', () => {
    const hw = hardwareView(A100_LIKE);
    const t = operandTraffic(hw, chooseTile(hw, 1), 1024, 1024, 2, 2);
    expect(t.levelBytes(0, 64, 64, 64)).toBe(4 * 8 * 4 * (16 * 16 * 2 + 16 * 8 * 2));
    // level 1 refills the 64×64 tile's operands once per step: 64·(64·2 + 64·2)
    expect(t.levelBytes(1, 64, 64, 64)).toBe(64 * (64 * 2 + 64 * 2));
  });
});

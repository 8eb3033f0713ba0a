/**
 * `nmsim analyze --shard i/n --out PART` and `nmsim merge PART… --out DIR` through the built
 * CLI: the merged folder is byte-identical to `nmsim analyze --out` (marker included), and
 * every way a job can be incomplete or mixed is refused with the part or shard named.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { csvMaxRelDiff, maxRelDiff, writeMultiFileBundle } from './helpers.js';

let dir: string;
let bundle: string;
const at = (...p: string[]) => path.join(dir, ...p);

async function folderFiles(d: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await fs.readdir(d)).sort()) out[f] = await fs.readFile(path.join(d, f), 'utf8');
  return out;
}

function shardAll(n: number, partsDir: string, extra: string[] = [], runs = 'dense,p8of16'): void {
  for (let i = 0; i < n; i++) {
    const r = runCli(['analyze', bundle, '--runs', runs, '--shard', `${i}/${n}`, '--out', path.join(partsDir, `shard-${i}`), ...extra]);
    expect([i, r.code, r.stderr]).toEqual([i, 0, '']);
  }
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nmsim-shard-cli-'));
  bundle = at('bundle');
  await writeMultiFileBundle(bundle);
  expect(runCli(['analyze', bundle, '--runs', 'dense,p8of16', '--out', at('whole')]).code).toBe(0);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('nmsim analyze --shard and nmsim merge', () => {
  test('3 shards merged give the folder `analyze --out` writes, byte for byte (analysis.json, 10 CSVs, marker)', async () => {
    shardAll(3, at('p3'));
    const part = JSON.parse(await fs.readFile(at('p3', 'shard-0', '.nmsim-output.json'), 'utf8'));
    expect([part.kind, part.files]).toEqual(['analysis-shard', ['shard.json']]);
    const r = runCli(['merge', at('p3', 'shard-2'), at('p3', 'shard-0'), at('p3', 'shard-1'), '--out', at('merged3')]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('merged 3 parts: wrote 10 CSV tables and analysis.json');
    const whole = await folderFiles(at('whole'));
    expect(Object.keys(whole)).toHaveLength(12);
    expect(await folderFiles(at('merged3'))).toEqual(whole);
  });

  test('5 shards of the 4 dense sites: shard 4 gets no piece, still writes its part, and the merge needs it', async () => {
    shardAll(5, at('p5'), [], 'dense');
    const empty = JSON.parse(await fs.readFile(at('p5', 'shard-4', 'shard.json'), 'utf8'));
    expect([empty.results.length, empty.rows, empty.pieces.length]).toEqual([0, 0, 4]);
    const parts = Array.from({ length: 5 }, (_, i) => at('p5', `shard-${i}`));
    const ok = runCli(['merge', ...parts, '--json']);
    expect(ok.code).toBe(0);
    const whole = runCli(['analyze', bundle, '--runs', 'dense', '--json']);
    expect(ok.stdout).toBe(whole.stdout);
    const missing = runCli(['merge', ...parts.slice(0, 4), '--out', at('never')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('merge/missing-shard');
    expect(missing.stderr).toContain('Shard 4 of 5 is missing');
    expect(missing.stderr).toContain('it had no piece to do');
    await expect(fs.stat(at('never'))).rejects.toThrow();
  });

  test('a lost shard is refused naming it and the sites it held; a failed shard (folder without a finished part) is refused naming the folder', async () => {
    const lost = runCli(['merge', at('p3', 'shard-0'), at('p3', 'shard-2')]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/Shard 1 of 3 is missing: none of the 2 parts given is shard 1 \(it held \d+ pieces?: layers\.0\./);
    expect(lost.stderr).toContain('--shard 1/3');
    await fs.mkdir(at('failed'));
    await fs.writeFile(at('failed', 'slurm-7_1.out'), 'oom-kill\n');
    await fs.writeFile(at('a-file'), 'not a folder\n');
    const failed = runCli(['merge', at('p3', 'shard-0'), at('failed'), at('p3', 'shard-2'), at('nowhere'), at('a-file')]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`merge/not-a-part  ${at('failed')}`);
    expect(failed.stderr).toContain('(the shard failed or has not finished)');
    expect(failed.stderr).toContain(`${at('nowhere')} is not a finished analysis shard part: it does not exist`);
    expect(failed.stderr).toContain(`${at('a-file')} is not a finished analysis shard part: it is a file, not a part folder`);
    const truncated = at('truncated');
    await fs.cp(at('p3', 'shard-1'), truncated, { recursive: true });
    const text = await fs.readFile(path.join(truncated, 'shard.json'), 'utf8');
    await fs.writeFile(path.join(truncated, 'shard.json'), text.slice(0, text.length / 2));
    const damaged = runCli(['merge', at('p3', 'shard-0'), truncated, at('p3', 'shard-2')]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain('its shard.json is damaged');
  });

  test('parts of another job (other --patterns), two parts of one shard and an analysis folder are refused', async () => {
    const other = runCli(['analyze', bundle, '--runs', 'dense,p8of16', '--patterns', '2:4', '--shard', '1/3', '--out', at('other-1')]);
    expect(other.code).toBe(0);
    const mixed = runCli(['merge', at('p3', 'shard-0'), at('other-1'), at('p3', 'shard-2')]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('merge/different-job');
    expect(mixed.stderr).toContain('plan.patterns');
    const twice = runCli(['merge', at('p3', 'shard-0'), at('p3', 'shard-1'), at('p3', 'shard-1'), at('p3', 'shard-2')]);
    expect([twice.code, twice.stderr.includes('are both shard 1/3')]).toEqual([1, true]);
    const foreign = runCli(['merge', at('whole')]);
    expect([foreign.code, foreign.stderr.includes("it is nmsim's analysis output, not an analysis shard part")]).toEqual([1, true]);
  });

  test('token-range pieces (--piece-tokens 32, 96 tokens → ranges of 64 and 32) merge to the unsharded analysis within 1e-12', async () => {
    shardAll(2, at('pr'), ['--piece-tokens', '32']);
    const part = JSON.parse(await fs.readFile(at('pr', 'shard-0', 'shard.json'), 'utf8'));
    expect(part.pieces.map((p: { start: number; rows: number }) => [p.start, p.rows]).slice(0, 2)).toEqual([[0, 64], [64, 32]]);
    const r = runCli(['merge', at('pr', 'shard-0'), at('pr', 'shard-1'), '--out', at('merged-ranges')]);
    expect(r.code).toBe(0);
    const whole = await folderFiles(at('whole'));
    const got = await folderFiles(at('merged-ranges'));
    expect(Object.keys(got)).toEqual(Object.keys(whole));
    expect(maxRelDiff(JSON.parse(got['analysis.json']), JSON.parse(whole['analysis.json']))).toBeLessThanOrEqual(1e-12);
    for (const f of Object.keys(whole).filter((f) => f.endsWith('.csv'))) expect([f, csvMaxRelDiff(got[f], whole[f]) <= 1e-12]).toEqual([f, true]);
  });

  test('usage errors (exit 2): --shard without --out, a shard outside 0 … n − 1, a malformed shard, --piece-tokens without --shard', () => {
    const cases: [string[], string][] = [
      [['--shard', '0/2'], 'shard/out-required'],
      [['--shard', '2/2', '--out', at('x')], 'shard 2 of 2 does not exist'],
      [['--shard', '1-2', '--out', at('x')], '"1-2" is not a shard: write i/n.'],
      [['--shard', '0/0', '--out', at('x')], 'shard/invalid-shard'],
      [['--piece-tokens', '64'], 'shard/piece-tokens-without-shard'],
    ];
    for (const [args, text] of cases) {
      const r = runCli(['analyze', bundle, ...args]);
      expect([args, r.code, r.stderr.includes(text)]).toEqual([args, 2, true]);
    }
  });
});

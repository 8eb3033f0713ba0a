import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { NmsimError } from '../../src/diagnostics.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-power-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function withPower(power: unknown): string {
  const spec = parse(fs.readFileSync(resolveProfileRef('h100-like'), 'utf8'));
  spec.power = power;
  const file = path.join(tmp, `p${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, stringify(spec));
  return file;
}

describe('profile power figures', () => {
  test('the shipped GPU profiles carry TDP 400/700 W, idle 60/75 W and a cited static power', async () => {
    const a = (await loadProfile(resolveProfileRef('a100-like'))).profile.power!;
    const h = (await loadProfile(resolveProfileRef('h100-like'))).profile.power!;
    expect([a.tdpW, a.idleW, a.staticW]).toEqual([400, 60, 176]);
    expect([h.tdpW, h.idleW, h.staticW]).toEqual([700, 75, 259]);
    expect(a.source).toMatch(/Splitwise/);
    expect(h.source).toMatch(/700 W/);
  });

  test('a static power above the TDP is refused at power.staticW', async () => {
    const err = await loadProfile(withPower({ tdpW: 700, idleW: 75, staticW: 900, source: 'x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NmsimError);
    expect((err as NmsimError).diagnostics.map((d) => d.path)).toContain('power.staticW');
  });

  test('a power section without its source, or with an unknown key, is refused with the key named', async () => {
    const err = await loadProfile(withPower({ tdpW: 700, idleW: 75, staticW: 100, watts: 3 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NmsimError);
    const paths = (err as NmsimError).diagnostics.map((d) => d.path ?? '').join(' ');
    expect(paths).toMatch(/power\.source/);
    expect(paths).toMatch(/power/);
  });
});

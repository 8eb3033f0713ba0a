import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTech, loadTechFile } from '../../src/profile/tech.js';
import { NmsimError } from '../../src/diagnostics.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-tech-energy-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Horowitz, ISSCC 2014, "Rough energy costs for various operations in 45nm 0.9V", in pJ. */
const HOROWITZ_45NM_PJ = {
  int8Add: 0.03,
  int32Add: 0.1,
  int8Mult: 0.2,
  int32Mult: 3.1,
  fp16Add: 0.4,
  fp16Mult: 1.1,
  fp32Add: 0.9,
  fp32Mult: 3.7,
};

describe('tech energy tables', () => {
  test('nangate45 reproduces the Horowitz ISSCC 2014 45 nm table exactly, arithmetic and the 8 KB SRAM read', async () => {
    const e = (await loadTech('nangate45')).energy!;
    const ops = Object.fromEntries(Object.entries(e.opsPj).map(([k, v]) => [k, v.value]));
    expect(ops).toEqual(HOROWITZ_45NM_PJ);
    expect(e.sram.read64bit8KiBPj.value).toBe(10);
    for (const v of Object.values(e.opsPj)) expect(v.source).toMatch(/Horowitz.*ISSCC 2014/);
    expect(e.scaling).toBeUndefined();
    // the DRAM range of the same table is kept as a cross-check, 1.3-2.6 nJ per 64 bits
    expect(e.references.horowitzDram64bitLow.value).toBe(1300);
    expect(e.references.horowitzDram64bitHigh.value).toBe(2600);
  });

  test('the square-root capacity rule meets the 32 KB and 1 MB reads Horowitz is quoted with within 25 %', async () => {
    const e = (await loadTech('nangate45')).energy!;
    const at = (kib: number) => e.sram.read64bit8KiBPj.value * (kib / 8) ** e.sram.capacityExponent.value;
    expect(at(32)).toBe(20); // 10 · √4
    expect(at(1024) / e.references.horowitzSram1MiB.value).toBeCloseTo(113.1 / 100, 3); // 10 · √128 = 113.1
  });

  test('nangate45 cell energies are the Liberty internal energies; NAND2 scales from MUX2 by area', async () => {
    const e = (await loadTech('nangate45')).energy!;
    expect(e.cellsPj.mux2.value).toBeCloseTo((2.333769 + 3.378395) / 2 / 1000, 6);
    expect(e.cellsPj.dffClock.value).toBeCloseTo((2.441622 + 4.497803) / 1000, 5);
    expect(e.cellsPj.nand2.value).toBeCloseTo((0.002856 * 0.798) / 1.862, 9);
    expect(e.leakageMwPerMm2.logic.value).toBeCloseTo(79.112308 / 4.522, 1); // nW/um² = mW/mm²
  });

  test('asap7 is nangate45 × the Stillmaker-Baas 45 → 7 nm factor at 0.8 V; DRAM and wire stay as they are', async () => {
    // EnergyFactor(V) = aV² + bV + c; 45 nm (1.103, −0.362, 0.2767), 7 nm (0.1776, −0.09097, 0.02447) at 0.8 V
    const f45 = 1.103 * 0.64 - 0.362 * 0.8 + 0.2767;
    const f7 = 0.1776 * 0.64 - 0.09097 * 0.8 + 0.02447;
    expect(f7 / f45).toBeCloseTo(0.0943, 4);
    const e = (await loadTech('asap7')).energy!;
    expect(e.opsPj.fp16Mult.value).toBeCloseTo(1.1 * 0.0943, 9);
    expect(e.sram.read64bit8KiBPj.value).toBeCloseTo(10 * 0.0943, 9);
    expect(e.cellsPj.mux2.value).toBeCloseTo(0.002856 * 0.0943, 9);
    expect(e.dramPjPerBit.value).toBe(3.9);
    expect(e.wirePjPerBitMm.value).toBe(0.064);
    expect(e.opsPj.fp16Mult.derivation).toMatch(/nangate45 × 0.0943/);
    expect(e.scaling).toMatch(/Stillmaker/);
  });

  test('5nm extrapolates below the 7 nm table by √(5/7) and says so', async () => {
    const e = (await loadTech('5nm')).energy!;
    expect(Math.sqrt(5 / 7)).toBeCloseTo(0.8452, 4);
    expect(e.opsPj.fp16Mult.value).toBeCloseTo(1.1 * 0.0943 * 0.8452, 6);
    expect(e.scaling).toMatch(/extrapolation/);
  });

  test('an energy entry in a unit it does not take, and one out of bounds, are both reported with their key paths', async () => {
    const text = fs.readFileSync(path.join('hardware-profiles', 'tech', 'nangate45.yaml'), 'utf8')
      .replace('name: nangate45', 'name: bad45')
      .replace('fp16Mult:  { value: 1.1,  unit: pJ,', 'fp16Mult:  { value: 1.1,  unit: kWh,')
      .replace('value: 3.9\n    unit: pJ/bit', 'value: 3.9e9\n    unit: pJ/bit');
    const file = path.join(tmp, 'bad45.yaml');
    fs.writeFileSync(file, text);
    const err = await loadTechFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NmsimError);
    const paths = (err as NmsimError).diagnostics.map((d) => `${d.code} ${d.path}`).sort();
    expect(paths).toEqual(['tech/bad-unit energy.ops.fp16Mult.unit', 'tech/out-of-range energy.dram.value']);
  });

  test('a node that scales from a file without an energy table is told which', async () => {
    const base = fs.readFileSync(path.join('hardware-profiles', 'tech', 'nangate45.yaml'), 'utf8');
    fs.writeFileSync(path.join(tmp, 'plain45.yaml'), base.slice(0, base.indexOf('\nenergy:')).replace('name: nangate45', 'name: plain45'));
    const derived = fs.readFileSync(path.join('hardware-profiles', 'tech', 'asap7.yaml'), 'utf8').replace('tech: nangate45', 'tech: plain45').replace('name: asap7', 'name: derived7');
    fs.writeFileSync(path.join(tmp, 'derived7.yaml'), derived);
    const err = await loadTechFile(path.join(tmp, 'derived7.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NmsimError);
    expect((err as NmsimError).diagnostics[0]).toMatchObject({ code: 'tech/missing-energy', path: 'energy.scaledFrom.tech' });
  });
});

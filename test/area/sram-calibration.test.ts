/**
 * The SRAM model against the published figures its tech files cite, and the area report's
 * denominators (SM, die) against the profiles' cited chip figures. Every expectation is computed
 * here from the cited inputs (bit counts, bit cells, published areas), not read back from the model.
 */
import { loadProfile, resolveProfileRef } from '../../src/profile/load.js';
import { loadTech, type TechLibrary } from '../../src/profile/tech.js';
import { areaReport } from '../../src/area/report.js';
import { macroEfficiency, portAreaFactor, sramAreaUm2 } from '../../src/area/sram.js';
import type { HardwareProfile } from '../../src/profile/schema.js';
import { profileCost } from '../../src/review/area.js';
import { areaReportJson } from '../../src/report/area-report.js';
import { techAssumptions } from '../../src/review/assumptions.js';

const MIB_BITS = 1024 * 1024 * 8;
const KIB_BITS = 1024 * 8;
let asap7: TechLibrary;
let n5: TechLibrary;
const profiles: Record<string, HardwareProfile> = {};
beforeAll(async () => {
  asap7 = await loadTech('asap7');
  n5 = await loadTech('5nm');
  for (const name of ['a100-like', 'h100-like', 'act-8of16', 'act-8of16-sb', 'act-16of32']) profiles[name] = (await loadProfile(resolveProfileRef(name))).profile;
});

const relErr = (model: number, published: number) => (model - published) / published;

describe('SRAM area calibration', () => {
  test('a 64 MiB cache at 7 nm is AMD V-Cache’s 41 mm² (its calibration) and within 25 % of the held-out second-generation 36 mm² (+13.9 %)', () => {
    const bits = 64 * MIB_BITS; // 536,870,912
    const modelMm2 = sramAreaUm2(bits, asap7, { cache: true }) / 1e6;
    // published: 41 mm² (ISSCC 2022 die); calibration gave 0.3536 = 536,870,912 × 0.027 µm² ÷ 41 mm², rounded
    expect(modelMm2).toBeCloseTo((bits * 0.027) / 0.3536 / 1e6, 9);
    expect(Math.abs(relErr(modelMm2, 41))).toBeLessThan(0.001);
    expect(relErr(modelMm2, 36)).toBeCloseTo(41.0 / 36 - 1, 2); // +13.9 %
    expect(Math.abs(relErr(modelMm2, 36))).toBeLessThan(0.25);
  });

  test('the largest macro at N5 is within 25 % of WikiChip’s ~32 Mib/mm² high-density estimate (−20.3 %) and of N3E’s 31.8 Mib/mm² (−19.8 %)', () => {
    const bits = 1024 * KIB_BITS; // 1 MiB macro, the curve's largest
    const mibPerMm2 = bits / 2 ** 20 / (sramAreaUm2(bits, n5) / 1e6);
    // independent: 1e6 µm²/mm² × 0.561 (CACTI efficiency at 1 MiB) ÷ 0.021 µm² per bit ÷ 2^20 bits per Mib
    const expected = (1e6 * 0.561) / 0.021 / 2 ** 20;
    expect(mibPerMm2).toBeCloseTo(expected, 6);
    expect(relErr(mibPerMm2, 32)).toBeCloseTo(expected / 32 - 1, 6);
    expect(Math.abs(relErr(mibPerMm2, 32))).toBeLessThan(0.25);
    expect(Math.abs(relErr(mibPerMm2, 31.8))).toBeLessThan(0.25);
  });

  test('a 4-port 64 KB register file at 7 nm is within 25 % of the EMPIRE model LLMCompass uses (0.405 vs 0.391 mm², a model cross-check)', () => {
    const bits = 64 * KIB_BITS;
    const model = sramAreaUm2(bits, asap7, { ports: 4 }) / 1e6;
    expect(model).toBeCloseTo((bits * 0.027 * 4 ** 2) / 0.559 / 1e6, 9);
    expect(Math.abs(relErr(model, 0.391))).toBeLessThan(0.05);
  });

  test('macro efficiency is log-interpolated by capacity (48 KiB: 0.488 between 32 KiB 0.393 and 64 KiB 0.559) and clamped at the ends; two ports cost 4×', () => {
    expect(macroEfficiency(48 * KIB_BITS, asap7)).toBeCloseTo(0.393 + (0.559 - 0.393) * Math.log2(1.5), 12);
    expect(macroEfficiency(1 * KIB_BITS, asap7)).toBe(0.076);
    expect(macroEfficiency(40 * MIB_BITS, asap7)).toBe(0.561);
    expect(portAreaFactor(2, asap7)).toBe(4);
    // a100-like's per-core SRAM: register file 64 KiB, 2 ports; smem 48 KiB, 1 port
    const r = areaReport(profiles['a100-like'], asap7);
    const sram = r.dense.components.find((c) => c.name === 'sram')!.areaUm2;
    const rf = ((64 * KIB_BITS * 0.027) / 0.559) * 4;
    const smem = (48 * KIB_BITS * 0.027) / (0.393 + (0.559 - 0.393) * Math.log2(1.5));
    expect(sram).toBeCloseTo(rf + smem, 6);
  });
});

describe('area denominators: core, SM, die', () => {
  test('a100-like and h100-like carry their published die area, SM counts and 4 tensor cores per SM, consistent with their tensor-core counts', () => {
    const a = profiles['a100-like'].chip!;
    const h = profiles['h100-like'].chip!;
    expect([a.dieAreaMm2, a.sms, a.physicalSms, a.tensorCoresPerSm]).toEqual([826, 108, 128, 4]);
    expect([h.dieAreaMm2, h.sms, h.physicalSms, h.tensorCoresPerSm]).toEqual([814, 132, 144, 4]);
    expect(a.sms * a.tensorCoresPerSm).toBe(profiles['a100-like'].tensorCore.count);
    expect(h.sms * h.tensorCoresPerSm).toBe(profiles['h100-like'].tensorCore.count);
    for (const act of ['act-8of16', 'act-8of16-sb', 'act-16of32']) expect({ ...profiles[act].chip, source: '' }).toEqual({ ...h, source: '' });
  });

  test('a 2:4 sparse tensor core’s additions are a small fraction of an SM: 0.87 % on a100-like, 0.80 % on h100-like, under 1 % of the die', () => {
    for (const [name, tech, dieMm2, physicalSms, cores] of [
      ['a100-like', asap7, 826, 128, 432],
      ['h100-like', n5, 814, 144, 528],
    ] as const) {
      const r = areaReport(profiles[name], tech);
      const perCoreUm2 = r.core.overheadUm2;
      const smUm2 = (dieMm2 / physicalSms) * 1e6;
      expect(r.chip.die!.smMm2).toBeCloseTo(dieMm2 / physicalSms, 12);
      expect(r.core.overheadVsSm).toBeCloseTo((4 * perCoreUm2) / smUm2, 12);
      expect(r.core.overheadVsDie).toBeCloseTo((cores * perCoreUm2) / (dieMm2 * 1e6), 12);
      expect(r.chip.die!.overheadMm2).toBeCloseTo((cores * perCoreUm2) / 1e6, 12);
      expect(r.core.overheadVsSm!).toBeGreaterThan(0.007);
      expect(r.core.overheadVsSm!).toBeLessThan(0.01);
      expect(r.core.overheadVsDie!).toBeLessThan(0.01);
    }
  });

  test('the activation-sparse what-ifs cost more of an SM than 2:4 weights: 8:16 2.1 %, 8:16 sparse-balanced 5.1 %, 16:32 above 8:16', () => {
    const pct = (name: string) => areaReport(profiles[name], n5).core.overheadVsSm!;
    expect(pct('act-8of16')).toBeGreaterThan(0.018);
    expect(pct('act-8of16')).toBeLessThan(0.023);
    expect(pct('act-8of16-sb')).toBeGreaterThan(0.045);
    expect(pct('act-8of16-sb')).toBeLessThan(0.06);
    expect(pct('act-8of16')).toBeGreaterThan(pct('h100-like'));
    expect(pct('act-16of32')).toBeGreaterThan(pct('act-8of16'));
  });
});

describe('the shares reach the review and the JSON', () => {
  test('the review’s cost of a profile carries its SM and die shares, and the area JSON names them (h100-like 2:4: 4 × overhead ÷ 5.65 mm²)', () => {
    const r = areaReport(profiles['h100-like'], n5);
    const cost = profileCost(r);
    expect(cost.areaOverheadVsSmFraction).toBeCloseTo((4 * (r.core.totalUm2 - r.dense.totalUm2)) / ((814 / 144) * 1e6), 12);
    expect(cost.areaOverheadVsDieFraction).toBeCloseTo((528 * (r.core.totalUm2 - r.dense.totalUm2)) / (814 * 1e6), 12);
    const doc = areaReportJson(r);
    expect(doc.chip).toMatchObject({ die_area_mm2: 814, sms: 132, physical_sms: 144, tensor_cores_per_sm: 4 });
    expect((doc.chip as { sm_area_mm2: number }).sm_area_mm2).toBeCloseTo(814 / 144, 6);
    expect((doc.chip as { overhead_mm2: number }).overhead_mm2).toBeCloseTo((528 * r.core.overheadUm2) / 1e6, 6);
    expect(doc.core.overhead_vs_sm_fraction).toBeCloseTo(cost.areaOverheadVsSmFraction!, 6);
  });
});

test('the review’s assumptions table lists the SRAM calibration of each tech file: the capacity curve, the cache efficiency (0.3536) and the port exponent (2)', () => {
  const a = techAssumptions([asap7]);
  const byName = (n: string) => a.find((x) => x.name === n);
  expect(byName('asap7.sramCacheEfficiency')).toMatchObject({ value: 0.3536, quantity: 'fraction' });
  expect(byName('asap7.sramCacheEfficiency')!.source).toMatch(/V-Cache/);
  expect(byName('asap7.sramPortAreaExponent')).toMatchObject({ value: 2 });
  expect(byName('asap7.sramEfficiencyByCapacity')!.value).toMatch(/^4 KiB 0\.076, .*1024 KiB 0\.561$/);
});

test('metadata stored as extra columns of a 2-port operand buffer costs the ports too: a100-like’s 2:4 index metadata (2 bits per kept value held in the 64 KiB register file) is 4× the single-port cells', () => {
  const r = areaReport(profiles['a100-like'], asap7);
  const storage = r.core.components.find((c) => c.name === 'metadata')!.breakdown[0];
  const bits = ((64 * KIB_BITS) / 16) * 2; // 32,768 kept FP16 values × 2 index bits (4 bits per 2:4 group of 2 kept)
  expect(storage.bits).toBe(bits);
  const eff = macroEfficiency(64 * KIB_BITS + bits, asap7);
  expect(storage.areaUm2).toBeCloseTo(((bits * 0.027) / eff) * 4, 6);
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadTech, loadTechFile, listShippedTech, CELL_NAMES } from '../../src/profile/tech.js';
import { NmsimError } from '../../src/diagnostics.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmsim-tech-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('tech files', () => {
  test('nangate45, asap7 and 5nm are shipped', () => {
    expect(listShippedTech()).toEqual(['5nm', 'asap7', 'nangate45']);
  });

  test('nangate45 carries the Nangate X1 cell areas of DESIGN.md §2, each with a source', async () => {
    const t = await loadTech('nangate45');
    expect(Object.fromEntries(CELL_NAMES.map((c) => [c, t.cells[c].areaUm2]))).toEqual({
      mux2: 1.862,
      nand2: 0.798,
      inv: 0.532,
      dff: 4.522,
      fullAdder: 4.256,
      halfAdder: 2.66,
      xor2: 1.596,
    });
    for (const c of CELL_NAMES) expect(t.cells[c].source).toMatch(/Nangate/);
    expect(t.sram.bitcellAreaUm2).toBe(0.346);
    expect(t.references.int8Mac.value).toBe(332.25);
  });

  test('asap7 composes XOR2 from four NAND2 and the half adder from XOR2 + NAND2 + INV', async () => {
    const t = await loadTech('asap7');
    expect(t.cells.mux2.areaUm2).toBe(0.13122);
    expect(t.cells.xor2.areaUm2).toBeCloseTo(4 * 0.05832, 12);
    expect(t.cells.halfAdder.areaUm2).toBeCloseTo(4 * 0.05832 + 0.05832 + 0.04374, 12);
    expect(t.cells.xor2.cell).toBe('4 × NAND2xp5');
  });

  test('5nm is asap7 scaled by 1/1.84 for logic, with the N5 bit cell', async () => {
    const [a7, n5] = [await loadTech('asap7'), await loadTech('5nm')];
    for (const c of CELL_NAMES) expect(n5.cells[c].areaUm2).toBeCloseTo(a7.cells[c].areaUm2 / 1.84, 4);
    expect(n5.sram.bitcellAreaUm2).toBe(0.021);
    expect(n5.derivation).toMatch(/IEDM 2019/);
    expect(n5.cells.dff.source).toMatch(/scaled × 0.5435/);
  });

  test('a tech file missing cells names each missing cell by its key path', async () => {
    const f = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(
      f,
      stringify({
        name: 'bad',
        description: 'bad',
        nodeNm: 3,
        cells: { mux2: { value: 1, unit: 'um^2', source: 's' } },
        sram: { bitcell: { value: 0.02, unit: 'um^2', source: 's' }, arrayEfficiency: { value: 1.5, unit: 'fraction', source: 's' } },
      }),
    );
    let err: NmsimError | undefined;
    try {
      await loadTechFile(f);
    } catch (e) {
      err = e as NmsimError;
    }
    expect(err).toBeInstanceOf(NmsimError);
    expect(err!.diagnostics.map((d) => d.path)).toEqual(['cells.nand2', 'cells.inv', 'cells.dff', 'cells.fullAdder', 'cells.halfAdder', 'cells.xor2']);
  });

  test('an array efficiency above 1 is refused with its key path', async () => {
    const base = await loadTech('nangate45');
    const cells: Record<string, unknown> = {};
    for (const c of CELL_NAMES) cells[c] = { value: base.cells[c].areaUm2, unit: 'um^2', source: 'test' };
    const f = path.join(tmp, 'eff.yaml');
    fs.writeFileSync(f, stringify({ name: 'eff', description: 'd', nodeNm: 45, cells, sram: { bitcell: { value: 0.3, unit: 'um^2', source: 's' }, arrayEfficiency: { value: 1.5, unit: 'fraction', source: 's' } } }));
    await expect(loadTechFile(f)).rejects.toMatchObject({ diagnostics: [{ code: 'tech/bad-value', path: 'sram.arrayEfficiency.value' }] });
  });

  test('an area given in nm^2 is converted to µm²', async () => {
    const base = await loadTech('nangate45');
    const f = path.join(tmp, 'nm2.yaml');
    const cells: Record<string, unknown> = {};
    for (const c of CELL_NAMES) cells[c] = { value: base.cells[c].areaUm2 * 1e6, unit: 'nm^2', source: 'test' };
    fs.writeFileSync(f, stringify({ name: 'nm2', description: 'd', nodeNm: 45, cells, sram: { bitcell: { value: 346000, unit: 'nm^2', source: 's' }, arrayEfficiency: { value: 0.7, unit: 'fraction', source: 's' } } }));
    const t = await loadTechFile(f);
    expect(t.cells.mux2.areaUm2).toBe(1.862);
    expect(t.sram.bitcellAreaUm2).toBe(0.346);
  });
});

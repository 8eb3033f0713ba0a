/**
 * The dense MAC array: the baseline every sparse core is compared with.
 *
 * Per multiplier (lanes × denseKPerCycle of them): a mantissa array multiplier, and for
 * floats an exponent adder, a sign XOR, an exponent difference and an alignment shifter for
 * the product; a product pipeline register. Operand registers are shared the way a tensor
 * core shares operands: lanes = activation rows × output columns, each row's K activations
 * are registered once for all columns and each column's K weights once for all rows.
 * Per lane: a max-exponent tree (floats), an adder tree over K products, the accumulate
 * adder (floats: with alignment, leading-zero count, normalization shift and rounding), and
 * the accumulator register. This is a fused dot-product lane with one normalization per
 * cycle, the usual tensor-core organisation; its cell-level form is an assumption stated
 * here, not a synthesized netlist.
 */
import type { HardwareProfile } from '../profile/schema.js';
import type { TechLibrary } from '../profile/tech.js';
import { addCounts, cellItem, component, scaleCounts, techTag, type AreaComponent, type CellCounts } from './component.js';
import { MAC_FORMATS, FLOAT_ACCUMULATORS, type NumberFormat } from './datatypes.js';
import { arrayMultiplier, barrelShifter, ceilLog2, leadingZeroCounter, muxTree, registers, rippleAdder, subtractor } from './gates.js';
import { inputError } from '../diagnostics.js';

export interface MacGeometry {
  lanes: number;
  denseKPerCycle: number;
  /** lanes = rows × output columns */
  activationRowsPerCycle: number;
  operandBits: number;
  accumulatorBits: number;
  macDatatype: HardwareProfile['tensorCore']['macDatatype'];
}

function accumulatorFormat(g: MacGeometry, f: NumberFormat): NumberFormat {
  if (f.kind === 'int') return { kind: 'int', mantissaBits: g.accumulatorBits, exponentBits: 0 };
  const acc = FLOAT_ACCUMULATORS[g.accumulatorBits];
  if (!acc) {
    throw inputError({
      code: 'area/unsupported-accumulator',
      path: 'tensorCore.accumulatorBits',
      message: `a ${g.macDatatype} MAC with a ${g.accumulatorBits}-bit float accumulator is not modelled.`,
      hint: `use accumulatorBits ${Object.keys(FLOAT_ACCUMULATORS).join(', ')} for float MACs.`,
    });
  }
  return acc;
}

/** Product width carried into the adder tree: the mantissa product plus guard, round and sticky bits. */
export function productBits(f: NumberFormat): number {
  return f.kind === 'int' ? 2 * f.mantissaBits : 2 * f.mantissaBits + 3;
}

/** Cells of one multiplier (no registers). */
export function multiplierCells(f: NumberFormat): CellCounts {
  const m = arrayMultiplier(f.mantissaBits, f.mantissaBits);
  if (f.kind === 'int') return m;
  const e = f.exponentBits + 1;
  return addCounts(m, rippleAdder(e), { xor2: 1 }, subtractor(e), barrelShifter(productBits(f), productBits(f)));
}

/** Cells of one lane's reduction and accumulation for K products (no registers). */
export function laneReductionCells(f: NumberFormat, acc: NumberFormat, k: number): CellCounts {
  const treeWidth = productBits(f) + ceilLog2(k);
  const tree = scaleCounts(rippleAdder(treeWidth), Math.max(0, k - 1));
  if (f.kind === 'int') return addCounts(tree, rippleAdder(acc.mantissaBits));
  const e = f.exponentBits + 1;
  const maxExp = scaleCounts(addCounts(subtractor(e), muxTree(2, e)), Math.max(0, k - 1));
  const w = acc.mantissaBits + 3;
  const accumulate = addCounts(
    subtractor(acc.exponentBits + 1),
    barrelShifter(w, w),
    rippleAdder(Math.max(w, treeWidth)),
    leadingZeroCounter(w),
    barrelShifter(w, w),
    { halfAdder: acc.mantissaBits },
  );
  return addCounts(maxExp, tree, accumulate);
}

export function macArrayArea(g: MacGeometry, tech: TechLibrary): AreaComponent {
  const f = MAC_FORMATS[g.macDatatype];
  const acc = accumulatorFormat(g, f);
  const multipliers = g.lanes * g.denseKPerCycle;
  const rows = g.activationRowsPerCycle;
  const columns = Math.ceil(g.lanes / rows);
  const items = [
    cellItem(`${multipliers} ${g.macDatatype} multipliers (${f.mantissaBits}×${f.mantissaBits} array${f.kind === 'float' ? ', exponent add, product alignment' : ''})`, scaleCounts(multiplierCells(f), multipliers), tech),
    cellItem(`${g.lanes} lanes: ${g.denseKPerCycle}-input adder tree and ${g.accumulatorBits}-bit accumulate${f.kind === 'float' ? ' (align, normalize, round)' : ''}`, scaleCounts(laneReductionCells(f, acc, g.denseKPerCycle), g.lanes), tech),
    cellItem(`${g.lanes} accumulator registers × ${g.accumulatorBits} bits`, registers(g.lanes * g.accumulatorBits), tech),
    cellItem(
      `operand registers: ${rows} activation rows and ${columns} weight columns × ${g.denseKPerCycle} × ${g.operandBits} bits; a ${productBits(f)}-bit product register per multiplier`,
      registers((rows + columns) * g.denseKPerCycle * g.operandBits + multipliers * productBits(f)),
      tech,
    ),
  ];
  return component(
    'mac_array',
    items,
    `composed from standard cells: array multipliers, ripple-carry adder trees, fused dot-product lanes (src/area/mac-array.ts); ${techTag(tech)}`,
  );
}

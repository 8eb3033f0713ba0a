/** Option checks for `nmsim review` (usage errors name the option and the fix). */
import { usageError } from '../../diagnostics.js';

export function wholeNumberOption(name: string, value: unknown, min = 1): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < min) {
    throw usageError({ code: 'cli/invalid-option', path: name, message: `${name} must be a whole number ≥ ${min}.`, found: String(value), hint: `e.g. ${name} ${min === 1 ? 8 : min}` });
  }
  return v;
}

/**
 * A comma-separated list of whole numbers ≥ 1 (e.g. `--decode-batches 1,8`): distinct values,
 * ascending, so the report's decode columns come out in the same order whatever the spelling.
 */
export function wholeNumberListOption(name: string, value: unknown): number[] {
  const parts = String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) {
    throw usageError({ code: 'cli/invalid-option', path: name, message: `${name} needs at least one value.`, found: String(value), hint: `e.g. ${name} 1,8` });
  }
  const values = parts.map((p) => {
    const v = Number(p);
    if (!/^\d+$/.test(p) || !Number.isInteger(v) || v < 1) {
      throw usageError({ code: 'cli/invalid-option', path: name, message: `${name} takes whole numbers ≥ 1 separated by commas; "${p}" is not one.`, found: String(value), hint: `e.g. ${name} 1,8` });
    }
    return v;
  });
  return [...new Set(values)].sort((a, b) => a - b);
}

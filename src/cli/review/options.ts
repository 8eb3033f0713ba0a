/** Option checks for `nmsim review` (usage errors name the option and the fix). */
import { usageError } from '../../diagnostics.js';

export function wholeNumberOption(name: string, value: unknown, min = 1): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < min) {
    throw usageError({ code: 'cli/invalid-option', path: name, message: `${name} must be a whole number ≥ ${min}.`, found: String(value), hint: `e.g. ${name} ${min === 1 ? 8 : min}` });
  }
  return v;
}

/** camelCase record keys → snake_case for JSON and CSV (relErrL2 → rel_err_l2, compressedBits → compressed_bits). */
export function snakeKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function toSnakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnakeCase);
  if (value instanceof Float64Array || value instanceof Float32Array || value instanceof Uint32Array) return Array.from(value);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [snakeKey(k), toSnakeCase(v)]));
  }
  return value;
}

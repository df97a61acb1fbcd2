/** Small helpers shared by the text-analytics functions: option checks and deterministic ordering. */

/** Adds one to a count. */
export function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** UTF-16 code-unit order: the same on every machine (unlike localeCompare). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The value when it is a positive integer, else a RangeError naming `fn` and `options.field`. */
export function positiveInteger(value: number, fn: string, field: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${fn}: options.${field} must be a positive integer, not ${String(value)}`);
  return value;
}

/** The value when it is a finite number, else a RangeError naming `fn` and `options.field`. */
export function finite(value: number, fn: string, field: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${fn}: options.${field} must be a finite number, not ${String(value)}`);
  return value;
}

/**
 * A copy of `value` with every string passed through `maskText`: plain objects and arrays are
 * walked (keys too), anything else (numbers, binary data, dates) is kept as it is.
 */
export function maskStrings<T>(value: T, maskText: (text: string) => string): T {
  return maskValue(value, maskText, new WeakMap()) as T;
}

function maskValue(value: unknown, maskText: (text: string) => string, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return maskText(value);
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(maskValue(item, maskText, seen));
    return copy;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[maskText(key)] = maskValue(item, maskText, seen);
  return copy;
}

/** Default cap on one command's output as JSON (evaluate_js, extract, run_task): 1 MiB. */
export const defaultCommandOutputMaxBytes = 1024 * 1024;

/** A command's output is larger than the cap once serialised. */
export class OutputTooLargeError extends Error {
  override readonly name = 'OutputTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`the output is ${bytes.toLocaleString('en')} bytes as JSON, larger than the cap of ${maxBytes.toLocaleString('en')} bytes; return less`);
  }
}

/**
 * JSON text for any value, never a throw: BigInt → its decimal string, functions and symbols →
 * a descriptive string, a circular reference → "[circular]", undefined → null at the top level.
 */
export function safeJsonText(value: unknown): string {
  const ancestors: unknown[] = [];
  const text = JSON.stringify(value, function (this: unknown, _key: string, item: unknown): unknown {
    if (typeof item === 'bigint') return item.toString();
    if (typeof item === 'function') return `[function ${(item as { name?: string }).name || 'anonymous'}]`;
    if (typeof item === 'symbol') return item.toString();
    if (typeof item !== 'object' || item === null) return item;
    // `this` holds `item`: unwind to it; `item` is circular when it is still an ancestor.
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(item)) return '[circular]';
    ancestors.push(item);
    return item;
  });
  return text ?? 'null';
}

/** `value` as plain JSON data within `maxBytes`; OutputTooLargeError names the size and the cap. */
export function safeJsonValue(value: unknown, maxBytes: number): unknown {
  const text = safeJsonText(value);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) throw new OutputTooLargeError(bytes, maxBytes);
  return JSON.parse(text) as unknown;
}

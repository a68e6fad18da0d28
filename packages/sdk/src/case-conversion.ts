/**
 * The one place where camelCase (SDK) and snake_case (wire) meet. Conversion is shallow on
 * purpose: values are user data (response models, metadata, tool inputs) and stay untouched.
 */

export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * Option names to wire names, keeping only what the caller set (undefined and null are dropped)
 * so the server's defaults apply. Keys already in snake_case pass through unchanged.
 */
export function toWireFields(fields: object): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    wire[camelToSnake(key)] = value;
  }
  return wire;
}

/**
 * Wire names to camelCase, adding the wire names as non-enumerable aliases so code written
 * for the official SDK (`result.credits_used`) keeps working while JSON output stays clean.
 */
export function fromWireFields<T>(wire: Record<string, unknown>): T {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire)) {
    const camelKey = snakeToCamel(key);
    converted[camelKey] = value;
    if (camelKey !== key) {
      Object.defineProperty(converted, key, { get: () => converted[camelKey], enumerable: false });
    }
  }
  return converted as T;
}

/** Secrets given as `{value, allowedUrls}` become `{value, allowed_urls}`; strings pass through. */
export function toWireSecrets(secrets: Record<string, unknown>): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [name, secret] of Object.entries(secrets)) {
    wire[name] = typeof secret === 'object' && secret !== null ? toWireFields(secret) : secret;
  }
  return wire;
}

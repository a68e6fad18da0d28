/** Deepest nesting a JSON body may have: real schemas and payloads stay far below it. */
export const maxJsonDepth = 100;

/**
 * True when `value` nests objects/arrays deeper than `limit`. Walks with its own stack, since
 * a recursive walk (or JSON.stringify later) would overflow on a 20,000-deep body.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ item: unknown; depth: number }> = [{ item: value, depth: 0 }];
  while (stack.length > 0) {
    const { item, depth } = stack.pop() as { item: unknown; depth: number };
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(item)) if (typeof child === 'object' && child !== null) stack.push({ item: child, depth: depth + 1 });
  }
  return false;
}

/**
 * The source of a function that IsolatedWorld.call runs in the page. tsx/esbuild adds
 * `__name(...)` calls to named inner functions, and `__name` does not exist in the page: the
 * wrapper defines a no-op. `pageFunction` must be self-contained (it is sent as its source).
 * The snapshot, too big for one closure, is built from modules instead (in-page-bundle.ts).
 */
export function pageFunctionSource(pageFunction: (...argumentList: never[]) => unknown): string {
  return `(argument, element) => { const __name = (target) => target; return (${pageFunction.toString()})(argument, element); }`;
}

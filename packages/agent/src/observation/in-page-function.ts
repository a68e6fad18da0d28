/**
 * The source of a function that IsolatedWorld.call runs in the page. tsx/esbuild adds
 * `__name(...)` calls to named inner functions, and `__name` does not exist in the page: the
 * wrapper defines a no-op. `pageFunction` must be self-contained (it is sent as its source).
 */
export function pageFunctionSource(pageFunction: (...argumentList: never[]) => unknown): string {
  return `(argument, element) => { const __name = (target) => target; return (${pageFunction.toString()})(argument, element); }`;
}

/**
 * Like `pageFunctionSource`, but the page returns the result as one JSON string: CDP's value
 * serialization walks big results object by object, JSON.stringify is far faster (and in our
 * isolated world it is the real one, whatever the page did to its own).
 */
export function pageJsonFunctionSource(pageFunction: (...argumentList: never[]) => unknown): string {
  return `(argument, ...objects) => { const __name = (target) => target; return JSON.stringify((${pageFunction.toString()})(argument, ...objects)); }`;
}

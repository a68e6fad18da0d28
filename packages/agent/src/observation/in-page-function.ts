/**
 * Wraps a function that Playwright serializes into the page. tsx/esbuild adds `__name(...)`
 * calls to named inner functions, and `__name` does not exist in the page: define a no-op
 * there. The result is still a function (so Playwright passes the argument), whose source is
 * the wrapper.
 */
export function inPageFunction<Argument, Result>(
  pageFunction: (argument: Argument) => Result,
): (argument: Argument) => Result {
  const source = `(argument) => { const __name = (target) => target; return (${pageFunction.toString()})(argument); }`;
  const wrapper = (argument: Argument): Result => pageFunction(argument);
  wrapper.toString = () => source;
  return wrapper;
}

/**
 * Like `inPageFunction`, but the page returns the result as one JSON string: Playwright's
 * value serialization walks big results object by object, JSON.stringify is far faster.
 */
export function inPageJsonFunction<Argument, Result>(pageFunction: (argument: Argument) => Result): (argument: Argument) => string {
  const source = `(argument) => { const __name = (target) => target; return JSON.stringify((${pageFunction.toString()})(argument)); }`;
  const wrapper = (argument: Argument): string => JSON.stringify(pageFunction(argument));
  wrapper.toString = () => source;
  return wrapper;
}

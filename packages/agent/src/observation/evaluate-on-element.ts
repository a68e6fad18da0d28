import type { Page } from 'playwright-core';
import { elementReferenceFor, lookupElementInPage, type ElementLookup } from './element-lookup.js';
import { inPageFunction } from './in-page-function.js';
import type { Observation } from './observation.js';
import { StaleElementError } from './stale-element-error.js';

type ElementFunction<Argument, Result> = (element: Element, argument: Argument) => Result;

interface WrappedArgument<Argument> {
  lookup: ElementLookup;
  argument: Argument;
}

type WrappedResult<Result> = { stale: string } | { value: Result };

const wrappers = new WeakMap<ElementFunction<any, any>, (argument: WrappedArgument<any>) => WrappedResult<any>>();

/**
 * One page function that finds the element and runs `pageFunction` on it, so an action costs one
 * round trip instead of a handle lookup plus calls on the handle. Serialized by inPageFunction.
 */
function wrapped<Argument, Result>(pageFunction: ElementFunction<Argument, Result>): (argument: WrappedArgument<Argument>) => WrappedResult<Result> {
  const cached = wrappers.get(pageFunction);
  if (cached) return cached;
  const composed = (argument: WrappedArgument<Argument>): WrappedResult<Result> => {
    const found = lookupElementInPage(argument.lookup);
    return typeof found === 'string' ? { stale: found } : { value: pageFunction(found, argument.argument) };
  };
  // Both functions are defined outside this closure, so the page gets their sources spelled out.
  composed.toString = () =>
    '(argument) => {' +
    ` const found = (${lookupElementInPage.toString()})(argument.lookup);` +
    " if (typeof found === 'string') return { stale: found };" +
    ` return { value: (${pageFunction.toString()})(found, argument.argument) }; }`;
  const wrapper = inPageFunction(composed);
  wrappers.set(pageFunction, wrapper);
  return wrapper;
}

/**
 * Runs `pageFunction` on the live element behind `[index]` of `observation`, in its frame, in one
 * evaluate. The result must be serializable. Throws like resolveElement when the element is gone.
 */
export async function evaluateOnElement<Argument, Result>(
  page: Page,
  observation: Observation,
  index: number,
  pageFunction: ElementFunction<Argument, Result>,
  argument: Argument,
): Promise<Result> {
  const { frame, generation, localIndex } = elementReferenceFor(page, observation, index);
  let result: WrappedResult<Result>;
  try {
    // Playwright's generic argument typing cannot follow a generic Argument through; the wrapper is typed above.
    const pageFunctionOfAny = wrapped(pageFunction) as (argument: unknown) => WrappedResult<Result>;
    result = await frame.evaluate(pageFunctionOfAny, { lookup: { generation, localIndex }, argument } as unknown);
  } catch (error) {
    if (frame.isDetached() || /context was destroyed|navigat|Target .*closed/i.test((error as Error).message)) {
      throw new StaleElementError(index, 'the page navigated');
    }
    throw error;
  }
  if ('stale' in result) throw new StaleElementError(index, result.stale);
  return result.value;
}

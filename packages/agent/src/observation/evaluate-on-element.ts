import type { Page } from 'playwright-core';
import { elementReferenceFor, lookupElementInPage, staleReason, worldOf, type ElementLookup } from './element-lookup.js';
import type { Observation } from './observation.js';
import { StaleElementError } from './stale-element-error.js';

type ElementFunction<Argument, Result> = (element: Element, argument: Argument) => Result | Promise<Result>;

interface WrappedArgument<Argument> {
  lookup: ElementLookup;
  argument: Argument;
}

type WrappedResult<Result> = { stale: string } | { value: Result };

const sources = new WeakMap<ElementFunction<any, any>, string>();

/**
 * The source of one page function that finds the element and runs `pageFunction` on it, so an
 * action costs one round trip. Both functions are self-contained and sent as their sources.
 */
function composedSource(pageFunction: ElementFunction<any, any>): string {
  let source = sources.get(pageFunction);
  if (!source) {
    source =
      '(argument) => { const __name = (target) => target;' +
      ` const found = (${lookupElementInPage.toString()})(argument.lookup);` +
      " if (typeof found === 'string') return { stale: found };" +
      ` const value = (${pageFunction.toString()})(found, argument.argument);` +
      // An async page function (waiting for suggestions) resolves before the value is sent back.
      " return value instanceof Promise ? value.then((settled) => ({ value: settled })) : { value }; }";
    sources.set(pageFunction, source);
  }
  return source;
}

/**
 * Runs `pageFunction` on the live element behind `[index]` of `observation`, in its frame, in our
 * isolated world, in one call. The result must be serializable. Throws like resolveElement when
 * the element is gone.
 */
export async function evaluateOnElement<Argument, Result>(
  page: Page,
  observation: Observation,
  index: number,
  pageFunction: ElementFunction<Argument, Result>,
  argument: Argument,
): Promise<Result> {
  const { frameId, lookup } = elementReferenceFor(observation, index);
  const world = await worldOf(page, index);
  let result: WrappedResult<Result>;
  try {
    const wrappedArgument: WrappedArgument<Argument> = { lookup, argument };
    result = await world.call<WrappedResult<Result>>(frameId, composedSource(pageFunction), wrappedArgument);
  } catch (error) {
    const reason = staleReason(error);
    if (reason) throw new StaleElementError(index, reason);
    throw error;
  }
  if ('stale' in result) throw new StaleElementError(index, result.stale);
  return result.value;
}

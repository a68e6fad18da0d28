import type { ElementHandle, Page } from 'playwright-core';
import { elementReferenceFor, lookupElementInPage } from './element-lookup.js';
import { inPageFunction } from './in-page-function.js';
import type { Observation } from './observation.js';
import { StaleElementError } from './stale-element-error.js';

const lookupInPage = inPageFunction(lookupElementInPage);

/**
 * The live element behind `[index]` of `observation`. Never guesses: an index the observation
 * does not list throws ElementNotFoundError; one whose page state is gone throws StaleElementError.
 */
export async function resolveElement(page: Page, observation: Observation, index: number): Promise<ElementHandle<Element>> {
  const { frame, generation, localIndex } = elementReferenceFor(page, observation, index);
  const handle = await frame.evaluateHandle(lookupInPage, { generation, localIndex }).catch(() => null);
  if (!handle) throw new StaleElementError(index, 'the page navigated');
  const found = handle.asElement();
  if (found) return found as ElementHandle<Element>;
  const reason = await handle.jsonValue().catch(() => 'the page navigated');
  await handle.dispose().catch(() => undefined);
  throw new StaleElementError(index, typeof reason === 'string' ? reason : 'the page changed');
}

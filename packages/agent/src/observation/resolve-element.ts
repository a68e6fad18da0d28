import type { ElementHandle, Page } from 'playwright-core';
import { elementReferenceFor, lookupElementInPage, staleReason, worldOf } from './element-lookup.js';
import { pageFunctionSource } from './in-page-function.js';
import type { Observation } from './observation.js';
import { StaleElementError } from './stale-element-error.js';

const lookupSource = pageFunctionSource(lookupElementInPage);

/**
 * The live element behind `[index]` of `observation`, as a Playwright handle. Found in our
 * isolated world and handed to Playwright without passing through the page's world. Never
 * guesses: an index the observation does not list throws ElementNotFoundError; one whose page
 * state is gone throws StaleElementError.
 */
export async function resolveElement(page: Page, observation: Observation, index: number): Promise<ElementHandle<Element>> {
  const { frameId, lookup } = elementReferenceFor(observation, index);
  const world = await worldOf(page, index);
  let found: { objectId: string } | { value: unknown };
  try {
    found = await world.callForObject(frameId, lookupSource, lookup);
  } catch (error) {
    const reason = staleReason(error);
    if (reason) throw new StaleElementError(index, reason);
    throw error;
  }
  if (!('objectId' in found)) throw new StaleElementError(index, typeof found.value === 'string' ? found.value : 'the page changed');
  try {
    const handle = await world.elementHandle(frameId, found.objectId);
    if (!handle) throw new StaleElementError(index, 'its frame is gone');
    return handle;
  } catch (error) {
    const reason = error instanceof StaleElementError ? null : staleReason(error);
    if (reason) throw new StaleElementError(index, reason);
    throw error;
  } finally {
    await world.release(found.objectId);
  }
}

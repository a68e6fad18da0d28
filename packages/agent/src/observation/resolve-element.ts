import type { ElementHandle, Page } from 'playwright-core';
import { ElementNotFoundError } from './element-not-found-error.js';
import { elementReferences } from './element-reference.js';
import { inPageFunction } from './in-page-function.js';
import type { Observation } from './observation.js';
import type { InPageStore } from './snapshot-frame.js';
import { StaleElementError } from './stale-element-error.js';

const lookupInPage = inPageFunction(({ generation, localIndex }: { generation: string; localIndex: number }): Element | string => {
  const store = (window as unknown as { __openSmooth?: InPageStore }).__openSmooth;
  const entry = store?.generations.find((candidate) => candidate.id === generation);
  if (!entry) return 'the page was reloaded, navigated or observed many times since';
  const element = entry.elements[localIndex]?.deref();
  if (!element || !element.isConnected) return 'the element was removed from the page';
  return element;
});

/**
 * The live element behind `[index]` of `observation`. Never guesses: an index the observation
 * does not list throws ElementNotFoundError; one whose page state is gone throws StaleElementError.
 */
export async function resolveElement(page: Page, observation: Observation, index: number): Promise<ElementHandle<Element>> {
  const element = observation.elements.find((candidate) => candidate.index === index);
  if (!element) throw new ElementNotFoundError(index, observation.elements.length);
  const reference = elementReferences.get(element);
  if (!reference) throw new StaleElementError(index, 'this page view was not produced in this process');
  const { frame } = reference;
  if (frame.page() !== page) throw new StaleElementError(index, 'it belongs to another tab');
  if (frame.isDetached()) throw new StaleElementError(index, 'its frame is gone');
  const handle = await frame
    .evaluateHandle(lookupInPage, { generation: reference.generation, localIndex: reference.localIndex })
    .catch(() => null);
  if (!handle) throw new StaleElementError(index, 'the page navigated');
  const found = handle.asElement();
  if (found) return found as ElementHandle<Element>;
  const reason = await handle.jsonValue().catch(() => 'the page navigated');
  await handle.dispose().catch(() => undefined);
  throw new StaleElementError(index, typeof reason === 'string' ? reason : 'the page changed');
}

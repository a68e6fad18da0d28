import type { Frame, Page } from 'playwright-core';
import { ElementNotFoundError } from './element-not-found-error.js';
import { elementReferences, type ElementReference } from './element-reference.js';
import type { Observation } from './observation.js';
import type { InPageStore } from './snapshot-frame.js';
import { StaleElementError } from './stale-element-error.js';

export interface ElementLookup {
  generation: string;
  localIndex: number;
}

/**
 * Runs inside the element's frame (serialized, self-contained): the live element of a generation
 * of references, or why it is gone.
 */
export function lookupElementInPage({ generation, localIndex }: ElementLookup): Element | string {
  const store = (window as unknown as { __openSmooth?: InPageStore }).__openSmooth;
  const entry = store?.generations.find((candidate) => candidate.id === generation);
  if (!entry) return 'the page was reloaded, navigated or observed many times since';
  const element = entry.elements[localIndex]?.deref();
  if (!element || !element.isConnected) return 'the element was removed from the page';
  return element;
}

/**
 * Where `[index]` of `observation` lives, checked on this side first. Never guesses: an index the
 * observation does not list throws ElementNotFoundError; one whose page state is gone throws
 * StaleElementError.
 */
export function elementReferenceFor(page: Page, observation: Observation, index: number): ElementReference & { frame: Frame } {
  const element = observation.elements.find((candidate) => candidate.index === index);
  if (!element) throw new ElementNotFoundError(index, observation.elements.length);
  const reference = elementReferences.get(element);
  if (!reference) throw new StaleElementError(index, 'this page view was not produced in this process');
  if (reference.frame.page() !== page) throw new StaleElementError(index, 'it belongs to another tab');
  if (reference.frame.isDetached()) throw new StaleElementError(index, 'its frame is gone');
  return reference;
}

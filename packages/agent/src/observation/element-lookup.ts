import type { Page } from 'playwright-core';
import { IsolatedWorld } from '@open-smooth/browser';
import { ElementNotFoundError } from './element-not-found-error.js';
import type { ElementReference } from './element-reference.js';
import type { Observation } from './observation.js';
import { inPageStoreKey, type InPageStore } from './in-page/reference-store.js';
import { StaleElementError } from './stale-element-error.js';
import { errorMessage } from '@open-smooth/protocol';

export interface ElementLookup {
  storeKey: string;
  generation: string;
  localIndex: number;
}

/**
 * Runs inside the element's frame, in our isolated world (sent as source, self-contained): the
 * live element of a generation of references, or why it is gone.
 */
export function lookupElementInPage({ storeKey, generation, localIndex }: ElementLookup): Element | string {
  const store = (globalThis as unknown as Record<string, InPageStore | undefined>)[storeKey];
  const entry = store?.generations.find((candidate) => candidate.id === generation);
  if (!entry) return 'the page was reloaded, navigated or observed many times since';
  const element = entry.elements[localIndex]?.deref();
  if (!element || !element.isConnected) return 'the element was removed from the page';
  return element;
}

/**
 * Where `[index]` of `observation` lives, checked on this side first. Never guesses: an index the
 * observation does not list throws ElementNotFoundError.
 */
export function elementReferenceFor(observation: Observation, index: number): ElementReference & { lookup: ElementLookup } {
  const element = observation.elements.find((candidate) => candidate.index === index);
  if (!element) throw new ElementNotFoundError(index, observation.elements.length);
  const { frameId, generation, localIndex } = element.reference;
  return { frameId, generation, localIndex, lookup: { storeKey: inPageStoreKey, generation, localIndex } };
}

/** The isolated world of `page`, or StaleElementError when the page is gone. */
export async function worldOf(page: Page, index: number): Promise<IsolatedWorld> {
  if (page.isClosed()) throw new StaleElementError(index, 'its tab was closed');
  try {
    return await IsolatedWorld.for(page);
  } catch {
    throw new StaleElementError(index, 'its tab was closed');
  }
}

/** A failure of a call into the element's frame, as the model should read it. */
export function staleReason(error: unknown): string | null {
  const message = errorMessage(error);
  if (/No frame (for given id|with given id)|frame.*(not found|detached)|Cannot find frame/i.test(message)) return 'its frame is gone';
  if (/context was destroyed|Cannot find context|navigat|Target .*closed|Session closed|has been closed/i.test(message)) return 'the page navigated';
  return null;
}

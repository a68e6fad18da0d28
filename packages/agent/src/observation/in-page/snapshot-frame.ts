import type { FrameSnapshot, ListenersNeeded, SnapshotOptions } from '../frame-snapshot.js';
import { listenerElementsOf } from './listener-elements.js';
import { inPageStore, keepGeneration } from './reference-store.js';
import { walkFrame } from './walk-frame.js';

/**
 * Runs inside a frame (bundled with the other in-page modules into one function source, see
 * in-page-bundle.ts): walks the flattened DOM (open shadow roots, slots) in document order and
 * returns text lines, numbered interactive elements and iframe placeholders. Runs in our isolated
 * world: the built-ins it calls are the world's own, whatever the page did to its own. Element
 * references are kept in a per-frame global of that world keyed by generation, never written
 * into the DOM.
 */
export function snapshotFrame(options: SnapshotOptions, ...objects: Element[]): FrameSnapshot | ListenersNeeded {
  const store = inPageStore(options.storeKey);
  const owners = objects.slice(0, options.ownerCount);
  const listenerElements = listenerElementsOf(store, options, objects.slice(options.ownerCount));
  if (!listenerElements) return { listenersNeeded: true, shadowRoots: store.pendingShadowRoots?.length ?? 0 };

  const viewport = { width: window.innerWidth, height: window.innerHeight };
  const scrollingElement = document.scrollingElement ?? document.documentElement;
  const documentWidth = Math.max(scrollingElement.scrollWidth, viewport.width);
  const { blocks, elements } = walkFrame({ owners, listenerElements, viewport, documentWidth });
  keepGeneration(store, options.generation, elements, options.keptGenerations);

  return {
    title: document.title,
    blocks,
    scroll: { y: Math.round(window.scrollY), height: Math.round(scrollingElement.scrollHeight), viewportHeight: viewport.height },
  };
}

import type { SnapshotOptions } from '../frame-snapshot.js';
import type { InPageStore } from './reference-store.js';

/**
 * The elements with action listeners, or null when they must be read first (then the store says
 * which open shadow roots to read too). Listeners are read through CDP (two round trips and a walk
 * of the DOM in the browser), so the list is kept and reused until the DOM changes: a page adds
 * listeners along with the nodes or attributes it changes. Style changes (motion) and text changes
 * do not count.
 */
export function listenerElementsOf(store: InPageStore, options: SnapshotOptions, given: Element[]): Set<Element> | null {
  let changes = store.changes;
  if (!changes) {
    const tracker: { count: number; observer: MutationObserver } = {
      count: 0,
      observer: new MutationObserver((records) => {
        if (records.some((record) => record.type !== 'attributes' || record.attributeName !== 'style')) tracker.count += 1;
      }),
    };
    tracker.observer.observe(document, { subtree: true, childList: true, attributes: true });
    changes = store.changes = tracker;
  }
  // Changes of this task not delivered to the observer yet count too.
  const undelivered = changes.observer.takeRecords();
  if (undelivered.some((record) => record.type !== 'attributes' || record.attributeName !== 'style')) changes.count += 1;
  if (options.listeners === 'given') {
    const elements = new Set(given);
    if (options.keep) store.listeners = { count: store.pendingRead?.count ?? -1, elements };
    store.pendingRead = undefined;
    store.pendingShadowRoots = undefined;
    return elements;
  }
  if (store.listeners && store.listeners.count === changes.count) return store.listeners.elements;
  // The open shadow roots, whose listeners CDP reports only when asked for each; watched for changes from now on.
  const shadowRoots: ShadowRoot[] = [];
  const visit = (root: Document | ShadowRoot): void => {
    const all = root.querySelectorAll('*');
    for (let position = 0; position < all.length; position += 1) {
      const shadowRoot = (all[position] as Element).shadowRoot;
      if (!shadowRoot) continue;
      shadowRoots.push(shadowRoot);
      changes.observer.observe(shadowRoot, { subtree: true, childList: true, attributes: true });
      visit(shadowRoot);
    }
  };
  visit(document);
  store.pendingRead = { count: changes.count };
  store.pendingShadowRoots = shadowRoots;
  return null;
}

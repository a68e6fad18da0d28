/**
 * The per-frame store of element references: a global of our isolated world (see IsolatedWorld),
 * so no page script can read, replace or pre-define it.
 */
export const inPageStoreKey = 'openSmoothStore';

export interface InPageStore {
  generations: Array<{ id: string; elements: Array<WeakRef<Element>> }>;
  /** Counts DOM changes that may come with new listeners (nodes added or removed, attributes other than style). */
  changes?: { count: number; observer: MutationObserver };
  /** The elements with action listeners, as read when `changes.count` was `count`. */
  listeners?: { count: number; elements: Set<Element> };
  /** Set when ListenersNeeded was answered: the change count then, and the open shadow roots to read. */
  pendingRead?: { count: number };
  pendingShadowRoots?: ShadowRoot[];
}

/** This frame's store, made on first use. */
export function inPageStore(storeKey: string): InPageStore {
  const globalScope = globalThis as unknown as Record<string, InPageStore | undefined>;
  return (globalScope[storeKey] ??= { generations: [] });
}

/** Keeps the references of one snapshot under its generation, dropping the oldest beyond `keptGenerations`. */
export function keepGeneration(store: InPageStore, id: string, elements: Element[], keptGenerations: number): void {
  store.generations.push({
    id,
    elements: elements.map((element) => new WeakRef(element)),
  });
  while (store.generations.length > keptGenerations) store.generations.shift();
}

import type { BrowserContext, Frame, Page } from 'playwright-core';

import { TabNotFoundError } from './errors.js';
import { EventSubscriptions } from './event-subscriptions.js';

function isErrorPage(url: string): boolean {
  return url.startsWith('chrome-error:');
}

/** Whether a page already shows a real document, not the about:blank every tab starts with. */
function hasCommittedUrl(page: Page): boolean {
  const url = page.url();
  return url !== '' && url !== 'about:blank' && !isErrorPage(url);
}

/**
 * The tabs of one task's context, in opening order, and which one is active: the tab the agent
 * acts on and the live view and recorder show. A new tab becomes active once it shows a real
 * document; closing the active tab makes the previously active one active again.
 */
export class TabSet {
  readonly #pages: Page[] = [];
  /** Tabs in the order they were last made active, most recent last. */
  readonly #activationHistory: Page[] = [];
  readonly #newTabListeners = new Set<(page: Page) => void>();
  readonly #activeTabListeners = new Set<(page: Page | undefined) => void>();
  /** Tabs opened since the last settle, which may still be loading their first document. */
  readonly #unsettled = new Set<Page>();
  readonly #subscriptions = new EventSubscriptions();
  /** Called for every tab the set starts tracking (downloads watch each tab, say). */
  readonly #onTracked: (page: Page) => void;

  constructor(onTracked: (page: Page) => void = () => {}) {
    this.#onTracked = onTracked;
  }

  /** Tracks the context's current tabs and every tab it opens from now on. */
  watch(context: BrowserContext): void {
    for (const page of context.pages()) this.#track(page, true);
    this.#subscriptions.on(context, 'page', (page: Page) => {
      this.#track(page, false);
      for (const listener of [...this.#newTabListeners]) listener(page);
    });
  }

  /** The active tab, if any is open. */
  get active(): Page | undefined {
    return this.#activationHistory.at(-1) ?? this.#pages.at(-1);
  }

  get pages(): Page[] {
    return [...this.#pages];
  }

  /** Makes tab `index` (0-based, in opening order) the active one. */
  switchTo(index: number): Page {
    const page = this.#pages[index];
    if (!Number.isInteger(index) || !page) throw new TabNotFoundError(index, this.#pages.length);
    this.#activate(page);
    return page;
  }

  /** Tabs opened since the previous call, which may still be loading. */
  takeUnsettled(): Page[] {
    const pages = [...this.#unsettled];
    this.#unsettled.clear();
    return pages;
  }

  /** Calls listener for each tab opened from now on; returns the unsubscribe function. */
  onNewTab(listener: (page: Page) => void): () => void {
    this.#newTabListeners.add(listener);
    return () => this.#newTabListeners.delete(listener);
  }

  /** Calls listener whenever another tab becomes active (undefined: none is left); returns the unsubscribe function. */
  onActiveTabChanged(listener: (page: Page | undefined) => void): () => void {
    this.#activeTabListeners.add(listener);
    return () => this.#activeTabListeners.delete(listener);
  }

  /** Stops tracking: the task lets its context go, its listeners must not fire for the next task. */
  dispose(): void {
    this.#subscriptions.dispose();
    this.#newTabListeners.clear();
    this.#activeTabListeners.clear();
    this.#pages.length = 0;
    this.#activationHistory.length = 0;
    this.#unsettled.clear();
  }

  #track(page: Page, isInitial: boolean): void {
    if (this.#pages.includes(page)) return;
    this.#pages.push(page);
    this.#onTracked(page);
    this.#subscriptions.once(page, 'close', () => this.#forget(page));
    if (!isInitial) this.#unsettled.add(page);
    if (isInitial || hasCommittedUrl(page)) {
      this.#activate(page);
      return;
    }
    // A new tab takes over once it shows a real document (not while it is still about:blank).
    const onNavigated = (frame: Frame) => {
      if (frame !== page.mainFrame() || !hasCommittedUrl(page)) return;
      page.off('framenavigated', onNavigated);
      if (!page.isClosed() && !this.#subscriptions.disposed) this.#activate(page);
    };
    this.#subscriptions.on(page, 'framenavigated', onNavigated);
  }

  #activate(page: Page): void {
    const before = this.active;
    const index = this.#activationHistory.indexOf(page);
    if (index !== -1) this.#activationHistory.splice(index, 1);
    this.#activationHistory.push(page);
    page.bringToFront().catch(() => {});
    if (before !== page) this.#notifyActive();
  }

  #forget(page: Page): void {
    const before = this.active;
    const index = this.#pages.indexOf(page);
    if (index !== -1) this.#pages.splice(index, 1);
    const historyIndex = this.#activationHistory.indexOf(page);
    if (historyIndex !== -1) this.#activationHistory.splice(historyIndex, 1);
    this.#unsettled.delete(page);
    if (before !== this.active) this.#notifyActive();
  }

  #notifyActive(): void {
    const active = this.active;
    for (const listener of [...this.#activeTabListeners]) listener(active);
  }
}

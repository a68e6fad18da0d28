import type { BrowserContext, Page, Request, Response } from 'playwright-core';

import { EventSubscriptions } from './event-subscriptions.js';

interface InFlightRequest {
  page: Page | undefined;
  startedAt: number;
  /** Order of the request's start among all requests of the context. */
  sequence: number;
  /** When its response headers arrived. */
  respondedAt?: number;
  streaming: boolean;
}

interface PageTimes {
  /** When the page's last load event was seen. */
  loadAt: number;
  /** When a fetch/XHR last ended: script reacts to those, so a quiet window always follows them. */
  reactiveEndAt: number;
  /** The same end by the browser's clock (wall-clock ms), to compare with the page's own times. */
  reactiveEndWallMs: number;
  /** When any other request last ended. */
  otherEndAt: number;
  /** Sequence number of the latest main-frame navigation request. */
  navigationSequence: number;
}

/** Resource types that stay open by design and so never count as "the page is still loading". */
const streamingResourceTypes = new Set(['eventsource', 'websocket', 'media']);
/**
 * A response whose body the page never reads (a fire-and-forget POST) is never reported finished
 * by Chromium; this long after its headers it no longer counts as loading. Bodies the page does
 * read finish well within it.
 */
const unreadBodyGraceMs = 100;
/** Responses that page script typically acts on as they arrive (render a table, start the next fetch). */
const reactiveResourceTypes = new Set(['fetch', 'xhr']);

export interface NetworkIdleOptions {
  /** Give up (resolve false) after this long. */
  timeoutMs: number;
  /** Requests in flight longer than this are taken for long-polling and ignored. */
  longPollMs: number;
  signal?: AbortSignal;
}

export interface NetworkQuietState {
  /** Some request of the page that counts as loading is in flight. */
  busy: boolean;
  /** When busy: the next time one of those requests stops counting (presumed long-poll or unread body). */
  nextExpiryAt?: number;
  /**
   * Milliseconds since the last request end that page script may still be reacting to: any
   * fetch/XHR, and other requests that ended after the load event (earlier ones were all handled
   * before load fired). Infinity when there is none.
   */
  quietForMs: number;
  /** Milliseconds since the last fetch/XHR end alone (Infinity when there is none). */
  reactiveQuietForMs: number;
  /** When that fetch/XHR ended, in wall-clock ms as the browser measured it (-Infinity when there is none). */
  reactiveEndWallMs: number;
}

/** Tracks in-flight requests and the time of the last request end per page, from Playwright's request events. */
export class NetworkActivity {
  readonly #inFlight = new Map<Request, InFlightRequest>();
  readonly #times = new WeakMap<Page, PageTimes>();
  readonly #watchedPages = new WeakSet<Page>();
  readonly #listeners = new Set<() => void>();
  readonly #subscriptions = new EventSubscriptions();
  #sequence = 0;

  constructor(context: BrowserContext) {
    const on = this.#subscriptions;
    on.on(context, 'request', (request: Request) => this.#onStart(request));
    on.on(context, 'response', (response: Response) => this.#onResponse(response.request()));
    on.on(context, 'requestfinished', (request: Request) => this.#onEnd(request));
    on.on(context, 'requestfailed', (request: Request) => this.#onEnd(request));
    context.pages().forEach((page) => this.#watch(page));
    on.on(context, 'page', (page: Page) => this.#watch(page));
  }

  /** Stops listening to the context (it goes on to another task). */
  dispose(): void {
    this.#subscriptions.dispose();
    this.#inFlight.clear();
  }

  /** The page's network state right now; no round trip to the browser. */
  quietState(page: Page, longPollMs: number): NetworkQuietState {
    const now = Date.now();
    let nextExpiryAt: number | undefined;
    for (const entry of this.#inFlight.values()) {
      if (entry.page !== page || entry.streaming) continue;
      const expiryAt = Math.min(entry.startedAt + longPollMs, (entry.respondedAt ?? Infinity) + unreadBodyGraceMs);
      if (expiryAt <= now) continue;
      nextExpiryAt = nextExpiryAt === undefined ? expiryAt : Math.min(nextExpiryAt, expiryAt);
    }
    const times = this.#times.get(page);
    const lastEndAt = times ? Math.max(times.reactiveEndAt, times.otherEndAt > times.loadAt ? times.otherEndAt : -Infinity) : -Infinity;
    const quietForMs = now - lastEndAt;
    const reactiveQuietForMs = times ? now - times.reactiveEndAt : Infinity;
    const reactiveEndWallMs = times ? times.reactiveEndWallMs : -Infinity;
    const quiet = { quietForMs, reactiveQuietForMs, reactiveEndWallMs };
    return nextExpiryAt === undefined ? { busy: false, ...quiet } : { busy: true, nextExpiryAt, ...quiet };
  }

  /** Resolves true once `page` has nothing in flight (long-polls and streams aside), false at the timeout. */
  waitForIdle(page: Page, options: NetworkIdleOptions): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let recheckTimer: NodeJS.Timeout | undefined;
      const finish = (idle: boolean) => {
        clearTimeout(recheckTimer);
        clearTimeout(deadlineTimer);
        this.#listeners.delete(evaluate);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(idle);
      };
      const onAbort = () => finish(false);
      const evaluate = () => {
        clearTimeout(recheckTimer);
        const { busy, nextExpiryAt } = this.quietState(page, options.longPollMs);
        if (!busy) return finish(true);
        // Re-evaluate when the next request stops counting.
        if (nextExpiryAt !== undefined) recheckTimer = setTimeout(evaluate, Math.max(0, nextExpiryAt - Date.now()));
      };
      const deadlineTimer = setTimeout(() => finish(false), Math.max(0, options.timeoutMs));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#listeners.add(evaluate);
      evaluate();
    });
  }

  /** Number of requests of `page` that currently count as loading. */
  busyCount(page: Page, longPollMs: number): number {
    const now = Date.now();
    let count = 0;
    for (const entry of this.#inFlight.values()) {
      const expiryAt = Math.min(entry.startedAt + longPollMs, (entry.respondedAt ?? Infinity) + unreadBodyGraceMs);
      if (entry.page === page && !entry.streaming && expiryAt > now) count += 1;
    }
    return count;
  }

  #watch(page: Page): void {
    if (this.#watchedPages.has(page)) return;
    this.#watchedPages.add(page);
    this.#subscriptions.on(page, 'load', () => void (this.#timesOf(page).loadAt = Date.now()));
    this.#subscriptions.on(page, 'domcontentloaded', () => this.#forgetReplacedDocumentRequests(page));
    this.#subscriptions.once(page, 'close', () => this.#forgetPage(page));
  }

  #timesOf(page: Page): PageTimes {
    let times = this.#times.get(page);
    if (!times) {
      times = { loadAt: -Infinity, reactiveEndAt: -Infinity, reactiveEndWallMs: -Infinity, otherEndAt: -Infinity, navigationSequence: -1 };
      this.#times.set(page, times);
    }
    return times;
  }

  #onStart(request: Request): void {
    let page: Page | undefined;
    let isMainFrameNavigation = false;
    try {
      const frame = request.frame();
      page = frame.page();
      isMainFrameNavigation = request.isNavigationRequest() && frame === page.mainFrame();
    } catch {
      page = undefined;
    }
    const sequence = (this.#sequence += 1);
    if (page && isMainFrameNavigation) this.#timesOf(page).navigationSequence = sequence;
    this.#inFlight.set(request, {
      page,
      startedAt: Date.now(),
      sequence,
      streaming: streamingResourceTypes.has(request.resourceType()),
    });
    this.#notify();
  }

  #onResponse(request: Request): void {
    const entry = this.#inFlight.get(request);
    if (!entry) return;
    entry.respondedAt = Date.now();
    // fetch() resolves on the headers: script may act on them already.
    if (entry.page && reactiveResourceTypes.has(request.resourceType())) {
      const times = this.#timesOf(entry.page);
      times.reactiveEndAt = entry.respondedAt;
      times.reactiveEndWallMs = browserWallTime(request, 'responseStart');
    }
    this.#notify();
  }

  #onEnd(request: Request): void {
    const entry = this.#inFlight.get(request);
    if (!entry) return;
    this.#inFlight.delete(request);
    if (entry.page && !entry.streaming) {
      const times = this.#timesOf(entry.page);
      if (reactiveResourceTypes.has(request.resourceType())) {
        times.reactiveEndAt = Date.now();
        times.reactiveEndWallMs = browserWallTime(request, 'responseEnd');
      } else {
        times.otherEndAt = Date.now();
      }
    }
    this.#notify();
  }

  /**
   * A new document replaced the old one: requests the old document started died with it, but
   * Chromium does not always report their end, and they would hold settle until the long-poll bound.
   */
  #forgetReplacedDocumentRequests(page: Page): void {
    const { navigationSequence } = this.#timesOf(page);
    for (const [request, entry] of this.#inFlight) if (entry.page === page && entry.sequence < navigationSequence) this.#inFlight.delete(request);
    this.#notify();
  }

  #forgetPage(page: Page): void {
    for (const [request, entry] of this.#inFlight) if (entry.page === page) this.#inFlight.delete(request);
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/**
 * When a request reached `mark` by the browser's clock (wall-clock ms), which page script's own
 * times (performance.timeOrigin + now) can be compared with; now by ours when the browser did not say.
 */
function browserWallTime(request: Request, mark: 'responseStart' | 'responseEnd'): number {
  const timing = request.timing();
  return timing.startTime > 0 && timing[mark] >= 0 ? timing.startTime + timing[mark] : Date.now();
}

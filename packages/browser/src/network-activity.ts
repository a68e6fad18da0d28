import type { BrowserContext, Page, Request } from 'playwright-core';

interface InFlightRequest {
  page: Page | undefined;
  startedAt: number;
  streaming: boolean;
}

/** Resource types that stay open by design and so never count as "the page is still loading". */
const streamingResourceTypes = new Set(['eventsource', 'websocket', 'media']);

export interface NetworkQuietOptions {
  /** How long the page must have no request in flight. */
  quietMs: number;
  /** Give up (resolve false) after this long. */
  timeoutMs: number;
  /** Requests in flight longer than this are taken for long-polling and ignored. */
  longPollMs: number;
  signal?: AbortSignal;
}

/** Tracks in-flight requests per page from Playwright's request events. */
export class NetworkActivity {
  readonly #inFlight = new Map<Request, InFlightRequest>();
  readonly #listeners = new Set<() => void>();

  constructor(context: BrowserContext) {
    context.on('request', (request) => this.#onStart(request));
    context.on('requestfinished', (request) => this.#onEnd(request));
    context.on('requestfailed', (request) => this.#onEnd(request));
    const watchClose = (page: Page) => page.once('close', () => this.#forgetPage(page));
    context.pages().forEach(watchClose);
    context.on('page', watchClose);
  }

  /** Resolves true once `page` has had nothing in flight for quietMs, false at the timeout. */
  waitForQuiet(page: Page, options: NetworkQuietOptions): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const deadline = Date.now() + options.timeoutMs;
      let quietTimer: NodeJS.Timeout | undefined;
      let recheckTimer: NodeJS.Timeout | undefined;
      const finish = (quiet: boolean) => {
        clearTimeout(quietTimer);
        clearTimeout(recheckTimer);
        clearTimeout(deadlineTimer);
        this.#listeners.delete(evaluate);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(quiet);
      };
      const onAbort = () => finish(false);
      const evaluate = () => {
        clearTimeout(recheckTimer);
        const { busy, nextLongPollAt } = this.#busyState(page, options.longPollMs);
        if (busy) {
          clearTimeout(quietTimer);
          quietTimer = undefined;
          // Re-evaluate when the oldest request turns into a presumed long-poll.
          if (nextLongPollAt !== undefined) recheckTimer = setTimeout(evaluate, Math.max(0, nextLongPollAt - Date.now()));
          return;
        }
        if (quietTimer === undefined) quietTimer = setTimeout(() => finish(true), options.quietMs);
      };
      const deadlineTimer = setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
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
      if (entry.page === page && !entry.streaming && now - entry.startedAt < longPollMs) count += 1;
    }
    return count;
  }

  #busyState(page: Page, longPollMs: number): { busy: boolean; nextLongPollAt?: number } {
    const now = Date.now();
    let nextLongPollAt: number | undefined;
    for (const entry of this.#inFlight.values()) {
      if (entry.page !== page || entry.streaming) continue;
      const longPollAt = entry.startedAt + longPollMs;
      if (longPollAt <= now) continue;
      nextLongPollAt = nextLongPollAt === undefined ? longPollAt : Math.min(nextLongPollAt, longPollAt);
    }
    return nextLongPollAt === undefined ? { busy: false } : { busy: true, nextLongPollAt };
  }

  #onStart(request: Request): void {
    let page: Page | undefined;
    try {
      page = request.frame().page();
    } catch {
      page = undefined;
    }
    this.#inFlight.set(request, {
      page,
      startedAt: Date.now(),
      streaming: streamingResourceTypes.has(request.resourceType()),
    });
    this.#notify();
  }

  #onEnd(request: Request): void {
    if (this.#inFlight.delete(request)) this.#notify();
  }

  #forgetPage(page: Page): void {
    for (const [request, entry] of this.#inFlight) if (entry.page === page) this.#inFlight.delete(request);
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

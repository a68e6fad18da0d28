import type { BrowserContext, CDPSession, ConsoleMessage, Page, Request, Route } from 'playwright-core';

import type { BlockedRequest } from './blocked-request.js';
import { EventSubscriptions } from './event-subscriptions.js';
import type { ConnectionFailureNotes } from './connection-failure-notes.js';
import type { ConnectionFailure, NetworkBlock, TaskNetworkPolicy } from './network-policy.js';

interface RequestPausedEvent {
  requestId: string;
  request: { url: string };
  resourceType: string;
}

/** Where a request comes from, for rules that depend on it (adblock): the making document, and whether it is a tab's own load. */
function originOfRequest(request: Request): { sourceUrl?: string; isMainFrame: boolean } {
  try {
    const frame = request.frame();
    const isDocument = request.resourceType() === 'document';
    const isMainFrame = isDocument && frame.parentFrame() === null;
    // A frame's own load comes from the document around it; anything else from its frame's document.
    const source = isDocument ? frame.parentFrame()?.url() : frame.url();
    return source ? { sourceUrl: source, isMainFrame } : { isMainFrame };
  } catch {
    // Service worker requests have no frame.
    return { isMainFrame: false };
  }
}

function pageOfRequest(request: Request): Page | undefined {
  try {
    return request.frame().page();
  } catch {
    // Service worker requests have no frame.
    return undefined;
  }
}

/** How Chromium reports a connection the pool's SOCKS proxy refused (network-policy-proxy.ts). */
export const refusedByProxy = /ERR_SOCKS_CONNECTION_FAILED|ERR_PROXY_CONNECTION_FAILED|ERR_TUNNEL_CONNECTION_FAILED/;

/** Chromium's console error for a WebSocket whose connection the proxy refused. */
const refusedWebSocket = /^WebSocket connection to '([^']+)' failed: .*(?:ERR_SOCKS_CONNECTION_FAILED|ERR_PROXY_CONNECTION_FAILED|ERR_TUNNEL_CONNECTION_FAILED)/;

/** Why a navigation failed below the page: refused by the policy, or the host could not be reached. */
export interface NavigationFailure {
  url: string;
  blocked?: BlockedRequest;
  /** Why the proxy could not connect, when it was not a refusal. */
  unreachable?: string;
}

/** One function object, so that unroute removes exactly the route install added. */
const matchEveryUrl = (): boolean => true;

/**
 * Enforces the task's network policy (network-policy.ts) on every request of a context, at the
 * network layer, and records each block with its reason.
 *
 * Two layers, because neither alone sees everything:
 * - context.route() sees every first request of every page, popup, frame and worker, from the very
 *   first request of a new target, but Playwright continues redirect hops on its own
 *   (crNetworkManager auto-continues requests that have `redirectedFrom`);
 * - a CDP Fetch session per page sees redirect hops too (CDP interceptors chain, ours runs first),
 *   but only once attached. The route handler attaches it before letting a page's navigation go, so
 *   a popup's first navigation is covered as well.
 * Site isolation is off in the pool, so cross-origin iframes live in their page's target and are
 * covered by its Fetch session.
 * Interception costs a round trip to Node per request and per layer, so it is installed only for
 * a task with allowed_urls (`intercept`). The rules that hold for every task (private networks,
 * link-local) are enforced below the page by the pool's connection-level check
 * (network-policy-proxy.ts), which also sees what interception cannot (WebSocket handshakes,
 * service workers); the guard then only reports what it refused, with the reason, from the
 * context's failed requests and the pages' WebSockets.
 */
export class NetworkGuard {
  readonly blocked: BlockedRequest[] = [];
  readonly #guardedPages = new WeakMap<Page, Promise<void>>();
  /** Document URLs each page's Fetch interceptor has passed: their loaders see redirect hops. */
  readonly #interceptedDocuments = new WeakMap<Page, Set<string>>();
  /** Pages whose first navigation was already made again once (never loop on a replay). */
  readonly #replayedPages = new WeakSet<Page>();
  readonly #subscriptions = new EventSubscriptions();
  readonly #sessions = new Set<CDPSession>();
  readonly #routeHandler = (route: Route, request: Request) => this.#onRoute(route, request);
  #installed = false;
  /** Navigations that failed (blocked, or unreachable below the page), in order; see navigationFailureSince. */
  readonly #navigationFailures: NavigationFailure[] = [];
  readonly #navigationFailureListeners = new Set<(failure: NavigationFailure) => void>();

  constructor(
    private readonly context: BrowserContext,
    private readonly policy: TaskNetworkPolicy,
    private readonly intercept: boolean,
    /**
     * Also follow redirect hops (a CDP Fetch session per page, and a new tab's first navigation
     * made again once it is on): what allowed_urls needs. Adblock alone judges first requests only.
     */
    private readonly followRedirects = true,
    /** Why the context's own proxy port refused connections (see ProxyLane), read before the pool's notes. */
    private readonly laneFailures?: ConnectionFailureNotes,
  ) {}

  /** Why the proxy refused or could not make the connection a failed request used, if noted. */
  #connectionFailureFor(url: string): ConnectionFailure | undefined {
    return this.laneFailures?.failureFor(url) ?? this.policy.network?.connectionFailureFor(url);
  }

  async install(): Promise<void> {
    if (this.#installed) return;
    this.#installed = true;
    this.#subscriptions.on(this.context, 'requestfailed', (request: Request) => void this.#onRequestFailed(request));
    this.#subscriptions.on(this.context, 'page', (page: Page) => this.#onPage(page));
    if (this.intercept) await this.context.route(matchEveryUrl, this.#routeHandler);
    await Promise.all(this.context.pages().map((page) => this.#onPage(page)));
  }

  /** Takes the guard off the context (it goes on to another task, with its own guard or none). */
  async uninstall(): Promise<void> {
    this.#subscriptions.dispose();
    const sessions = [...this.#sessions];
    this.#sessions.clear();
    await Promise.all([
      this.intercept ? this.context.unroute(matchEveryUrl, this.#routeHandler).catch(() => {}) : undefined,
      ...sessions.map((session) => session.detach().catch(() => {})),
    ]);
  }

  /** Records a refused request (also one refused before it was even made, such as a goto). */
  record(url: string, resourceType: string, isNavigation: boolean, block: NetworkBlock): void {
    const blocked: BlockedRequest = { url, resourceType, isNavigation, reason: block.reason, detail: block.detail, time: Date.now() };
    this.blocked.push(blocked);
    if (isNavigation) this.#announce({ url, blocked });
  }

  /** How many navigation failures have been seen: where a goto starts looking for its own. */
  get navigationFailureCount(): number {
    return this.#navigationFailures.length;
  }

  #announce(failure: NavigationFailure): void {
    this.#navigationFailures.push(failure);
    for (const listener of [...this.#navigationFailureListeners]) listener(failure);
  }

  /**
   * Why a navigation failed: the first failure seen since `since` (a navigationFailureCount) or,
   * when the failure came from below the page (`waitMs` > 0), the failed request's own account,
   * which may arrive after the goto's error; waits up to waitMs for it.
   */
  navigationFailureSince(since: number, waitMs: number): Promise<NavigationFailure | undefined> {
    const found = this.#navigationFailures[since];
    if (found) return Promise.resolve(found);
    if (waitMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (failure: NavigationFailure | undefined) => {
        clearTimeout(timer);
        this.#navigationFailureListeners.delete(finish);
        resolve(failure);
      };
      const timer = setTimeout(() => finish(undefined), waitMs);
      this.#navigationFailureListeners.add(finish);
    });
  }

  #onPage(page: Page): Promise<void> {
    this.#subscriptions.on(page, 'console', (message: ConsoleMessage) => this.#onConsoleMessage(message));
    return this.intercept ? this.guardPage(page).catch(() => {}) : Promise.resolve();
  }

  /**
   * A request that failed at the pool's proxy: recorded with the policy's reason when the proxy
   * refused it, else (a name that does not resolve, a closed port) only told to a waiting goto.
   */
  async #onRequestFailed(request: Request): Promise<void> {
    if (!refusedByProxy.test(request.failure()?.errorText ?? '')) return;
    const url = request.url();
    const resourceType = request.resourceType();
    const isNavigation = request.isNavigationRequest();
    const noted = this.#connectionFailureFor(url);
    // The proxy's own verdict first: it judged the addresses it was about to connect to.
    const block = noted?.kind === 'refused' ? noted.block : await this.policy.check({ url, resourceType, isNavigation });
    if (block) return this.record(url, resourceType, isNavigation, block);
    if (isNavigation) this.#announce({ url, ...(noted?.kind === 'unreachable' ? { unreachable: noted.detail } : {}) });
  }

  /**
   * A WebSocket refused below the page never becomes a request Playwright reports (it reports a
   * WebSocket only once its handshake is sent); Chromium's console error names it.
   */
  #onConsoleMessage(message: ConsoleMessage): void {
    if (message.type() !== 'error') return;
    const refused = refusedWebSocket.exec(message.text());
    if (refused?.[1]) void this.#onWebSocketRefused(refused[1]);
  }

  async #onWebSocketRefused(url: string): Promise<void> {
    const noted = this.#connectionFailureFor(url);
    const block = noted?.kind === 'refused' ? noted.block : await this.policy.check({ url, resourceType: 'websocket', isNavigation: false });
    if (block) this.record(url, 'websocket', false, block);
  }

  /** Attaches the page's redirect-aware Fetch interceptor once (when intercepting). */
  guardPage(page: Page): Promise<void> {
    if (!this.intercept || !this.followRedirects) return Promise.resolve();
    let guarded = this.#guardedPages.get(page);
    if (!guarded) {
      guarded = this.#attachFetchInterceptor(page);
      this.#guardedPages.set(page, guarded);
    }
    return guarded;
  }

  async #onRoute(route: Route, request: Request): Promise<void> {
    const url = request.url();
    try {
      const resourceType = request.resourceType();
      const isNavigation = request.isNavigationRequest();
      const block = await this.policy.check({ url, resourceType, isNavigation, ...originOfRequest(request) });
      if (block) {
        this.record(url, resourceType, isNavigation, block);
        await route.abort('blockedbyclient');
        return;
      }
      const page = pageOfRequest(request);
      if (this.followRedirects && page && request.isNavigationRequest()) {
        await this.guardPage(page).catch(() => {});
        // Our interceptor runs before this handler, so a document it did not pass was created
        // before it existed (a new tab's first navigation): its redirect hops would go unchecked.
        const intercepted = this.#interceptedDocuments.get(page)?.delete(url) ?? false;
        if (!intercepted && this.#replayAfterGuard(route, request, page)) return;
      }
      await route.fallback();
    } catch {
      // The page or context closed while the request was paused: nothing left to do.
    }
  }

  /**
   * A new tab's first navigation started before its interceptor existed, so its redirect hops would
   * go unchecked (interceptors join a loader only when it is created). Cancel it and make it again
   * now that the interceptor is on. Only plain GET main-frame loads are replayed.
   */
  #replayAfterGuard(route: Route, request: Request, page: Page): boolean {
    if (request.frame() !== page.mainFrame() || request.method() !== 'GET' || request.redirectedFrom()) return false;
    if (this.#replayedPages.has(page)) return false;
    this.#replayedPages.add(page);
    const referer = request.headers()['referer'];
    void route
      .abort('aborted')
      .then(() => page.goto(request.url(), referer ? { referer } : {}))
      .catch(() => {});
    return true;
  }

  async #attachFetchInterceptor(page: Page): Promise<void> {
    if (page.isClosed()) return;
    const session: CDPSession = await this.context.newCDPSession(page);
    if (this.#subscriptions.disposed) return void session.detach().catch(() => {});
    this.#sessions.add(session);
    const intercepted = new Set<string>();
    this.#interceptedDocuments.set(page, intercepted);
    session.on('Fetch.requestPaused', (event: RequestPausedEvent) => void this.#onRequestPaused(session, event, intercepted, page));
    await session.send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] });
  }

  async #onRequestPaused(session: CDPSession, event: RequestPausedEvent, intercepted: Set<string>, page: Page): Promise<void> {
    const url = event.request.url;
    const resourceType = event.resourceType.toLowerCase();
    const isNavigation = event.resourceType === 'Document';
    // The event does not say which frame is the tab's own, so every document counts as one here
    // (adblock passes it); the route layer, which knows the frame, judges a frame's document.
    const isMainFrame = isNavigation;
    // The page's address stands in for the making document (an iframe's own address is not in the event).
    const sourceUrl = isMainFrame ? undefined : page.url();
    const block = await this.policy.check({ url, resourceType, isNavigation, isMainFrame, ...(sourceUrl ? { sourceUrl } : {}) });
    if (!block) {
      if (isNavigation) intercepted.add(url);
      session.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => {});
      return;
    }
    this.record(url, resourceType, isNavigation, block);
    session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' }).catch(() => {});
  }
}

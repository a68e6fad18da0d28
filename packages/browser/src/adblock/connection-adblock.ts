import type { Request } from 'playwright-core';

import type { NetworkBlock } from '../network-policy.js';
import type { AdblockEngine, AdblockMatch } from './adblock-engine.js';

/** Longest a connection to a host that needs its URLs read waits for the browser to name the request behind it. */
const requestWaitMs = 250;

function hostNameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function blockOf(match: AdblockMatch): NetworkBlock {
  return { reason: 'adblock', detail: `adblock: ${match.filter} (${match.list})` };
}

function isTabDocument(request: Request): boolean {
  try {
    return request.isNavigationRequest() && request.frame().parentFrame() === null;
  } catch {
    // A service worker's request has no frame.
    return false;
  }
}

/**
 * Adblock for a task whose context has a port of the pool's proxy of its own (a ProxyLane): the
 * decision is made once per connection, by host, when the browser connects, so a page without
 * ads pays nothing (no request is intercepted). A host the lists block outright is refused. A host
 * they block but with exceptions that may let some of its URLs through is judged by the full URLs
 * of the requests the browser has started towards it (the context's request events, which come
 * before the connection): refused only when the lists block every one of them.
 *
 * What this path does not do, next to judging each request: rules that need the URL or the request
 * type for a host no list blocks outright (`||example.com/ads/`, `$script`) and rules without a
 * host are not applied; once a connection is let through, later requests on it (HTTP keep-alive,
 * HTTP/2) are not judged. A tab's own document is never refused: hosts the task opens with goto
 * and hosts of the documents its tabs navigate to are let through.
 */
export class ConnectionAdblock {
  /** Hosts of documents the task's tabs open: a person asked for those pages. */
  readonly #tabHosts = new Set<string>();
  /** Requests the browser has started and not finished, for hosts that need their URLs read. */
  readonly #inFlight = new Set<Request>();
  readonly #waiters = new Set<{ host: string; wake: () => void }>();

  constructor(
    private readonly engine: AdblockEngine,
    /** The documents of the task's tabs, which the lists' party and domain options are judged against. */
    private readonly pageUrls: () => string[],
  ) {}

  /** The task opens this URL as a tab's document (goto): its host is never refused. */
  allowTabDocument(url: string): void {
    const host = hostNameOf(url);
    if (host) this.#tabHosts.add(host);
  }

  onRequest(request: Request): void {
    if (isTabDocument(request)) this.allowTabDocument(request.url());
    this.#inFlight.add(request);
    if (this.#waiters.size === 0) return;
    const host = hostNameOf(request.url());
    for (const waiter of [...this.#waiters]) if (waiter.host === host) waiter.wake();
  }

  onRequestDone(request: Request): void {
    this.#inFlight.delete(request);
  }

  /** The lane's rule: a block for a connection to `host`, or undefined. */
  readonly check = async (host: string): Promise<NetworkBlock | undefined> => {
    const name = host.toLowerCase().replace(/^\[|\]$/g, '');
    const verdict = this.engine.hostRules.verdict(name, this.#pageUrls());
    if (!verdict) return undefined;
    // The request event of a tab's navigation may still be on its way: let it arrive first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.#tabHosts.has(name) || this.#pageUrls().some((url) => hostNameOf(url) === name)) return undefined;
    if (verdict.kind === 'block') return blockOf(verdict.match);
    return this.#judgeRequestsTo(name);
  };

  #pageUrls(): string[] {
    return this.pageUrls().filter((url) => /^https?:/i.test(url));
  }

  /** The lists' verdict on every request on its way to the host: a block only when all of them are blocked. */
  async #judgeRequestsTo(host: string): Promise<NetworkBlock | undefined> {
    let requests = this.#requestsTo(host);
    if (requests.length === 0) {
      await this.#nextRequestTo(host);
      requests = this.#requestsTo(host);
    }
    // A connection made ahead of any request (a preconnect): nothing to judge yet.
    if (requests.length === 0) return undefined;
    let first: AdblockMatch | undefined;
    for (const request of requests) {
      const match = this.engine.match(this.#adblockRequestOf(request));
      if (!match) return undefined;
      first ??= match;
    }
    return first ? blockOf(first) : undefined;
  }

  #requestsTo(host: string): Request[] {
    return [...this.#inFlight].filter((request) => hostNameOf(request.url()) === host);
  }

  #nextRequestTo(host: string): Promise<void> {
    return new Promise((resolve) => {
      const waiter = {
        host,
        wake: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, requestWaitMs);
      this.#waiters.add(waiter);
    });
  }

  #adblockRequestOf(request: Request): { url: string; type: string; isMainFrame: boolean; sourceUrl?: string } {
    const isMainFrame = isTabDocument(request);
    let sourceUrl: string | undefined;
    try {
      const frame = request.frame();
      sourceUrl = request.resourceType() === 'document' ? frame.parentFrame()?.url() : frame.url();
    } catch {
      // A service worker's request has no frame.
    }
    return { url: request.url(), type: request.resourceType(), isMainFrame, ...(sourceUrl ? { sourceUrl } : {}) };
  }
}

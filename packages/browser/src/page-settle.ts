import type { Page } from 'playwright-core';

import { raceAbort, throwIfAborted } from './errors.js';
import type { NetworkActivity } from './network-activity.js';

export interface SettleOptions {
  /** Upper bound for the whole wait; settle never throws on timeout, it just stops waiting. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const defaultSettleTimeoutMs = 3_000;
const networkQuietMs = 400;
const domQuietMs = 250;
const longPollMs = 1_500;

/** Attributes whose changes matter to a reader; style churn from animations is ignored. */
const observedAttributes = ['class', 'hidden', 'disabled', 'value', 'checked', 'selected', 'open', 'src', 'href', 'aria-hidden', 'aria-expanded', 'aria-busy'];

function remainingMs(deadline: number): number {
  return Math.max(0, deadline - Date.now());
}

function isNavigationRace(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Execution context was destroyed|navigat|Target page, context or browser has been closed|frame was detached/i.test(message);
}

/** Resolves when the main frame's DOM has not changed for quietMs (true) or timeoutMs passed (false). */
function waitForDomQuiet(page: Page, quietMs: number, timeoutMs: number): Promise<boolean> {
  return page.evaluate(
    ({ quietMs, timeoutMs, observedAttributes }) =>
      new Promise<boolean>((resolve) => {
        let quietTimer: ReturnType<typeof setTimeout> | undefined;
        const finish = (quiet: boolean) => {
          observer.disconnect();
          clearTimeout(quietTimer);
          clearTimeout(limitTimer);
          resolve(quiet);
        };
        const restartQuietWindow = () => {
          clearTimeout(quietTimer);
          quietTimer = setTimeout(() => finish(true), quietMs);
        };
        const observer = new MutationObserver(restartQuietWindow);
        observer.observe(document, { subtree: true, childList: true, characterData: true, attributeFilter: observedAttributes });
        const limitTimer = setTimeout(() => finish(false), timeoutMs);
        restartQuietWindow();
      }),
    { quietMs, timeoutMs, observedAttributes },
  );
}

async function waitForLoad(page: Page, deadline: number): Promise<void> {
  const timeout = remainingMs(deadline);
  if (timeout === 0) return;
  await page.waitForLoadState('load', { timeout }).catch(() => {});
}

async function waitForDomQuietAcrossNavigations(page: Page, deadline: number): Promise<void> {
  while (remainingMs(deadline) > 0 && !page.isClosed()) {
    try {
      await waitForDomQuiet(page, domQuietMs, remainingMs(deadline));
      return;
    } catch (error) {
      if (!isNavigationRace(error) || page.isClosed()) return;
      // The document was replaced mid-wait: observe the new one once it has loaded.
      await waitForLoad(page, deadline);
    }
  }
}

/**
 * Waits until the page looks done: load event, then no request in flight and no DOM mutation for a
 * short window. Event-driven and bounded; resolves (never rejects) at the timeout, rejects only on abort.
 */
export async function waitForPageSettle(page: Page, activity: NetworkActivity, options: SettleOptions = {}): Promise<void> {
  const { signal } = options;
  throwIfAborted(signal);
  if (page.isClosed()) return;
  const deadline = Date.now() + (options.timeoutMs ?? defaultSettleTimeoutMs);
  const stop = new AbortController();
  const stopOnAbort = () => stop.abort();
  signal?.addEventListener('abort', stopOnAbort, { once: true });
  try {
    await raceAbort(waitForLoad(page, deadline), signal);
    await raceAbort(
      Promise.all([
        activity.waitForQuiet(page, { quietMs: networkQuietMs, timeoutMs: remainingMs(deadline), longPollMs, signal: stop.signal }),
        waitForDomQuietAcrossNavigations(page, deadline),
      ]),
      signal,
    );
  } finally {
    signal?.removeEventListener('abort', stopOnAbort);
    stop.abort();
  }
}

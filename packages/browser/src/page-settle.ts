import type { Page } from 'playwright-core';

import { probeDocument, waitForUntrackedDomQuiet } from './dom-activity.js';
import { raceAbort, throwIfAborted } from './errors.js';
import type { NetworkActivity } from './network-activity.js';
import { errorMessage } from '@open-smooth/protocol';

export interface SettleOptions {
  /** Upper bound for the whole wait; settle never throws on timeout, it just stops waiting. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What the settle's last look at the page found. */
export interface SettledPage {
  /**
   * The in-page readers' looks (see documentLooksKey) the document had not changed since when it
   * was last probed and found quiet; empty when the settle stopped at its deadline or the document
   * is untracked.
   */
  unchangedSinceLooks: readonly string[];
}

const nothingKnown: SettledPage = { unchangedSinceLooks: [] };

export const defaultSettleTimeoutMs = 3_000;
/**
 * How long the page must have been quiet since its last script-visible activity (a DOM mutation
 * after DOMContentLoaded, a fetch/XHR ending, a navigation starting). Long enough for a response
 * handler to render or start its next request, short enough not to be felt on every action.
 */
export const quietWindowMs = 50;
/**
 * After a fetch/XHR ends, page script reads the body, renders, and often starts the next request:
 * on a loaded machine that gap alone passes 50 ms, and a page filling itself in request by request
 * read as done halfway. Waiting a little longer after those ends only (not after clicks or DOM
 * changes) keeps quiet pages fast; and once the page has changed its DOM after the response
 * (it has reacted: rendered, and started what it starts along with that), the usual window counts.
 */
export const reactiveQuietWindowMs = 120;
const longPollMs = 1_500;
/**
 * Motion is waited for only this long per settle: a finite CSS transition/animation up to this
 * much of its remaining time, script-driven (requestAnimationFrame) style changes until they
 * pause for a quiet window or this much time has passed since the settle began. Endless
 * animations (spinners, carousels) must not make every action slow.
 */
export const motionBoundMs = 1_000;

function remainingMs(deadline: number): number {
  return Math.max(0, deadline - Date.now());
}

function isNavigationRace(error: unknown): boolean {
  const message = errorMessage(error);
  return /Execution context was destroyed|Cannot find context|navigat|Target page, context or browser has been closed|frame was detached/i.test(message);
}

/** Resolves with the promise's value, or undefined once the deadline or the stop signal comes first. */
function untilDeadline<T>(promise: Promise<T>, deadline: number, stop: AbortSignal): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    };
    const onStop = () => (finish(), resolve(undefined));
    const timer = setTimeout(onStop, remainingMs(deadline));
    stop.addEventListener('abort', onStop, { once: true });
    promise.then(
      (value) => (finish(), resolve(value)),
      (error: unknown) => (finish(), reject(error)),
    );
  });
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
  });
}

interface DomWait {
  /** How much longer the DOM must stay quiet. */
  waitMs: number;
  /** When the DOM last changed, by the page's wall clock (null when unknown or never). */
  lastMutationWallMs: number | null;
  unchangedSinceLooks: readonly string[];
}

/**
 * How much longer the DOM must stay quiet, from one probe of the page; undefined when the probe
 * could not tell (deadline, or the document was replaced mid-probe: probe the new one).
 */
async function domWait(page: Page, deadline: number, startedAt: number, stop: AbortSignal): Promise<DomWait | undefined> {
  const probe = await untilDeadline(probeDocument(page, remainingMs(deadline)), deadline, stop);
  if (!probe || probe.readyState !== 'complete') return undefined;
  if (probe.tracked) {
    const mutationWait = probe.sinceMutationMs === null ? 0 : Math.max(0, quietWindowMs - probe.sinceMutationMs);
    const motionLeftMs = Math.max(0, startedAt + motionBoundMs - Date.now());
    const animationWait = Math.min(probe.animationRemainingMs, motionLeftMs);
    const styleWait = probe.sinceStyleChangeMs === null || motionLeftMs === 0 ? 0 : Math.max(0, quietWindowMs - probe.sinceStyleChangeMs);
    return { waitMs: Math.max(mutationWait, animationWait, styleWait), lastMutationWallMs: probe.lastMutationWallMs, unchangedSinceLooks: probe.unchangedSinceLooks };
  }
  // A document created before the tracker existed: watch it for one full window.
  const quiet = await untilDeadline(waitForUntrackedDomQuiet(page, quietWindowMs, remainingMs(deadline)), deadline, stop);
  return quiet ? { waitMs: 0, lastMutationWallMs: null, unchangedSinceLooks: [] } : undefined;
}

async function settle(page: Page, activity: NetworkActivity, deadline: number, stop: AbortSignal): Promise<SettledPage> {
  const startedAt = Date.now();
  while (!page.isClosed() && !stop.aborted && remainingMs(deadline) > 0) {
    let dom: DomWait | undefined;
    try {
      // The page first, the network second: events the page sent before answering have arrived by then.
      dom = await domWait(page, deadline, startedAt, stop);
    } catch (error) {
      if (!isNavigationRace(error) || page.isClosed()) return nothingKnown;
      continue;
    }
    if (dom === undefined) continue;
    const network = activity.quietState(page, longPollMs);
    if (network.busy) {
      await activity.waitForIdle(page, { timeoutMs: remainingMs(deadline), longPollMs, signal: stop });
      continue;
    }
    // The page changed its DOM after the last fetch/XHR response was complete: it has reacted to it.
    const reacted = dom.lastMutationWallMs !== null && dom.lastMutationWallMs > network.reactiveEndWallMs;
    const reactiveWait = reacted ? 0 : reactiveQuietWindowMs - network.reactiveQuietForMs;
    const waitMs = Math.max(dom.waitMs, quietWindowMs - network.quietForMs, reactiveWait);
    if (waitMs <= 0) return { unchangedSinceLooks: dom.unchangedSinceLooks };
    // Wait out exactly the rest of the quiet window, then look again.
    await sleep(Math.min(waitMs, remainingMs(deadline)), stop);
  }
  return nothingKnown;
}

/**
 * Waits until the page looks done: loaded, no request in flight, and no DOM mutation, fetch/XHR
 * end or navigation start within the last quietWindowMs; finite CSS transitions/animations and
 * script-driven motion are waited for up to motionBoundMs. On a page that is already quiet this is
 * one round trip. Event-driven and bounded; resolves (never rejects) at the timeout, rejects only
 * on abort. Resolves with what the last look found (see SettledPage).
 */
export async function waitForPageSettle(page: Page, activity: NetworkActivity, options: SettleOptions = {}): Promise<SettledPage> {
  const { signal } = options;
  throwIfAborted(signal);
  if (page.isClosed()) return nothingKnown;
  const deadline = Date.now() + (options.timeoutMs ?? defaultSettleTimeoutMs);
  const stop = new AbortController();
  const stopOnAbort = () => stop.abort();
  signal?.addEventListener('abort', stopOnAbort, { once: true });
  try {
    return await raceAbort(settle(page, activity, deadline, stop.signal), signal);
  } finally {
    signal?.removeEventListener('abort', stopOnAbort);
    stop.abort();
  }
}

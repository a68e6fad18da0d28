import type { BrowserContext, Page } from 'playwright-core';

import { IsolatedWorld } from './isolated-world.js';
import { runtimeLogger } from './runtime-logger.js';

/** Attributes whose changes matter to a reader (ids too: cosmetic filtering keys rules by them); style churn from animations is ignored. */
export const observedAttributes = ['class', 'id', 'hidden', 'disabled', 'value', 'checked', 'selected', 'open', 'src', 'href', 'aria-hidden', 'aria-expanded', 'aria-busy'];

/** Where the in-page record lives: a global of our isolated world, which no page script can see. */
const stateKey = 'openSmoothDomActivity';

export interface DocumentProbe {
  /** The document's readyState once the probe ran (it waits for 'complete' up to its bound). */
  readyState: string;
  /** False when the document was created before the tracker was installed (nothing is known about it). */
  tracked: boolean;
  /** Milliseconds since the last meaningful mutation after DOMContentLoaded; null when there was none. */
  sinceMutationMs: number | null;
  /** When that mutation happened, in wall-clock ms by the page's clock; null when there was none. */
  lastMutationWallMs: number | null;
  /** How much longer the longest running finite CSS transition/animation lasts (0 when none; endless ones never count). */
  animationRemainingMs: number;
  /** Milliseconds since an inline style last changed (rAF-driven motion); null when none since DOMContentLoaded. */
  sinceStyleChangeMs: number | null;
  /**
   * The looks (see documentLooksKey) the document has not changed since: no meaningful mutation
   * after them. Empty when the document is untracked or nothing has looked at it.
   */
  unchangedSinceLooks: string[];
}

/**
 * Where our in-page readers note when they last read the document (`performance.now()` by the
 * reader's name), a global of our isolated world: a later probe tells the reader whether the
 * document changed since, so it can skip reading it again (see CosmeticFiltering). Mutations are
 * recorded from DOMContentLoaded on, so a look counts only when noted after it (readyState not
 * 'loading').
 */
export const documentLooksKey = 'openSmoothDocumentLooks';

/**
 * Runs at document start in the main frame, in our isolated world (so the page sees neither the
 * record nor the observer). Records the time of the last meaningful mutation made after
 * DOMContentLoaded: what the parser builds is the document itself, what scripts change later is
 * the page still working. Starting a navigation counts as a mutation.
 */
function trackDomActivity(key: string, attributes: string[]): void {
  if (window !== window.top) return;
  const scope = globalThis as unknown as Record<string, unknown>;
  if (scope[key]) return;
  const state = { lastMutationAt: -1, lastStyleAt: -1, recording: false };
  scope[key] = state;
  const observer = new MutationObserver(() => {
    if (state.recording) state.lastMutationAt = performance.now();
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true, attributeFilter: attributes });
  // Inline style churn is motion (a script animating with requestAnimationFrame), kept apart:
  // settle waits for it only a bounded time, since some pages animate forever.
  const styleObserver = new MutationObserver(() => {
    if (state.recording) state.lastStyleAt = performance.now();
  });
  styleObserver.observe(document, { subtree: true, attributeFilter: ['style'] });
  // A navigation the page starts itself (location.href = ...) is activity too: its request may not
  // have reached the network listeners yet when the page is next asked.
  const navigation = (window as unknown as { navigation?: EventTarget }).navigation;
  navigation?.addEventListener('navigate', () => void (state.lastMutationAt = performance.now()));
  const startRecording = () => {
    // Parser mutations not delivered yet belong to the document, not to later activity.
    observer.takeRecords();
    state.recording = true;
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', startRecording, { once: true, capture: true });
  else startRecording();
}

/** The tracker as one self-contained function source (tsx's `__name` helper does not exist in the page). */
const trackerSource = `() => { const __name = (target) => target; (${trackDomActivity.toString()})(${JSON.stringify(stateKey)}, ${JSON.stringify(observedAttributes)}); }`;

const installedContexts = new WeakSet<BrowserContext>();
const pageInstalls = new WeakMap<Page, Promise<void>>();

function installOnPage(page: Page): Promise<void> {
  let install = pageInstalls.get(page);
  if (!install) {
    install = IsolatedWorld.for(page)
      .then((world) => world.addScriptOnNewDocument(trackerSource))
      .catch((error: unknown) => {
        // A page closed while opening is no loss; anything else leaves the page untracked (settle then watches it a full window).
        if (!page.isClosed()) runtimeLogger.warn({ err: error, url: page.url() }, 'DOM activity tracker not installed');
      });
    pageInstalls.set(page, install);
  }
  return install;
}

/**
 * Installs the mutation tracker for every document the context's pages create from now on (pages
 * opened later included), and resolves once every page open now has it: call it again before
 * navigating a page the context opened since. A popup's first document may be created before its
 * page is reached; settle treats such a document as untracked.
 */
export async function installDomActivityTracker(context: BrowserContext): Promise<void> {
  if (!installedContexts.has(context)) {
    installedContexts.add(context);
    context.on('page', (page) => void installOnPage(page));
  }
  await Promise.all(context.pages().map(installOnPage));
}

/** One round trip: waits (in the page, up to loadTimeoutMs) for the load event, then reads the tracker. */
export async function probeDocument(page: Page, loadTimeoutMs: number): Promise<DocumentProbe> {
  const world = await IsolatedWorld.for(page);
  return world.call<DocumentProbe>(await world.mainFrameId(), probeSource, { key: stateKey, looksKey: documentLooksKey, loadTimeoutMs }, { timeoutMs: loadTimeoutMs + 5_000 });
}

const probeSource = `async ({ key, looksKey, loadTimeoutMs }) => {
  // One task later: what the last input queued (a form submission's navigation, a click's
  // handlers) has run and asked the browser for its request before this looks.
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (document.readyState !== 'complete') {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, loadTimeoutMs);
      window.addEventListener('load', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  const state = globalThis[key];
  const looks = globalThis[looksKey] ?? {};
  // Running CSS transitions and animations that will end; endless ones (spinners, cursors) never settle.
  let animationRemainingMs = 0;
  for (const animation of document.getAnimations ? document.getAnimations() : []) {
    if (animation.playState !== 'running' || !animation.effect) continue;
    const timing = animation.effect.getComputedTiming();
    if (!Number.isFinite(timing.endTime) || typeof animation.currentTime !== 'number') continue;
    const rate = Math.abs(animation.playbackRate) || 1;
    animationRemainingMs = Math.max(animationRemainingMs, (timing.endTime - animation.currentTime) / rate);
  }
  return {
    readyState: document.readyState,
    tracked: state !== undefined,
    sinceMutationMs: state && state.lastMutationAt >= 0 ? performance.now() - state.lastMutationAt : null,
    lastMutationWallMs: state && state.lastMutationAt >= 0 ? performance.timeOrigin + state.lastMutationAt : null,
    animationRemainingMs,
    sinceStyleChangeMs: state && state.lastStyleAt >= 0 ? performance.now() - state.lastStyleAt : null,
    unchangedSinceLooks: state ? Object.keys(looks).filter((name) => state.lastMutationAt < looks[name]) : [],
  };
}`;

/**
 * For a document the tracker never saw (the about:blank a tab starts with, or a context opened
 * without the tracker): resolves when the main frame's DOM has not changed for quietMs (true) or
 * at timeoutMs (false).
 */
export async function waitForUntrackedDomQuiet(page: Page, quietMs: number, timeoutMs: number): Promise<boolean> {
  const world = await IsolatedWorld.for(page);
  return world.call<boolean>(await world.mainFrameId(), untrackedQuietSource, { quietMs, timeoutMs, attributes: observedAttributes }, { timeoutMs: timeoutMs + 5_000 });
}

const untrackedQuietSource = `({ quietMs, timeoutMs, attributes }) =>
  new Promise((resolve) => {
    let quietTimer;
    const finish = (quiet) => {
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
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributeFilter: attributes });
    const limitTimer = setTimeout(() => finish(false), timeoutMs);
    restartQuietWindow();
  })`;

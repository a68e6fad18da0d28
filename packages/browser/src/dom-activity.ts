import type { BrowserContext, Page } from 'playwright-core';

/** Attributes whose changes matter to a reader; style churn from animations is ignored. */
export const observedAttributes = ['class', 'hidden', 'disabled', 'value', 'checked', 'selected', 'open', 'src', 'href', 'aria-hidden', 'aria-expanded', 'aria-busy'];

/** Registry key of the in-page record; a symbol, so it is neither enumerable nor a DOM attribute. */
const stateKey = 'open-smooth:dom-activity';

export interface DocumentProbe {
  /** The document's readyState once the probe ran (it waits for 'complete' up to its bound). */
  readyState: string;
  /** False when the document was created before the tracker was installed (nothing is known about it). */
  tracked: boolean;
  /** Milliseconds since the last meaningful mutation after DOMContentLoaded; null when there was none. */
  sinceMutationMs: number | null;
}

/**
 * Runs at document start in the main frame. Records the time of the last meaningful mutation made
 * after DOMContentLoaded: what the parser builds is the document itself, what scripts change later
 * is the page still working. Starting a navigation counts as a mutation.
 */
function trackDomActivity({ key, attributes }: { key: string; attributes: string[] }): void {
  if (window !== window.top) return;
  const symbol = Symbol.for(key);
  if (Object.getOwnPropertySymbols(window).includes(symbol)) return;
  const state = { lastMutationAt: -1, recording: false };
  Object.defineProperty(window, symbol, { value: state, enumerable: false, configurable: false, writable: false });
  const observer = new MutationObserver(() => {
    if (state.recording) state.lastMutationAt = performance.now();
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true, attributeFilter: attributes });
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

const installedContexts = new WeakSet<BrowserContext>();

/** Installs the mutation tracker for every document the context creates from now on. Idempotent. */
export async function installDomActivityTracker(context: BrowserContext): Promise<void> {
  if (installedContexts.has(context)) return;
  installedContexts.add(context);
  await context.addInitScript(trackDomActivity, { key: stateKey, attributes: observedAttributes });
}

/** One round trip: waits (in the page, up to loadTimeoutMs) for the load event, then reads the tracker. */
export function probeDocument(page: Page, loadTimeoutMs: number): Promise<DocumentProbe> {
  return page.evaluate(
    async ({ key, loadTimeoutMs }) => {
      if (document.readyState !== 'complete') {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, loadTimeoutMs);
          window.addEventListener('load', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
      const state = (window as unknown as Record<symbol, { lastMutationAt: number } | undefined>)[Symbol.for(key)];
      return {
        readyState: document.readyState,
        tracked: state !== undefined,
        sinceMutationMs: state && state.lastMutationAt >= 0 ? performance.now() - state.lastMutationAt : null,
      };
    },
    { key: stateKey, loadTimeoutMs },
  );
}

/**
 * For a document the tracker never saw (the about:blank a tab starts with, or a context opened
 * without the tracker): resolves when the main frame's DOM has not changed for quietMs (true) or
 * at timeoutMs (false).
 */
export function waitForUntrackedDomQuiet(page: Page, quietMs: number, timeoutMs: number): Promise<boolean> {
  return page.evaluate(
    ({ quietMs, timeoutMs, attributes }) =>
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
        observer.observe(document, { subtree: true, childList: true, characterData: true, attributeFilter: attributes });
        const limitTimer = setTimeout(() => finish(false), timeoutMs);
        restartQuietWindow();
      }),
    { quietMs, timeoutMs, attributes: observedAttributes },
  );
}

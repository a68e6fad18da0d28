import type { BrowserContext, CDPSession, Page } from 'playwright-core';

const resetNavigationTimeoutMs = 5_000;

/** One CDP session per kept tab, opened at its first reset and reused by the next ones (~6 ms each). */
const resetSessions = new WeakMap<Page, Promise<CDPSession>>();

function resetSessionFor(context: BrowserContext, page: Page): Promise<CDPSession> {
  let session = resetSessions.get(page);
  if (!session) {
    session = context.newCDPSession(page);
    resetSessions.set(page, session);
    session.catch(() => resetSessions.delete(page));
  }
  return session;
}

/**
 * Wipes what a task left in its context so that another task of the same reuse scope can have it:
 * the tab goes back to about:blank with an empty history, and cookies, permissions, the HTTP cache
 * and every kind of storage of each origin the task reached (local and session storage, IndexedDB,
 * Cache Storage, service workers) are cleared. Keeping the context keeps its window and renderer,
 * the costly part of a new one (bench/profiles/goto-breakdown.ts).
 * Resolves false when the context cannot be reused (several tabs, a tab that will not leave its page).
 */
export async function resetContext(context: BrowserContext, visitedOrigins: readonly string[]): Promise<boolean> {
  const pages = context.pages();
  const page = pages[0];
  if (pages.length !== 1 || !page || page.isClosed()) return false;
  const session = await resetSessionFor(context, page);
  // Leaving the page first stops its scripts from writing anything back after the wipe. Once
  // about:blank has committed the old document is gone; its load event adds nothing.
  await page.goto('about:blank', { timeout: resetNavigationTimeoutMs, waitUntil: 'commit' });
  await Promise.all([
    session.send('Page.resetNavigationHistory'),
    session.send('Network.clearBrowserCache'),
    context.clearCookies(),
    context.clearPermissions(),
    ...visitedOrigins.map((origin) => session.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' })),
  ]);
  return (await historyIsEmpty(session)) && context.pages().length === 1 && page.url() === 'about:blank';
}

/**
 * Whether only the current entry (about:blank) is left in the tab's history. On a loaded machine
 * the reset can run before the browser has made about:blank its last committed entry and then
 * leaves the previous page behind (the next task saw a history of 3): one more reset fixes it;
 * a tab that still keeps one is not reused.
 */
async function historyIsEmpty(session: CDPSession): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const { entries, currentIndex } = await session.send('Page.getNavigationHistory');
    if (entries.length === 1 && currentIndex === 0) return true;
    await session.send('Page.resetNavigationHistory');
  }
  return false;
}

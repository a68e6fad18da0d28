import type { BrowserContext, CDPSession, Page } from 'playwright-core';

import { EventSubscriptions } from '../event-subscriptions.js';
import { cursorScript } from './cursor-script.js';
import { runtimeLogger } from '../runtime-logger.js';

/** The isolated world the cursor is drawn from (its own, not the page's nor ours for observation). */
const cursorWorld = 'open-smooth-cursor';

/**
 * `show_cursor`: a visible pointer that follows the mouse in every tab of a task, in screenshots
 * and recordings alike. Installed per task (not part of the context recipe, so warm contexts
 * serve such tasks too) and taken off when the task gives its context back. A popup's first
 * document may start before the script is there; the next one has it.
 */
export class VisibleCursor {
  readonly #sessions = new Set<CDPSession>();
  readonly #subscriptions = new EventSubscriptions();

  private constructor(private readonly context: BrowserContext) {}

  static async install(context: BrowserContext): Promise<VisibleCursor> {
    const cursor = new VisibleCursor(context);
    cursor.#subscriptions.on(context, 'page', (page: Page) => void cursor.#attach(page).catch((error: unknown) => cursor.#logFailure(page, error)));
    await Promise.all(context.pages().map((page) => cursor.#attach(page)));
    return cursor;
  }

  /** Stops drawing in new documents (the current ones keep their pointer until they go). */
  async dispose(): Promise<void> {
    this.#subscriptions.dispose();
    const sessions = [...this.#sessions];
    this.#sessions.clear();
    await Promise.all(sessions.map((session) => session.detach().catch(() => {})));
  }

  async #attach(page: Page): Promise<void> {
    if (page.isClosed()) return;
    const session = await this.context.newCDPSession(page);
    if (this.#subscriptions.disposed) return void (await session.detach().catch(() => {}));
    this.#sessions.add(session);
    // The script lasts as long as this session does (and runs only with the Page domain on).
    await session.send('Page.enable');
    await session.send('Page.addScriptToEvaluateOnNewDocument', { source: cursorScript, worldName: cursorWorld });
    // The document already there (runImmediately covers only documents still loading).
    await session.send('Page.createIsolatedWorld', { frameId: (await session.send('Page.getFrameTree')).frameTree.frame.id, worldName: cursorWorld }).then(
      ({ executionContextId }) => session.send('Runtime.evaluate', { expression: cursorScript, contextId: executionContextId }),
      () => undefined,
    );
  }

  #logFailure(page: Page, error: unknown): void {
    if (page.isClosed() || this.#subscriptions.disposed) return;
    runtimeLogger.warn({ err: error, url: page.url() }, 'show_cursor: could not draw the pointer in a new tab');
  }
}

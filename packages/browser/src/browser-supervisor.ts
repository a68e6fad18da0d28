import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { runtimeLogger } from './runtime-logger.js';

/**
 * Keeps one Chromium alive for a pool: when it crashes, is killed or is closed under us, the owner
 * is told at once (to fail what ran on it and drop its warm contexts) and a new one is launched,
 * so the next task proceeds. A failed relaunch is retried by the next caller of `current`.
 */
export class BrowserSupervisor {
  #browser: Browser;
  #relaunching: Promise<Browser> | undefined;
  #closed = false;

  constructor(
    browser: Browser,
    private readonly launch: () => Promise<Browser>,
    private readonly events: { lost(browser: Browser): void; relaunched(browser: Browser): void },
  ) {
    this.#browser = browser;
    this.#watch(browser);
  }

  /** The browser now in use (a dead one until its replacement is up). */
  get browser(): Browser {
    return this.#browser;
  }

  /** A connected browser: the current one, or its replacement once launched. */
  current(): Promise<Browser> {
    if (this.#browser.isConnected()) return Promise.resolve(this.#browser);
    return this.#relaunch();
  }

  /** The Chromium version (of the current browser; a relaunch runs the same binary). */
  get version(): string {
    return this.#browser.version();
  }

  /** A new context in a connected browser (relaunching a dead one first). */
  async newContext(options: BrowserContextOptions): Promise<BrowserContext> {
    return (await this.current()).newContext(options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const replacement = await this.#relaunching?.catch(() => undefined);
    await Promise.all([this.#browser.close().catch(() => {}), replacement?.close().catch(() => {})]);
  }

  #watch(browser: Browser): void {
    browser.once('disconnected', () => {
      if (this.#closed || browser !== this.#browser) return;
      runtimeLogger.error({}, 'Chromium exited unexpectedly; its tasks fail and a new browser is launched');
      this.events.lost(browser);
      this.#relaunch().catch((error: unknown) => {
        runtimeLogger.error({ err: error }, 'relaunching Chromium failed (the next task tries again)');
      });
    });
  }

  #relaunch(): Promise<Browser> {
    this.#relaunching ??= this.launch()
      .then((browser) => {
        if (this.#closed) {
          void browser.close().catch(() => {});
          return browser;
        }
        this.#browser = browser;
        this.#watch(browser);
        this.events.relaunched(browser);
        return browser;
      })
      .finally(() => (this.#relaunching = undefined));
    return this.#relaunching;
  }
}

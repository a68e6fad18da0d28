import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';

import type { ChromiumLaunchSettings } from './chromium-launch-options.js';
import type { BrowserRecipe } from './context-recipe.js';

/**
 * Where the contexts of one browser recipe come from. The default recipe's host is the one shared
 * Chromium (a context per task, many at once). An extension set needs a browser launched with it;
 * Chromium loads extensions only into a persistent profile, which holds one context, so such a
 * host may launch one browser per context.
 */
export interface BrowserHost {
  /** The Chromium version, for user agents that match the engine. */
  readonly version: string;
  newContext(options: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Launches the host for a browser recipe other than the default one (see BrowserPoolOptions). */
export type BrowserHostLauncher = (recipe: BrowserRecipe, launch: ChromiumLaunchSettings) => Promise<BrowserHost>;

/** The shared browser: every context comes from one Chromium. */
export class SharedBrowserHost implements BrowserHost {
  constructor(readonly browser: Browser) {}

  get version(): string {
    return this.browser.version();
  }

  newContext(options: BrowserContextOptions): Promise<BrowserContext> {
    return this.browser.newContext(options);
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

export class ExtensionsNotSupportedError extends Error {
  override readonly name = 'ExtensionsNotSupportedError';
  constructor() {
    super('this browser pool cannot load extensions');
  }
}

/** The launcher used until one that loads extensions is configured: it refuses, saying why. */
export const refuseExtensionBrowsers: BrowserHostLauncher = () => Promise.reject(new ExtensionsNotSupportedError());

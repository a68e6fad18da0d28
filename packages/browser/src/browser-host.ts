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
  version(): Promise<string>;
  newContext(options: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Launches the host for a browser recipe other than the default one (see BrowserPoolOptions). */
export type BrowserHostLauncher = (recipe: BrowserRecipe, launch: ChromiumLaunchSettings) => Promise<BrowserHost>;

/** The shared browser: every context comes from one Chromium (the one running now, see BrowserSupervisor). */
export class SharedBrowserHost implements BrowserHost {
  constructor(private readonly current: () => Promise<Browser>) {}

  async version(): Promise<string> {
    return (await this.current()).version();
  }

  async newContext(options: BrowserContextOptions): Promise<BrowserContext> {
    return (await this.current()).newContext(options);
  }

  /** The pool's supervisor closes the shared browser. */
  async close(): Promise<void> {}
}

export class ExtensionsNotSupportedError extends Error {
  override readonly name = 'ExtensionsNotSupportedError';
  constructor() {
    super('this browser pool cannot load extensions');
  }
}

/** The launcher used until one that loads extensions is configured: it refuses, saying why. */
export const refuseExtensionBrowsers: BrowserHostLauncher = () => Promise.reject(new ExtensionsNotSupportedError());

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

import type { BrowserHost, BrowserHostLauncher } from '../browser-host.js';
import { chromiumExecutablePath } from '../chromium-executable-path.js';
import { chromiumLaunchOptions, type ChromiumLaunchSettings } from '../chromium-launch-options.js';
import type { BrowserRecipe } from '../context-recipe.js';
import { runtimeLogger } from '../runtime-logger.js';

const run = promisify(execFile);

/** Playwright's environment switch for service worker network events (its pages' workers are blocked in the shared browser). */
const serviceWorkerNetworkSwitch = 'PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS';

/** Playwright's switch that would keep every extension out. */
const disableExtensionsSwitch = '--disable-extensions';

/**
 * The browser of an extension set. Chromium loads unpacked extensions only into a persistent
 * profile, which is one context, so every context is a Chromium of its own, launched with the
 * set (`--load-extension`, and `--disable-extensions-except` so nothing else loads) and a fresh
 * profile directory that goes when the context closes. It goes through the pool's network proxy
 * like the shared browser, so the private network rule holds for extension traffic too.
 */
export class ExtensionBrowserHost implements BrowserHost {
  #version: Promise<string> | undefined;
  readonly #contexts = new Set<BrowserContext>();

  constructor(
    readonly recipe: BrowserRecipe,
    private readonly launch: ChromiumLaunchSettings,
  ) {}

  /** Read from the executable (`chromium --version`): no browser of this host may be running yet. */
  version(): Promise<string> {
    this.#version ??= run(this.launch.executablePath ?? chromiumExecutablePath(), ['--version']).then(({ stdout }) => {
      const version = /(\d+\.\d+\.\d+\.\d+)/.exec(stdout)?.[1];
      if (!version) throw new Error(`could not read the Chromium version from "${stdout.trim()}"`);
      return version;
    });
    return this.#version;
  }

  async newContext(options: BrowserContextOptions): Promise<BrowserContext> {
    const directories = this.recipe.extensionDirectories.join(',');
    const launchOptions = chromiumLaunchOptions({
      ...this.launch,
      extraArgs: [...(this.launch.extraArgs ?? []), `--disable-extensions-except=${directories}`, `--load-extension=${directories}`],
    });
    const ignored = Array.isArray(launchOptions.ignoreDefaultArgs) ? launchOptions.ignoreDefaultArgs : [];
    const profile = await mkdtemp(join(tmpdir(), 'open-smooth-extensions-'));
    let context: BrowserContext;
    try {
      // Playwright reports (and routes) a service worker's requests only with this switch, read when
      // the worker attaches; the extension's background worker must pass the task's URL policy.
      process.env[serviceWorkerNetworkSwitch] = '1';
      context = await chromium.launchPersistentContext(profile, {
        ...launchOptions,
        ...options,
        // 'block' would hide the extension's worker from Playwright's network layer (it runs anyway).
        serviceWorkers: 'allow',
        ignoreDefaultArgs: [...ignored, disableExtensionsSwitch],
      });
    } catch (error) {
      await rm(profile, { recursive: true, force: true });
      throw error;
    }
    this.#contexts.add(context);
    context.once('close', () => this.#contexts.delete(context));
    context.once('close', () => void rm(profile, { recursive: true, force: true }).catch((error: unknown) => runtimeLogger.warn({ err: error, directory: profile }, 'could not remove an extension browser profile')));
    // The pool opens the task's tab itself; the profile's first blank tab would be a second one.
    await Promise.all(context.pages().map((page) => page.close()));
    return context;
  }

  /** Closes the browsers of the contexts still open (each context is a browser of its own). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#contexts].map((context) => context.close()));
  }
}

/** The pool's launcher for extension sets (BrowserPoolOptions.launchExtensionBrowser). */
export const launchExtensionBrowser: BrowserHostLauncher = (recipe, launch) => Promise.resolve(new ExtensionBrowserHost(recipe, launch));

import type { Device } from '@open-smooth/protocol';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

import { SharedBrowserHost, type BrowserHost, type BrowserHostLauncher } from './browser-host.js';
import { BrowserSupervisor } from './browser-supervisor.js';
import { ProxyNotAllowedError } from './errors.js';
import { chromiumLaunchOptions, type ChromiumLaunchSettings } from './chromium-launch-options.js';
import {
  browserRecipeKey,
  browserRecipeOf,
  contextOptionsFor,
  contextRecipeFrom,
  defaultRecipe,
  isDefaultRecipe,
  isReusableRecipe,
  recipeKey,
  usesProxyLane,
  type ContextRecipe,
} from './context-recipe.js';
import { allDevices } from './devices.js';
import { installDomActivityTracker } from './dom-activity.js';
import { NetworkPolicy, type HostResolver } from './network-policy.js';
import { NetworkPolicyProxy, type ProxyLane } from './network-policy-proxy.js';
import type { PrivateNetworkAllowance } from './network-policy-ranges.js';
import { AdblockEngine } from './adblock/adblock-engine.js';
import { launchExtensionBrowser } from './extensions/extension-browser-host.js';
import { AdblockUnavailableError } from './errors.js';
import { ReusableContexts } from './reusable-contexts.js';
import { installStealth } from './stealth/install-stealth.js';
import { TaskContext, type ContextRelease, type TaskContextOptions } from './task-context.js';

export interface BrowserPoolOptions {
  executablePath?: string;
  /** Default true. */
  headless?: boolean;
  /** Contexts kept ready per device. Default 1. */
  warmContextsPerDevice?: number;
  /** Devices to keep warm contexts for. Default: all of them. */
  warmDevices?: readonly Device[];
  extraArgs?: string[];
  /** Most contexts kept for reuse after their task, all scopes together. Default 16. */
  maxReusableContexts?: number;
  /** A context kept for reuse that nobody takes within this time is closed. Default 60 s. */
  reusableIdleMs?: number;
  /**
   * Longest a task with nothing ready waits for a context of its reuse scope whose task is ending
   * (its signal aborted, its close not done yet) before building a new one. Default 1 s.
   */
  returningWaitMs?: number;
  /**
   * Private, loopback and other non-public hosts and ranges the pool's tasks may reach (host names,
   * IPs, CIDRs such as 127.0.0.0/8). Default none. Link-local addresses stay unreachable whatever it says.
   */
  allowPrivateNetwork?: readonly string[] | PrivateNetworkAllowance;
  /**
   * How the pool's network policy (and its proxy, through which the browser connects) resolves host
   * names. Default: the system's resolver. Tests map real host names to loopback with it.
   */
  resolveHost?: HostResolver;
  /** Where the parsed adblock lists are kept between runs. Default: a folder in the OS temp directory. */
  adblockCacheDirectory?: string;
  /** Launches the browser for an extension set. Default: a persistent-profile Chromium per context (extension-browser-host.ts). */
  launchExtensionBrowser?: BrowserHostLauncher;
}

/** Longest a replacement warm-up waits for the task that took a context to finish starting. */
const refillDelayMs = 1_000;
/**
 * Default of BrowserPoolOptions.returningWaitMs (see ReusableContexts.takeSoon): a server answers
 * a close before it hands the context back, and a batch of tasks arriving then would otherwise each
 * build a context.
 */
const defaultReturningWaitMs = 1_000;

/** Reused contexts stay within one scope (tenant) and one recipe. */
function reuseKey(recipe: ContextRecipe, scope: string): string {
  return `${recipeKey(recipe)}\n${scope}`;
}

export class BrowserPoolClosedError extends Error {
  override readonly name = 'BrowserPoolClosedError';
  constructor() {
    super('the browser pool is closed');
  }
}

/**
 * Hands out task contexts made to a context recipe. The default recipe (a device, nothing else)
 * comes from contexts created ahead of time in one warm Chromium, so most tasks never wait for a
 * context's start; any other recipe gets a context built for it. Extension sets each have a
 * browser of their own (a browser recipe), launched on first use.
 */
export class BrowserPool {
  /** What every task of the pool may reach (see network-policy.ts). */
  readonly networkPolicy: NetworkPolicy;
  /** The connection-level check every connection of the browser goes through. */
  readonly #proxy: NetworkPolicyProxy;
  /** Relaunches the browser when it dies (see browser-supervisor.ts). */
  readonly #supervisor: BrowserSupervisor;
  /** The shared browser of the default browser recipe (whichever the supervisor has running). */
  readonly #defaultHost: SharedBrowserHost;
  /** Browsers of other browser recipes (extension sets), by browserRecipeKey. */
  readonly #extensionHosts = new Map<string, Promise<BrowserHost>>();
  readonly #launchExtensionBrowser: BrowserHostLauncher;
  readonly #launchSettings: ChromiumLaunchSettings;
  /** Loaded once, in the background from launch on; awaited only by recipes with adblock. */
  readonly #adblockEngine: Promise<AdblockEngine>;
  readonly #warmContextsPerDevice: number;
  readonly #warmDevices: readonly Device[];
  readonly #ready = new Map<Device, BrowserContext[]>();
  readonly #warming = new Map<Device, Set<Promise<void>>>();
  /** Replacement warm-ups waiting for their task's start (see #refillAfterStart). */
  readonly #deferredRefills = new Set<Promise<void>>();
  /** Contexts given back by their task, wiped, by recipe and reuse scope (see reuseKey). */
  readonly #reusable: ReusableContexts;
  /** The proxy port of each context that has one (see usesProxyLane). */
  readonly #lanes = new WeakMap<BrowserContext, ProxyLane>();
  readonly #returningWaitMs: number;
  #closed = false;

  private constructor(launchBrowser: () => Promise<Browser>, browser: Browser, networkPolicy: NetworkPolicy, proxy: NetworkPolicyProxy, options: BrowserPoolOptions) {
    this.networkPolicy = networkPolicy;
    this.#proxy = proxy;
    this.#supervisor = new BrowserSupervisor(browser, launchBrowser, {
      lost: () => this.#dropContextsOfLostBrowser(),
      relaunched: () => {
        for (const device of this.#warmDevices) this.#refill(device);
      },
    });
    this.#defaultHost = new SharedBrowserHost(() => this.#supervisor.current());
    this.#launchExtensionBrowser = options.launchExtensionBrowser ?? launchExtensionBrowser;
    // An extension set's browser goes through the same network policy proxy.
    this.#launchSettings = {
      ...(options.executablePath !== undefined ? { executablePath: options.executablePath } : {}),
      ...(options.headless !== undefined ? { headless: options.headless } : {}),
      ...(options.extraArgs !== undefined ? { extraArgs: options.extraArgs } : {}),
      proxyServer: proxy.url,
    };
    this.#warmContextsPerDevice = Math.max(0, options.warmContextsPerDevice ?? 1);
    this.#returningWaitMs = Math.max(0, options.returningWaitMs ?? defaultReturningWaitMs);
    this.#warmDevices = options.warmDevices ?? allDevices;
    this.#reusable = new ReusableContexts({
      maxContexts: Math.max(0, options.maxReusableContexts ?? 16),
      idleMs: options.reusableIdleMs ?? 60_000,
      isClosed: () => this.#closed,
    });
    this.#adblockEngine = AdblockEngine.load(options.adblockCacheDirectory ? { cacheDirectory: options.adblockCacheDirectory } : {});
    // Awaited (and its failure reported) by the first task with adblock; never an unhandled rejection.
    this.#adblockEngine.catch(() => {});
  }

  static async launch(options: BrowserPoolOptions = {}): Promise<BrowserPool> {
    const networkPolicy = new NetworkPolicy({
      ...(options.allowPrivateNetwork ? { allowPrivateNetwork: options.allowPrivateNetwork } : {}),
      ...(options.resolveHost ? { resolve: options.resolveHost } : {}),
    });
    const proxy = await NetworkPolicyProxy.start(networkPolicy);
    const launchBrowser = () => chromium.launch(chromiumLaunchOptions({ ...options, proxyServer: proxy.url }));
    let browser: Browser;
    try {
      browser = await launchBrowser();
    } catch (error) {
      await proxy.close();
      throw error;
    }
    const pool = new BrowserPool(launchBrowser, browser, networkPolicy, proxy, options);
    for (const device of pool.#warmDevices) pool.#refill(device);
    return pool;
  }

  /** The browser in use (after a crash, the dead one until its replacement is up). */
  get browser(): Browser {
    return this.#supervisor.browser;
  }

  /** The proxy Chromium is launched with (`--proxy-server`); it tells this pool's browser process apart. */
  get networkProxyUrl(): string {
    return this.#proxy.url;
  }

  /** Resolves once every warm-up in progress or scheduled has finished (useful for tests and benchmarks). */
  async whenWarm(): Promise<void> {
    for (;;) {
      const inProgress = [
        ...this.#deferredRefills,
        ...[...this.#warming.values()].flatMap((set) => [...set]),
        ...this.#reusable.inProgress(),
      ];
      if (inProgress.length === 0) return;
      await Promise.allSettled(inProgress);
    }
  }

  /** Number of contexts ready to hand out for a device. */
  readyCount(device: Device): number {
    return this.#ready.get(device)?.length ?? 0;
  }

  /** Number of wiped contexts kept for reuse by tasks of a scope with a recipe (default: the device's default recipe). */
  reusableCount(device: Device, scope: string, recipe: ContextRecipe = defaultRecipe(device)): number {
    return this.#reusable.count(reuseKey(recipe, scope));
  }

  /**
   * Hands out a context made to the options' recipe: one its scope's earlier task of the same
   * recipe gave back (see TaskContext.close); else, for the default recipe, a ready one (or the
   * one being warmed), then warms a replacement; else one built for the recipe.
   */
  async openContext(options: TaskContextOptions): Promise<TaskContext> {
    if (this.#closed) throw new BrowserPoolClosedError();
    const recipe = contextRecipeFrom(options);
    options = { networkPolicy: this.networkPolicy, ...(recipe.adblock ? { adblockEngine: await this.#loadedAdblockEngine() } : {}), ...options };
    const scope = isReusableRecipe(recipe) ? options.reuseScope : undefined;
    const key = scope === undefined ? undefined : reuseKey(recipe, scope);
    const release = key === undefined ? undefined : (context: BrowserContext, origins: string[]) => this.#reusable.recycle(context, key, origins);
    const reused = key === undefined ? undefined : await this.#reusable.take(key);
    if (reused) return this.#openReused(reused, recipe, options, release, key);
    if (!isDefaultRecipe(recipe)) {
      await this.#checkProxyAddress(recipe);
      const returned = key === undefined ? undefined : await this.#reusable.takeSoon(key, this.#returningWaitMs);
      if (returned) return this.#openReused(returned, recipe, options, release, key);
      return this.#openTask(await this.#createContext(recipe), recipe, options, false, release, key);
    }
    return this.#openWarm(recipe, options, release, key);
  }

  /** A context its scope's earlier task gave back, wiped; closed if wiring it for this task fails. */
  async #openReused(context: BrowserContext, recipe: ContextRecipe, options: TaskContextOptions, release: ContextRelease | undefined, key: string | undefined): Promise<TaskContext> {
    try {
      return await this.#openTask(context, recipe, options, true, release, key);
    } catch (error) {
      await context.close().catch(() => {});
      throw error;
    }
  }

  /**
   * A task with a proxy of its own connects only to that proxy (sites are reached from the proxy's
   * network), so the network policy judges the proxy's address. The caller's tunnel endpoint is
   * the server's own loopback listener and needs no check.
   */
  async #checkProxyAddress(recipe: ContextRecipe): Promise<void> {
    const proxy = recipe.proxy;
    if (!proxy || proxy.viaCaller) return;
    const verdict = await this.networkPolicy.checkUrlHost(proxy.server);
    if (verdict) throw new ProxyNotAllowedError(proxy.server, verdict.detail);
  }

  /** The default recipe's path: a context created ahead of time for the device. */
  async #openWarm(recipe: ContextRecipe, options: TaskContextOptions, release: ContextRelease | undefined, key: string | undefined): Promise<TaskContext> {
    const device = recipe.device;
    let context = this.#takeReady(device);
    let prewarmed = context !== undefined;
    if (!context) {
      const warming = [...(this.#warming.get(device) ?? [])];
      if (warming.length > 0) {
        await Promise.race(warming);
        context = this.#takeReady(device);
        prewarmed = context !== undefined;
      }
    }
    if (!context && key !== undefined) {
      const returned = await this.#reusable.takeSoon(key, this.#returningWaitMs);
      if (returned) return this.#openReused(returned, recipe, options, release, key);
    }
    context ??= await this.#createContext(recipe);
    const warmsDevice = this.#warmDevices.includes(device);
    let task: TaskContext;
    try {
      task = await this.#openTask(context, recipe, options, prewarmed, release, key);
    } catch (error) {
      if (warmsDevice) this.#refill(device);
      throw error;
    }
    if (warmsDevice) this.#refillAfterStart(device, task);
    return task;
  }

  /**
   * Wires a context for its task, with the context's proxy port when it has one. Once the task's
   * signal aborts (it is ending), a context that may come back for reuse is expected back (see
   * ReusableContexts.takeSoon) until the task's close is done.
   */
  async #openTask(
    context: BrowserContext,
    recipe: ContextRecipe,
    options: TaskContextOptions,
    prewarmed: boolean,
    release: ContextRelease | undefined,
    key: string | undefined,
  ): Promise<TaskContext> {
    const lane = this.#lanes.get(context);
    const task = await TaskContext.open(context, recipe, lane ? { ...options, proxyLane: lane } : options, prewarmed, release);
    const signal = options.signal;
    if (release && key !== undefined && signal) {
      const expectReturn = () => this.#reusable.expectReturn(key, task.closed);
      if (signal.aborted) expectReturn();
      else signal.addEventListener('abort', expectReturn, { once: true });
    }
    return task;
  }

  async #loadedAdblockEngine(): Promise<AdblockEngine> {
    try {
      return await this.#adblockEngine;
    } catch (error) {
      throw new AdblockUnavailableError(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...[...this.#warming.values()].flatMap((set) => [...set]), ...this.#reusable.inProgress()]);
    this.#reusable.clear();
    const extensionHosts = [...this.#extensionHosts.values()];
    this.#extensionHosts.clear();
    await Promise.allSettled(extensionHosts.map(async (host) => (await host).close()));
    await this.#supervisor.close();
    await this.#proxy.close();
  }

  /**
   * The browser died: its contexts are gone, so nothing warm or kept for reuse is handed out again
   * (their tasks fail with BrowserCrashedError, see TaskContext); warm-ups start again on the new browser.
   */
  #dropContextsOfLostBrowser(): void {
    this.#ready.clear();
    this.#warming.clear();
    this.#reusable.clear();
  }

  #takeReady(device: Device): BrowserContext | undefined {
    return this.#ready.get(device)?.shift();
  }

  /** A new context made to the recipe, in its browser, with one blank tab. */
  async #createContext(recipe: ContextRecipe): Promise<BrowserContext> {
    const host = await this.#hostFor(recipe);
    const lane = usesProxyLane(recipe) ? await this.#proxy.openLane() : undefined;
    let context: BrowserContext;
    try {
      context = await host.newContext(contextOptionsFor(recipe, await host.version(), this.#proxy.url, lane?.url));
    } catch (error) {
      await lane?.close();
      throw error;
    }
    if (lane) {
      this.#lanes.set(context, lane);
      context.once('close', () => void lane.close());
    }
    try {
      // Before the first page, so every document of the context is tracked (and disguised) from its start.
      await Promise.all([installDomActivityTracker(context), installStealth(context, recipe)]);
      await context.newPage();
    } catch (error) {
      await context.close().catch(() => {});
      throw error;
    }
    return context;
  }

  /** The browser for the recipe's extension set: the shared one, or one launched on first use. */
  async #hostFor(recipe: ContextRecipe): Promise<BrowserHost> {
    const browserRecipe = browserRecipeOf(recipe);
    if (browserRecipe.extensionDirectories.length === 0) return this.#defaultHost;
    const key = browserRecipeKey(browserRecipe);
    let host = this.#extensionHosts.get(key);
    if (!host) {
      host = this.#launchExtensionBrowser(browserRecipe, this.#launchSettings);
      this.#extensionHosts.set(key, host);
      // A failed launch is not kept: the next task with this set tries again.
      host.catch(() => this.#extensionHosts.delete(key));
    }
    return host;
  }

  /**
   * Warming a context takes a renderer start and a burst of browser-process work; done at once it
   * would compete with the new task's first navigation, the moment its user is waiting for. So it
   * starts once that navigation has settled (or the task closed), or after refillDelayMs at the
   * latest. A caller that finds nothing ready creates its context at once anyway.
   */
  #refillAfterStart(device: Device, task: TaskContext): void {
    let timer: NodeJS.Timeout | undefined;
    const delay = new Promise<void>((resolve) => (timer = setTimeout(resolve, refillDelayMs).unref()));
    const deferred = Promise.race([task.firstSettled, delay]).then(() => {
      clearTimeout(timer);
      this.#deferredRefills.delete(deferred);
      this.#refill(device);
    });
    this.#deferredRefills.add(deferred);
  }

  /** Starts warm-ups until ready + warming reaches the target for the device. */
  #refill(device: Device): void {
    const warming = this.#warming.get(device) ?? new Set<Promise<void>>();
    this.#warming.set(device, warming);
    while (!this.#closed && this.readyCount(device) + warming.size < this.#warmContextsPerDevice) {
      const warmUp = this.#createContext(defaultRecipe(device)).then(
        (context) => {
          if (this.#closed) return void context.close().catch(() => {});
          const ready = this.#ready.get(device) ?? [];
          ready.push(context);
          this.#ready.set(device, ready);
        },
        () => {
          // The browser went away; the next openContext reports it.
        },
      );
      const tracked = warmUp.finally(() => warming.delete(tracked));
      warming.add(tracked);
    }
  }
}

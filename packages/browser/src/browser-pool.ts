import type { Device } from '@open-smooth/protocol';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

import { chromiumLaunchOptions } from './chromium-launch-options.js';
import { allDevices, defaultDevice, deviceContextOptions } from './devices.js';
import { installDomActivityTracker } from './dom-activity.js';
import { TaskContext, type TaskContextOptions } from './task-context.js';

export interface BrowserPoolOptions {
  executablePath?: string;
  /** Default true. */
  headless?: boolean;
  /** Contexts kept ready per device. Default 1. */
  warmContextsPerDevice?: number;
  /** Devices to keep warm contexts for. Default: all of them. */
  warmDevices?: readonly Device[];
  extraArgs?: string[];
}

/** Longest a replacement warm-up waits for the task that took a context to finish starting. */
const refillDelayMs = 1_000;

export class BrowserPoolClosedError extends Error {
  override readonly name = 'BrowserPoolClosedError';
  constructor() {
    super('the browser pool is closed');
  }
}

/** One warm Chromium that hands out pre-created contexts, so a task never waits for a context's start. */
export class BrowserPool {
  readonly browser: Browser;
  readonly #warmContextsPerDevice: number;
  readonly #warmDevices: readonly Device[];
  readonly #ready = new Map<Device, BrowserContext[]>();
  readonly #warming = new Map<Device, Set<Promise<void>>>();
  /** Replacement warm-ups waiting for their task's start (see #refillAfterStart). */
  readonly #deferredRefills = new Set<Promise<void>>();
  #closed = false;

  private constructor(browser: Browser, options: BrowserPoolOptions) {
    this.browser = browser;
    this.#warmContextsPerDevice = Math.max(0, options.warmContextsPerDevice ?? 1);
    this.#warmDevices = options.warmDevices ?? allDevices;
  }

  static async launch(options: BrowserPoolOptions = {}): Promise<BrowserPool> {
    const browser = await chromium.launch(chromiumLaunchOptions(options));
    const pool = new BrowserPool(browser, options);
    for (const device of pool.#warmDevices) pool.#refill(device);
    return pool;
  }

  /** Resolves once every warm-up in progress or scheduled has finished (useful for tests and benchmarks). */
  async whenWarm(): Promise<void> {
    for (;;) {
      const inProgress = [...this.#deferredRefills, ...[...this.#warming.values()].flatMap((set) => [...set])];
      if (inProgress.length === 0) return;
      await Promise.allSettled(inProgress);
    }
  }

  /** Number of contexts ready to hand out for a device. */
  readyCount(device: Device): number {
    return this.#ready.get(device)?.length ?? 0;
  }

  /** Hands out a ready context for the device (or waits for the one being warmed), then warms a replacement. */
  async openContext(options: TaskContextOptions): Promise<TaskContext> {
    if (this.#closed) throw new BrowserPoolClosedError();
    const device = options.device ?? defaultDevice;
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
    context ??= await this.#createContext(device);
    const warmsDevice = this.#warmDevices.includes(device);
    let task: TaskContext;
    try {
      task = await TaskContext.open(context, { ...options, device }, prewarmed);
    } catch (error) {
      if (warmsDevice) this.#refill(device);
      throw error;
    }
    if (warmsDevice) this.#refillAfterStart(device, task);
    return task;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#warming.values()].flatMap((set) => [...set]));
    await this.browser.close().catch(() => {});
  }

  #takeReady(device: Device): BrowserContext | undefined {
    return this.#ready.get(device)?.shift();
  }

  async #createContext(device: Device): Promise<BrowserContext> {
    const context = await this.browser.newContext({
      ...deviceContextOptions(device, this.browser.version()),
      acceptDownloads: true,
      // Service workers fetch outside any page, where interception cannot follow them.
      serviceWorkers: 'block',
    });
    // Before the first page, so every document of the context is tracked from its start.
    await installDomActivityTracker(context);
    await context.newPage();
    return context;
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
      const warmUp = this.#createContext(device).then(
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

import type { Device, Secret } from '@open-smooth/protocol';
import type { BrowserContext, Page, PageScreenshotOptions, Request } from 'playwright-core';

import { adblockRequestFilter } from './adblock/adblock-request-filter.js';
import type { AdblockEngine } from './adblock/adblock-engine.js';
import { ConnectionAdblock } from './adblock/connection-adblock.js';
import { CosmeticFiltering, unchangedSinceCosmeticLook } from './adblock/cosmetic-filtering.js';
import type { BlockedRequest } from './blocked-request.js';
import { contextRecipeFrom, type ContextRecipe, type ContextRecipeInput, type StorageState } from './context-recipe.js';
import { DownloadCollector, type DownloadedFile } from './downloads.js';
import { EventSubscriptions } from './event-subscriptions.js';
import { BrowserCrashedError, raceAbort, TabNotFoundError, throwIfAborted, UrlNotAllowedError } from './errors.js';
import { ScreencastFrameSource, type FrameSource } from './frame-source.js';
import { PlaywrightPageInput, type PageInput } from './page-input.js';
import { TabSet } from './tab-set.js';
import { NetworkActivity } from './network-activity.js';
import { NetworkGuard, refusedByProxy } from './network-guard.js';
import { NetworkPolicy, TaskNetworkPolicy } from './network-policy.js';
import type { ProxyLane } from './network-policy-proxy.js';
import { installDomActivityTracker } from './dom-activity.js';
import { clientCertificateFailure, explainNavigationFailure, NavigationFailedError, proxyAuthenticationFailure } from './navigation-failure.js';
import { defaultSettleTimeoutMs, waitForPageSettle } from './page-settle.js';
import { SecretVault } from './secret-vault.js';
import { passwordLikeFieldScreenshotStyle } from './secret-field-shield.js';
import { VisibleCursor } from './cursor/visible-cursor.js';
import { isUrlAllowedByPatterns } from './url-policy.js';

/**
 * A task's context: its recipe (device, default 'desktop'; proxy; client certificates; profile
 * state; stealth; adblock; extensions), fixed when the context is created, and what is wired per task.
 */
export interface TaskContextOptions extends ContextRecipeInput {
  startUrl?: string;
  /** Undefined or empty: every URL the network policy lets through is allowed. */
  allowedUrls?: string[];
  /**
   * The operator's network policy (private networks); BrowserPool.openContext passes its own.
   * Default: no private network reachable.
   */
  networkPolicy?: NetworkPolicy;
  /** The filter engine a recipe with adblock uses (BrowserPool.openContext passes its own); without it nothing is filtered. */
  adblockEngine?: AdblockEngine;
  /**
   * The context's own port of the pool's proxy (BrowserPool passes it for the contexts it made
   * with one): adblock then decides per connection, by host, instead of intercepting requests.
   */
  proxyLane?: ProxyLane;
  /** Created if missing. */
  downloadsDirectory: string;
  secrets?: Secret[];
  /** Aborts every goto/settle of this context. */
  signal?: AbortSignal;
  /**
   * Who may get this context again after `close({ reuse: true })` (a tenant, say). Without it the
   * context is never reused.
   */
  reuseScope?: string;
  /** `show_cursor`: draw a visible pointer where the mouse is, in every tab (see VisibleCursor). */
  showCursor?: boolean;
}

/** Takes a context back from a task that is done with it, with the origins its pages reached. */
export type ContextRelease = (context: BrowserContext, visitedOrigins: string[]) => Promise<void>;

/** The origin whose storage a request could have touched, if any. */
function storageOriginOf(url: string): string | undefined {
  if (!/^(https?|wss?):/.test(url)) return undefined;
  try {
    return new URL(url.replace(/^ws/, 'http')).origin;
  } catch {
    return undefined;
  }
}

const defaultGotoTimeoutMs = 30_000;
const defaultDownloadWaitMs = 30_000;

function combineSignals(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

function isErrorPage(url: string): boolean {
  return url.startsWith('chrome-error:');
}

/** Longest a goto that failed at the pool's proxy waits to learn why (the failed request's event). */
const navigationFailureWaitMs = 2_000;

/** Longest a refused navigation waits for Chromium's error page to replace it. */
const errorPageWaitMs = 2_000;

/**
 * A refused navigation fails in Playwright before Chromium commits its error page; that commit
 * would interrupt the task's next goto, so a refusal is answered only once the page shows it.
 */
async function waitForErrorPage(page: Page): Promise<void> {
  if (isErrorPage(page.url()) || page.isClosed()) return;
  await page
    .waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() && isErrorPage(frame.url()), timeout: errorPageWaitMs })
    .catch(() => {});
}

/**
 * One task's browser: a context with its tabs, URL policy, downloads and secrets.
 * Built by BrowserPool.openContext from a pre-created context.
 */
export class TaskContext {
  readonly context: BrowserContext;
  /** What the context was made of. */
  readonly recipe: ContextRecipe;
  /** True when the context was created ahead of time by the pool's warm-up. */
  readonly prewarmed: boolean;
  readonly #allowedUrls: readonly string[];
  readonly #activity: NetworkActivity;
  readonly #policy: TaskNetworkPolicy;
  readonly #guard: NetworkGuard;
  /** Adblock at the context's proxy port, when it has one (else adblock is a filter of the intercepting guard). */
  readonly #connectionAdblock: ConnectionAdblock | undefined;
  readonly #proxyLane: ProxyLane | undefined;
  /** Element hiding by the lists' cosmetic rules, with adblock on. */
  readonly #cosmeticFiltering: CosmeticFiltering | undefined;
  readonly #downloads: DownloadCollector;
  readonly #vault: SecretVault;
  readonly #signal: AbortSignal | undefined;
  readonly #tabs: TabSet;
  readonly #frames: ScreencastFrameSource;
  readonly #input: PlaywrightPageInput;
  readonly #subscriptions = new EventSubscriptions();
  readonly #visitedOrigins = new Set<string>();
  readonly #release: ContextRelease | undefined;
  readonly #showCursor: boolean;
  #cursor: VisibleCursor | undefined;
  #blockedCursor = 0;
  /** Aborted (with BrowserCrashedError) when the browser under this context dies. */
  readonly #browserLost = new AbortController();
  #closing: Promise<void> | undefined;
  #markFirstSettled!: () => void;
  /**
   * Resolves once the first settle (usually the first goto's) has finished, or at close: from then
   * on background work (such as the pool warming a replacement) no longer slows the task's start.
   */
  readonly firstSettled = new Promise<void>((resolve) => (this.#markFirstSettled = resolve));
  #markClosed!: () => void;
  /** Resolves once close() has finished: the context handed back to its pool (being wiped), or closed. */
  readonly closed = new Promise<void>((resolve) => (this.#markClosed = resolve));

  private constructor(context: BrowserContext, recipe: ContextRecipe, options: TaskContextOptions, prewarmed: boolean, release: ContextRelease | undefined) {
    this.context = context;
    this.#release = release;
    this.#showCursor = options.showCursor ?? false;
    this.recipe = recipe;
    this.prewarmed = prewarmed;
    this.#allowedUrls = options.allowedUrls ?? [];
    this.#signal = options.signal;
    this.#activity = new NetworkActivity(context);
    this.#downloads = new DownloadCollector(options.downloadsDirectory);
    this.#tabs = new TabSet((page) => this.#downloads.watch(page));
    this.#frames = new ScreencastFrameSource(context, this.#tabs);
    this.#input = new PlaywrightPageInput(() => this.#tabs.active);
    this.#vault = new SecretVault((url) => this.isUrlAllowed(url));
    this.#vault.add(options.secrets ?? []);
    const engine = recipe.adblock ? options.adblockEngine : undefined;
    this.#proxyLane = options.proxyLane;
    this.#connectionAdblock = engine && this.#proxyLane ? new ConnectionAdblock(engine, () => this.#tabs.pages.map((page) => page.url())) : undefined;
    const adblock = engine && !this.#connectionAdblock ? [adblockRequestFilter(engine)] : [];
    this.#cosmeticFiltering = engine ? new CosmeticFiltering(engine) : undefined;
    // Behind a proxy of its own the task reaches sites from that proxy's network (see TaskNetworkPolicy).
    this.#policy = new TaskNetworkPolicy(recipe.proxy ? undefined : (options.networkPolicy ?? new NetworkPolicy()), this.#allowedUrls, adblock);
    // Intercepts requests only for allowed_urls (with redirect hops) and adblock without a proxy
    // port (first requests only); each costs a round trip to Node per request. The private network
    // rule, and adblock with a proxy port, hold below the page (the pool's proxy), and the guard
    // reports their blocks with their reason.
    this.#guard = new NetworkGuard(context, this.#policy, this.#allowedUrls.length > 0 || adblock.length > 0, this.#allowedUrls.length > 0, this.#proxyLane?.failures);
  }

  /**
   * Wires a (usually pre-created) context made to the recipe for a task and opens startUrl when
   * given. The recipe defaults to the one the options describe.
   */
  static async open(
    context: BrowserContext,
    recipe: ContextRecipe | undefined,
    options: TaskContextOptions,
    prewarmed = false,
    release?: ContextRelease,
  ): Promise<TaskContext> {
    const task = new TaskContext(context, recipe ?? contextRecipeFrom(options), options, prewarmed, release);
    try {
      await task.#wire();
      if (options.startUrl) await task.goto(options.startUrl);
      return task;
    } catch (error) {
      await task.close();
      throw task.lostReason ?? (context.browser()?.isConnected() === false ? new BrowserCrashedError() : error);
    }
  }

  get device(): Device {
    return this.recipe.device;
  }

  /**
   * What a profile keeps of this context now: cookies, and per origin localStorage and IndexedDB.
   * (sessionStorage ends with the tab, as it does for a person closing the browser.)
   */
  captureStorageState(): Promise<StorageState> {
    return this.context.storageState({ indexedDB: true });
  }

  get page(): Page {
    const active = this.#tabs.active;
    if (!active) throw new TabNotFoundError(0, 0);
    return active;
  }

  get pages(): Page[] {
    return this.#tabs.pages;
  }

  /** Screencast frames of the active tab, for the live view and the recorder. */
  get frames(): FrameSource {
    return this.#frames;
  }

  /** A person's mouse and keyboard, sent to the active tab (interactive live view). */
  get input(): PageInput {
    return this.#input;
  }

  get blockedRequests(): BlockedRequest[] {
    return [...this.#guard.blocked];
  }

  /** Set once the browser under this context crashed, was killed or closed: why nothing works any more. */
  get lostReason(): BrowserCrashedError | undefined {
    const reason: unknown = this.#browserLost.signal.reason;
    return reason instanceof BrowserCrashedError ? reason : undefined;
  }

  get downloads(): DownloadedFile[] {
    return [...this.#downloads.files];
  }

  get allowedUrls(): readonly string[] {
    return this.#allowedUrls;
  }

  get downloadsDirectory(): string {
    return this.#downloads.directory;
  }

  /** Saves a file the agent produced (screenshot, PDF) with the downloads, so the task returns it. */
  saveFile(suggestedFilename: string, bytes: Uint8Array): Promise<DownloadedFile> {
    return this.#downloads.saveProduced(suggestedFilename, bytes, this.page.url());
  }

  /** Makes tab `index` (0-based, in opening order) the active one. */
  switchTab(index: number): Page {
    return this.#tabs.switchTo(index);
  }

  /** Navigates the active tab and waits for it to settle. */
  async goto(url: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.#goto(url, options);
    } catch (error) {
      throw this.lostReason ?? error;
    }
  }

  async #goto(url: string, options: { signal?: AbortSignal }): Promise<void> {
    const signal = combineSignals(this.#signal, options.signal, this.#browserLost.signal);
    throwIfAborted(signal);
    // Refused here, before Chromium sees it: chrome://settings and the like must never load.
    const block = await this.#policy.checkNavigation(url);
    if (block) {
      this.#guard.record(url, 'document', true, block);
      throw new UrlNotAllowedError(url, block);
    }
    this.#connectionAdblock?.allowTabDocument(url);
    const page = this.page;
    // A tab opened a moment ago may not have its redirect interceptor yet.
    await this.#guard.guardPage(page).catch(() => {});
    const failuresBefore = this.#guard.navigationFailureCount;
    try {
      const response = await raceAbort(page.goto(url, { waitUntil: 'domcontentloaded', timeout: defaultGotoTimeoutMs }), signal);
      const refusal = proxyAuthenticationFailure(url, response?.status(), this.recipe) ?? (await clientCertificateFailure(url, response, this.recipe));
      if (refusal) throw refusal;
    } catch (error) {
      if (signal?.aborted || error instanceof NavigationFailedError) throw error;
      const failedBelow = error instanceof Error && refusedByProxy.test(error.message);
      const failure = await this.#guard.navigationFailureSince(failuresBefore, failedBelow ? navigationFailureWaitMs : 0);
      if (failure?.blocked) {
        await waitForErrorPage(page);
        throw new UrlNotAllowedError(failure.url, failure.blocked);
      }
      // Chromium names every failure at the proxy alike; say what really happened.
      if (failure?.unreachable) throw new Error(`could not open ${failure.url}: ${failure.unreachable}`);
      // A URL that answers with an attachment becomes a download, not a page: that is a success.
      if (!(error instanceof Error && /Download is starting/.test(error.message))) throw explainNavigationFailure(url, error, this.recipe);
    }
    await this.waitForSettle(signal ? { signal } : {});
  }

  /**
   * Waits for the active tab's load, network quiet and DOM quiet, and for tabs opened since the
   * last settle to load their first document (such a tab becomes active once it shows one).
   * Bounded by timeoutMs (default 3 s); about one round trip when nothing is going on.
   */
  async waitForSettle(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(this.#browserLost.signal);
    const signal = combineSignals(this.#signal, options.signal);
    const deadline = Date.now() + (options.timeoutMs ?? defaultSettleTimeoutMs);
    const settle = async (page: Page) =>
      [page, await waitForPageSettle(page, this.#activity, { timeoutMs: Math.max(0, deadline - Date.now()), ...(signal ? { signal } : {}) })] as const;
    const active = this.page;
    const settled = [await settle(active)];
    const newTabs = this.#tabs.takeUnsettled();
    settled.push(...(await Promise.all(newTabs.filter((page) => page !== active).map(settle))));
    // Ads whose names the page added after it loaded, and frames that loaded late. A page the last
    // probe found unchanged since the filter's last look costs no round trip.
    const cosmeticFiltering = this.#cosmeticFiltering;
    if (cosmeticFiltering) {
      await Promise.all(settled.map(([page, { unchangedSinceLooks }]) => cosmeticFiltering.apply(page, { mainDocumentUnchanged: unchangedSinceCosmeticLook(unchangedSinceLooks) })));
    }
    this.#markFirstSettled();
  }

  /** Whether a URL is within the task's allowed_urls (the secret vault's rule; see also the network policy). */
  isUrlAllowed(url: string): boolean {
    return isUrlAllowedByPatterns(url, this.#allowedUrls);
  }

  /** Blocked requests since the previous call. */
  takeBlockedRequests(): BlockedRequest[] {
    const blocked = this.#guard.blocked;
    const taken = blocked.slice(this.#blockedCursor);
    this.#blockedCursor = blocked.length;
    return taken;
  }

  /** Waits for downloads in progress to be saved; returns every saved download. */
  waitForDownloads(options: { timeoutMs?: number } = {}): Promise<DownloadedFile[]> {
    return this.#downloads.waitForAll(options.timeoutMs ?? defaultDownloadWaitMs);
  }

  addSecrets(secrets: Secret[]): void {
    this.#vault.add(secrets);
  }

  /** Whether the task has any secret (a field it typed one into may be shielded; see shieldSecretField). */
  get hasSecrets(): boolean {
    return this.#vault.names.length > 0;
  }

  /**
   * A screenshot of the active tab, the way every screenshot of ours is taken: password-like
   * fields draw discs (passwordLikeFieldScreenshotStyle); a field holding a typed secret draws
   * discs anyway (shieldSecretField).
   */
  screenshot(options: Omit<PageScreenshotOptions, 'style'> = {}): Promise<Buffer> {
    return this.page.screenshot({ ...options, style: passwordLikeFieldScreenshotStyle });
  }

  revealSecrets(text: string, pageUrl: string): string {
    return this.#vault.reveal(text, pageUrl);
  }

  maskSecrets(text: string): string {
    return this.#vault.mask(text);
  }

  /** Calls listener for each tab opened from now on; returns the unsubscribe function. */
  onNewTab(listener: (page: Page) => void): () => void {
    return this.#tabs.onNewTab(listener);
  }

  /**
   * Closes the context and every tab. Idempotent. With `reuse` (only when nothing of the task is
   * still running against the page), a context opened with a reuseScope goes back to its pool
   * instead, which wipes what the task left before handing it out again; the task can no longer
   * reach its tabs either way.
   */
  close(options: { reuse?: boolean } = {}): Promise<void> {
    this.#markFirstSettled();
    // A context whose browser died is gone: there is nothing to hand back.
    const release = options.reuse && !this.lostReason ? this.#release : undefined;
    // From here on no frame reaches this task's viewers or recorder. A context handed back is wiped
    // while the screencast's stop is on its way (the next task's screencast is a CDP session of
    // its own), so the stop does not delay the next task of the scope.
    const framesStopped = this.#frames.close();
    if (!this.#closing) {
      this.#closing = release ? Promise.all([framesStopped, this.#handBack(release)]).then(() => undefined) : this.#closeContext();
      this.#closing.then(this.#markClosed, this.#markClosed);
    }
    return this.#closing;
  }

  async #closeContext(): Promise<void> {
    await this.context.close().catch(() => {});
    // The pages' close events have run by now.
    this.#subscriptions.dispose();
  }

  async #handBack(release: ContextRelease): Promise<void> {
    // The next task of this context may not want a pointer drawn.
    await this.#cursor?.dispose();
    this.#subscriptions.dispose();
    this.#activity.dispose();
    this.#downloads.dispose();
    this.#tabs.dispose();
    // The context waits for its next task with no rule of this one's.
    if (this.#proxyLane) this.#proxyLane.check = undefined;
    await this.#guard.uninstall();
    await release(this.context, [...this.#visitedOrigins]).catch(() => this.context.close().catch(() => {}));
  }

  async #wire(): Promise<void> {
    // Both are no-ops on a context the pool prepared.
    await Promise.all([installDomActivityTracker(this.context), this.#guard.install()]);
    if (this.#showCursor) this.#cursor = await VisibleCursor.install(this.context);
    if (this.context.browser()?.isConnected() === false) throw new BrowserCrashedError();
    // A context closes under its task only when its browser dies (or the pool shuts down). Listened
    // on the context, not the shared browser, which would collect a listener per live task.
    this.#subscriptions.once(this.context, 'close', () => {
      if (!this.#closing) this.#browserLost.abort(new BrowserCrashedError());
    });
    this.#tabs.watch(this.context);
    const connectionAdblock = this.#connectionAdblock;
    if (connectionAdblock && this.#proxyLane) {
      this.#subscriptions.on(this.context, 'request', (request: Request) => connectionAdblock.onRequest(request));
      this.#subscriptions.on(this.context, 'requestfinished', (request: Request) => connectionAdblock.onRequestDone(request));
      this.#subscriptions.on(this.context, 'requestfailed', (request: Request) => connectionAdblock.onRequestDone(request));
      this.#proxyLane.check = connectionAdblock.check;
    }
    const cosmeticFiltering = this.#cosmeticFiltering;
    if (cosmeticFiltering) {
      const hideAdsOf = (page: Page) => this.#subscriptions.on(page, 'domcontentloaded', () => void cosmeticFiltering.apply(page));
      for (const page of this.context.pages()) hideAdsOf(page);
      this.#subscriptions.on(this.context, 'page', hideAdsOf);
    }
    if (this.#release) {
      this.#subscriptions.on(this.context, 'request', (request: Request) => {
        const origin = storageOriginOf(request.url());
        if (origin) this.#visitedOrigins.add(origin);
      });
    }
  }
}

import type { CDPSession, Page } from 'playwright-core';

import { errorMessage } from '@open-smooth/protocol';

import { documentLooksKey } from '../dom-activity.js';
import { IsolatedWorld, WorldUnavailableError, type WorldFrame } from '../isolated-world.js';
import { withTimeout } from '../with-timeout.js';
import type { AdblockEngine } from './adblock-engine.js';
import { runtimeLogger } from '../runtime-logger.js';

/** What a document holds that the lists' generic rules are keyed by, as far as not reported before. */
interface DocumentNames {
  url: string;
  /** True the first time the document is asked (its host's rules are chosen then, once). */
  isFirstLook: boolean;
  classes: string[];
  ids: string[];
  hrefs: string[];
}

/** The name our reads note their looks under (see documentLooksKey). */
const lookName = 'cosmetic';

/**
 * Runs in our isolated world, whose globals live as long as the document: it remembers what it
 * reported, so a later pass sends only names the page added since, and an unchanged page sends
 * nothing. Link targets as written (what `a[href^=…]` rules compare). It notes the time of its
 * look, so the settle's probe can tell whether the document changed since (see SettledPage).
 */
const collectNewNames = `() => {
  const seen = (globalThis.__openSmoothCosmeticNames ??= { classes: new Set(), ids: new Set(), hrefs: new Set(), looked: false });
  const isFirstLook = !seen.looked;
  seen.looked = true;
  if (document.readyState !== 'loading') (globalThis[${JSON.stringify(documentLooksKey)}] ??= {})[${JSON.stringify(lookName)}] = performance.now();
  const fresh = (set, value, into) => { if (value && !set.has(value)) { set.add(value); into.push(value); } };
  const classes = [], ids = [], hrefs = [];
  for (const element of document.querySelectorAll('[class], [id]')) {
    for (const name of element.classList) fresh(seen.classes, name, classes);
    fresh(seen.ids, element.id, ids);
  }
  for (const link of document.querySelectorAll('a[href]')) fresh(seen.hrefs, link.getAttribute('href'), hrefs);
  return { url: location.href, isFirstLook, classes, ids, hrefs };
}`;

/** Longest a caller waits for a pass: a page stuck in a loop answers nothing, and a settle must not wait on it. */
const passWaitMs = 3_000;

/**
 * One CDP session per tab for the CSS agent, opened the first time a rule applies to it, kept for
 * the tab's life: a context the pool reuses keeps its tab for the next task.
 */
const cssSessions = new WeakMap<Page, Promise<CDPSession>>();

/** What the caller knows of a tab's page that can spare a pass its work. */
export interface CosmeticPassHint {
  /**
   * The settle's last probe found the main frame's document unchanged since this filter's last
   * look at it (SettledPage.unchangedSinceLooks): it holds no name not judged already.
   */
  mainDocumentUnchanged?: boolean;
}

/** Whether the settle found the document unchanged since our last look (see CosmeticPassHint). */
export function unchangedSinceCosmeticLook(unchangedSinceLooks: readonly string[]): boolean {
  return unchangedSinceLooks.includes(lookName);
}

function isSiteDocument(url: string): boolean {
  return /^https?:/i.test(url);
}

/** Errors that mean the frame or page went away during a pass: its next document gets a pass of its own. */
function isGone(error: unknown): boolean {
  return error instanceof WorldUnavailableError || /closed|detached|destroyed|No frame|Cannot find context|not found/i.test(errorMessage(error));
}

/**
 * Cosmetic (element-hiding) filtering for one task: for each frame's document, the lists' rules for
 * its host plus the generic rules keyed by the classes, ids and link targets it has (see
 * AdblockEngine.cosmeticStyles) become a stylesheet that hides those elements. A pass runs at each
 * DOMContentLoaded of a tab and after each settle (for names added later and frames loaded late);
 * a document no rule applies to costs one call into our isolated world per pass.
 *
 * The stylesheet is an inspector stylesheet (CDP `CSS.createStyleSheet` on the frame), which in
 * the Chromium we run is neither in the DOM nor in `document.styleSheets`: the page sees the
 * hidden elements as hidden, as with any ad blocker, but no element or code of ours.
 */
export class CosmeticFiltering {
  /** Per tab: the pass running now (passes of a tab run one after another). */
  readonly #passes = new WeakMap<Page, Promise<void>>();
  /** Per tab: the frame list the last pass read (IsolatedWorld.frames answers the same list while no frame changed). */
  readonly #passedFrames = new WeakMap<Page, WorldFrame[]>();

  constructor(private readonly engine: AdblockEngine) {}

  /**
   * Hides the ads of every frame of the tab that the lists name, after a pass already running.
   * Never rejects; stops waiting (the pass goes on) after passWaitMs.
   */
  apply(page: Page, hint: CosmeticPassHint = {}): Promise<void> {
    const previous = this.#passes.get(page) ?? Promise.resolve();
    const pass = previous.then(() => this.#pass(page, hint));
    this.#passes.set(page, pass);
    return withTimeout(pass, { timeoutMs: passWaitMs, timeoutError: () => new Error('cosmetic filtering pass still running') }).catch(() => {
      // The page did not answer in time: the observation and the task go on without waiting for it.
    });
  }

  async #pass(page: Page, hint: CosmeticPassHint): Promise<void> {
    if (page.isClosed()) return;
    try {
      const world = await IsolatedWorld.for(page);
      const listing = world.frames();
      // Nothing new to judge: the same frames as the last pass read (no round trip then), no
      // frame but the main one shows a site, and the main document has not changed since.
      if (hint.mainDocumentUnchanged && (await listing) === this.#passedFrames.get(page) && !(await listing).some((frame) => frame.parentId !== null && isSiteDocument(frame.url))) return;
      // The main frame is read at once (its id stays the same for the tab's life), while a new
      // document's frame list is still being asked for: on a loaded machine each round trip counts.
      const mainFrameId = await world.mainFrameId();
      const main = isSiteDocument(page.url()) ? this.#stylesFor(world, mainFrameId).then((css) => [{ frameId: mainFrameId, css }]) : Promise.resolve([]);
      const frames = await listing;
      this.#passedFrames.set(page, frames);
      const children = frames.filter((frame) => frame.frameId !== mainFrameId && isSiteDocument(frame.url));
      const sheets = [...(await main), ...(await Promise.all(children.map(async ({ frameId }) => ({ frameId, css: await this.#stylesFor(world, frameId) }))))];
      const wanted = sheets.filter(({ css }) => css !== '');
      if (wanted.length > 0) await this.#addStyleSheets(page, wanted);
    } catch (error) {
      if (page.isClosed() || isGone(error)) return;
      runtimeLogger.warn({ err: error, url: page.url() }, 'adblock: cosmetic filtering skipped a pass');
    }
  }

  /** The CSS that hides what the frame's document newly holds that the lists name; '' when nothing. */
  async #stylesFor(world: IsolatedWorld, frameId: string): Promise<string> {
    let names: DocumentNames;
    try {
      names = await world.call<DocumentNames>(frameId, collectNewNames, null);
    } catch (error) {
      // A frame that navigated or went away since the frame list was asked.
      if (isGone(error)) return '';
      throw error;
    }
    if (!names.isFirstLook && names.classes.length === 0 && names.ids.length === 0 && names.hrefs.length === 0) return '';
    return this.engine.cosmeticStyles({ url: names.url, classes: names.classes, ids: names.ids, hrefs: names.hrefs, withHostRules: names.isFirstLook });
  }

  /**
   * The CSS agent is enabled only for the moment it takes (enabled, it reports every stylesheet of
   * the page); the stylesheet stays in force after it is disabled, until the document goes.
   */
  async #addStyleSheets(page: Page, sheets: ReadonlyArray<{ frameId: string; css: string }>): Promise<void> {
    let session = cssSessions.get(page);
    if (!session) {
      session = page.context().newCDPSession(page);
      cssSessions.set(page, session);
      session.catch(() => cssSessions.delete(page));
    }
    const cdp = await session;
    await cdp.send('DOM.enable');
    try {
      await cdp.send('CSS.enable');
      try {
        for (const { frameId, css } of sheets) {
          try {
            const { styleSheetId } = await cdp.send('CSS.createStyleSheet', { frameId, force: true });
            await cdp.send('CSS.setStyleSheetText', { styleSheetId, text: css });
          } catch (error) {
            // That frame went away meanwhile; the others still get theirs.
            if (!isGone(error)) throw error;
          }
        }
      } finally {
        await cdp.send('CSS.disable');
      }
    } finally {
      await cdp.send('DOM.disable');
    }
  }
}

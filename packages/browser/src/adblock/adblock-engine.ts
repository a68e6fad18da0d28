import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ENGINE_VERSION, FiltersEngine, Request, type CosmeticFilter, type RequestType } from '@ghostery/adblocker';

import { AdblockHostRules, hostRulesFormat } from './adblock-host-rules.js';
import { bundledListsVersion, readBundledFilterLists, type FilterList } from './bundled-filter-lists.js';
import { runtimeLogger } from '../runtime-logger.js';

/** A request adblock judges. */
export interface AdblockRequest {
  url: string;
  /** The document that made it (the page, or for a frame's own load the page around it). */
  sourceUrl?: string;
  /** Playwright's resource type names; a frame's document is 'sub_frame' here. */
  type: string;
  /** A tab's own document: never blocked (a person asked for that page). */
  isMainFrame: boolean;
}

/** What the cosmetic rules are chosen by: a document's URL and the names in it. */
export interface CosmeticDocument {
  url: string;
  classes: string[];
  ids: string[];
  /** Link targets (`a[href]`), absolute. */
  hrefs: string[];
  /** Whether to include the host's own rules (once per document: they do not depend on its content). */
  withHostRules: boolean;
}

/** The rule that blocked a request, and its list. */
export interface AdblockMatch {
  filter: string;
  list: string;
}

interface ListEngine {
  title: string;
  engine: FiltersEngine;
}

interface CacheIndex {
  lists: Array<{ title: string; file: string }>;
}

/** Playwright type names the engine does not know by that name. */
function requestTypeOf(type: string): RequestType {
  return (type === 'document' ? 'sub_frame' : type) as RequestType;
}

/**
 * A host's own rule, or a generic rule keyed by a class, id or link target. The engine also hands
 * out, with a host's rules, the generic rules that name hosts they skip (`~example.com##iframe[…]`):
 * those belong with the base stylesheet we leave out, else every page would get them.
 */
function isChosenByHostOrName(filter: CosmeticFilter): boolean {
  return !filter.isGenericHide() || filter.isClassSelector() || filter.isIdSelector() || filter.isHrefSelector();
}

const linkSelector = /^a\[href([\^*$]?)="([^"]+)"\]$/;

/**
 * The engine picks link rules (`a[href^="https://ads.example/"]`) by any word they share with the
 * page's links, such as "https", so nearly every page would get a few; the simple forms are
 * checked against the links here, so that a page whose links no rule names gets no stylesheet.
 */
function linkRuleMayMatch(filter: CosmeticFilter, hrefs: readonly string[]): boolean {
  if (!filter.isGenericHide() || !filter.isHrefSelector()) return true;
  const parsed = linkSelector.exec(filter.getSelector());
  if (!parsed) return true;
  const [, operator, value = ''] = parsed;
  const matches = (href: string) => (operator === '^' ? href.startsWith(value) : operator === '*' ? href.includes(value) : operator === '$' ? href.endsWith(value) : href === value);
  return hrefs.some(matches);
}

/**
 * Ghostery's filter engine over the lists @adguard/dnr-rulesets ships (see bundled-filter-lists.ts),
 * one engine per list so that each block names its list. Parsing the lists costs seconds of CPU,
 * so the parsed engines are kept on disk, keyed by the engine's and the lists' versions; loading
 * them from there takes tens of milliseconds.
 */
export class AdblockEngine {
  private constructor(
    readonly lists: readonly ListEngine[],
    /** What can be decided from a host name alone: the pool's connection-level check (see adblock-host-rules.ts). */
    readonly hostRules: AdblockHostRules,
  ) {}

  static async load(options: { cacheDirectory?: string } = {}): Promise<AdblockEngine> {
    const cacheRoot = options.cacheDirectory ?? join(tmpdir(), 'open-smooth-adblock');
    const cacheDirectory = join(cacheRoot, `engine-${ENGINE_VERSION}-lists-${await bundledListsVersion()}`);
    // Read (seconds) only when a cache is missing, and then once for both.
    let listText: Promise<FilterList[]> | undefined;
    const readLists = () => (listText ??= readBundledFilterLists());
    const [lists, hostRules] = await Promise.all([AdblockEngine.#loadLists(cacheDirectory, readLists), AdblockHostRules.load(`${cacheDirectory}.host-rules-${hostRulesFormat}.json`, readLists)]);
    return new AdblockEngine(lists, hostRules);
  }

  static async #loadLists(cacheDirectory: string, readLists: () => Promise<FilterList[]>): Promise<ListEngine[]> {
    const cached = await AdblockEngine.#readCache(cacheDirectory);
    if (cached) return cached;
    const lists = (await readLists()).map(({ title, text }) => ({
      title,
      engine: FiltersEngine.parse(text, { loadCosmeticFilters: true, loadNetworkFilters: true, enableCompression: false }),
    }));
    await AdblockEngine.#writeCache(cacheDirectory, lists).catch((error: unknown) => {
      runtimeLogger.warn({ err: error, directory: cacheDirectory }, 'adblock: could not cache the parsed filter lists');
    });
    return lists;
  }

  /** The first list's blocking rule for the request, unless an exception rule of that list lets it through. */
  match(request: AdblockRequest): AdblockMatch | undefined {
    if (request.isMainFrame) return undefined;
    const details = Request.fromRawDetails({ url: request.url, sourceUrl: request.sourceUrl ?? '', type: requestTypeOf(request.type) });
    for (const { title, engine } of this.lists) {
      const result = engine.match(details);
      if (result.match && result.filter) return { filter: result.filter.toString(), list: title };
    }
    return undefined;
  }

  /**
   * The element-hiding CSS the lists have for a document: its host's rules, and the generic rules
   * keyed by a class, id or link target the document has (never the lists' large base stylesheet
   * of generic rules, which every page would pay for). Empty when no rule applies. Each list's
   * exceptions (`#@#`, `$generichide`, `$elemhide`) apply to that list's rules.
   */
  cosmeticStyles(document: CosmeticDocument): string {
    const { hostname, domain } = Request.fromRawDetails({ url: document.url });
    if (!hostname) return '';
    const styles: string[] = [];
    for (const { engine } of this.lists) {
      const { matches, allowGenericHides } = engine.matchCosmeticFilters({
        url: document.url,
        hostname,
        domain,
        classes: document.classes,
        ids: document.ids,
        hrefs: document.hrefs,
        getRulesFromHostname: document.withHostRules,
        getRulesFromDOM: true,
        getInjectionRules: false,
        getExtendedRules: false,
      });
      const filters = matches.flatMap(({ filter, exception }) =>
        filter && !exception && isChosenByHostOrName(filter) && linkRuleMayMatch(filter, document.hrefs) ? [filter] : [],
      );
      if (filters.length === 0) continue;
      const { styles: listStyles } = engine.injectCosmeticFilters(filters, { url: document.url, injectScriptlets: false, injectExtended: false, allowGenericHides, getBaseRules: false });
      if (listStyles) styles.push(listStyles);
    }
    return styles.join('\n');
  }

  static async #readCache(directory: string): Promise<ListEngine[] | undefined> {
    let index: CacheIndex;
    try {
      index = JSON.parse(await readFile(join(directory, 'index.json'), 'utf8')) as CacheIndex;
    } catch {
      return undefined;
    }
    try {
      const lists = await Promise.all(
        index.lists.map(async ({ title, file }) => ({ title, engine: FiltersEngine.deserialize(new Uint8Array(await readFile(join(directory, file)))) })),
      );
      return lists;
    } catch (error) {
      runtimeLogger.warn({ err: error, directory }, 'adblock: ignoring unreadable cached filter lists');
      return undefined;
    }
  }

  /** Written beside the final place, then renamed into it: a reader never sees half a cache. */
  static async #writeCache(directory: string, lists: readonly ListEngine[]): Promise<void> {
    const staging = `${directory}.${process.pid}.${Date.now()}`;
    await mkdir(staging, { recursive: true });
    try {
      const index: CacheIndex = { lists: lists.map(({ title }, position) => ({ title, file: `${position}.engine` })) };
      await Promise.all(lists.map(({ engine }, position) => writeFile(join(staging, `${position}.engine`), engine.serialize())));
      await writeFile(join(staging, 'index.json'), JSON.stringify(index));
      await rename(staging, directory).catch(async (error: unknown) => {
        // Another process cached the same lists first: theirs is as good.
        if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}

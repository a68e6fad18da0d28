import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ENGINE_VERSION, FiltersEngine, Request, type RequestType } from '@ghostery/adblocker';

import { AdblockHostRules, hostRulesFormat } from './adblock-host-rules.js';
import { bundledListsVersion, readBundledFilterLists, type FilterList } from './bundled-filter-lists.js';
import { errorMessage } from '@open-smooth/protocol';

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
      console.warn(`adblock: could not keep the parsed filter lists in ${cacheDirectory}: ${errorMessage(error)}`);
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
      console.warn(`adblock: ignoring the unreadable parsed lists in ${directory}: ${errorMessage(error)}`);
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

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { NetworkFilter, Request } from '@ghostery/adblocker';

import type { FilterList } from './bundled-filter-lists.js';
import type { AdblockMatch } from './adblock-engine.js';
import { runtimeLogger } from '../runtime-logger.js';

/**
 * The part of the filter lists that can be decided from a host name alone, for the pool's
 * connection-level check (network-policy-proxy.ts): a connection to a host is refused when a list
 * blocks every request to that host (`||ads.example^`, with its party and domain options judged
 * against the task's pages) and none of its exception rules may apply there. Rules that need the
 * full URL or the request's type (`||example.com/ads/`, `$script`, rules without a host) are not
 * applied on this path; see ARCHITECTURE.md.
 */

/** A host's plain rules, as bits: the rule's text follows from the host and the bit. */
const enum PlainRule {
  Any = 1,
  ThirdParty = 2,
  ThirdPartyShort = 4,
  /** Rules for this host that need the URL or the type (not applied on this path). */
  NeedsUrl = 8,
}

const plainRuleText: ReadonlyArray<[PlainRule, string]> = [
  [PlainRule.Any, '^'],
  [PlainRule.ThirdParty, '^$third-party'],
  [PlainRule.ThirdPartyShort, '^$3p'],
];

/** One host's rules in the cache: the plain-rule bits, then the rules whose options must be judged per page. */
type CachedHost = number | [number, ...string[]];

interface CachedList {
  title: string;
  hosts: Record<string, CachedHost>;
}

interface ParsedRules {
  blocks: NetworkFilter[];
  exceptions: NetworkFilter[];
}

interface HostRules {
  flags: number;
  lines: readonly string[];
  /** The lines parsed, on first use. */
  parsed?: ParsedRules;
}

/** Request types below a document: a block rule applies to the whole host only when it covers all of them. */
const subresourceTypes = ['script', 'image', 'stylesheet', 'xmlhttprequest', 'sub_frame', 'font', 'media', 'object', 'ping', 'websocket', 'other'] as const;

const plainRule = /^\|\|([a-z0-9][a-z0-9.-]*[a-z0-9])\^(\$third-party|\$3p)?$/;
const cleanHostName = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;

/** Version of the cache layout; part of the cache's file name. */
export const hostRulesFormat = 1;

function isHostWideBlock(filter: NetworkFilter): boolean {
  return !filter.hasFilter() && filter.fromHttp() && filter.fromHttps() && subresourceTypes.every((type) => filter.isCptAllowed(type));
}

/** Rules that change a response rather than block it: nothing to do with whether a host is reached. */
function isModifier(filter: NetworkFilter): boolean {
  return filter.isCSP() || filter.isRemoveParam() || filter.isReplace() || filter.isHtmlFilteringRule() || filter.isElemHide() || filter.isGenericHide() || filter.isSpecificHide();
}

/** Whether a filter's party, domain and denyallow options hold for a request (type and path aside). */
function optionsHold(filter: NetworkFilter, request: Request): boolean {
  if (!filter.firstParty() && request.isFirstParty) return false;
  if (!filter.thirdParty() && request.isThirdParty) return false;
  if (filter.domains !== undefined && !filter.domains.match(request.sourceHostnameHashes, request.sourceEntityHashes)) return false;
  if (filter.denyallow !== undefined && filter.denyallow.match(request.getHostnameHashes(), request.getEntityHashes())) return false;
  return true;
}

/** The rules of one list text that concern whole hosts (see the module comment). */
export function hostRulesOfList(list: FilterList): CachedList {
  const lines = list.text.split('\n').map((line) => line.trim());
  // `rule$badfilter` switches `rule` off.
  const switchedOff = new Set(
    lines.filter((line) => /[$,]badfilter(,|$)/.test(line)).map((line) => line.replace(/,badfilter(?=,|$)/, '').replace(/\$badfilter(,|$)/, (_, rest: string) => (rest ? '$' : ''))),
  );
  const hosts = new Map<string, { flags: number; lines: string[] }>();
  const entry = (host: string) => {
    let found = hosts.get(host);
    if (!found) hosts.set(host, (found = { flags: 0, lines: [] }));
    return found;
  };
  for (const line of lines) {
    if (!line.startsWith('||') && !line.startsWith('@@||')) continue;
    if (switchedOff.has(line) || /[$,]badfilter(,|$)/.test(line)) continue;
    const plain = plainRule.exec(line);
    if (plain?.[1]) {
      entry(plain[1]).flags |= plain[2] === '$third-party' ? PlainRule.ThirdParty : plain[2] === '$3p' ? PlainRule.ThirdPartyShort : PlainRule.Any;
      continue;
    }
    const filter = NetworkFilter.parse(line, true);
    // Options Ghostery does not know ($popup, $cookie, …) never blocked a request here either.
    if (!filter || !filter.isHostnameAnchor() || isModifier(filter)) continue;
    const host = filter.getHostname();
    if (!cleanHostName.test(host)) continue;
    if (filter.isException()) {
      // An exception for documents only ($document) lets a page load, not its host's subresources.
      if (subresourceTypes.some((type) => filter.isCptAllowed(type))) entry(host).lines.push(line);
    } else if (isHostWideBlock(filter)) entry(host).lines.push(line);
    else entry(host).flags |= PlainRule.NeedsUrl;
  }
  const cached: Record<string, CachedHost> = {};
  for (const [host, { flags, lines: hostLines }] of hosts) cached[host] = hostLines.length === 0 ? flags : [flags, ...hostLines];
  return { title: list.title, hosts: cached };
}

/** The host-level rules of every list, first list first (a block names its list). */
export class AdblockHostRules {
  private constructor(private readonly lists: ReadonlyArray<{ title: string; hosts: Map<string, HostRules> }>) {}

  static fromCache(cached: readonly CachedList[]): AdblockHostRules {
    return new AdblockHostRules(
      cached.map(({ title, hosts }) => ({
        title,
        hosts: new Map(Object.entries(hosts).map(([host, value]) => [host, typeof value === 'number' ? { flags: value, lines: [] } : { flags: value[0], lines: value.slice(1) as string[] }])),
      })),
    );
  }

  /**
   * Reads the rules from the cache file at `path`, or derives them from the lists (seconds of CPU:
   * the lists' text is read and scanned) and keeps them there.
   */
  static async load(path: string, readLists: () => Promise<FilterList[]>): Promise<AdblockHostRules> {
    try {
      return AdblockHostRules.fromCache(JSON.parse(await readFile(path, 'utf8')) as CachedList[]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') runtimeLogger.warn({ err: error, path }, 'adblock: ignoring unreadable cached host rules');
    }
    const cached = (await readLists()).map(hostRulesOfList);
    await writeAtomically(path, JSON.stringify(cached)).catch((error: unknown) => {
      runtimeLogger.warn({ err: error, path }, 'adblock: could not cache the host rules');
    });
    return AdblockHostRules.fromCache(cached);
  }

  /**
   * What the lists say about every request to `host` from the given pages (the documents of the
   * task's tabs; a block must hold for each of them): a blocking rule; `inspect` when a list blocks
   * the host but one of its exceptions may let some URLs of it through (only the full URL can
   * tell); or undefined.
   */
  verdict(host: string, pageUrls: readonly string[]): HostVerdict {
    const name = host.toLowerCase().replace(/\.$/, '');
    const suffixes = suffixesOf(name);
    const pages = pageUrls.length > 0 ? pageUrls : [''];
    let inspect = false;
    for (const { title, hosts } of this.lists) {
      const found = suffixes.flatMap((suffix) => {
        const rules = hosts.get(suffix);
        return rules ? [{ suffix, rules }] : [];
      });
      if (found.length === 0) continue;
      const verdicts = pages.map((page) => ruleForPage(name, page, found));
      const [first] = verdicts;
      if (!first || verdicts.some((verdict) => verdict === undefined)) continue;
      if (verdicts.every((verdict) => verdict?.excepted === false)) return { kind: 'block', match: { filter: first.rule, list: title } };
      inspect = true;
    }
    return inspect ? { kind: 'inspect' } : undefined;
  }
}

/** See AdblockHostRules.verdict. */
export type HostVerdict = { kind: 'block'; match: AdblockMatch } | { kind: 'inspect' } | undefined;

function suffixesOf(name: string): string[] {
  const labels = name.split('.');
  return labels.map((_, index) => labels.slice(index).join('.'));
}

function parsedRules(rules: HostRules): ParsedRules {
  if (!rules.parsed) {
    const filters = rules.lines.map((line) => NetworkFilter.parse(line, true)).filter((filter): filter is NetworkFilter => filter !== null);
    rules.parsed = { blocks: filters.filter((filter) => !filter.isException()), exceptions: filters.filter((filter) => filter.isException()) };
  }
  return rules.parsed;
}

/**
 * One list's rule that blocks the host for requests from `pageUrl` ('' when unknown), and whether
 * an exception of the list may apply there; undefined when no rule blocks the host.
 */
function ruleForPage(host: string, pageUrl: string, found: ReadonlyArray<{ suffix: string; rules: HostRules }>): { rule: string; excepted: boolean } | undefined {
  const probe = Request.fromRawDetails({ url: `https://${host}/`, sourceUrl: pageUrl, type: 'other' });
  // Without a page to compare with, a third-party rule counts (the task's own page is never a listed host's).
  const thirdParty = pageUrl === '' || probe.isThirdParty;
  let rule: string | undefined;
  for (const { suffix, rules } of found) {
    for (const [bit, text] of plainRuleText) {
      if ((rules.flags & bit) !== 0 && (bit === PlainRule.Any || thirdParty)) rule ??= `||${suffix}${text}`;
    }
    if (rule === undefined) {
      const block = parsedRules(rules).blocks.find((filter) => optionsHold(filter, probe));
      if (block) rule = block.rawLine ?? block.toString();
    }
  }
  if (rule === undefined) return undefined;
  // An exception that may apply on this page (it may except only some URLs) leaves it to the full URL.
  const excepted = found.some(({ rules }) => parsedRules(rules).exceptions.some((filter) => optionsHold(filter, probe)));
  return { rule, excepted };
}

/** Written beside its place, then renamed into it: a reader never sees half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const staging = `${path}.${process.pid}.${Date.now()}`;
  try {
    await writeFile(staging, text);
    await rename(staging, path);
  } finally {
    await rm(staging, { force: true });
  }
}

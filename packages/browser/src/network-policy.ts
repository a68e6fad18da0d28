import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import { ConnectionFailureNotes } from './connection-failure-notes.js';
import { addressKind, PrivateNetworkAllowance } from './network-policy-ranges.js';
import { isUrlAllowedByPatterns } from './url-policy.js';

/**
 * Why a request was refused. A union that grows with the filters (adblock is a RequestFilter
 * added to TaskNetworkPolicy's chain, see `extraFilters` there).
 */
export type BlockReason = 'scheme' | 'allowed_urls' | 'private_network' | 'link_local' | 'adblock';

export interface NetworkBlock {
  reason: BlockReason;
  /** One sentence for the model and the API client: what was refused and why. */
  detail: string;
}

export type NetworkVerdict = NetworkBlock | undefined;

export interface RequestToCheck {
  url: string;
  /** Playwright's resource type names: document, xhr, fetch, script, image, websocket, … */
  resourceType: string;
  isNavigation: boolean;
  /** The URL of the document that made the request, when known (adblock's third-party and domain rules). */
  sourceUrl?: string;
  /** True for a tab's own document load; false for a frame's or a subresource; unknown when absent. */
  isMainFrame?: boolean;
}

/** One rule of the chain: a block, or undefined to let the next rule decide. Sync when it can be. */
export type RequestFilter = (request: RequestToCheck) => NetworkVerdict | Promise<NetworkVerdict>;

/**
 * Why the pool's proxy could not make a connection. Chromium reports every SOCKS failure alike
 * (ERR_SOCKS_CONNECTION_FAILED), so the proxy notes what happened here for the task to read back.
 */
export type ConnectionFailure = { kind: 'refused'; block: NetworkBlock } | { kind: 'unreachable'; detail: string };

/** Resolves a host name to every address it has. */
export type HostResolver = (hostName: string) => Promise<string[]>;

const networkSchemes = new Set(['http', 'https', 'ws', 'wss']);
/** Schemes a page may make itself (they never leave the browser); never opened by goto. */
const pageMadeSchemes = new Set(['data', 'blob']);

function schemeOf(url: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim());
  return match?.[1]?.toLowerCase();
}

/**
 * The scheme rule, before any other: only http(s) and ws(s) reach the network; file:, chrome:,
 * view-source:, devtools: and every other scheme are refused whatever allowed_urls says, since they
 * read the server's files or drive the browser itself. `opener` says who asked: a page's own
 * data:/blob:/about: requests are fine, while goto opens only http(s) and about:blank.
 */
export function schemeVerdict(url: string, opener: 'page' | 'goto'): NetworkVerdict {
  const scheme = schemeOf(url);
  if (scheme === undefined) return { reason: 'scheme', detail: `"${url}" is not an absolute URL` };
  if (networkSchemes.has(scheme)) {
    if (opener === 'goto' && (scheme === 'ws' || scheme === 'wss')) {
      return { reason: 'scheme', detail: `${scheme}: URLs cannot be opened as a page; use http: or https:` };
    }
    return undefined;
  }
  if (scheme === 'about') {
    const isBlank = /^about:blank([?#].*)?$/i.test(url.trim());
    if (isBlank || (opener === 'page' && /^about:srcdoc$/i.test(url.trim()))) return undefined;
    return { reason: 'scheme', detail: `${url} is refused: of the about: pages only about:blank may be opened` };
  }
  if (pageMadeSchemes.has(scheme)) {
    if (opener === 'page') return undefined;
    return { reason: 'scheme', detail: `${scheme}: URLs are refused here: only a page may make them; open an http: or https: URL` };
  }
  if (scheme === 'javascript') return { reason: 'scheme', detail: 'javascript: URLs are refused as a page to open' };
  return { reason: 'scheme', detail: `${scheme}: URLs are refused: tasks may only reach http: and https: URLs` };
}

const defaultResolver: HostResolver = async (hostName) => (await lookup(hostName, { all: true, verbatim: true })).map((entry) => entry.address);

/** How long a host name's addresses are trusted; short, since the policy is only as good as its last lookup. */
const resolutionTtlMs = 30_000;
const maxCachedNames = 512;

interface CachedResolution {
  addresses: Promise<string[]>;
  expires: number;
  /** Set once the lookup has finished, so later checks of the name stay synchronous. */
  settled?: string[];
}

/** The host part of a URL as an address or a name (IPv6 without brackets); undefined for no host. */
function hostOf(url: string): string | undefined {
  try {
    const hostName = new URL(url).hostname;
    return hostName.startsWith('[') ? hostName.slice(1, -1) : hostName || undefined;
  } catch {
    return undefined;
  }
}

/** Names that never reach DNS: every resolver maps them to loopback (Chromium does it itself). */
function isLocalhostName(hostName: string): boolean {
  const name = hostName.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * The operator's half of the policy, shared by every task of a browser pool: which addresses a
 * task may reach. Link-local (cloud metadata included) never; private, loopback and other
 * special-purpose ranges only when the allowance names the address, its range or the host name.
 * Host names are judged by every address they resolve to.
 */
export class NetworkPolicy {
  readonly allowance: PrivateNetworkAllowance;
  readonly #resolve: HostResolver;
  readonly #resolutions = new Map<string, CachedResolution>();
  readonly #failures = new ConnectionFailureNotes();

  constructor(options: { allowPrivateNetwork?: readonly string[] | PrivateNetworkAllowance; resolve?: HostResolver } = {}) {
    const allowed = options.allowPrivateNetwork;
    this.allowance = allowed instanceof PrivateNetworkAllowance ? allowed : new PrivateNetworkAllowance(allowed ?? []);
    this.#resolve = options.resolve ?? defaultResolver;
  }

  /** The verdict on one resolved address of `hostName` (the name itself when it is an address). */
  checkAddress(address: string, hostName: string = address): NetworkVerdict {
    const kind = addressKind(address);
    const target = hostName === address ? address : `${hostName} (${address})`;
    if (kind === 'link_local') {
      return { reason: 'link_local', detail: `${target} is a link-local or cloud metadata address, which tasks may never reach` };
    }
    if (kind === 'private' && !this.allowance.allowsAddress(address) && !this.allowance.allowsHostName(hostName)) {
      return {
        reason: 'private_network',
        detail: `${target} is on a private or loopback network, which this server does not let tasks reach (the operator can allow it with SMOOTH_ALLOW_PRIVATE_NETWORK)`,
      };
    }
    return undefined;
  }

  /** The verdict on a host (name or address); synchronous for addresses and recently resolved names. */
  checkHost(host: string): NetworkVerdict | Promise<NetworkVerdict> {
    if (isIP(host) !== 0) return this.checkAddress(host);
    if (isLocalhostName(host)) return this.#checkAddresses(host, ['127.0.0.1', '::1']);
    const resolution = this.#resolution(host);
    if (resolution.settled) return this.#checkAddresses(host, resolution.settled);
    return resolution.addresses.then((addresses) => this.#checkAddresses(host, addresses));
  }

  /** The verdict on a URL's host; URLs without a host (data:, about:) pass. */
  checkUrlHost(url: string): NetworkVerdict | Promise<NetworkVerdict> {
    const host = hostOf(url);
    return host === undefined ? undefined : this.checkHost(host);
  }

  /**
   * The addresses of a host a connection may use, checked; for a connection made on a task's
   * behalf (see network-policy-proxy.ts), which then connects to exactly these addresses.
   */
  async addressesToConnect(host: string): Promise<{ addresses: string[] } | NetworkBlock> {
    const addresses = isIP(host) !== 0 ? [host] : isLocalhostName(host) ? ['127.0.0.1', '::1'] : await this.#resolution(host).addresses;
    const block = this.#checkAddresses(host, addresses);
    return block ?? { addresses };
  }

  /** Notes why a connection to host:port could not be made (see ConnectionFailure). */
  noteConnectionFailure(host: string, port: number, failure: ConnectionFailure): void {
    this.#failures.note(host, port, failure);
  }

  /** Why the last connection to a URL's host and port failed, if the proxy noted it lately. */
  connectionFailureFor(url: string): ConnectionFailure | undefined {
    return this.#failures.failureFor(url);
  }

  #checkAddresses(hostName: string, addresses: readonly string[]): NetworkVerdict {
    // Every address must pass: the browser may connect to any of them.
    for (const address of addresses) {
      const block = this.checkAddress(address, hostName);
      if (block) return block;
    }
    return undefined;
  }

  #resolution(hostName: string): CachedResolution {
    const key = hostName.toLowerCase();
    const cached = this.#resolutions.get(key);
    if (cached && cached.expires > Date.now()) return cached;
    this.#resolutions.delete(key);
    // A name that does not resolve reaches nothing, so it passes; the load itself fails.
    const addresses = this.#resolve(key).catch(() => [] as string[]);
    const entry: CachedResolution = { addresses, expires: Date.now() + resolutionTtlMs };
    void addresses.then((settled) => (entry.settled = settled));
    this.#resolutions.set(key, entry);
    if (this.#resolutions.size > maxCachedNames) {
      const oldest = this.#resolutions.keys().next().value;
      if (oldest !== undefined) this.#resolutions.delete(oldest);
    }
    return entry;
  }
}

/**
 * One task's policy: the scheme rule, the task's allowed_urls, then the operator's network policy,
 * in that order; the first block wins. More filters (adblock) join the chain through `filters`.
 */
export class TaskNetworkPolicy {
  readonly #filters: RequestFilter[];

  /**
   * `network` undefined: the task's traffic leaves through a proxy of its own (an upstream proxy
   * or the caller's tunnel), so its destinations are reached from that network, not the server's,
   * and the server's address rules do not apply to them (the pool checks the proxy's own address).
   */
  constructor(
    readonly network: NetworkPolicy | undefined,
    readonly allowedUrls: readonly string[],
    extraFilters: readonly RequestFilter[] = [],
  ) {
    this.#filters = [
      (request) => schemeVerdict(request.url, 'page'),
      (request) =>
        isUrlAllowedByPatterns(request.url, allowedUrls)
          ? undefined
          : { reason: 'allowed_urls', detail: `${request.url} is not in this task's allowed_urls (${allowedUrls.join(', ')})` },
      ...extraFilters,
      ...(network ? [(request: RequestToCheck) => network.checkUrlHost(request.url)] : []),
    ];
  }

  /** The verdict on a request a page (or its worker, redirect or popup) makes. */
  check(request: RequestToCheck): NetworkVerdict | Promise<NetworkVerdict> {
    return this.#runFrom(0, request);
  }

  /** The verdict on a URL the task asked to open (goto): the stricter scheme rule first. */
  checkNavigation(url: string): NetworkVerdict | Promise<NetworkVerdict> {
    return schemeVerdict(url, 'goto') ?? this.check({ url, resourceType: 'document', isNavigation: true });
  }

  #runFrom(index: number, request: RequestToCheck): NetworkVerdict | Promise<NetworkVerdict> {
    for (let position = index; position < this.#filters.length; position += 1) {
      const verdict = this.#filters[position]?.(request);
      if (verdict instanceof Promise) return verdict.then((settled) => settled ?? this.#runFrom(position + 1, request));
      if (verdict) return verdict;
    }
    return undefined;
  }
}

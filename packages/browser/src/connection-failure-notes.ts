import { isIP } from 'node:net';

import type { ConnectionFailure } from './network-policy.js';

/** Connection failures are read back within moments (the failed request's event); kept a little longer. */
const failureTtlMs = 60_000;
const maxNotedFailures = 256;
const defaultPorts: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

/** One spelling per host, whatever wrote it: lower case, IPv6 compressed, no brackets. */
export function canonicalHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return isIP(bare) === 6 ? new URL(`http://[${bare}]`).hostname.slice(1, -1) : bare;
}

/**
 * Why recent connections to a host and port failed at a proxy, for the request that failed with
 * them to read back (Chromium reports every SOCKS failure alike). Bounded and short-lived.
 */
export class ConnectionFailureNotes {
  readonly #failures = new Map<string, { failure: ConnectionFailure; expires: number }>();

  note(host: string, port: number, failure: ConnectionFailure): void {
    const key = `${canonicalHost(host)}:${port}`;
    this.#failures.delete(key);
    this.#failures.set(key, { failure, expires: Date.now() + failureTtlMs });
    if (this.#failures.size > maxNotedFailures) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }

  /** Why the last connection to a URL's host and port failed, if it was noted lately. */
  failureFor(url: string): ConnectionFailure | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    const port = parsed.port ? Number(parsed.port) : defaultPorts[parsed.protocol];
    const noted = this.#failures.get(`${canonicalHost(parsed.hostname)}:${port ?? 0}`);
    return noted && noted.expires > Date.now() ? noted.failure : undefined;
  }
}

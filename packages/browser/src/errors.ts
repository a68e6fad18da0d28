import type { BlockReason, NetworkBlock } from './network-policy.js';

/** Thrown when the task's network policy refuses a URL it was asked to open (scheme, allowed_urls, private network). */
export class UrlNotAllowedError extends Error {
  override readonly name = 'UrlNotAllowedError';
  readonly reason: BlockReason;
  constructor(readonly url: string, block: NetworkBlock) {
    super(`not allowed to open ${url}: ${block.detail}`);
    this.reason = block.reason;
  }
}

/** Thrown to what was running on a browser that crashed, was killed or was closed under it. */
export class BrowserCrashedError extends Error {
  override readonly name = 'BrowserCrashedError';
  constructor() {
    super('the browser crashed or was closed while the task was running; the next task gets a new browser');
  }
}

/** Thrown when a secret placeholder names an unknown secret or is used on a URL it may not go to. */
export class SecretNotAllowedError extends Error {
  override readonly name = 'SecretNotAllowedError';
  constructor(readonly secretName: string, reason: string) {
    super(`secret "${secretName}" cannot be used: ${reason}`);
  }
}

/** Thrown when a tab index does not name an open tab. */
export class TabNotFoundError extends Error {
  override readonly name = 'TabNotFoundError';
  constructor(readonly index: number, readonly tabCount: number) {
    super(
      tabCount === 0
        ? `tab ${index} does not exist: no tab is open`
        : `tab ${index} does not exist: valid tab indexes are 0 to ${tabCount - 1}`,
    );
  }
}

/** Thrown when no Chromium binary can be found. */
export class ChromiumNotFoundError extends Error {
  override readonly name = 'ChromiumNotFoundError';
  constructor(detail: string) {
    super(`Chromium not found: ${detail}. Install Debian's chromium package or set SMOOTH_CHROMIUM_PATH.`);
  }
}

/** The error an aborted operation rejects with: the signal's reason, or a DOMException named AbortError. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('The operation was aborted', 'AbortError');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Races a promise against an abort signal so callers are released promptly. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A task's own proxy is somewhere the network policy does not let tasks connect (a private address, say). */
export class ProxyNotAllowedError extends Error {
  override readonly name = 'ProxyNotAllowedError';
  constructor(readonly proxyServer: string, detail: string) {
    super(`the proxy ${proxyServer} cannot be used: ${detail}`);
  }
}

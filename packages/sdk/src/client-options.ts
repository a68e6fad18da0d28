/** Where the client connects when nothing else says: the `smooth serve` default. */
export const defaultBaseUrl = 'http://127.0.0.1:7777/api/';

export interface ClientOptions {
  /** API key sent in the `apikey` header. Falls back to SMOOTH_API_KEY, then CIRCLEMIND_API_KEY. */
  apiKey?: string;
  /** API root without the version, like `http://127.0.0.1:7777/api/`. Falls back to SMOOTH_BASE_URL. */
  baseUrl?: string;
  apiVersion?: string;
  /** Per-request timeout in seconds (default 30). */
  timeout?: number;
  /** Extra attempts for GET/DELETE requests that failed on the network (default 3). */
  retries?: number;
  /** The snake_case names some versions of the official SDKs used. */
  api_key?: string;
  base_url?: string;
  api_version?: string;
  /** Override fetch (e.g. to add a proxy agent). */
  fetch?: typeof globalThis.fetch;
}

export interface ResolvedClientOptions {
  apiKey: string;
  /** Base URL with the version, without a trailing slash: `http://127.0.0.1:7777/api/v1`. */
  apiUrl: string;
  timeoutMs: number;
  retries: number;
  fetch: typeof globalThis.fetch;
}

/** The process environment under Node; none in a browser. */
function processEnvironment(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

export function resolveClientOptions(options: ClientOptions = {}, environment: Record<string, string | undefined> = processEnvironment()): ResolvedClientOptions {
  const apiKey = options.apiKey ?? options.api_key ?? nonEmpty(environment.SMOOTH_API_KEY) ?? nonEmpty(environment.CIRCLEMIND_API_KEY);
  if (!apiKey) {
    throw new Error('API key is required. Provide apiKey or set the SMOOTH_API_KEY (or CIRCLEMIND_API_KEY) environment variable.');
  }
  const baseUrl = options.baseUrl ?? options.base_url ?? nonEmpty(environment.SMOOTH_BASE_URL) ?? defaultBaseUrl;
  if (!baseUrl) throw new Error('Base URL cannot be empty.');
  const apiVersion = options.apiVersion ?? options.api_version ?? 'v1';
  return {
    apiKey,
    apiUrl: withApiVersion(baseUrl, apiVersion),
    timeoutMs: (options.timeout ?? 30) * 1000,
    retries: options.retries ?? 3,
    fetch: options.fetch ?? globalThis.fetch,
  };
}

/** Appends the version like the official SDK, unless the URL already ends with it. */
export function withApiVersion(baseUrl: string, apiVersion: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith(`/${apiVersion}`) ? trimmed : `${trimmed}/${apiVersion}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}

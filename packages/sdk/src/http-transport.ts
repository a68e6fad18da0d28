import { ApiError } from './errors.js';

export interface HttpTransportOptions {
  /** Base URL including the API version, e.g. `http://127.0.0.1:7777/api/v1`. */
  apiUrl: string;
  apiKey: string;
  /** Per-request timeout in milliseconds; must exceed the server's long-poll hold (~10 s). */
  timeoutMs: number;
  /** Extra attempts for idempotent requests that failed on the network or with a 502/503/504. */
  retries: number;
  fetch: typeof globalThis.fetch;
}

export interface RequestOptions {
  body?: unknown;
  formData?: FormData;
  query?: Record<string, string | number | boolean | undefined>;
  /** Abandons the request (e.g. a long-poll nobody waits for any more). */
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

const retriableStatuses = new Set([502, 503, 504]);
const idempotentMethods = new Set(['GET', 'DELETE']);

/** JSON over HTTP with the `apikey` header; unwraps `{r}` and turns `{detail}` bodies into ApiError. */
export class HttpTransport {
  constructor(private readonly options: HttpTransportOptions) {}

  async request<T>(method: string, path: string, requestOptions: RequestOptions = {}): Promise<T> {
    const url = this.buildUrl(path, requestOptions.query);
    const attempts = idempotentMethods.has(method) ? this.options.retries + 1 : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await delay(Math.min(500 * 2 ** (attempt - 1), 8000));
      try {
        return await this.send<T>(method, url, requestOptions);
      } catch (error) {
        lastError = error;
        if (requestOptions.signal?.aborted) throw error;
        if (error instanceof ApiError && !retriableStatuses.has(error.statusCode) && error.statusCode !== 0) throw error;
      }
    }
    throw lastError;
  }

  private buildUrl(path: string, query: RequestOptions['query']): string {
    const url = new URL(`${this.options.apiUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private async send<T>(method: string, url: string, requestOptions: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { ...requestOptions.headers, apikey: this.options.apiKey, accept: 'application/json' };
    let body: BodyInit | undefined;
    if (requestOptions.formData) {
      body = requestOptions.formData;
    } else if (requestOptions.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(requestOptions.body);
    }
    let response: Response;
    try {
      const timeout = AbortSignal.timeout(this.options.timeoutMs);
      const signal = requestOptions.signal ? AbortSignal.any([timeout, requestOptions.signal]) : timeout;
      response = await this.options.fetch(url, { method, headers, body, signal });
    } catch (error) {
      throw new ApiError(0, `Request to ${method} ${url} failed: ${describeError(error)}`);
    }
    return parseResponse<T>(response);
  }
}

async function parseResponse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const data = isRecord(parsed) ? parsed : null;
    const detail = data && 'detail' in data ? stringifyDetail(data.detail) : text || `HTTP ${response.status} error`;
    throw new ApiError(response.status, detail, data);
  }
  if (!isRecord(parsed) || !('r' in parsed)) {
    throw new ApiError(response.status, 'Invalid response from server: expected a JSON body with an "r" field');
  }
  return parsed.r as T;
}

/** FastAPI-style validation errors carry a list in `detail`; keep them readable. */
function stringifyDetail(detail: unknown): string {
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

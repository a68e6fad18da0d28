import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlersFirstHeader } from '@open-smooth/protocol';
import { loopbackNetworkAllowance } from '@open-smooth/testkit';
import { startServer, type RunningServer, type ServerOptions } from '../../src/index.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { FilesystemBlobStore } from '../../src/blobs/filesystem-blob-store.js';
import { startDistributedServers, type DistributedServers } from './distributed-servers.js';
import { suiteBlobs } from './suite-blob-store.js';
import { closeBeforeSharedServices } from './suite-cleanup.js';
import { testDatabaseUrl } from './test-database.js';
import { testTopology } from './test-topology.js';

export { loopbackNetworkAllowance };

export const firstKey = 'sk_test_first_tenant';
export const secondKey = 'sk_test_second_tenant';

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export interface TestServer {
  /** The server as a client sees it; in the distributed topology, the round-robin proxy in front of the API processes. */
  server: RunningServer;
  /** Its data directory; in the distributed topology, the directory holding every process's own (api-1, worker-1, …). */
  dataDirectory: string;
  /** The processes behind the proxy in the distributed topology (OPEN_SMOOTH_TEST_TOPOLOGY=distributed); undefined in the embedded one. */
  distributed: DistributedServers | undefined;
  /** Where the server keeps its files, to check them (the suite's S3 store, else the data directory). */
  blobs: BlobStore;
  /** The PostgreSQL database it stores in (SMOOTH_TEST_DATABASE=postgres); undefined for SQLite. */
  databaseUrl: string | undefined;
  /**
   * Sends a request to /api/v1 with the first key unless told otherwise, as our SDK does: it says
   * it attaches answer handlers before posting, so error answers are not withheld (`handlersFirst:
   * false` polls as the official clients do).
   */
  api(
    method: string,
    path: string,
    options?: { key?: string | null; body?: unknown; rawBody?: string | FormData | Uint8Array; headers?: Record<string, string>; handlersFirst?: boolean },
  ): Promise<ApiAnswer>;
  /** Restarts on the same data directory. */
  restart(options?: Partial<ServerOptions>): Promise<void>;
  close(): Promise<void>;
}

/** Something the API answers through: a test server, or one process of a distributed topology. */
export type ApiClient = Pick<TestServer, 'api'>;

/** A client of the API at `apiBaseUrl` (read on every call: a restarted server may move), with `defaultKey` unless a call names another. */
export function apiClientOf(apiBaseUrl: () => string, defaultKey = firstKey): ApiClient {
  return {
    async api(method, path, { key = defaultKey, body, rawBody, headers = {}, handlersFirst = true } = {}) {
      const requestHeaders: Record<string, string> = { ...headers };
      if (handlersFirst) requestHeaders[handlersFirstHeader] = '1';
      if (key !== null) requestHeaders.apikey = key;
      let payload: string | FormData | Uint8Array | undefined = rawBody;
      if (body !== undefined) {
        payload = JSON.stringify(body);
        requestHeaders['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${apiBaseUrl()}v1${path}`, { method, headers: requestHeaders, body: payload as BodyInit | undefined });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Non-JSON bodies stay text; the assertions say so.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
  };
}

/**
 * One API process: the server itself when embedded, the first API process behind the proxy when
 * distributed. For what a load balancer answers itself, never forwarding it as sent: malformed
 * HTTP, bodies over the server's limits.
 */
export function oneApiProcess(testServer: TestServer): { url: () => string } & ApiClient {
  const url = () => testServer.distributed?.apis[0]?.url ?? testServer.server.url;
  return { url, ...apiClientOf(() => `${url()}/api/`) };
}

export async function makeTemporaryDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'open-smooth-server-'));
}

/**
 * Tasks may reach loopback, where the tests' sites listen. A test that shares a pool launches it
 * with `allowPrivateNetwork: loopbackNetworkAllowance` itself (the pool's setting then applies);
 * one that tests the policy passes its own `allowPrivateNetwork`.
 */
function withLoopbackReach(options: ServerOptions): ServerOptions {
  if (options.browserPool || options.allowPrivateNetwork !== undefined) return options;
  return { ...options, allowPrivateNetwork: loopbackNetworkAllowance };
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDirectory = options.dataDirectory ?? (await makeTemporaryDirectory());
  // The suite's blob store when OPEN_SMOOTH_TEST_BLOB_STORE asks for one, unless the test chose its own.
  const suite = options.blobStore || options.blobUrl || process.env.SMOOTH_BLOB_URL ? undefined : await suiteBlobs();
  // In PostgreSQL mode each test server gets its own database, kept across its restarts.
  const databaseUrl = options.databaseUrl ?? (await testDatabaseUrl());
  // A server in this process shares the suite's open store; the distributed topology's child processes open its URL.
  const suiteStore = suite && testTopology === 'embedded' ? { blobStore: suite.store } : suite ? { blobUrl: suite.url } : {};
  const serverOptions: ServerOptions = { apiKeys: [firstKey, secondKey], dataDirectory, longPollMs: 2000, ...(databaseUrl ? { databaseUrl } : {}), ...suiteStore, ...options };
  let distributed: DistributedServers | undefined;
  let server: RunningServer;
  if (testTopology === 'distributed') {
    if (!serverOptions.databaseUrl) throw new Error('the distributed topology needs PostgreSQL (test-database.ts starts it)');
    distributed = await startDistributedServers({ ...withLoopbackReach(serverOptions), dataDirectory, databaseUrl: serverOptions.databaseUrl, ...(suite ? { environment: suite.environment } : {}) });
    // The proxy in front stays across restarts.
    server = distributed.front;
  } else {
    server = await startServer(withLoopbackReach(serverOptions));
  }
  let closed: Promise<void> | undefined;
  const unregister = closeBeforeSharedServices(() => testServer.close());
  const testServer: TestServer = {
    get server() {
      return server;
    },
    dataDirectory,
    distributed,
    blobs: options.blobStore ?? suite?.store ?? new FilesystemBlobStore(dataDirectory),
    databaseUrl: serverOptions.databaseUrl || undefined,
    api: apiClientOf(() => server.apiBaseUrl).api,
    async restart(extra = {}) {
      if (distributed) return distributed.restart(withLoopbackReach({ ...serverOptions, ...extra }));
      await server.close();
      server = await startServer(withLoopbackReach({ ...serverOptions, ...extra }));
    },
    close: () =>
      (closed ??= (async () => {
        unregister();
        await server.close();
        await suite?.store.close();
        if (!options.dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
      })()),
  };
  return testServer;
}

/** Polls GET /task/{id} (every 200 ms, up to 90 s) until `until` holds on the task in its response body; returns that task. */
export async function waitForTask(testServer: ApiClient, id: string, until: (task: any) => boolean, what: string): Promise<any> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const answer = await testServer.api('GET', `/task/${id}`);
    if (until(answer.body.r)) return answer.body.r;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls with event_t (with the client's key unless `key` says another) until `until` holds on the collected events (heartbeats left out) or the task finishes. */
export async function pollEvents(
  testServer: ApiClient,
  taskId: string,
  until: (events: any[], status: string) => boolean,
  { key, maxPolls = 60 }: { key?: string; maxPolls?: number } = {},
): Promise<{ events: any[]; status: string; last: ApiAnswer }> {
  const events: any[] = [];
  let eventT = 0;
  for (let poll = 0; poll < maxPolls; poll += 1) {
    const answer = await testServer.api('GET', `/task/${taskId}?event_t=${eventT}`, key === undefined ? {} : { key });
    if (answer.status !== 200 && answer.status !== 202) throw new Error(`poll failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    const fresh: any[] = answer.body.r.events ?? [];
    events.push(...fresh.filter((event) => event.id !== null));
    if (fresh.length > 0) eventT = fresh[fresh.length - 1].timestamp;
    const status: string = answer.body.r.status;
    if (until(events, status) || ['done', 'failed', 'cancelled'].includes(status)) return { events, status, last: answer };
  }
  throw new Error(`gave up polling ${taskId}`);
}

/** Sends a command and polls until its answer (same id) arrives. */
export async function sendCommand(testServer: ApiClient, taskId: string, name: 'browser_action' | 'session_action', action: string, input: unknown, id: string): Promise<any> {
  const sent = await testServer.api('POST', `/task/${taskId}/event`, { body: { id, name, payload: { name: action, input } } });
  if (sent.status !== 200) throw new Error(`event refused: ${sent.status} ${JSON.stringify(sent.body)}`);
  const { events, status, last } = await pollEvents(testServer, taskId, (collected) => collected.some((event) => event.id === id));
  const answer = events.find((event) => event.id === id);
  if (!answer) throw new Error(`no answer for ${id}: the task is ${status} (error: ${JSON.stringify(last.body.r.error)})`);
  return answer;
}

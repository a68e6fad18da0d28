import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { BrowserPool } from '@open-smooth/browser';
// Not the package root: that loads Playwright, which the server imports only when a task needs it.
import { PrivateNetworkAllowance } from '@open-smooth/browser/network-policy-ranges';
import Fastify, { type FastifyInstance } from 'fastify';
import { resolveApiKeys, tenantOfApiKey } from './api-keys.js';
import { installErrorHandling } from './error-handler.js';
import { BadRequestError, UnauthorizedError } from './http-errors.js';
import { registerProfileRoutes } from './routes/profile-routes.js';
import { registerPublicRoutes } from './routes/public-routes.js';
import { registerTaskRoutes } from './routes/task-routes.js';
import { registerUploadRoutes, uploadLimits } from './routes/upload-routes.js';
import type { ServerContext } from './server-context.js';
import type { RunningServer, ServerOptions } from './server-options.js';
import { openDatabase } from './store/open-database.js';
import { SqliteResourceStore } from './store/resource-store.js';
import { CachedTaskStore } from './store/cached-task-store.js';
import { SqliteTaskStore } from './store/sqlite-task-store.js';
import { loadAgentBridge, type AgentBridge } from './tasks/agent-bridge.js';
import { TaskManager } from './tasks/task-manager.js';

/** JSON bodies up to 4 MiB: evaluate_js code and response models can be large. */
const jsonBodyLimit = 4 * 1024 * 1024;

export function defaultDataDirectory(environment: NodeJS.ProcessEnv = process.env): string {
  return environment.SMOOTH_DATA_DIR?.trim() || join(homedir(), '.open-smooth');
}

/** The operator's private network allowance: the option, else SMOOTH_ALLOW_PRIVATE_NETWORK; checked at start. */
export function privateNetworkAllowanceOf(options: ServerOptions, environment: NodeJS.ProcessEnv = process.env): PrivateNetworkAllowance {
  if (options.allowPrivateNetwork !== undefined && options.browserPool) {
    throw new Error('allowPrivateNetwork applies to the browser pool the server launches; with a shared browserPool, give it to BrowserPool.launch instead');
  }
  if (options.allowPrivateNetwork !== undefined) return new PrivateNetworkAllowance(options.allowPrivateNetwork);
  return PrivateNetworkAllowance.parse(environment.SMOOTH_ALLOW_PRIVATE_NETWORK);
}

/** JSON parser that reads an empty body as "no body" (clients send Content-Type on DELETE too). */
function installJsonParser(app: FastifyInstance): void {
  // Bodies are JSON or multipart; a text body is refused (415) rather than read as a string.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: jsonBodyLimit }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
}

function installApiRoutes(app: FastifyInstance, context: ServerContext, tenants: Map<string, string>): void {
  void app.register(
    async (api) => {
      api.decorateRequest('tenant', '');
      // A callback hook, not an async one: it runs on every request and needs no promise.
      api.addHook('onRequest', (request, _reply, done) => {
        const header = request.headers.apikey;
        const apiKey = Array.isArray(header) ? header[0] : header;
        if (!apiKey) return done(new UnauthorizedError('missing API key: send it in the "apikey" header'));
        const tenant = tenants.get(apiKey);
        if (!tenant) return done(new UnauthorizedError('invalid API key'));
        request.tenant = tenant;
        done();
      });
      registerTaskRoutes(api, context);
      registerProfileRoutes(api, context);
      registerUploadRoutes(api, context);
    },
    { prefix: '/api/v1' },
  );
}

/** Starts the smooth.sh-compatible API on 127.0.0.1 (by default) with its SQLite store. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const allowPrivateNetwork = privateNetworkAllowanceOf(options);
  const dataDirectory = options.dataDirectory ?? defaultDataDirectory();
  await mkdir(dataDirectory, { recursive: true });
  const database = openDatabase(join(dataDirectory, 'open-smooth.sqlite'));
  const taskStore = new CachedTaskStore(new SqliteTaskStore(database));
  const resources = new SqliteResourceStore(database);
  const apiKeys = resolveApiKeys(options.apiKeys, process.env, resources);
  const tenants = new Map(apiKeys.map((key) => [key, tenantOfApiKey(key)]));

  let browserPoolPromise: Promise<BrowserPool> | undefined;
  const browserPool = (): Promise<BrowserPool> => {
    if (options.browserPool) return Promise.resolve(options.browserPool);
    browserPoolPromise ??= import('@open-smooth/browser').then((browser) => browser.BrowserPool.launch({ allowPrivateNetwork }));
    // A failed launch is retried by the next task rather than remembered forever.
    browserPoolPromise.catch(() => (browserPoolPromise = undefined));
    return browserPoolPromise;
  };
  let agentPromise: Promise<AgentBridge> | undefined;
  const agent = (): Promise<AgentBridge> => (agentPromise ??= loadAgentBridge(options.modelEnvironment ?? process.env));

  const maxConcurrentTasks = options.maxConcurrentTasks ?? 2;
  const tasks = new TaskManager({
    store: taskStore,
    resources,
    dataDirectory,
    browserPool,
    agent,
    maxConcurrentTasks,
    maxConcurrentTasksPerKey: options.maxConcurrentTasksPerKey ?? maxConcurrentTasks,
    sessionIdleTimeoutMs: options.sessionIdleTimeoutMs ?? 5 * 60_000,
    toolCallTimeoutMs: options.toolCallTimeoutMs ?? 5 * 60_000,
    finishGraceMs: options.finishGraceMs ?? 3000,
  });
  tasks.failTasksLeftByPreviousRun();

  const closing = new AbortController();
  let publicUrl = '';
  const context: ServerContext = { tasks, taskStore, resources, dataDirectory, longPollMs: options.longPollMs ?? 10_000, publicUrl: () => publicUrl, closing: closing.signal };

  const app = Fastify({ logger: false, bodyLimit: jsonBodyLimit, forceCloseConnections: true });
  installJsonParser(app);
  installErrorHandling(app);
  await app.register(multipart, { limits: { fileSize: uploadLimits.fileBytes, files: 2 } });
  installApiRoutes(app, context, tenants);
  registerPublicRoutes(app, context);

  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  if (options.launchBrowserAtStart) void browserPool().catch(() => undefined);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? 0;
  publicUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: publicUrl,
    apiBaseUrl: `${publicUrl}/api/`,
    apiKeys,
    dataDirectory,
    close: () =>
      (closed ??= (async () => {
        closing.abort();
        await tasks.close();
        await app.close();
        if (!options.browserPool && browserPoolPromise) await (await browserPoolPromise.catch(() => undefined))?.close();
        database.close();
      })()),
  };
}

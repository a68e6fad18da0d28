import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import type { BrowserPool } from '@open-smooth/browser';
// Not the package root: that loads Playwright, which the server imports only when a task needs it.
import { PrivateNetworkAllowance } from '@open-smooth/browser/network-policy-ranges';
import Fastify, { type FastifyInstance } from 'fastify';
import { resolveApiKeys, tenantOfApiKey } from './api-keys.js';
import type { BlobStore } from './blobs/blob-store.js';
import { openBlobStore } from './blobs/open-blob-store.js';
import { resolveConcurrency } from './concurrency-defaults.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './error-handler.js';
import { maxJsonDepth, nestsDeeperThan } from './json-depth.js';
import { defaultFailedAuthLimits, FailedAuthLimiter, type FailedAuthLedger } from './failed-auth-limiter.js';
import { RedisFailedAuthLedger } from './scale/redis-failed-auth-ledger.js';
import { BadRequestError, TooManyRequestsError, UnauthorizedError } from './http-errors.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { registerOpsRoutes, type ReadinessCheck } from './routes/ops-routes.js';
import { registerProfileRoutes } from './routes/profile-routes.js';
import { registerPublicRoutes } from './routes/public-routes.js';
import { registerReviewRoutes } from './routes/review-routes.js';
import { registerTaskRoutes } from './routes/task-routes.js';
import { registerUploadRoutes, uploadLimits } from './routes/upload-routes.js';
import type { ServerContext } from './server-context.js';
import type { RunningServer, ServerOptions } from './server-options.js';
import { settlesWithin } from './settles-within.js';
import { resolveDatabasePoolSize } from './store/database-pool-size.js';
import { openStores, type OpenedStores } from './store/open-stores.js';
import { SecretSealer } from './store/secret-sealer.js';
import { loadAgentBridge, type AgentBridge } from './tasks/agent-bridge.js';
import { defaultCommandOutputMaxBytes } from './tasks/safe-json.js';
import { embeddedTasks, type EmbeddedTasksOptions } from './tasks/embedded-tasks.js';
import { redisTasks } from './tasks/redis-tasks.js';
import { configuredPublicUrl } from './public-url.js';
import { refuseUnsharedBackends, serverRoleOf, type ServerRole } from './server-role.js';
import { ProfileStorage } from './profiles/profile-storage.js';
import { validateWorkerUrl } from './scale/worker-registry.js';
import { installDistributedTaskSockets } from './tunnel/distributed-task-sockets.js';
import { installTunnelEndpoint } from './tunnel/tunnel-endpoint.js';
import { createWorkDirectory } from './work-directory.js';
import { resolveWorkerId } from './worker-id.js';
import { serverLogger } from './server-logger.js';

/** JSON bodies up to 4 MiB: evaluate_js code and response models can be large. */
const jsonBodyLimit = 4 * 1024 * 1024;
/** How long a close waits for the database's connections to end before it lets go of them. */
const storeCloseWaitMs = 5_000;
/** Time to receive a whole request (not to answer it: long-polls are unaffected); uploads of 50 MB fit easily. */
const requestTimeoutMs = 120_000;

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
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return done(new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`), undefined);
    }
    if (nestsDeeperThan(parsed, maxJsonDepth)) return done(new BadRequestError(`the JSON body nests deeper than ${maxJsonDepth} levels; flatten it`), undefined);
    done(null, parsed);
  });
}

function installApiRoutes(app: FastifyInstance, context: ServerContext, tenants: Map<string, string>, ledger: FailedAuthLedger, maxUploadBytes: number): void {
  void app.register(
    async (api) => {
      api.decorateRequest('tenant', '');
      api.addHook('onRequest', async (request, reply) => {
        const header = request.headers.apikey;
        const apiKey = Array.isArray(header) ? header[0] : header;
        if (!apiKey) throw new UnauthorizedError('missing API key: send it in the "apikey" header');
        const tenant = tenants.get(apiKey);
        const verdict = await ledger.judge(request.ip, tenant);
        if (verdict.kind === 'blocked') {
          void reply.header('retry-after', String(verdict.seconds));
          throw new TooManyRequestsError(`too many wrong API keys from this address; try again in ${verdict.seconds} s`);
        }
        if (verdict.kind === 'unknown key' || tenant === undefined) throw new UnauthorizedError('invalid API key');
        request.tenant = tenant;
      });
      registerTaskRoutes(api, context);
      registerProfileRoutes(api, context);
      registerUploadRoutes(api, context, { fileBytes: maxUploadBytes });
      registerReviewRoutes(api, context);
    },
    { prefix: '/api/v1' },
  );
}

/**
 * While a server runs, an unhandled rejection is logged instead of ending the process: one
 * tenant's bad request must never take every tenant's live work down. (Each known path handles
 * its own errors; this is the net under a defect.)
 */
function keepAliveOnUnhandledRejection(): () => void {
  const log = (reason: unknown) => {
    serverLogger.error({ err: reason }, 'unhandled rejection (a defect; the server keeps running)');
  };
  process.on('unhandledRejection', log);
  return () => process.off('unhandledRejection', log);
}

/** Contexts open in the pool's shared browser; undefined before it launched or while it is down. */
function openContextsOf(pool: BrowserPool | undefined): number | undefined {
  try {
    return pool?.browser.isConnected() ? pool.browser.contexts().length : undefined;
  } catch {
    // Between a crash and the supervisor's relaunch there is no browser to count.
    return undefined;
  }
}

/**
 * What this process needs to take work: its database, its blob store, Redis when it uses one,
 * and (when it runs tasks) a connected browser, launched by the first check when nothing launched
 * it yet. An api process opens no browser, so it does not wait for one.
 */
function readinessChecks(
  stores: OpenedStores,
  blobs: BlobStore,
  redis: (() => Promise<void>) | undefined,
  browserPool: (() => Promise<BrowserPool>) | undefined,
): ReadinessCheck[] {
  return [
    { name: 'database', check: () => stores.checkReachable() },
    { name: `blob store (${blobs.description})`, check: () => blobs.checkReachable() },
    ...(redis ? [{ name: 'redis', check: redis }] : []),
    ...(browserPool
      ? [
          {
            name: 'browser',
            check: async () => {
              const pool = await browserPool();
              if (!pool.browser.isConnected()) throw new Error('Chromium is not connected (it is being relaunched)');
            },
          },
        ]
      : []),
  ];
}

/** What PostgreSQL lists this process's connections as (pg_stat_activity.application_name). */
export function databaseApplicationName(role: ServerRole, workerId: string): string {
  return `open-smooth ${role} ${workerId}`;
}

/** The caller's store, else the one `blobUrl` / SMOOTH_BLOB_URL names, else files under the data directory. */
function blobStoreOf(options: ServerOptions, dataDirectory: string): Promise<BlobStore> {
  if (options.blobStore && options.blobUrl) throw new Error('give blobUrl or blobStore, not both');
  return options.blobStore ? Promise.resolve(options.blobStore) : openBlobStore(options.blobUrl, dataDirectory);
}

/** Starts the smooth.sh-compatible API on 127.0.0.1 (by default) with its SQLite store. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const role: ServerRole = serverRoleOf(options);
  const runsTasks = role !== 'api';
  const databaseUrl = options.databaseUrl ?? (process.env.SMOOTH_DATABASE_URL?.trim() || undefined);
  const redisUrl = options.redisUrl ?? (process.env.SMOOTH_REDIS_URL?.trim() || undefined);
  const secretKey = options.secretKey ?? (process.env.SMOOTH_SECRET_KEY?.trim() || undefined);
  refuseUnsharedBackends(role, { databaseUrl, redisUrl, secretKey: secretKey !== undefined, sharedBlobs: options.blobStore !== undefined || Boolean(options.blobUrl?.trim() || process.env.SMOOTH_BLOB_URL?.trim()) });
  const concurrency = resolveConcurrency(options, process.env, role !== 'all');
  const databasePoolSize = resolveDatabasePoolSize(options.databasePoolSize, process.env, role, concurrency.maxConcurrentTasks, databaseUrl);
  const advertisedUrl = configuredPublicUrl(options);
  const configuredWorkerUrl = options.workerUrl ?? (process.env.SMOOTH_WORKER_URL?.trim() || undefined);
  // Refused before anything opens, rather than when the worker registers it after listening.
  if (configuredWorkerUrl !== undefined) validateWorkerUrl(configuredWorkerUrl);
  const allowPrivateNetwork = privateNetworkAllowanceOf(options);
  const dataDirectory = options.dataDirectory ?? defaultDataDirectory();
  await mkdir(dataDirectory, { recursive: true });
  const blobs = await blobStoreOf(options, dataDirectory);
  // Said at once rather than at the first upload; /readyz keeps answering 503 until it is fixed.
  void blobs.checkReachable().catch((error: unknown) => {
    serverLogger.error({ err: error, blobStore: blobs.description }, 'the blob store does not answer');
  });
  const sealer = secretKey ? SecretSealer.fromBase64Key(secretKey, options.secretKey ? 'the secretKey option' : 'SMOOTH_SECRET_KEY') : SecretSealer.forDataDirectory(dataDirectory);
  const workerId = await resolveWorkerId(options.workerId, process.env, dataDirectory);
  const stores = await openStores({ databaseUrl, dataDirectory, sealer, pool: { maxConnections: databasePoolSize, applicationName: databaseApplicationName(role, workerId) } }).catch(async (error: unknown) => {
    if (!options.blobStore) await blobs.close();
    throw error;
  });
  const { taskStore, resources } = stores;
  const apiKeys = await resolveApiKeys(options.apiKeys, process.env, resources, role === 'all').catch(async (error: unknown) => {
    await stores.close();
    if (!options.blobStore) await blobs.close();
    throw error;
  });
  const tenants = new Map(apiKeys.map((key) => [key, tenantOfApiKey(key)]));

  let browserPoolPromise: Promise<BrowserPool> | undefined;
  /** The pool once launched (the metrics read it; they never launch one). */
  let launchedPool: BrowserPool | undefined = options.browserPool;
  const browserPool = (): Promise<BrowserPool> => {
    if (!runsTasks) return Promise.reject(new Error('an api process opens no browser: tasks run on worker processes'));
    if (options.browserPool) return Promise.resolve(options.browserPool);
    browserPoolPromise ??= import('@open-smooth/browser').then(async (browser) => (launchedPool = await browser.BrowserPool.launch({ allowPrivateNetwork })));
    // A failed launch is retried by the next task rather than remembered forever.
    browserPoolPromise.catch(() => (browserPoolPromise = undefined));
    return browserPoolPromise;
  };
  let agentPromise: Promise<AgentBridge> | undefined;
  const agent = (): Promise<AgentBridge> => (agentPromise ??= loadAgentBridge(options.modelEnvironment ?? process.env));

  const leaseMs = options.leaseMs ?? 30_000;
  const profiles = new ProfileStorage(blobs, sealer);
  const workDirectory = await createWorkDirectory(dataDirectory);
  // Read at scrape time; `embedded` exists by then.
  const metrics: ServerMetrics = new ServerMetrics({
    queuedPerTenant: () => embedded.queue.queuedPerKey(),
    runningTasks: () => embedded.queue.runningCount(),
    openBrowserContexts: () => openContextsOf(launchedPool),
    taskBrowserContexts: () => embedded.runner?.browserContextCount ?? 0,
    databaseConnections: () => stores.connections(),
  });
  const taskOptions: EmbeddedTasksOptions = {
    metrics,
    store: taskStore,
    resources,
    profiles,
    blobs,
    workDirectory,
    browserPool,
    agent,
    limits: {
      ...concurrency,
      maxQueuedTasksPerKey: options.maxQueuedTasksPerKey ?? 1000,
      maxQueuedTasks: options.maxQueuedTasks ?? 10_000,
    },
    sessionIdleTimeoutMs: options.sessionIdleTimeoutMs ?? 5 * 60_000,
    toolCallTimeoutMs: options.toolCallTimeoutMs ?? 5 * 60_000,
    evaluateJsTimeoutMs: options.evaluateJsTimeoutMs ?? 30_000,
    extractTimeoutMs: options.extractTimeoutMs ?? 120_000,
    commandOutputMaxBytes: options.commandOutputMaxBytes ?? defaultCommandOutputMaxBytes,
    finishGraceMs: options.finishGraceMs ?? 3000,
    callerTunnelTimeoutMs: options.callerTunnelTimeoutMs ?? 30_000,
    workerId,
    leaseMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(100, Math.floor(leaseMs / 3)),
    runsTasks,
    distributed: role !== 'all',
  };
  const onRedis = redisUrl ? await redisTasks({ ...taskOptions, sealer, redisUrl, redisPrefix: options.redisPrefix }) : undefined;
  const embedded = onRedis ?? embeddedTasks(taskOptions);
  const tasks = embedded.service;
  // Fails what this worker left live when it last stopped, then takes tasks from the queue.
  await embedded.runner?.start();

  const stopKeepingAlive = keepAliveOnUnhandledRejection();
  const closing = new AbortController();
  let publicUrl = '';
  let workerUrl: string | undefined;
  const context: ServerContext = {
    role,
    tasks,
    ...(embedded.runner ? { runner: embedded.runner } : {}),
    taskStore,
    resources,
    profiles,
    blobs,
    workDirectory,
    longPollMs: options.longPollMs ?? 10_000,
    publicUrl: () => advertisedUrl ?? publicUrl,
    workerUrl: () => workerUrl,
    closing: closing.signal,
  };

  const app = Fastify({
    loggerInstance: serverLogger,
    // One line per request would cost the hot poll path and say nothing a metric does not; failures are logged.
    disableRequestLogging: true,
    bodyLimit: jsonBodyLimit,
    forceCloseConnections: true,
    // A client that announces more body than it sends is answered (408) instead of held forever.
    requestTimeout: requestTimeoutMs,
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // Node answers a request without Host with a bare 400 of its own; let it reach the routes (and a {detail}).
    http: { requireHostHeader: false },
  });
  installJsonParser(app);
  installErrorHandling(app);
  const maxUploadBytes = options.maxUploadBytes ?? uploadLimits.fileBytes;
  await app.register(multipart, { limits: { fileSize: maxUploadBytes, files: 2 } });
  // The live view's frames and a person's input; one small message at a time.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const failedAuthLimits = options.failedAuthLimits ?? defaultFailedAuthLimits;
  // Shared when api processes share the clients; one process keeps it in memory (no round trip).
  const ledger = onRedis && role !== 'all' ? new RedisFailedAuthLedger(onRedis.redis, options.redisPrefix ?? 'open-smooth', failedAuthLimits) : new FailedAuthLimiter(failedAuthLimits);
  installApiRoutes(app, context, tenants, ledger, maxUploadBytes);
  // After the websocket plugin: the tunnel takes its own upgrades and leaves the rest to it.
  const tenantOf = (apiKey: string) => tenants.get(apiKey);
  // Between processes the worker running a self task opens its tunnel; in one process the service opened it at creation.
  const tunnelOf = (tenant: string, taskId: string) => (taskOptions.distributed ? undefined : tasks.callerTunnel(tenant, taskId)) ?? embedded.runner?.callerTunnel(tenant, taskId);
  installTunnelEndpoint(app.server, { tenantOf, tunnelOf });
  // Sharing tasks with other processes: a task's sockets are relayed to the worker running it.
  const taskSockets = redisUrl
    ? await installDistributedTaskSockets({
        server: app.server,
        redisUrl,
        redisPrefix: options.redisPrefix ?? 'open-smooth',
        store: taskStore,
        tunnelOf,
        runner: embedded.runner,
        workerId,
        tenantOf,
        watch: (topics) => embedded.notifier.watch(topics),
        registrationTtlMs: leaseMs,
        heartbeatMs: taskOptions.heartbeatMs,
        closing: closing.signal,
      })
    : undefined;
  if (taskSockets) context.taskSockets = taskSockets.routing;
  registerPublicRoutes(app, context);
  registerOpsRoutes(app, { metrics, readiness: readinessChecks(stores, blobs, onRedis?.checkRedis, runsTasks ? browserPool : undefined) });

  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  if (options.launchBrowserAtStart && runsTasks) void browserPool().catch(() => undefined);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? 0;
  publicUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  workerUrl = runsTasks ? (configuredWorkerUrl ?? publicUrl) : undefined;
  if (workerUrl) await taskSockets?.registerWorker(workerUrl);

  let closed: Promise<void> | undefined;
  return {
    url: publicUrl,
    apiBaseUrl: `${publicUrl}/api/`,
    apiKeys,
    dataDirectory,
    role,
    close: () =>
      (closed ??= (async () => {
        closing.abort();
        await taskSockets?.close();
        await embedded.close();
        await app.close();
        if (!options.browserPool && browserPoolPromise) await (await browserPoolPromise.catch(() => undefined))?.close();
        // pg's pool.end() waits for connections that are still out; a query to a database that
        // vanished without a word waits for its query timeout. The close does not wait that long.
        if (!(await settlesWithin(stores.close(), storeCloseWaitMs))) {
          serverLogger.warn({ waitedMs: storeCloseWaitMs }, 'the database did not let go while closing; closing without it (its queries time out on their own)');
        }
        if (!options.blobStore) await blobs.close();
        metrics.registry.clear();
        await rm(workDirectory, { recursive: true, force: true });
        stopKeepingAlive();
      })()),
  };
}

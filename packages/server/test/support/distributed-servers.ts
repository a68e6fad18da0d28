import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loopbackNetworkAllowance } from '@open-smooth/testkit';
import { startServer, type RunningServer, type ServerOptions } from '../../src/index.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';
import { closeBeforeSharedServices } from './suite-cleanup.js';
import { suiteRedis } from './suite-redis.js';
import { perKeyConcurrency } from '../../src/concurrency-defaults.js';

export const apiProcessCount = 2;
export const workerProcessCount = 2;

/**
 * The distributed topology of one test server: two `api` and two `worker` servers on one
 * PostgreSQL database, one Redis (the file's, under a prefix of this server's own) and one S3
 * store, each with a data directory of its own under `dataDirectory`, behind a round-robin proxy.
 * The workers run in the test's own process (a second Node process per worker would cost each
 * test file seconds and memory); the fault tests run them as real child processes instead.
 */
export interface DistributedServers {
  /** What a client sees: the proxy's URL, the keys, the directory that holds every process's data directory. */
  readonly front: RunningServer;
  readonly proxy: RoundRobinProxy;
  readonly apis: RunningServer[];
  readonly workers: RunningServer[];
  readonly redisPrefix: string;
  /** Closes every process and starts them again on the same directories, database, Redis prefix and proxy. */
  restart(extra?: Partial<ServerOptions>): Promise<void>;
  close(): Promise<void>;
}

/** Options every process shares; `databaseUrl` and a `blobStore` are required (the fixture passes the suite's). */
export type DistributedOptions = ServerOptions & { dataDirectory: string; databaseUrl: string };

function processOptions(shared: ServerOptions, role: 'api' | 'worker', redisPrefix: string, publicUrl: string): ServerOptions {
  const own: ServerOptions = { ...shared };
  if (role === 'api' && own.browserPool) {
    // The pool a test shares is the workers' (an API process never opens a browser); the API
    // processes check requests against the network policy the tests' pools are launched with.
    delete own.browserPool;
    own.allowPrivateNetwork ??= loopbackNetworkAllowance;
  }
  return { redisPrefix, publicUrl, ...own, role };
}

export async function startDistributedServers(options: DistributedOptions, redisUrl?: string): Promise<DistributedServers> {
  const proxy = await startRoundRobinProxy();
  const redisPrefix = `test-${randomBytes(6).toString('hex')}`;
  // Every process that shares a database seals secrets with one key.
  const shared: ServerOptions = { secretKey: randomBytes(32).toString('base64'), ...options, redisUrl: options.redisUrl ?? redisUrl ?? (await suiteRedis()).url };
  // A deployment has no per-key limit unless one is set; the API tests' limits are those of one
  // process (a key's share derived from its slots), so the topology sets that share explicitly.
  if (options.maxConcurrentTasks !== undefined && options.maxConcurrentTasksPerKey === undefined) {
    shared.maxConcurrentTasksPerKey = perKeyConcurrency(options.maxConcurrentTasks);
  }
  const start = async (extra: Partial<ServerOptions>) => {
    const merged = { ...shared, ...extra };
    const started = await Promise.all([
      ...Array.from({ length: apiProcessCount }, (_, index) => startOne(merged, 'api', index + 1)),
      ...Array.from({ length: workerProcessCount }, (_, index) => startOne(merged, 'worker', index + 1)),
    ]);
    return { apis: started.slice(0, apiProcessCount), workers: started.slice(apiProcessCount) };
  };
  const startOne = async (merged: ServerOptions, role: 'api' | 'worker', number: number): Promise<RunningServer> => {
    const directory = join(options.dataDirectory, `${role}-${number}`);
    await mkdir(directory, { recursive: true });
    return startServer({ ...processOptions(merged, role, redisPrefix, proxy.url), dataDirectory: directory });
  };
  let processes: { apis: RunningServer[]; workers: RunningServer[] };
  try {
    processes = await start({});
  } catch (error) {
    await proxy.close();
    throw error;
  }
  proxy.targets = processes.apis.map((api) => api.url);
  const closeAll = async () => {
    // The API processes first: nothing new reaches the workers while they close.
    await Promise.all(processes.apis.map((api) => api.close()));
    await Promise.all(processes.workers.map((worker) => worker.close()));
  };
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      unregister();
      await closeAll();
      await proxy.close();
    })());
  const unregister = closeBeforeSharedServices(close);
  const front: RunningServer = {
    url: proxy.url,
    apiBaseUrl: `${proxy.url}/api/`,
    get apiKeys() {
      return processes.apis[0]?.apiKeys ?? [];
    },
    dataDirectory: options.dataDirectory,
    // What the processes behind the proxy are together: API and workers.
    role: 'all',
    close,
  };
  return {
    front,
    proxy,
    get apis() {
      return processes.apis;
    },
    get workers() {
      return processes.workers;
    },
    redisPrefix,
    async restart(extra = {}) {
      await closeAll();
      processes = await start(extra);
      proxy.targets = processes.apis.map((api) => api.url);
    },
    close,
  };
}

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningServer, ServerOptions } from '../../src/index.js';
import { perKeyConcurrency } from '../../src/concurrency-defaults.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';
import type { ProcessServerOptions } from './server-process-spec.js';
import { ServerHost, serverOnHost, type ServerProcess } from './spawned-server.js';
import { closeBeforeSharedServices, stopAfterServers } from './suite-cleanup.js';
import { suiteRedis } from './suite-redis.js';

export const apiProcessCount = 2;
export const workerProcessCount = 2;

/**
 * The distributed topology of one test server: two `api` and two `worker` servers, each a child
 * process of its own (support/server-process.ts), on one PostgreSQL database, one Redis (the
 * file's, under a prefix of this server's own) and one S3 store, each with a data directory of its
 * own under `dataDirectory`, behind a round-robin proxy in the test's process. A child's output
 * reaches the test's stderr prefixed with its label (`[worker-1 test-…]`); a child ends when the
 * test process does (its stdin closes).
 */
export interface DistributedServers {
  /** What a client sees: the proxy's URL, the keys, the directory that holds every process's data directory. */
  readonly front: RunningServer;
  readonly proxy: RoundRobinProxy;
  readonly apis: ServerProcess[];
  readonly workers: ServerProcess[];
  readonly redisPrefix: string;
  /** Closes every process and starts them again on the same directories, database, Redis prefix and proxy. */
  restart(extra?: Partial<ServerOptions>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Options every process shares; `databaseUrl` and a shared blob store (`blobUrl`, with the
 * variables it needs in `environment`) are required. An open `blobStore` cannot reach another
 * process (refused); a `browserPool` stands for its network allowance (each worker launches a
 * pool of its own with it).
 */
export type DistributedOptions = ServerOptions & { dataDirectory: string; databaseUrl: string; environment?: Record<string, string> };

/** The options as JSON can carry them to a child process. */
function processableOptions(options: Partial<ServerOptions>): Partial<ProcessServerOptions> {
  const { browserPool, blobStore, ...rest } = options;
  if (blobStore) throw new Error('the distributed topology runs its servers in child processes, which an open blobStore cannot reach: give blobUrl instead');
  // The pool a test shares is one of its own process; the workers launch theirs with its network
  // allowance (the launch setting the API tests rely on), the API processes check requests against it.
  if (browserPool && rest.allowPrivateNetwork === undefined) rest.allowPrivateNetwork = [...browserPool.networkPolicy.allowance.entries];
  return rest;
}

/**
 * Server processes of this test file whose server has closed, kept for the next topology's: a
 * process loads the server's modules once (seconds of CPU each on a loaded machine), as the
 * embedded topology's servers share the test's process. They end after the file's tests.
 */
const idleHosts: ServerHost[] = [];
stopAfterServers(async () => {
  await Promise.all(idleHosts.splice(0).map((host) => host.end()));
});

function takeHost(label: string): ServerHost {
  for (let host = idleHosts.pop(); host; host = idleHosts.pop()) {
    if (!host.alive) continue;
    host.label = label;
    return host;
  }
  return ServerHost.spawn(label);
}

async function keepHost(host: ServerHost): Promise<void> {
  await host.stop();
  idleHosts.push(host);
}

export async function startDistributedServers(options: DistributedOptions, redisUrl?: string): Promise<DistributedServers> {
  const { environment = {}, ...serverOptions } = options;
  const proxy = await startRoundRobinProxy();
  const redisPrefix = `test-${randomBytes(6).toString('hex')}`;
  // Every process that shares a database seals secrets with one key.
  const shared: ProcessServerOptions = {
    secretKey: randomBytes(32).toString('base64'),
    ...processableOptions(serverOptions),
    redisUrl: options.redisUrl ?? redisUrl ?? (await suiteRedis()).url,
  };
  // A deployment has no per-key limit unless one is set; the API tests' limits are those of one
  // process (a key's share derived from its slots), so the topology sets that share explicitly.
  if (options.maxConcurrentTasks !== undefined && options.maxConcurrentTasksPerKey === undefined) {
    shared.maxConcurrentTasksPerKey = perKeyConcurrency(options.maxConcurrentTasks);
  }
  const startOne = async (merged: ProcessServerOptions, role: 'api' | 'worker', number: number): Promise<ServerProcess> => {
    const directory = join(options.dataDirectory, `${role}-${number}`);
    await mkdir(directory, { recursive: true });
    const server: ProcessServerOptions = { redisPrefix, publicUrl: proxy.url, ...merged, role, dataDirectory: directory };
    const host = takeHost(`${role}-${number} ${redisPrefix}`);
    try {
      // A restart ends the processes (as restarting a deployment does) rather than keeping them.
      return await serverOnHost(host, { server }, environment, (closed) => (restarting ? closed.end() : keepHost(closed)));
    } catch (error) {
      await host.kill();
      throw error;
    }
  };
  let restarting = false;
  // The four start at once (each child takes a second or two to load); if one fails, those that started close.
  const start = async (extra: Partial<ServerOptions>) => {
    const merged = { ...shared, ...processableOptions(extra) };
    const roles = [...Array.from({ length: apiProcessCount }, () => 'api' as const), ...Array.from({ length: workerProcessCount }, () => 'worker' as const)];
    const started = await Promise.allSettled(roles.map((role, index) => startOne(merged, role, role === 'api' ? index + 1 : index - apiProcessCount + 1)));
    const failure = started.find((outcome) => outcome.status === 'rejected');
    const servers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    if (failure) {
      await Promise.all(servers.map((server) => server.close()));
      throw failure.reason;
    }
    return { apis: servers.slice(0, apiProcessCount), workers: servers.slice(apiProcessCount) };
  };
  let processes: { apis: ServerProcess[]; workers: ServerProcess[] };
  try {
    processes = await start({});
  } catch (error) {
    await proxy.close();
    throw error;
  }
  proxy.targets = processes.apis.map((api) => api.url);
  const closeAll = async () => {
    // The API processes first: nothing new reaches the workers while they close. Every process
    // closes (or is killed) before a failure is reported.
    const outcomes = await Promise.allSettled(processes.apis.map((api) => api.close()));
    outcomes.push(...(await Promise.allSettled(processes.workers.map((worker) => worker.close()))));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  };
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      unregister();
      try {
        await closeAll();
      } finally {
        await proxy.close();
      }
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
      restarting = true;
      try {
        await closeAll();
      } finally {
        restarting = false;
      }
      processes = await start(extra);
      proxy.targets = processes.apis.map((api) => api.url);
    },
    close,
  };
}

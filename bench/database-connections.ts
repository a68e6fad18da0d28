import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { startPostgresServer } from '../packages/testkit/src/postgres-server.js';
import { startRedisServer } from '../packages/testkit/src/redis-server.js';
import type { BenchRow } from './lib/bench-row.js';
import { RoundRobinApi } from './lib/round-robin-api.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { startServerProcess, type ServerProcess } from './lib/server-process.js';
import { loopbackNetworkAllowance, startFixtureServer, startScriptedModelServer } from './lib/testkit.js';

/**
 * How many PostgreSQL connections an api process and a worker process actually use while a
 * worker's every slot is busy: the pool's own counts (`open_smooth_database_connections` on
 * /metrics: open, idle, queries waiting) sampled every 20 ms, the pools sized well above the
 * demand so the peak of "in use" (open − idle) is what the process asked for. The defaults of
 * `database-pool-size.ts` are chosen from it (bench/README.md "Distributed mode").
 *
 *   npx tsx bench/database-connections.ts          # BENCH_WORKER_SLOTS=8 (default), BENCH_MODEL_DELAY_MS=0
 *   BENCH_MODEL_DELAY_MS=1000 npx tsx bench/database-connections.ts   # model answers of 1 s, as a hosted model's
 *   BENCH_DEFAULT_POOLS=1 npx tsx bench/database-connections.ts       # the roles' default pools instead
 */

const apiKey = 'bench-connections-key';
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));

interface Peak {
  inUse: number;
  open: number;
  waiting: number;
}

async function poolCounts(server: ServerProcess): Promise<Peak> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const read = (state: string) => Number(new RegExp(`^open_smooth_database_connections\\{state="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { inUse: read('total') - read('idle'), open: read('total'), waiting: read('waiting') };
}

/** Samples the processes' pools while `work` runs; the highest counts each reached. */
async function peaksDuring(processes: ServerProcess[], work: () => Promise<void>): Promise<Map<string, Peak>> {
  const peaks = new Map(processes.map((server) => [server.name, { inUse: 0, open: 0, waiting: 0 }]));
  let running = true;
  const sampling = (async () => {
    while (running) {
      for (const server of processes) {
        const counts = await poolCounts(server);
        const peak = peaks.get(server.name)!;
        peak.inUse = Math.max(peak.inUse, counts.inUse);
        peak.open = Math.max(peak.open, counts.open);
        peak.waiting = Math.max(peak.waiting, counts.waiting);
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await sampling;
  }
  return peaks;
}

export async function runDatabaseConnections(): Promise<BenchRow[]> {
  const slots = Number(process.env.BENCH_WORKER_SLOTS ?? 8);
  const delayMs = Number(process.env.BENCH_MODEL_DELAY_MS ?? 0);
  /** BENCH_DEFAULT_POOLS=1: each process keeps its role's default pool (how often a query then waits for a connection). */
  const defaultPools = process.env.BENCH_DEFAULT_POOLS === '1';
  const [postgres, redis, fixtures, model] = await Promise.all([
    startPostgresServer(),
    startRedisServer(),
    startFixtureServer(),
    startScriptedModelServer((request) =>
      request.messages.some((message) => message.role === 'assistant')
        ? { toolCalls: [{ name: 'done', arguments: { answer: 'seen' } }], ...(delayMs > 0 ? { delayMs } : {}) }
        : { toolCalls: [{ name: 'scroll', arguments: { direction: 'down' } }], ...(delayMs > 0 ? { delayMs } : {}) },
    ),
  ]);
  const directories: string[] = [];
  const processes: ServerProcess[] = [];
  try {
    const databaseUrl = await postgres.createDatabase();
    // One prefix and one secret for both processes: they are one deployment.
    const redisPrefix = `bench-${randomBytes(4).toString('hex')}`;
    const secretEnvironment = { SMOOTH_SECRET_KEY: randomBytes(32).toString('base64') };
    const blobDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-connections-blobs-'));
    directories.push(blobDirectory);
    const start = async (role: 'api' | 'worker'): Promise<ServerProcess> => {
      const dataDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-connections-'));
      directories.push(dataDirectory);
      const server = await startServerProcess(
        role,
        here,
        {
          port: 0,
          role,
          dataDirectory,
          apiKeys: [apiKey],
          databaseUrl,
          // Far above the demand: the peak in use is what the process asked for, not what a small pool allowed.
          ...(defaultPools ? {} : { databasePoolSize: 4 * slots }),
          redisUrl: redis.url,
          redisPrefix,
          blobUrl: pathToFileURL(blobDirectory).href,
          workerId: `${role}-1`,
          modelEnvironment: model.environment(),
          allowPrivateNetwork: [...loopbackNetworkAllowance],
          maxConcurrentTasks: slots,
          maxConcurrentTasksPerKey: 64,
        },
        secretEnvironment,
      );
      processes.push(server);
      return server;
    };
    const api = await start('api');
    const worker = await start('worker');
    const client = new RoundRobinApi([`${api.url}/api/v1`], apiKey);
    // Warm-up: the browser, JIT.
    const warm = await client.createSession();
    await client.command(warm, 'session_action', 'close', {});

    const sessions = await peaksDuring([api, worker], async () => {
      await Promise.all(
        Array.from({ length: slots }, async () => {
          const sessionId = await client.createSession();
          await client.command(sessionId, 'browser_action', 'goto', { url: fixtures.url('/') });
          for (let index = 0; index < 10; index += 1) await client.command(sessionId, 'browser_action', 'evaluate_js', { js: '1 + 1' });
          await client.command(sessionId, 'session_action', 'close', {});
          await client.waitUntilFinished(sessionId);
        }),
      );
    });
    const tasks = await peaksDuring([api, worker], async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: slots }, async () => {
          while (next < 3 * slots) {
            next += 1;
            const { payload } = await client.request<{ id: string }>('POST', '/task', { task: 'Look at the page, then finish', url: fixtures.url('/flights'), max_steps: 4 });
            await client.waitUntilFinished(payload.id);
          }
        }),
      );
    });
    const rows: BenchRow[] = [];
    for (const [phase, peaks] of [
      [`${slots} sessions at once (goto, 10 evaluate_js, close)`, sessions],
      [`${3 * slots} two-step tasks, ${slots} at once`, tasks],
    ] as const) {
      for (const [name, peak] of peaks) {
        rows.push({
          benchmark: 'database-connections',
          measure: `${name} (${slots} slots): ${phase}: PostgreSQL connections in use at once, peak`,
          unit: 'connections',
          value: peak.inUse,
          note: `open at most ${peak.open}, queries waiting at most ${peak.waiting} (pool of ${defaultPools ? 'the role\'s default' : 4 * slots})`,
        });
      }
    }
    return rows;
  } finally {
    for (const server of processes.reverse()) await server.stop();
    await Promise.all([postgres.stop(), redis.stop(), fixtures.close(), model.close()]);
    await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
  }
}

if (isMainModule(import.meta.url)) runStandalone('PostgreSQL connections per process', runDatabaseConnections);

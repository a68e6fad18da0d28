import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { startPostgresServer, type PostgresServer } from '../packages/testkit/src/postgres-server.js';
import { startRedisServer, type RedisServer } from '../packages/testkit/src/redis-server.js';
import { startS3TestServer, type S3TestServer } from '../packages/server/test/support/s3-test-server.js';
import { iterations } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { runWrkLoad } from './lib/wrk-load.js';
import { ensureWrk } from './lib/wrk-load.js';
import { RoundRobinApi } from './lib/round-robin-api.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { startServerProcess, type ServerProcess } from './lib/server-process.js';
import { rounded, summarize } from './lib/statistics.js';
import { loopbackNetworkAllowance, startFixtureServer, startScriptedModelServer, type FixtureServer, type ScriptedModelServer } from './lib/testkit.js';
import { descendantCpuMs, machineBusyMs } from './lib/tree-cpu.js';
import { countsBetween, startWireCounters, type WireCounters, type WireCounts } from './lib/wire-counters.js';

/**
 * Issue 14's bench: the distributed mode (`--role api` and `--role worker` processes on
 * PostgreSQL, Redis and an S3-compatible store, all on loopback) against the embedded server,
 * every server in a process of its own.
 *
 * (a) API latency and throughput, same run: session create, GET /task, a command's round trip
 *     (POST event → long-poll answer), taken in turns between the targets; then GET /task under
 *     wrk. Targets: embedded (this tree), embedded in another checkout (`BENCH_OTHER_TREE`, e.g.
 *     the tree before the scale-out seams), distributed (2 api + 1 worker, requests round-robin).
 * (b) Tasks per minute (short scripted-model tasks) with 1 worker, then 2.
 * (c) What one operation costs the shared services: PostgreSQL statements, Redis commands, S3
 *     requests per GET, per session cycle and per task, counted per process at loopback
 *     proxies (wire-counters.ts), idle traffic (heartbeats, queue polling) subtracted.
 *
 *   npx tsx bench/distributed.ts                 # BENCH_QUICK=1 for a smoke run
 *   BENCH_OTHER_TREE=/tmp/pre-seams npx tsx bench/distributed.ts
 *   BENCH_MODEL_DELAY_MS=1000 npx tsx bench/distributed.ts   # each model answer takes 1 s, as a hosted model's
 */

const apiKey = 'bench-distributed-key';
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** Each worker runs this many tasks at once (so 1 vs 2 workers is 2 vs 4 slots). */
const workerSlots = 2;

interface Shared {
  postgres: PostgresServer;
  redis: RedisServer;
  s3: S3TestServer;
  fixtures: FixtureServer;
  model: ScriptedModelServer;
  /** The same in every process of a topology (it seals secrets in the shared database). */
  secretEnvironment: NodeJS.ProcessEnv;
}

interface Topology {
  name: string;
  api: RoundRobinApi;
  processes: ServerProcess[];
  addWorker(): Promise<ServerProcess>;
  close(): Promise<void>;
}

async function temporaryDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'open-smooth-bench-distributed-'));
}

function commonOptions(shared: Shared, dataDirectory: string): Record<string, unknown> {
  return {
    port: 0,
    dataDirectory,
    apiKeys: [apiKey],
    modelEnvironment: shared.model.environment(),
    allowPrivateNetwork: [...loopbackNetworkAllowance],
    maxConcurrentTasks: workerSlots,
    // One API key sends every task here. The per-key limit counts the key's tasks on every worker
    // together, and its default (3/4 of one process's slots) would keep the whole deployment at 1.
    maxConcurrentTasksPerKey: 64,
  };
}

/** One process with everything (`--role all`, SQLite, files on disk): `tree` is this checkout or another. */
async function startEmbedded(shared: Shared, name: string, tree: string): Promise<Topology> {
  const dataDirectory = await temporaryDirectory();
  const server = await startServerProcess(name, tree, commonOptions(shared, dataDirectory));
  return {
    name,
    api: new RoundRobinApi([`${server.url}/api/v1`], apiKey),
    processes: [server],
    addWorker: () => Promise.reject(new Error('the embedded server has no separate workers')),
    async close() {
      await server.stop();
      await rm(dataDirectory, { recursive: true, force: true });
    },
  };
}

/**
 * `apiCount` api processes and `workerCount` workers on one fresh database and Redis prefix. With
 * `counters`, each process reaches PostgreSQL, Redis and S3 through its own counting proxies
 * (named api1…, worker1…).
 */
async function startDistributed(shared: Shared, name: string, apiCount: number, workerCount: number, counters?: WireCounters): Promise<Topology> {
  const databaseUrl = await shared.postgres.createDatabase();
  const redisPrefix = `bench-${randomBytes(4).toString('hex')}`;
  const directories: string[] = [];
  const processes: ServerProcess[] = [];
  let workers = 0;
  const start = async (role: 'api' | 'worker', processName: string): Promise<ServerProcess> => {
    const dataDirectory = await temporaryDirectory();
    directories.push(dataDirectory);
    const endpoints = counters?.endpointsFor(processName);
    const s3Endpoint = endpoints?.s3Endpoint ?? shared.s3.endpoint;
    const server = await startServerProcess(
      `${name} ${processName}`,
      here,
      {
        ...commonOptions(shared, dataDirectory),
        role,
        databaseUrl: endpoints ? databaseOnProxy(databaseUrl, endpoints.databaseUrl) : databaseUrl,
        redisUrl: endpoints?.redisUrl ?? shared.redis.url,
        redisPrefix,
        blobUrl: `s3://${shared.s3.bucket}/${redisPrefix}?endpoint=${encodeURIComponent(s3Endpoint)}&region=us-east-1`,
        workerId: processName,
      },
      { ...shared.s3.environment, ...shared.secretEnvironment },
    );
    processes.push(server);
    return server;
  };
  const apis: ServerProcess[] = [];
  for (let index = 1; index <= apiCount; index += 1) apis.push(await start('api', `api${index}`));
  const addWorker = (): Promise<ServerProcess> => start('worker', `worker${(workers += 1)}`);
  for (let index = 0; index < workerCount; index += 1) await addWorker();
  return {
    name,
    api: new RoundRobinApi(apis.map((api) => `${api.url}/api/v1`), apiKey),
    processes,
    addWorker,
    async close() {
      // Workers first: an api process stopping first would leave their tasks' answers unread.
      for (const server of [...processes].reverse()) await server.stop();
      await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
    },
  };
}

/** The proxy's host and port with the fresh database's name (the proxy was made for the cluster's URL). */
function databaseOnProxy(databaseUrl: string, proxiedClusterUrl: string): string {
  const database = new URL(databaseUrl);
  const proxied = new URL(proxiedClusterUrl);
  database.hostname = proxied.hostname;
  database.port = proxied.port;
  return database.toString();
}

// ---------------------------------------------------------------------------------------------
// (a) API latency and throughput

interface LatencySamples {
  create: number[];
  get: number[];
  command: number[];
}

/** One session's worth of API calls; the first command (it waits for the browser context) is not kept. */
async function sessionRound(topology: Topology, samples: LatencySamples): Promise<string> {
  const api = topology.api;
  const created = performance.now();
  const sessionId = await api.createSession();
  samples.create.push(performance.now() - created);
  for (let index = 0; index < 3; index += 1) samples.get.push((await api.timed('GET', `/task/${sessionId}`)).ms);
  await api.command(sessionId, 'browser_action', 'evaluate_js', { js: '1 + 1' });
  for (let index = 0; index < 3; index += 1) {
    const started = performance.now();
    await api.command(sessionId, 'browser_action', 'evaluate_js', { js: '1 + 1' });
    samples.command.push(performance.now() - started);
  }
  await api.command(sessionId, 'session_action', 'close', {});
  return sessionId;
}

async function latencyRows(targets: readonly Topology[], rounds: number): Promise<{ rows: BenchRow[]; finishedTasks: Map<Topology, string[]> }> {
  const samples = new Map<Topology, LatencySamples>(targets.map((target) => [target, { create: [], get: [], command: [] }]));
  const finishedTasks = new Map<Topology, string[]>(targets.map((target) => [target, []]));
  // Warm-up: JIT, browsers, the pools' spare contexts.
  for (const target of targets) await sessionRound(target, { create: [], get: [], command: [] });
  for (let round = 0; round < rounds; round += 1) {
    for (let position = 0; position < targets.length; position += 1) {
      const target = targets[(round + position) % targets.length]!;
      finishedTasks.get(target)!.push(await sessionRound(target, samples.get(target)!));
    }
  }
  const base = samples.get(targets[0]!)!;
  const rows: BenchRow[] = [];
  const measures: Array<[keyof LatencySamples, string]> = [
    ['create', 'POST /task (session)'],
    ['get', 'GET /task/{id}'],
    ['command', 'command round trip (POST event, long-poll answer; evaluate_js 1+1)'],
  ];
  for (const [key, label] of measures) {
    const baseline = summarize(base[key]);
    for (const target of targets) {
      const summary = summarize(samples.get(target)![key]);
      rows.push({
        benchmark: 'distributed',
        measure: `${target.name}: ${label} p50 (n=${summary.count})`,
        unit: 'ms',
        value: rounded(summary.p50),
        note: `p95 ${rounded(summary.p95)}${target === targets[0] ? '' : `; ratio to ${targets[0]!.name}: p50 ${(summary.p50 / baseline.p50).toFixed(2)}, p95 ${(summary.p95 / baseline.p95).toFixed(2)}`}`,
      });
    }
  }
  return { rows, finishedTasks };
}

/** One wrk per API process for `seconds`, the connections split between them; summed rate, latencies per process. */
async function wrkAgainst(target: Topology, paths: readonly string[], connections: number, seconds: number): Promise<{ requestsPerSecond: number; failed: number; p50: number[]; p99: number[] }> {
  const urls = target.api.apiUrls.map((apiUrl) => apiUrl.replace(/\/api\/v1$/, ''));
  const results = await Promise.all(urls.map((url) => runWrkLoad({ url, paths: [...paths], headers: { apikey: apiKey }, connections: Math.max(1, Math.round(connections / urls.length)), durationSeconds: seconds })));
  return {
    requestsPerSecond: results.reduce((sum, result) => sum + result.requestsPerSecond, 0),
    failed: results.reduce((sum, result) => sum + result.failedCount, 0),
    p50: results.map((result) => result.latencyMs.p50),
    p99: results.map((result) => result.latencyMs.p99),
  };
}

/**
 * GET /task/{id} of finished sessions under wrk, the targets taking turns (`rounds` runs of
 * `seconds` each, which goes first rotating) so a swing of the machine's load hits all alike.
 */
async function throughputRows(targets: readonly Topology[], finishedTasks: Map<Topology, string[]>, connections: number, seconds: number, rounds: number): Promise<BenchRow[]> {
  const runs = new Map<Topology, Array<Awaited<ReturnType<typeof wrkAgainst>>>>(targets.map((target) => [target, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let position = 0; position < targets.length; position += 1) {
      const target = targets[(round + position) % targets.length]!;
      const paths = finishedTasks.get(target)!.slice(0, 10).map((id) => `/api/v1/task/${id}`);
      runs.get(target)!.push(await wrkAgainst(target, paths, connections, seconds));
    }
  }
  const median = (values: number[]): number => summarize(values).p50;
  const baseline = median(runs.get(targets[0]!)!.map((run) => run.requestsPerSecond));
  return targets.map((target) => {
    const mine = runs.get(target)!;
    const rates = mine.map((run) => run.requestsPerSecond);
    const failed = mine.reduce((sum, run) => sum + run.failed, 0);
    return {
      benchmark: 'distributed',
      measure: `${target.name}: GET /task/{id} throughput, ${connections} connections, median of ${rounds} runs of ${seconds} s`,
      unit: 'req/s',
      value: rounded(median(rates)),
      note:
        `runs ${rates.map((rate) => Math.round(rate)).join(', ')}; latency p50 ${rounded(median(mine.flatMap((run) => run.p50)))} ms, p99 ${rounded(median(mine.flatMap((run) => run.p99)))} ms (medians over runs and API processes)` +
        `${target === targets[0] ? '' : `; ratio to ${targets[0]!.name} ${(median(rates) / baseline).toFixed(2)}`}${failed > 0 ? `; ${failed} failed` : ''}`,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// (b) tasks per minute, (c) per-operation counts

/**
 * Short tasks: the scripted model scrolls once, then says done (two model calls, two observations).
 * BENCH_MODEL_DELAY_MS makes each answer take that long, as a hosted model's would: a real task
 * spends most of its time waiting for the model, which is what more workers' slots overlap.
 */
function scriptTwoStepTasks(model: ScriptedModelServer): void {
  const delayMs = Number(process.env.BENCH_MODEL_DELAY_MS ?? 0);
  const delay = delayMs > 0 ? { delayMs } : {};
  model.setPolicy((request) =>
    request.messages.some((message) => message.role === 'assistant')
      ? { toolCalls: [{ name: 'done', arguments: { answer: 'seen' } }], ...delay }
      : { toolCalls: [{ name: 'scroll', arguments: { direction: 'down' } }], ...delay },
  );
}

interface TaskRun {
  wallMs: number;
  done: number;
  polls: number;
  latencies: number[];
  statuses: string[];
  /** CPU of every process this bench started (servers, Chromium, PostgreSQL, Redis, s3rver, proxies), ms. */
  deploymentCpuMs: number;
  /** CPU of the whole machine (other people's work included), ms over all cores. */
  machineCpuMs: number;
  loadAverage: number;
}

async function runTasks(topology: Topology, pageUrl: string, count: number, concurrency: number): Promise<TaskRun> {
  const [cpuBefore, machineBefore] = await Promise.all([descendantCpuMs(process.pid), machineBusyMs()]);
  let next = 0;
  let polls = 0;
  const latencies: number[] = [];
  const statuses: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const taskStarted = performance.now();
        const { payload } = await topology.api.request<{ id: string }>('POST', '/task', { task: 'Look at the page, then finish', url: pageUrl, device: 'desktop', max_steps: 4 });
        const finished = await topology.api.waitUntilFinished(payload.id);
        polls += finished.polls;
        latencies.push(performance.now() - taskStarted);
        statuses.push(finished.status);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const [cpuAfter, machineAfter] = await Promise.all([descendantCpuMs(process.pid), machineBusyMs()]);
  return { wallMs, done: statuses.filter((status) => status === 'done').length, polls, latencies, statuses, deploymentCpuMs: cpuAfter - cpuBefore, machineCpuMs: machineAfter - machineBefore, loadAverage: loadavg()[0] ?? 0 };
}

async function sessionCycles(topology: Topology, pageUrl: string, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const sessionId = await topology.api.createSession();
    await topology.api.command(sessionId, 'browser_action', 'goto', { url: pageUrl });
    await topology.api.command(sessionId, 'session_action', 'close', {});
    await topology.api.waitUntilFinished(sessionId);
  }
}

type Counted = Record<string, WireCounts>;

/** What each process sent during `work`, minus what it sends idle in as long (rates from `idle`). */
async function countedWork(counters: WireCounters, idle: Map<string, WireCounts & { seconds: number }>, work: () => Promise<void>): Promise<{ counts: Counted; seconds: number }> {
  const before = await counters.snapshot();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const after = await counters.snapshot();
  const counts: Counted = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (!start) continue;
    const delta = countsBetween(start, end);
    // A process started after the idle window (the second worker) idles like one of its kind.
    const kind = name.replace(/\d+$/, '');
    const own = idle.get(name);
    const idleRate = (own && own.redis.open > 0 ? own : undefined) ?? [...idle].find(([other, counts]) => other.replace(/\d+$/, '') === kind && counts.redis.open > 0)?.[1];
    if (idleRate && end.redis.open > 0) {
      const scale = seconds / idleRate.seconds;
      delta.postgres.statements -= idleRate.postgres.statements * scale;
      delta.redis.commands -= idleRate.redis.commands * scale;
      delta.s3.requests -= idleRate.s3.requests * scale;
    }
    counts[name] = delta;
  }
  return { counts, seconds };
}

async function idleRates(counters: WireCounters, seconds: number): Promise<Map<string, WireCounts & { seconds: number }>> {
  const before = await counters.snapshot();
  await new Promise((resolveWait) => setTimeout(resolveWait, seconds * 1000));
  const after = await counters.snapshot();
  return new Map(Object.entries(after).filter(([name]) => before[name]).map(([name, end]) => [name, { ...countsBetween(before[name]!, end), seconds }]));
}

interface PerOperation {
  operation: string;
  /** By process kind (api, worker): statements, commands, requests per operation. */
  byKind: Record<string, { postgres: number; redis: number; s3: number }>;
  topCommands: string;
  topVerbs: string;
}

function perOperation(operation: string, counted: Counted, operations: number): PerOperation {
  const byKind: PerOperation['byKind'] = {};
  const commands: Record<string, number> = {};
  const verbs: Record<string, number> = {};
  for (const [name, counts] of Object.entries(counted)) {
    const kind = name.replace(/\d+$/, '');
    const entry = (byKind[kind] ??= { postgres: 0, redis: 0, s3: 0 });
    entry.postgres += counts.postgres.statements / operations;
    entry.redis += counts.redis.commands / operations;
    entry.s3 += counts.s3.requests / operations;
    for (const [command, count] of Object.entries(counts.redis.byCommand)) commands[command] = (commands[command] ?? 0) + count;
    for (const [verb, count] of Object.entries(counts.postgres.byVerb)) verbs[verb] = (verbs[verb] ?? 0) + count;
  }
  const top = (table: Record<string, number>): string =>
    Object.entries(table)
      .sort((left, right) => right[1] - left[1])
      .slice(0, 6)
      .map(([key, count]) => `${key} ${rounded(count / operations)}`)
      .join(', ');
  return { operation, byKind, topCommands: top(commands), topVerbs: top(verbs) };
}

function countRows(entry: PerOperation): BenchRow[] {
  return Object.entries(entry.byKind).flatMap(([kind, counts]) => [
    { benchmark: 'distributed-counts', measure: `${entry.operation}: PostgreSQL statements, ${kind} processes`, unit: 'per op', value: rounded(counts.postgres), note: kind === 'api' ? `all processes: ${entry.topVerbs}` : undefined },
    { benchmark: 'distributed-counts', measure: `${entry.operation}: Redis commands, ${kind} processes`, unit: 'per op', value: rounded(counts.redis), note: kind === 'api' ? `all processes: ${entry.topCommands}` : undefined },
    { benchmark: 'distributed-counts', measure: `${entry.operation}: S3 requests, ${kind} processes`, unit: 'per op', value: rounded(counts.s3) },
  ]).map((row) => (row.note === undefined ? { benchmark: row.benchmark, measure: row.measure, unit: row.unit, value: row.value } : row));
}

function idleRows(idle: Map<string, WireCounts & { seconds: number }>): BenchRow[] {
  return [...idle].filter(([, counts]) => counts.redis.open > 0).map(([name, counts]) => ({
    benchmark: 'distributed-counts',
    measure: `idle ${name}: PostgreSQL statements / Redis commands / S3 requests per s`,
    unit: '/s',
    value: rounded(counts.redis.commands / counts.seconds),
    note: `${rounded(counts.postgres.statements / counts.seconds)} statements/s, ${rounded(counts.redis.commands / counts.seconds)} commands/s (${Object.entries(counts.redis.byCommand).map(([command, count]) => `${command} ${rounded(count / counts.seconds)}`).join(', ')}), ${rounded(counts.s3.requests / counts.seconds)} S3/s; open connections: PostgreSQL ${counts.postgres.open}, Redis ${counts.redis.open}`,
  }));
}

function taskRows(label: string, result: TaskRun, count: number): BenchRow {
  const latency = summarize(result.latencies);
  const others = result.statuses.filter((status) => status !== 'done');
  return {
    benchmark: 'distributed',
    measure: `${label}: tasks per minute (${count} two-step tasks)`,
    unit: '/min',
    value: rounded((result.done / result.wallMs) * 60_000),
    note:
      `POST to finished p50 ${rounded(latency.p50)} ms, p95 ${rounded(latency.p95)} ms; ${result.done}/${count} done${others.length > 0 ? ` (${others.join(', ')})` : ''}; ` +
      `${rounded(result.polls / count)} long-polls per task; CPU per task ${rounded(result.deploymentCpuMs / count)} ms (all processes of the bench); ` +
      `machine busy ${Math.round((result.machineCpuMs / result.wallMs / cpus().length) * 100)}% of ${cpus().length} cores, load average ${rounded(result.loadAverage)}`,
  };
}

// ---------------------------------------------------------------------------------------------

export async function runDistributed(): Promise<BenchRow[]> {
  if (!ensureWrk()) throw new Error('wrk is needed for the throughput rows (Debian package wrk)');
  const rounds = Number(process.env.BENCH_DISTRIBUTED_ROUNDS ?? iterations(20, 2));
  const taskCount = Number(process.env.BENCH_DISTRIBUTED_TASKS ?? iterations(24, 4));
  const loadSeconds = Number(process.env.BENCH_DISTRIBUTED_LOAD_SECONDS ?? iterations(5, 2));
  const idleSeconds = iterations(10, 3);
  const otherTree = process.env.BENCH_OTHER_TREE;

  const [postgres, redis, s3, fixtures, model] = await Promise.all([startPostgresServer(), startRedisServer(), startS3TestServer(), startFixtureServer(), startScriptedModelServer(() => ({ toolCalls: [{ name: 'done', arguments: { output: 'ok' } }] }))]);
  const shared: Shared = { postgres, redis, s3, fixtures, model, secretEnvironment: { SMOOTH_SECRET_KEY: randomBytes(32).toString('base64') } };
  const opened: Topology[] = [];
  let counters: WireCounters | undefined;
  const rows: BenchRow[] = [];
  try {
    // (a) embedded (this tree), embedded (the other tree), distributed: 2 api + 1 worker, direct connections.
    const embedded = await startEmbedded(shared, 'embedded', here);
    opened.push(embedded);
    if (otherTree) opened.push(await startEmbedded(shared, `embedded ${otherTree}`, resolve(otherTree)));
    const distributed = await startDistributed(shared, 'distributed 2 api + 1 worker', 2, 1);
    opened.push(distributed);
    process.stderr.write(`distributed: latency rounds (${rounds} per target)\n`);
    const latency = await latencyRows(opened, rounds);
    rows.push(...latency.rows);
    process.stderr.write('distributed: GET /task under load\n');
    rows.push(...(await throughputRows(opened, latency.finishedTasks, 16, loadSeconds, iterations(3, 1))));
    // The same short tasks on the embedded server (as many slots as one worker), for reference.
    scriptTwoStepTasks(model);
    const pageUrl = fixtures.url('/flights');
    await runTasks(embedded, pageUrl, 2, 2);
    process.stderr.write(`distributed: ${taskCount} tasks on the embedded server\n`);
    rows.push(taskRows('embedded (2 slots)', await runTasks(embedded, pageUrl, taskCount, workerSlots * 2), taskCount));
    for (const target of opened.splice(0)) await target.close();

    // (b) + (c): 2 api processes and 1, then 2 workers, each process through its own counting proxies.
    counters = await startWireCounters({ databaseUrl: postgres.url, redisUrl: redis.url, s3Endpoint: s3.endpoint }, ['api1', 'api2', 'worker1', 'worker2']);
    const counted = await startDistributed(shared, 'counted', 2, 1, counters);
    opened.push(counted);
    await runTasks(counted, pageUrl, 2, 2);
    await sessionCycles(counted, fixtures.url('/'), 1);
    process.stderr.write(`distributed: idle traffic (${idleSeconds} s)\n`);
    const idle = await idleRates(counters, idleSeconds);
    rows.push(...idleRows(idle));
    const operations: PerOperation[] = [];

    const gets = iterations(200, 20);
    const finishedId = (await counted.api.request<{ id: string }>('POST', '/task', { task: null, device: 'desktop' })).payload.id;
    await counted.api.command(finishedId, 'session_action', 'close', {});
    await counted.api.waitUntilFinished(finishedId);
    const getCounts = await countedWork(counters, idle, async () => {
      for (let index = 0; index < gets; index += 1) await counted.api.request('GET', `/task/${finishedId}`);
    });
    operations.push(perOperation('GET /task/{id}', getCounts.counts, gets));

    const cycles = iterations(10, 2);
    const cycleCounts = await countedWork(counters, idle, () => sessionCycles(counted, fixtures.url('/'), cycles));
    operations.push(perOperation('session cycle (create, goto, close, long-polls)', cycleCounts.counts, cycles));

    process.stderr.write(`distributed: ${taskCount} tasks with 1 worker\n`);
    let oneWorker: TaskRun | undefined;
    const oneWorkerCounts = await countedWork(counters, idle, async () => {
      oneWorker = await runTasks(counted, pageUrl, taskCount, workerSlots * 2);
    });
    rows.push(taskRows('1 worker (2 slots)', oneWorker!, taskCount));
    operations.push(perOperation('task, 1 worker (POST, long-polls, 2 model steps)', oneWorkerCounts.counts, taskCount));

    await counted.addWorker();
    await runTasks(counted, pageUrl, 4, 4);
    process.stderr.write(`distributed: ${taskCount} tasks with 2 workers\n`);
    let twoWorkers: TaskRun | undefined;
    const twoWorkerCounts = await countedWork(counters, idle, async () => {
      twoWorkers = await runTasks(counted, pageUrl, taskCount, workerSlots * 4);
    });
    rows.push(taskRows('2 workers (4 slots)', twoWorkers!, taskCount));
    operations.push(perOperation('task, 2 workers', twoWorkerCounts.counts, taskCount));

    const open = await counters.snapshot();
    rows.push({
      benchmark: 'distributed-counts',
      measure: 'open connections per process at the end: PostgreSQL',
      unit: 'connections',
      value: Math.max(...Object.values(open).map((counts) => counts.postgres.open)),
      note: Object.entries(open).map(([name, counts]) => `${name} ${counts.postgres.open} PostgreSQL / ${counts.redis.open} Redis`).join(', '),
    });
    for (const operation of operations) rows.push(...countRows(operation));
    return rows;
  } finally {
    for (const target of opened) await target.close().catch((error: unknown) => process.stderr.write(`closing ${target.name}: ${String(error)}\n`));
    await counters?.close();
    await Promise.all([postgres.stop(), redis.stop(), s3.close(), fixtures.close(), model.close()]);
  }
}

if (isMainModule(import.meta.url)) runStandalone('Distributed mode vs embedded', runDistributed);

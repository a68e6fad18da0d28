import { isQuickMode, iterations } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { benchApiKey, startBenchServer, type BenchServer } from './lib/bench-server.js';
import { chooseLoadGenerator, runHttpLoad, type LoadGeneratorName, type LoadResult } from './lib/http-load.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded } from './lib/statistics.js';

/**
 * Issue 4, item 5: GET /task/{id} and the event poll under load, with 50 live sessions.
 * The generator is wrk (1 thread; BENCH_PIN=1 pins it and the server to separate cores) unless
 * BENCH_LOAD_GENERATOR=autocannon.
 */

interface LoadCase {
  label: string;
  pathFor(sessionId: string): string;
}

export const apiLoadCases: LoadCase[] = [
  { label: 'GET /task/{id}', pathFor: (sessionId) => `/api/v1/task/${sessionId}` },
  // A resuming client's poll: events exist after event_t, so it answers at once with them.
  { label: 'GET /task/{id}?event_t=0 (poll with events)', pathFor: (sessionId) => `/api/v1/task/${sessionId}?event_t=0` },
];

/** Opens `count` live sessions, each on a fixture page (so each has one event: the goto's answer). */
export async function openLiveSessions(bench: BenchServer, count: number): Promise<string[]> {
  const sessions: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const sessionId = await bench.client.createSession('desktop');
    await bench.client.goto(sessionId, bench.fixtures.url('/'));
    sessions.push(sessionId);
  }
  return sessions;
}

export function loadRows(label: string, result: LoadResult, sessionCount: number): BenchRow[] {
  // CPU per request is the figure other processes on the machine disturb least.
  const cpuPerRequest = rounded((result.serverCpuPercent / 100 / result.requestsPerSecond) * 1e6);
  const generatorCpu = result.generatorCpuPercent === null ? 'in the same process' : `${result.generatorCpuPercent}%`;
  const cpu = `server CPU ${result.serverCpuPercent}% of a core (${cpuPerRequest} µs/request), generator CPU ${generatorCpu}`;
  return [
    {
      benchmark: 'api-load',
      measure: `${label} throughput`,
      unit: 'req/s',
      value: rounded(result.requestsPerSecond),
      goal: '>= 5000 req/s',
      met: result.requestsPerSecond >= 5000 && result.failedCount === 0,
      note: `${result.okCount} ok, ${result.failedCount} failed; ${sessionCount} connections, ${sessionCount} live sessions, ${result.durationSeconds} s; ${result.generator}; ${cpu}`,
    },
    {
      benchmark: 'api-load',
      measure: `${label} latency p99`,
      unit: 'ms',
      value: rounded(result.latencyMs.p99),
      goal: '< 10 ms',
      met: result.latencyMs.p99 < 10,
      note: `p50 ${rounded(result.latencyMs.p50)} ms, max ${rounded(result.latencyMs.max)} ms; server event-loop delay p99 ${result.eventLoopDelayMs.p99} ms, max ${result.eventLoopDelayMs.max} ms`,
    },
  ];
}

export async function runApiLoad(generator: LoadGeneratorName = chooseLoadGenerator()): Promise<BenchRow[]> {
  const sessionCount = iterations(50, 3);
  const bench = await startBenchServer({ maxConcurrentTasks: sessionCount + 4 });
  const rows: BenchRow[] = [];
  try {
    const sessions = await openLiveSessions(bench, sessionCount);
    for (const loadCase of apiLoadCases) {
      const load = {
        url: bench.server.url,
        paths: sessions.map((sessionId) => loadCase.pathFor(sessionId)),
        headers: { apikey: benchApiKey },
        connections: sessionCount,
      };
      // Unmeasured warm-up: the JIT compiles the hot path, and the browser pool finishes warming
      // its spare contexts (renderer start-ups) left from opening the sessions.
      if (!isQuickMode()) await runHttpLoad(generator, { ...load, durationSeconds: 3 });
      const result = await runHttpLoad(generator, { ...load, durationSeconds: isQuickMode() ? 1 : 10 });
      rows.push(...loadRows(loadCase.label, result, sessionCount));
    }
    await Promise.allSettled(sessions.map((sessionId) => bench.client.close(sessionId)));
  } finally {
    await bench.close();
  }
  return rows;
}

if (isMainModule(import.meta.url)) runStandalone('api-load', () => runApiLoad());

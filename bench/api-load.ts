import autocannon from 'autocannon';
import { isQuickMode, iterations } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { benchApiKey, startBenchServer } from './lib/bench-server.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded } from './lib/statistics.js';

/** Issue 4, item 5: GET /task/{id} and the event poll under load, with 50 live sessions. */

interface LoadCase {
  label: string;
  pathFor(sessionId: string): string;
}

const loadCases: LoadCase[] = [
  { label: 'GET /task/{id}', pathFor: (sessionId) => `/api/v1/task/${sessionId}` },
  // A resuming client's poll: events exist after event_t, so it answers at once with them.
  { label: 'GET /task/{id}?event_t=0 (poll with events)', pathFor: (sessionId) => `/api/v1/task/${sessionId}?event_t=0` },
];

export async function runApiLoad(): Promise<BenchRow[]> {
  const sessionCount = iterations(50, 3);
  const bench = await startBenchServer({ maxConcurrentTasks: sessionCount + 4 });
  const rows: BenchRow[] = [];
  try {
    const sessions: string[] = [];
    for (let index = 0; index < sessionCount; index += 1) {
      const sessionId = await bench.client.createSession('desktop');
      await bench.client.goto(sessionId, bench.fixtures.url('/'));
      sessions.push(sessionId);
    }
    for (const loadCase of loadCases) {
      const result = await autocannon({
        url: bench.server.url,
        connections: sessionCount,
        // The load generator runs in a worker thread so it does not share the server's event loop.
        workers: 1,
        duration: isQuickMode() ? 1 : 10,
        headers: { apikey: benchApiKey },
        requests: sessions.map((sessionId) => ({ method: 'GET', path: loadCase.pathFor(sessionId) })),
      });
      const failures = result.errors + result.timeouts + result.non2xx;
      const note = `${result['2xx']} ok, ${failures} failed; ${sessionCount} connections, ${sessionCount} live sessions, ${result.duration} s`;
      rows.push(
        {
          benchmark: 'api-load',
          measure: `${loadCase.label} throughput`,
          unit: 'req/s',
          value: rounded(result.requests.average),
          goal: '>= 5000 req/s',
          met: result.requests.average >= 5000 && failures === 0,
          note,
        },
        {
          benchmark: 'api-load',
          measure: `${loadCase.label} latency p99`,
          unit: 'ms',
          value: result.latency.p99,
          goal: '< 10 ms',
          met: result.latency.p99 < 10,
          note: `p50 ${result.latency.p50} ms, max ${result.latency.max} ms`,
        },
      );
    }
    await Promise.allSettled(sessions.map((sessionId) => bench.client.close(sessionId)));
  } finally {
    await bench.close();
  }
  return rows;
}

if (isMainModule(import.meta.url)) runStandalone('api-load', runApiLoad);

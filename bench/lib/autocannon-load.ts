import autocannon from 'autocannon';
import type { LoadOptions, LoadResult } from './http-load.js';

/** Autocannon 8 in a worker thread (so it does not share the server's event loop, only its process). */
export async function runAutocannonLoad(options: LoadOptions): Promise<Omit<LoadResult, 'serverCpuPercent' | 'eventLoopDelayMs'>> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    workers: 1,
    duration: options.durationSeconds,
    headers: options.headers,
    requests: options.paths.map((path) => ({ method: 'GET', path })),
  });
  return {
    generator: 'autocannon 8 (worker thread, same process)',
    requestsPerSecond: result.requests.average,
    okCount: result['2xx'],
    failedCount: result.errors + result.timeouts + result.non2xx,
    durationSeconds: result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    generatorCpuPercent: null,
  };
}

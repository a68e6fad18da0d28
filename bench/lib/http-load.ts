import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runAutocannonLoad } from './autocannon-load.js';
import { ensureWrk, runWrkLoad } from './wrk-load.js';

/** What one load run against our server saw, whichever generator fired it. */
export interface LoadResult {
  generator: string;
  requestsPerSecond: number;
  okCount: number;
  failedCount: number;
  durationSeconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** CPU the load generator used, in % of one core; null when it shares our process (autocannon). */
  generatorCpuPercent: number | null;
  /** CPU this process (the server) used during the run, in % of one core. */
  serverCpuPercent: number;
  /** Event-loop delay of the server's thread during the run. */
  eventLoopDelayMs: { p99: number; max: number };
}

export interface LoadOptions {
  url: string;
  paths: string[];
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
}

export type LoadGeneratorName = 'wrk' | 'autocannon';

/**
 * BENCH_LOAD_GENERATOR=wrk|autocannon picks one; by default wrk (installed when missing), because
 * on 2 cores autocannon's own CPU competes with the server it measures. Autocannon is the fallback.
 */
export function chooseLoadGenerator(environment: NodeJS.ProcessEnv = process.env): LoadGeneratorName {
  const asked = environment.BENCH_LOAD_GENERATOR?.trim();
  if (asked === 'autocannon') return 'autocannon';
  return ensureWrk() ? 'wrk' : 'autocannon';
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** Runs the load with the given generator, measuring the server's CPU and event-loop delay meanwhile. */
export async function runHttpLoad(generator: LoadGeneratorName, options: LoadOptions): Promise<LoadResult> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  delay.enable();
  const partial = generator === 'wrk' ? await runWrkLoad(options) : await runAutocannonLoad(options);
  delay.disable();
  const elapsedMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    ...partial,
    serverCpuPercent: round1(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100),
    eventLoopDelayMs: { p99: round1(delay.percentile(99) / 1e6), max: round1(delay.max / 1e6) },
  };
}

import { performance } from 'node:perf_hooks';
import { iterations } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { startBenchServer, type BenchServer } from './lib/bench-server.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded, summarize } from './lib/statistics.js';

/** Issue 4, item 1: create session → goto a local page → close, over the HTTP API. */

interface CycleTiming {
  totalMs: number;
  createMs: number;
  gotoMs: number;
  closeMs: number;
}

async function oneCycle(bench: BenchServer, pageUrl: string): Promise<CycleTiming> {
  const started = performance.now();
  const sessionId = await bench.client.createSession('desktop');
  const created = performance.now();
  await bench.client.goto(sessionId, pageUrl);
  const navigated = performance.now();
  await bench.client.close(sessionId);
  const closed = performance.now();
  return { totalMs: closed - started, createMs: created - started, gotoMs: navigated - created, closeMs: closed - navigated };
}

/** Runs `count` cycles with `concurrency` workers pulling from one counter. */
export async function cycles(bench: BenchServer, pageUrl: string, count: number, concurrency: number): Promise<CycleTiming[]> {
  const timings: CycleTiming[] = [];
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      timings.push(await oneCycle(bench, pageUrl));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return timings;
}

function rowsFor(concurrency: number, timings: CycleTiming[]): BenchRow[] {
  const total = summarize(timings.map((timing) => timing.totalMs));
  const benchmark = 'session-cycle';
  const goals: Record<string, { limit: number; text: string } | undefined> =
    concurrency === 1
      ? { p50: { limit: 60, text: '<= 60 ms' }, p95: { limit: 120, text: '<= 120 ms' } }
      : { p95: { limit: 300, text: '<= 300 ms' } };
  const row = (statistic: 'p50' | 'p95' | 'max'): BenchRow => {
    const goal = goals[statistic];
    const value = rounded(total[statistic]);
    return {
      benchmark,
      measure: `c=${concurrency} cycle ${statistic} (n=${total.count})`,
      unit: 'ms',
      value,
      ...(goal ? { goal: goal.text, met: value <= goal.limit } : {}),
    };
  };
  const phase = (name: keyof CycleTiming): BenchRow => {
    const summary = summarize(timings.map((timing) => timing[name]));
    return {
      benchmark,
      measure: `c=${concurrency} ${name.replace('Ms', '')} p50/p95`,
      unit: 'ms',
      value: rounded(summary.p50),
      note: `p95 ${rounded(summary.p95)}`,
    };
  };
  return [row('p50'), row('p95'), row('max'), phase('createMs'), phase('gotoMs'), phase('closeMs')];
}

export async function runSessionCycle(): Promise<BenchRow[]> {
  const count = iterations(120, 3);
  // Every session of the c=10 run is live at once; the scheduler must not queue them.
  const bench = await startBenchServer({ maxConcurrentTasks: 16 });
  try {
    const pageUrl = bench.fixtures.url('/');
    const concurrency = iterations(10, 2);
    // Steady state, as a server that has been serving sessions is: one warm-up round at each
    // concurrency launches the browser and leaves the pool as many contexts as run at once.
    await cycles(bench, pageUrl, 3, 1);
    const serial = await cycles(bench, pageUrl, count, 1);
    await cycles(bench, pageUrl, concurrency, concurrency);
    const parallel = await cycles(bench, pageUrl, count, concurrency);
    return [...rowsFor(1, serial), ...rowsFor(concurrency, parallel)];
  } finally {
    await bench.close();
  }
}

if (isMainModule(import.meta.url)) runStandalone('session-cycle', runSessionCycle);

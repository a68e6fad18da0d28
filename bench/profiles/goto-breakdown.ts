import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BrowserPool } from '@open-smooth/browser';
import { iterations } from '../lib/bench-options.js';
import type { BenchRow } from '../lib/bench-row.js';
import { isMainModule, runStandalone } from '../lib/run-standalone.js';
import { rounded, summarize } from '../lib/statistics.js';
import { loopbackNetworkAllowance, startFixtureServer } from '../lib/testkit.js';

/**
 * Profile behind the session-cycle figures: where a `goto` spends its time. Splits TaskContext.goto
 * into Playwright's navigation (domcontentloaded) and the settle wait that follows, and times a settle
 * on a page that is already idle (the floor every click/press/goto pays).
 */
export async function runGotoBreakdown(): Promise<BenchRow[]> {
  const count = iterations(30, 3);
  const fixtures = await startFixtureServer();
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, warmDevices: ['desktop'] });
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-profile-'));
  const taskContext = await pool.openContext({ device: 'desktop', downloadsDirectory });
  const navigation: number[] = [];
  const settleAfterNavigation: number[] = [];
  const settleWhenIdle: number[] = [];
  const openContext: number[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const started = performance.now();
      await taskContext.page.goto(fixtures.url('/'), { waitUntil: 'domcontentloaded' });
      const navigated = performance.now();
      await taskContext.waitForSettle();
      const settled = performance.now();
      await taskContext.waitForSettle();
      const idleSettled = performance.now();
      navigation.push(navigated - started);
      settleAfterNavigation.push(settled - navigated);
      settleWhenIdle.push(idleSettled - settled);
      const contextStarted = performance.now();
      const extra = await pool.openContext({ device: 'desktop', downloadsDirectory });
      openContext.push(performance.now() - contextStarted);
      await extra.close();
    }
  } finally {
    await taskContext.close();
    await pool.close();
    await fixtures.close();
    await rm(downloadsDirectory, { recursive: true, force: true });
  }
  const parallel = await concurrentGotos(iterations(10, 2), iterations(5, 1));
  const row = (measure: string, samples: number[]): BenchRow => {
    const summary = summarize(samples);
    return { benchmark: 'profile: goto', measure: `${measure} p50 (n=${summary.count})`, unit: 'ms', value: rounded(summary.p50), note: `p95 ${rounded(summary.p95)}` };
  };
  return [
    row('page.goto domcontentloaded', navigation),
    row('settle after navigation', settleAfterNavigation),
    row('settle on an idle page', settleWhenIdle),
    row('pool.openContext (warm pool)', openContext),
    row(`c=${iterations(10, 2)} openContext, no HTTP`, parallel.openContext),
    row(`c=${iterations(10, 2)} page.goto domcontentloaded, no HTTP`, parallel.navigation),
    row(`c=${iterations(10, 2)} settle after navigation, no HTTP`, parallel.settle),
  ];
}

/** The c=10 session cycle without the server: N contexts open, navigate and settle at once, straight on the pool. */
async function concurrentGotos(concurrency: number, rounds: number): Promise<{ openContext: number[]; navigation: number[]; settle: number[] }> {
  const fixtures = await startFixtureServer();
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, warmDevices: ['desktop'] });
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-profile-'));
  const samples = { openContext: [] as number[], navigation: [] as number[], settle: [] as number[] };
  try {
    await pool.whenWarm();
    for (let round = 0; round < rounds; round += 1) {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          const started = performance.now();
          const taskContext = await pool.openContext({ device: 'desktop', downloadsDirectory });
          const opened = performance.now();
          await taskContext.page.goto(fixtures.url('/'), { waitUntil: 'domcontentloaded' });
          const navigated = performance.now();
          await taskContext.waitForSettle();
          samples.openContext.push(opened - started);
          samples.navigation.push(navigated - opened);
          samples.settle.push(performance.now() - navigated);
          await taskContext.close();
        }),
      );
    }
  } finally {
    await pool.close();
    await fixtures.close();
    await rm(downloadsDirectory, { recursive: true, force: true });
  }
  return samples;
}

if (isMainModule(import.meta.url)) runStandalone('profile: goto breakdown', runGotoBreakdown);

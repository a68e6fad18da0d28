import { setTimeout as sleep } from 'node:timers/promises';
import { BrowserPool } from '@open-smooth/browser';
import { isQuickMode } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { startBenchServer, type BenchServer } from './lib/bench-server.js';
import { loopbackNetworkAllowance } from './lib/testkit.js';
import { chromiumTreeMemory, type TreeMemory } from './lib/process-tree-memory.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded } from './lib/statistics.js';

/** Issue 4, item 4: PSS of the browser's process tree with N idle sessions. */

const machineMegabytes = 24 * 1024;
const goalMegabytesPerSession = 40;

/** Lets renderers finish loading and the allocator settle before reading PSS. */
async function settledMemory(): Promise<TreeMemory> {
  await sleep(isQuickMode() ? 200 : 1500);
  return chromiumTreeMemory();
}

function describeKinds(memory: TreeMemory): string {
  return Object.entries(memory.byKind)
    .sort(([, left], [, right]) => right.megabytes - left.megabytes)
    .map(([kind, entry]) => `${kind} ${entry.processes}x ${Math.round(entry.megabytes)} MB`)
    .join(', ');
}

interface Variant {
  label: string;
  extraArgs: string[];
}

async function measureVariant(variant: Variant, counts: number[]): Promise<BenchRow[]> {
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, extraArgs: variant.extraArgs });
  const bench: BenchServer = await startBenchServer({ maxConcurrentTasks: Math.max(...counts) + 4, browserPool: pool });
  const rows: BenchRow[] = [];
  const sessions: string[] = [];
  try {
    // The browser starts with the server's first session; measure its baseline with that session closed.
    const first = await bench.client.createSession('desktop');
    await bench.client.goto(first, bench.fixtures.url('/'));
    await bench.client.close(first);
    const baseline = await settledMemory();
    const pages = ['/flights', '/shop', '/apply', '/login', '/menu'];
    for (const count of counts) {
      while (sessions.length < count) {
        const sessionId = await bench.client.createSession('desktop');
        await bench.client.goto(sessionId, bench.fixtures.url(pages[sessions.length % pages.length] ?? '/'));
        sessions.push(sessionId);
      }
      const memory = await settledMemory();
      const perSession = memory.totalMegabytes / count;
      const marginal = (memory.totalMegabytes - baseline.totalMegabytes) / count;
      const fit = Math.floor((machineMegabytes - baseline.totalMegabytes) / Math.max(marginal, 1));
      rows.push({
        benchmark: 'memory',
        measure: `${variant.label}: N=${count} PSS per session`,
        unit: 'MB',
        value: rounded(perSession),
        goal: `<= ${goalMegabytesPerSession} MB`,
        met: perSession <= goalMegabytesPerSession,
        note: `tree ${Math.round(memory.totalMegabytes)} MB in ${memory.processCount} processes (${describeKinds(memory)}); baseline ${Math.round(baseline.totalMegabytes)} MB; marginal ${rounded(marginal)} MB/session`,
      });
      rows.push({
        benchmark: 'memory',
        measure: `${variant.label}: N=${count} sessions that fit in 24 GiB`,
        unit: 'sessions',
        value: fit,
        note: 'from the marginal PSS per session',
      });
    }
  } finally {
    await Promise.allSettled(sessions.map((sessionId) => bench.client.close(sessionId)));
    await bench.close();
    await pool.close();
  }
  return rows;
}

export async function runMemory(): Promise<BenchRow[]> {
  const counts = isQuickMode() ? [1, 2] : [1, 10, 50];
  // Switches that might shrink a session are compared in bench/profiles/renderer-breakdown.ts.
  const variants: Variant[] = [{ label: 'default', extraArgs: [] }];
  const rows: BenchRow[] = [];
  for (const variant of variants) rows.push(...(await measureVariant(variant, counts)));
  return rows;
}

if (isMainModule(import.meta.url)) runStandalone('memory', runMemory);

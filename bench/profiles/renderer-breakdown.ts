import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrowserPool, type TaskContext } from '@open-smooth/browser';
import { isQuickMode, iterations } from '../lib/bench-options.js';
import type { BenchRow } from '../lib/bench-row.js';
import { chromiumTreeMemory } from '../lib/process-tree-memory.js';
import { isMainModule, runStandalone } from '../lib/run-standalone.js';
import { rounded } from '../lib/statistics.js';
import { startFixtureServer } from '../lib/testkit.js';

/**
 * Profile behind the memory figure: how many renderer processes N idle contexts cost, and what
 * Chromium switches change it. Straight on the pool (no server), no warm contexts.
 */
const variants: Array<{ label: string; extraArgs: string[] }> = [
  { label: 'product switches', extraArgs: [] },
  { label: '+ --disable-features=BackForwardCache', extraArgs: ['--disable-features=BackForwardCache'] },
  { label: '+ --renderer-process-limit=4', extraArgs: ['--renderer-process-limit=4'] },
  { label: '+ --single-process (all in one)', extraArgs: ['--single-process'] },
];

export async function runRendererBreakdown(): Promise<BenchRow[]> {
  const sessions = iterations(10, 2);
  const fixtures = await startFixtureServer();
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-profile-'));
  const rows: BenchRow[] = [];
  try {
    for (const variant of isQuickMode() ? variants.slice(0, 1) : variants) {
      const pool = await BrowserPool.launch({ warmContextsPerDevice: 0, extraArgs: variant.extraArgs });
      const contexts: TaskContext[] = [];
      try {
        const idle = await chromiumTreeMemory();
        for (let index = 0; index < sessions; index += 1) {
          const taskContext = await pool.openContext({ device: 'desktop', downloadsDirectory });
          await taskContext.goto(fixtures.url('/flights'));
          contexts.push(taskContext);
        }
        await sleep(1000);
        const loaded = await chromiumTreeMemory();
        const renderers = loaded.byKind.renderer ?? { processes: 0, megabytes: 0 };
        rows.push({
          benchmark: 'profile: renderers',
          measure: `${variant.label}: ${sessions} contexts, marginal PSS per context`,
          unit: 'MB',
          value: rounded((loaded.totalMegabytes - idle.totalMegabytes) / sessions),
          note: `${renderers.processes} renderers (${Math.round(renderers.megabytes)} MB), ${loaded.processCount} processes, tree ${Math.round(loaded.totalMegabytes)} MB, empty browser ${Math.round(idle.totalMegabytes)} MB`,
        });
      } catch (error) {
        rows.push({ benchmark: 'profile: renderers', measure: variant.label, unit: 'MB', value: null, note: `failed: ${(error as Error).message.split('\n')[0]}` });
      } finally {
        await Promise.allSettled(contexts.map((taskContext) => taskContext.close()));
        await pool.close();
      }
    }
  } finally {
    await fixtures.close();
    await rm(downloadsDirectory, { recursive: true, force: true });
  }
  return rows;
}

if (isMainModule(import.meta.url)) runStandalone('profile: renderer breakdown', runRendererBreakdown);

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
import { loopbackNetworkAllowance, startFixtureServer } from '../lib/testkit.js';

/**
 * Profile behind the memory figure: how many renderer processes N idle contexts cost, and what
 * Chromium switches change it. Straight on the pool (no server), no warm contexts.
 */
const variants: Array<{ label: string; extraArgs: string[] }> = [
  { label: 'product switches', extraArgs: [] },
  { label: '+ --disable-features=BackForwardCache', extraArgs: ['--disable-features=BackForwardCache'] },
  { label: '+ --disable-gpu-compositing', extraArgs: ['--disable-gpu-compositing'] },
  { label: '+ --disable-features=SpareRendererForSitePerProcess', extraArgs: ['--disable-features=SpareRendererForSitePerProcess'] },
  { label: '+ --renderer-process-limit=4', extraArgs: ['--renderer-process-limit=4'] },
  { label: '+ --in-process-gpu', extraArgs: ['--in-process-gpu'] },
];

/** Chromium's own targets by type: headless 156 opens browser_ui (top-chrome WebUI) targets per window. */
async function targetTypes(pool: BrowserPool): Promise<string> {
  const session = await pool.browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await session.send('Target.getTargets')) as { targetInfos: Array<{ type: string }> };
    const counts = new Map<string, number>();
    for (const target of targetInfos) counts.set(target.type, (counts.get(target.type) ?? 0) + 1);
    return [...counts.entries()].map(([type, count]) => `${count} ${type}`).join(', ');
  } finally {
    await session.detach().catch(() => {});
  }
}

export async function runRendererBreakdown(): Promise<BenchRow[]> {
  const sessions = iterations(10, 2);
  const fixtures = await startFixtureServer();
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-profile-'));
  const rows: BenchRow[] = [];
  try {
    for (const variant of isQuickMode() ? variants.slice(0, 1) : variants) {
      const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, warmContextsPerDevice: 0, extraArgs: variant.extraArgs });
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
        const targets = await targetTypes(pool);
        rows.push({
          benchmark: 'profile: renderers',
          measure: `${variant.label}: ${sessions} contexts, marginal PSS per context`,
          unit: 'MB',
          value: rounded((loaded.totalMegabytes - idle.totalMegabytes) / sessions),
          note: `targets: ${targets}; ${renderers.processes} renderers (${Math.round(renderers.megabytes)} MB), ${loaded.processCount} processes, tree ${Math.round(loaded.totalMegabytes)} MB, empty browser ${Math.round(idle.totalMegabytes)} MB`,
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

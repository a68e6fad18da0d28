import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observePage } from '@open-smooth/agent';
import { BrowserPool } from '@open-smooth/browser';
import type { BenchRow } from './lib/bench-row.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { loopbackNetworkAllowance, startFixtureServer } from './lib/testkit.js';

/**
 * Issue 11, "less noise": observation tokens of widgets that used to be printed twice: a popup
 * calendar (each week as a table row and again as one link per day) and jQuery-UI-like tabs (each
 * tab as a tab and again as the link inside it). Run it in two trees for a before/after.
 */

interface NoiseCase {
  label: string;
  path: string;
  /** What a person does first to show the widget (a selector clicked before observing). */
  open?: string;
}

const cases: NoiseCase[] = [
  { label: 'popup calendar (/booking/calendar, opened)', path: '/booking/calendar', open: '#departure' },
  { label: 'tabs (/widgets/tabs)', path: '/widgets/tabs' },
];

export async function runObservationNoise(): Promise<BenchRow[]> {
  const fixtures = await startFixtureServer();
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, warmDevices: ['desktop'] });
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-noise-'));
  const rows: BenchRow[] = [];
  try {
    for (const noiseCase of cases) {
      const taskContext = await pool.openContext({ device: 'desktop', downloadsDirectory });
      try {
        await taskContext.goto(fixtures.url(noiseCase.path));
        if (noiseCase.open) {
          await taskContext.page.click(noiseCase.open);
          await taskContext.waitForSettle();
        }
        const observation = await observePage(taskContext.page);
        const lines = observation.text.split('\n').length;
        rows.push({
          benchmark: 'observation-noise',
          measure: `${noiseCase.label} tokens`,
          unit: 'tokens',
          value: observation.tokens,
          note: `${observation.elements.length} elements, ${lines} lines`,
        });
      } finally {
        await taskContext.close();
      }
    }
  } finally {
    await pool.close();
    await fixtures.close();
    await rm(downloadsDirectory, { recursive: true, force: true });
  }
  return rows;
}

if (isMainModule(import.meta.url)) runStandalone('observation-noise', runObservationNoise);

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluateOnElement, observePage, resolveElement } from '@open-smooth/agent';
import { BrowserPool } from '@open-smooth/browser';
import { iterations } from '../lib/bench-options.js';
import type { BenchRow } from '../lib/bench-row.js';
import { isMainModule, runStandalone } from '../lib/run-standalone.js';
import { clickablePoint } from '../../packages/agent/src/actions/clickable-point.js';
import { prepareForTyping } from '../../packages/agent/src/actions/prepare-for-typing.js';
import { rounded, summarize } from '../lib/statistics.js';
import { findElementIndex, loopbackNetworkAllowance, startFixtureServer } from '../lib/testkit.js';

/**
 * Profile behind the agent-overhead "act" figure, on /flights: the CDP work of a `type` and of a
 * `click` the old way (resolve the index to a handle, read the tag, Playwright's fill / click with
 * their actionability checks) beside the agent's current way (one evaluate that finds, checks and
 * prepares the element, then real key events / one mouse click).
 */
export async function runActBreakdown(): Promise<BenchRow[]> {
  const count = iterations(30, 3);
  const fixtures = await startFixtureServer();
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance, warmDevices: ['desktop'] });
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-profile-'));
  const taskContext = await pool.openContext({ device: 'desktop', downloadsDirectory });
  const samples = {
    observe: [] as number[],
    resolve: [] as number[],
    tagName: [] as number[],
    fill: [] as number[],
    typeNow: [] as number[],
    playwrightClick: [] as number[],
    clickNow: [] as number[],
  };
  try {
    await taskContext.goto(fixtures.url('/flights'));
    for (let index = 0; index < count; index += 1) {
      let mark = performance.now();
      const lap = (into: number[]) => {
        const now = performance.now();
        into.push(now - mark);
        mark = now;
      };
      const observation = await observePage(taskContext.page, {});
      lap(samples.observe);
      const fromIndex = findElementIndex(observation.text, { role: 'textbox', name: 'From' });
      const swapIndex = findElementIndex(observation.text, { role: 'button', name: 'Swap origin and destination' });
      if (fromIndex === undefined || swapIndex === undefined) throw new Error('the From field or the Swap button is not in the observation');
      const page = taskContext.page;
      const element = await resolveElement(page, observation, fromIndex);
      lap(samples.resolve);
      await element.evaluate((node) => node.tagName.toLowerCase());
      lap(samples.tagName);
      await element.fill(`London ${index}`);
      lap(samples.fill);
      const preparation = await evaluateOnElement(page, observation, fromIndex, prepareForTyping, undefined);
      if (preparation.kind !== 'text') throw new Error(`the From field took another path: ${JSON.stringify(preparation)}`);
      await page.keyboard.type(`Paris ${index}`);
      lap(samples.typeNow);
      const swap = await resolveElement(page, observation, swapIndex);
      await swap.click();
      lap(samples.playwrightClick);
      const point = await evaluateOnElement(page, observation, swapIndex, clickablePoint, undefined);
      if ('fallback' in point) throw new Error(`the Swap button took the slow path: ${point.fallback}`);
      await page.mouse.click(point.x, point.y);
      lap(samples.clickNow);
    }
  } finally {
    await taskContext.close();
    await pool.close();
    await fixtures.close();
    await rm(downloadsDirectory, { recursive: true, force: true });
  }
  const row = (measure: string, values: number[]): BenchRow => {
    const summary = summarize(values);
    return { benchmark: 'profile: act', measure: `${measure} p50 (n=${summary.count})`, unit: 'ms', value: rounded(summary.p50), note: `p95 ${rounded(summary.p95)}` };
  };
  return [
    row('observePage', samples.observe),
    row('type, before: resolveElement (index → handle)', samples.resolve),
    row('type, before: read tagName', samples.tagName),
    row('type, before: Playwright fill (actionability + input)', samples.fill),
    row('type, now: one evaluate (find, check, select, focus) + real key events', samples.typeNow),
    row('click, before: resolveElement + Playwright click (actionability, stable, hit test)', samples.playwrightClick),
    row('click, now: one evaluate (find, scroll, hit test) + mouse click', samples.clickNow),
  ];
}

if (isMainModule(import.meta.url)) runStandalone('profile: act breakdown', runActBreakdown);

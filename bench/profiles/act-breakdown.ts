import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { observePage, resolveElement } from '@open-smooth/agent';
import { BrowserPool } from '@open-smooth/browser';
import { iterations } from '../lib/bench-options.js';
import type { BenchRow } from '../lib/bench-row.js';
import { isMainModule, runStandalone } from '../lib/run-standalone.js';
import { rounded, summarize } from '../lib/statistics.js';
import { findElementIndex, startFixtureServer } from '../lib/testkit.js';

/**
 * Profile behind the agent-overhead "act" figure: the CDP work of a `type` step on /flights, split
 * into the calls the type action makes (resolve the index, read the tag, Playwright's fill with its
 * actionability checks), beside a DOM-level value set for scale.
 */
export async function runActBreakdown(): Promise<BenchRow[]> {
  const count = iterations(30, 3);
  const fixtures = await startFixtureServer();
  const pool = await BrowserPool.launch({ warmDevices: ['desktop'] });
  const downloadsDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-bench-profile-'));
  const taskContext = await pool.openContext({ device: 'desktop', downloadsDirectory });
  const samples = { observe: [] as number[], resolve: [] as number[], tagName: [] as number[], fill: [] as number[], domSet: [] as number[] };
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
      const elementIndex = findElementIndex(observation.text, { role: 'textbox', name: 'From' });
      if (elementIndex === undefined) throw new Error('the From field is not in the observation');
      const element = await resolveElement(taskContext.page, observation, elementIndex);
      lap(samples.resolve);
      await element.evaluate((node) => node.tagName.toLowerCase());
      lap(samples.tagName);
      await element.fill(`London ${index}`);
      lap(samples.fill);
      await element.evaluate((node, value) => {
        (node as HTMLInputElement).value = value;
        node.dispatchEvent(new Event('input', { bubbles: true }));
      }, `Paris ${index}`);
      lap(samples.domSet);
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
    row('resolveElement (index → handle)', samples.resolve),
    row('read tagName', samples.tagName),
    row('Playwright fill (actionability + input)', samples.fill),
    row('DOM value set + input event', samples.domSet),
  ];
}

if (isMainModule(import.meta.url)) runStandalone('profile: act breakdown', runActBreakdown);

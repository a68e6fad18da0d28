import assert from 'node:assert/strict';
import { test } from 'node:test';

import { probeDocument } from '../src/dom-activity.js';
import { type TaskContext } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('page-settle');

function withTask(run: (task: TaskContext) => Promise<void>): Promise<void> {
  return fixture.withTask({}, run);
}

interface TimerProbe {
  timerFired?: boolean;
}

test('settle on a quiet page returns without waiting out a quiet window', async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    // A page-side timer due when the former fixed network window (400 ms) would have ended.
    await task.page.evaluate(() => {
      const probe = window as unknown as TimerProbe;
      probe.timerFired = false;
      setTimeout(() => (probe.timerFired = true), 400);
    });
    await task.waitForSettle();
    assert.equal(await task.page.evaluate(() => (window as unknown as TimerProbe).timerFired), false);
  });
});

test('the activity tracker leaves no attribute and no named global in the page', async () => {
  const pageTraces = () => ({ html: document.documentElement.outerHTML, globals: Object.getOwnPropertyNames(window).sort() });
  const untracked = await fixture.pool.browser.newContext();
  try {
    const plainPage = await untracked.newPage();
    await plainPage.goto(`${fixture.site.origin}/`);
    const expected = await plainPage.evaluate(pageTraces);
    await withTask(async (task) => {
      await task.goto(`${fixture.site.origin}/`);
      assert.deepEqual(await task.page.evaluate(pageTraces), expected);
    });
  } finally {
    await untracked.close();
  }
});

test('the tracker runs from document start in our isolated world, where the page cannot reach or fake it', async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    // The page plants a record under every name the tracker ever used; ours is unaffected.
    await task.page.evaluate(() => {
      const fake = { lastMutationAt: -1, recording: false };
      Object.assign(window, { openSmoothDomActivity: fake, [Symbol.for('open-smooth:dom-activity')]: fake });
    });
    const probe = await probeDocument(task.page, 1_000);
    assert.equal(probe.tracked, true);
    assert.equal(probe.readyState, 'complete');
    await task.page.evaluate(() => document.body.append(document.createElement('p')));
    const afterMutation = await probeDocument(task.page, 1_000);
    assert.ok(afterMutation.sinceMutationMs !== null && afterMutation.sinceMutationMs < 5_000, 'the mutation was recorded');
  });
});

test('settle after a click waits for a fetch, its rendering and the fetch that follows', async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/click-fetch`);
    await task.page.click('#load');
    await task.waitForSettle();
    assert.equal(await task.page.textContent('#status'), 'done');
    assert.deepEqual(await task.page.locator('#answers li').allTextContents(), ['answer after 150 ms', 'answer after 60 ms']);
  });
});

test('settle waits for a navigation the page script starts', async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    await task.page.evaluate(() => void (location.href = '/slow-page'));
    await task.waitForSettle();
    assert.equal(task.page.url(), `${fixture.site.origin}/slow-page`);
    assert.equal(await task.page.textContent('#arrived'), 'arrived');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { browserProcessId } from '@open-smooth/testkit';

import { BrowserCrashedError } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('browser-supervision');

test('a Chromium killed with SIGKILL fails its running task with a reason, and the next task gets a new browser', async () => {
  const pool = fixture.pool;
  const victim = await pool.openContext({ downloadsDirectory: `${fixture.downloadsRoot}/victim` });
  await victim.goto(`${fixture.site.origin}/`);
  const oldBrowser = pool.browser;
  const lost = new Promise<void>((resolve) => oldBrowser.once('disconnected', () => resolve()));
  process.kill(await browserProcessId(pool.networkProxyUrl), 'SIGKILL');
  await lost;

  await assert.rejects(victim.goto(`${fixture.site.origin}/`), (error: unknown) => {
    assert.ok(error instanceof BrowserCrashedError, String(error));
    assert.match((error as Error).message, /the browser crashed/);
    return true;
  });
  assert.ok(victim.lostReason instanceof BrowserCrashedError);
  await victim.close();

  const next = await pool.openContext({ downloadsDirectory: `${fixture.downloadsRoot}/next` });
  try {
    await next.goto(`${fixture.site.origin}/`);
    assert.equal(new URL(next.page.url()).origin, fixture.site.origin);
    assert.notEqual(pool.browser, oldBrowser, 'a new browser was launched');
    assert.ok(pool.browser.isConnected());
  } finally {
    await next.close();
  }
  await pool.whenWarm();
  assert.equal(pool.readyCount('desktop'), 1, 'the warm pool is rebuilt on the new browser');
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { BrowserPool, UrlNotAllowedError, type TaskContext } from '../src/index.js';
import { startTestSite, type TestSite } from './test-site.js';

let pool: BrowserPool;
let site: TestSite;
let downloadsRoot: string;

before(async () => {
  [pool, site, downloadsRoot] = await Promise.all([
    BrowserPool.launch({ warmDevices: ['desktop'] }),
    startTestSite(),
    mkdtemp(join(tmpdir(), 'url-enforcement-test-')),
  ]);
});

after(async () => {
  await pool.close();
  await site.close();
  await rm(downloadsRoot, { recursive: true, force: true });
});

/** A task allowed on 127.0.0.1:port only; localhost:port is the same server under a blocked name. */
async function withRestrictedTask(run: (task: TaskContext) => Promise<void>): Promise<void> {
  const task = await pool.openContext({
    allowedUrls: [`http://127.0.0.1:${site.port}/*`],
    downloadsDirectory: join(downloadsRoot, String(Math.random()).slice(2)),
  });
  try {
    await run(task);
  } finally {
    await task.close();
  }
}

function assertNeverReachedBlockedHost(): void {
  assert.deepEqual(site.hitsOnHost('localhost'), [], 'no request reached the server under the blocked host name');
}

test('goto to a non-allowed host throws UrlNotAllowedError and is reported', async () => {
  await withRestrictedTask(async (task) => {
    await assert.rejects(task.goto(`${site.otherOrigin}/direct`), (error: unknown) => {
      assert.ok(error instanceof UrlNotAllowedError);
      assert.match(error.message, /localhost/);
      return true;
    });
    const blocked = task.takeBlockedRequests();
    assert.equal(blocked.length, 1);
    assert.equal(blocked[0]?.url, `${site.otherOrigin}/direct`);
    assert.deepEqual(task.takeBlockedRequests(), [], 'taken requests are not reported twice');
    assert.equal(task.blockedRequests.length, 1, 'the full list keeps them');
    assertNeverReachedBlockedHost();
  });
});

test('a page navigation (link click) to a non-allowed host is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${site.origin}/link-to-blocked`);
    task.takeBlockedRequests();
    await task.page.click('#link');
    await task.waitForSettle();
    const blocked = task.takeBlockedRequests();
    assert.deepEqual(
      blocked.map((request) => [request.url, request.isNavigation, request.resourceType]),
      [[`${site.otherOrigin}/secret-page`, true, 'document']],
    );
    assertNeverReachedBlockedHost();
  });
});

test('a redirect hop to a non-allowed host is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await assert.rejects(task.goto(`${site.origin}/redirect-to-blocked`), (error: unknown) => {
      assert.ok(error instanceof UrlNotAllowedError);
      assert.equal(error.url, `${site.otherOrigin}/secret-after-redirect`);
      return true;
    });
    assert.ok(site.hits.includes(`127.0.0.1:${site.port}/redirect-to-blocked`), 'the allowed first hop was made');
    const blocked = task.takeBlockedRequests();
    assert.deepEqual(blocked.map((request) => request.url), [`${site.otherOrigin}/secret-after-redirect`]);
    assertNeverReachedBlockedHost();
  });
});

test('an allowed redirect still works', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${site.origin}/redirect-to-home`);
    assert.equal(task.page.url(), `${site.origin}/`);
    assert.equal(await task.page.textContent('h1'), 'home');
    assert.deepEqual(task.takeBlockedRequests(), []);
  });
});

test('a fetch to a non-allowed host, direct or through a redirect, is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${site.origin}/fetch-blocked`);
    await task.page.waitForFunction(() => document.getElementById('result')?.textContent !== 'pending');
    assert.equal(await task.page.textContent('#result'), 'failed');
    await task.goto(`${site.origin}/fetch-redirect`);
    await task.page.waitForFunction(() => document.getElementById('result')?.textContent !== 'pending');
    assert.equal(await task.page.textContent('#result'), 'failed');
    const blocked = task.takeBlockedRequests();
    assert.deepEqual(
      blocked.map((request) => [request.url, request.isNavigation]),
      [
        [`${site.otherOrigin}/secret-api`, false],
        [`${site.otherOrigin}/secret-after-redirect`, false],
      ],
    );
    assertNeverReachedBlockedHost();
  });
});

test('an iframe from a non-allowed host is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${site.origin}/iframe-blocked`);
    assert.equal(await task.page.textContent('h1'), 'frame host');
    const blocked = task.takeBlockedRequests();
    assert.deepEqual(
      blocked.map((request) => [request.url, request.isNavigation]),
      [[`${site.otherOrigin}/secret-frame`, true]],
    );
    assertNeverReachedBlockedHost();
  });
});

test('a popup to a non-allowed host, direct or through a redirect, is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${site.origin}/popup-opener`);
    const firstPopup = task.context.waitForEvent('page');
    await task.page.click('#open-blocked');
    await (await firstPopup).waitForLoadState('domcontentloaded').catch(() => {});
    const secondPopup = task.context.waitForEvent('page');
    await task.page.click('#open-redirect');
    await (await secondPopup).waitForLoadState('domcontentloaded').catch(() => {});
    const wanted = [`${site.otherOrigin}/secret-after-redirect`, `${site.otherOrigin}/secret-popup`];
    const reportedOrReached = () =>
      wanted.every((url) => task.blockedRequests.some((request) => request.url === url) || site.hitsOnHost('localhost').length > 0);
    await assertEventually(reportedOrReached);
    assertNeverReachedBlockedHost();
    const blockedDocuments = task.takeBlockedRequests().filter((request) => request.isNavigation);
    assert.deepEqual(blockedDocuments.map((request) => request.url).sort(), wanted);
    assert.ok(site.hits.includes(`127.0.0.1:${site.port}/redirect-to-blocked`));
    assertNeverReachedBlockedHost();
    assert.equal(task.page.url(), `${site.origin}/popup-opener`, 'a blocked popup does not take over');
  });
});

/** Waits for a condition driven by browser events, polling on each macrotask; the test's own timeout bounds it. */
async function assertEventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

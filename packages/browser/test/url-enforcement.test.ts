import assert from 'node:assert/strict';
import { test } from 'node:test';

import { UrlNotAllowedError, type TaskContext } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('url-enforcement');

/** A task allowed on 127.0.0.1:port only; localhost:port is the same server under a blocked name. */
function withRestrictedTask(run: (task: TaskContext) => Promise<void>): Promise<void> {
  return fixture.withTask({ allowedUrls: [`http://127.0.0.1:${fixture.site.port}/*`] }, run);
}

function assertNeverReachedBlockedHost(): void {
  assert.deepEqual(fixture.site.hitsOnHost('localhost'), [], 'no request reached the server under the blocked host name');
}

test('goto to a non-allowed host throws UrlNotAllowedError and is reported', async () => {
  await withRestrictedTask(async (task) => {
    await assert.rejects(task.goto(`${fixture.site.otherOrigin}/direct`), (error: unknown) => {
      assert.ok(error instanceof UrlNotAllowedError);
      assert.match(error.message, /localhost/);
      return true;
    });
    const blocked = task.takeBlockedRequests();
    assert.equal(blocked.length, 1);
    assert.equal(blocked[0]?.url, `${fixture.site.otherOrigin}/direct`);
    assert.deepEqual(task.takeBlockedRequests(), [], 'taken requests are not reported twice');
    assert.equal(task.blockedRequests.length, 1, 'the full list keeps them');
    assertNeverReachedBlockedHost();
  });
});

test('a page navigation (link click) to a non-allowed host is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${fixture.site.origin}/link-to-blocked`);
    task.takeBlockedRequests();
    await task.page.click('#link');
    await task.waitForSettle();
    const blocked = task.takeBlockedRequests();
    assert.deepEqual(
      blocked.map((request) => [request.url, request.isNavigation, request.resourceType]),
      [[`${fixture.site.otherOrigin}/secret-page`, true, 'document']],
    );
    assertNeverReachedBlockedHost();
  });
});

test('a redirect hop to a non-allowed host is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await assert.rejects(task.goto(`${fixture.site.origin}/redirect-to-blocked`), (error: unknown) => {
      assert.ok(error instanceof UrlNotAllowedError);
      assert.equal(error.url, `${fixture.site.otherOrigin}/secret-after-redirect`);
      return true;
    });
    assert.ok(fixture.site.hits.includes(`127.0.0.1:${fixture.site.port}/redirect-to-blocked`), 'the allowed first hop was made');
    const blocked = task.takeBlockedRequests();
    assert.deepEqual(blocked.map((request) => request.url), [`${fixture.site.otherOrigin}/secret-after-redirect`]);
    assertNeverReachedBlockedHost();
  });
});

test('an allowed redirect still works', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${fixture.site.origin}/redirect-to-home`);
    assert.equal(task.page.url(), `${fixture.site.origin}/`);
    assert.equal(await task.page.textContent('h1'), 'home');
    assert.deepEqual(task.takeBlockedRequests(), []);
  });
});

test('a fetch to a non-allowed host, direct or through a redirect, is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${fixture.site.origin}/fetch-blocked`);
    await task.page.waitForFunction(() => document.getElementById('result')?.textContent !== 'pending');
    assert.equal(await task.page.textContent('#result'), 'failed');
    await task.goto(`${fixture.site.origin}/fetch-redirect`);
    await task.page.waitForFunction(() => document.getElementById('result')?.textContent !== 'pending');
    assert.equal(await task.page.textContent('#result'), 'failed');
    const blocked = task.takeBlockedRequests();
    assert.deepEqual(
      blocked.map((request) => [request.url, request.isNavigation]),
      [
        [`${fixture.site.otherOrigin}/secret-api`, false],
        [`${fixture.site.otherOrigin}/secret-after-redirect`, false],
      ],
    );
    assertNeverReachedBlockedHost();
  });
});

test('an iframe from a non-allowed host is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${fixture.site.origin}/iframe-blocked`);
    assert.equal(await task.page.textContent('h1'), 'frame host');
    const blocked = task.takeBlockedRequests();
    assert.deepEqual(
      blocked.map((request) => [request.url, request.isNavigation]),
      [[`${fixture.site.otherOrigin}/secret-frame`, true]],
    );
    assertNeverReachedBlockedHost();
  });
});

test('a popup to a non-allowed host, direct or through a redirect, is blocked', async () => {
  await withRestrictedTask(async (task) => {
    await task.goto(`${fixture.site.origin}/popup-opener`);
    const firstPopup = task.context.waitForEvent('page');
    await task.page.click('#open-blocked');
    await (await firstPopup).waitForLoadState('domcontentloaded').catch(() => {});
    const secondPopup = task.context.waitForEvent('page');
    await task.page.click('#open-redirect');
    await (await secondPopup).waitForLoadState('domcontentloaded').catch(() => {});
    const wanted = [`${fixture.site.otherOrigin}/secret-after-redirect`, `${fixture.site.otherOrigin}/secret-popup`];
    const reportedOrReached = () =>
      wanted.every((url) => task.blockedRequests.some((request) => request.url === url) || fixture.site.hitsOnHost('localhost').length > 0);
    await assertEventually(reportedOrReached);
    assertNeverReachedBlockedHost();
    const blockedDocuments = task.takeBlockedRequests().filter((request) => request.isNavigation);
    assert.deepEqual(blockedDocuments.map((request) => request.url).sort(), wanted);
    assert.ok(fixture.site.hits.includes(`127.0.0.1:${fixture.site.port}/redirect-to-blocked`));
    assertNeverReachedBlockedHost();
    assert.equal(task.page.url(), `${fixture.site.origin}/popup-opener`, 'a blocked popup does not take over');
  });
});

/** Waits for a condition driven by browser events, polling on each macrotask; the test's own timeout bounds it. */
async function assertEventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

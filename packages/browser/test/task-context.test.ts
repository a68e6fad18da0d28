import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { test } from 'node:test';

import { SecretNotAllowedError, TabNotFoundError, type TaskContext } from '../src/index.js';
import { useBrowserFixture } from './browser-fixture.js';
import { downloadBytes } from './test-site.js';

const fixture = useBrowserFixture('task-context');

function withTask(run: (task: TaskContext) => Promise<void>, allowedUrls?: string[]): Promise<void> {
  const secrets = [{ name: 'password', value: 's3cret-pass', allowedUrls: [`127.0.0.1:${fixture.site.port}/*`] }];
  return fixture.withTask({ secrets, ...(allowedUrls ? { allowedUrls } : {}) }, run);
}

test('a popup becomes the active tab; closing it falls back to the opener', async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/popup-opener`);
    const opener = task.page;
    const opened: string[] = [];
    const unsubscribe = task.onNewTab(() => opened.push('tab'));
    const popupEvent = task.context.waitForEvent('page');
    await task.page.click('#open-allowed');
    const popup = await popupEvent;
    // Not waitForLoadState: the popup's initial about:blank counts as loaded before its document commits.
    await popup.waitForURL(/\/popup-target$/);
    unsubscribe();
    assert.equal(task.page, popup);
    assert.equal(task.pages.length, 2);
    assert.equal(opened.length, 1);
    await task.waitForSettle();
    assert.equal(await task.page.textContent('#popup'), 'popup page');

    assert.equal(task.switchTab(0), opener);
    assert.equal(task.page, opener);
    task.switchTab(1);
    assert.throws(() => task.switchTab(2), (error: unknown) => {
      assert.ok(error instanceof TabNotFoundError);
      assert.match(error.message, /0 to 1/);
      return true;
    });
    await popup.close();
    assert.equal(task.page, opener);
    assert.deepEqual(task.pages, [opener]);
  });
});

test('a download lands in the downloads directory with the exact bytes, names de-duplicated', async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/download-page`);
    await task.page.click('#download');
    await task.waitForDownloads();
    await task.page.click('#download');
    const downloads = await waitForDownloadCount(task, 2);
    assert.deepEqual(downloads.map((file) => basename(file.path)), ['report.bin', 'report (1).bin']);
    for (const file of downloads) {
      assert.equal(file.suggestedFilename, 'report.bin');
      assert.equal(file.url, `${fixture.site.origin}/download`);
      assert.equal(file.bytes, downloadBytes.length);
      assert.ok(file.path.startsWith(task.downloadsDirectory));
      assert.deepEqual(await readFile(file.path), downloadBytes);
    }
  });
});

/** A click's download starts asynchronously: wait for the download events, then for the saves. */
async function waitForDownloadCount(task: TaskContext, count: number) {
  for (;;) {
    const downloads = await task.waitForDownloads();
    if (downloads.length >= count) return downloads;
    await task.page.waitForEvent('download').catch(() => {});
  }
}

test('settle waits for a page that fills itself in progressively until it is done', async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/mutating`);
    assert.equal(await task.page.textContent('#status'), 'finished');
    assert.equal(await task.page.locator('#items li').count(), 20);
  });
});

test('an endless event stream does not hold settle until its timeout', { timeout: 30_000 }, async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/event-stream-page`);
    // With a 10-minute bound this only returns within the test timeout if the stream is ignored.
    await task.waitForSettle({ timeoutMs: 600_000 });
    assert.equal(await task.page.textContent('#status'), 'open');
  });
});

test('an aborted goto rejects with an AbortError', async () => {
  await withTask(async (task) => {
    const controller = new AbortController();
    const navigation = task.goto(`${fixture.site.origin}/never-answers`, { signal: controller.signal });
    await waitForHit('/never-answers');
    controller.abort();
    await assert.rejects(navigation, (error: unknown) => error instanceof Error && error.name === 'AbortError');
    await assert.rejects(task.waitForSettle({ signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});

async function waitForHit(path: string): Promise<void> {
  while (!fixture.site.hits.some((hit) => hit.endsWith(path))) await new Promise((resolve) => setImmediate(resolve));
}

test('secrets are revealed only on their allowed pages and masked in text', async () => {
  await withTask(async (task) => {
    await task.goto(`${fixture.site.origin}/`);
    assert.equal(task.revealSecrets('<secret:password>', task.page.url()), 's3cret-pass');
    assert.throws(() => task.revealSecrets('<secret:password>', `${fixture.site.otherOrigin}/`), SecretNotAllowedError);
    assert.throws(() => task.revealSecrets('<secret:unknown>', task.page.url()), SecretNotAllowedError);
    task.addSecrets([{ name: 'token', value: 'tok-999' }]);
    assert.equal(task.maskSecrets('typed s3cret-pass and tok-999'), 'typed <secret:password> and <secret:token>');
  });
});

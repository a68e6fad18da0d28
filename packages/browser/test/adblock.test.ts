import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { resolveAdHosts, startAdSite, type AdSite } from '@open-smooth/testkit';

import { useBrowserFixture } from './browser-fixture.js';

let site: AdSite;
before(async () => {
  site = await startAdSite();
});
after(async () => {
  await site?.close();
});
// The ad hosts resolve to the test's server.
const fixture = useBrowserFixture('adblock', { warmDevices: ['desktop'], resolveHost: resolveAdHosts });

function adHostsReached(hitsBefore: number): number {
  return new Set(site.hits.slice(hitsBefore).filter((hit) => site.adHits().includes(hit)).map((hit) => hit.split('/')[0])).size;
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Opens the article in a task; returns what reached the ad hosts, what was blocked and what the page shows. */
async function loadArticle(adblock: boolean | undefined) {
  const hitsBefore = site.hits.length;
  let result: { adHits: string[]; blocked: Array<{ url: string; reason: string; detail: string }>; story: string; adsLoaded: unknown } | undefined;
  await fixture.withTask({ device: 'desktop', ...(adblock === undefined ? {} : { adblock }) }, async (task) => {
    await task.goto(site.articleUrl);
    const story = await task.page.locator('#story').innerText();
    // With adblock off, the async ad scripts and the tracker pixel may still be on their way after settle.
    if (adblock === false) await waitFor(() => adHostsReached(hitsBefore) === 4);
    const adsLoaded = await task.page.evaluate(() => (window as unknown as { adsLoaded?: number }).adsLoaded ?? 0);
    const adHits = site.hits.slice(hitsBefore).filter((hit) => site.adHits().includes(hit));
    result = { adHits, blocked: task.blockedRequests, story, adsLoaded };
  });
  assert.ok(result);
  return result;
}

describe('adblock', () => {
  it('is on by default: ad and tracker requests never reach their hosts, each block names its rule and list, the article loads', async () => {
    const { adHits, blocked, story, adsLoaded } = await loadArticle(undefined);
    assert.match(story, /new public library/);
    assert.deepEqual(adHits, [], 'no request reached an ad or tracker host');
    assert.equal(adsLoaded, 0, 'no ad script ran');
    const blockedHosts = new Set(blocked.map((entry) => new URL(entry.url).hostname));
    for (const host of ['securepubads.g.doubleclick.net', 'pagead2.googlesyndication.com', 'sb.scorecardresearch.com', 'c.amazon-adsystem.com']) {
      assert.ok(blockedHosts.has(host), `a request to ${host} was blocked (blocked: ${[...blockedHosts].join(', ')})`);
    }
    for (const entry of blocked) {
      assert.equal(entry.reason, 'adblock');
      assert.match(entry.detail, /^adblock: \S.* \(AdGuard (Base|Tracking Protection) filter\)$/, entry.detail);
      assert.doesNotMatch(entry.detail, /allowed/i);
    }
  });

  it("never refuses a tab's own document: the task may open a listed host as its page", async () => {
    const hitsBefore = site.hits.length;
    const url = site.articleUrl.replace('127.0.0.1', 'pagead2.googlesyndication.com').replace('/article', '/about.gif');
    await fixture.withTask({ device: 'desktop' }, async (task) => {
      await task.goto(url);
      assert.deepEqual(task.blockedRequests, []);
    });
    assert.ok(site.hits.slice(hitsBefore).includes('pagead2.googlesyndication.com/about.gif'), `the page was served (hits: ${site.hits.slice(hitsBefore).join(', ')})`);
  });

  it('decides by connection, not by request: an ad-free page keeps the HTTP cache (nothing is intercepted)', async () => {
    // Intercepting requests (Playwright's route) turns Chromium's cache off; the default path must not.
    let scriptFetches = 0;
    const server = createServer((request, response) => {
      if (request.url === '/app.js') {
        scriptFetches += 1;
        response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'max-age=3600' });
        return response.end('window.appLoaded = true;');
      }
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><title>Plain</title><script src="/app.js"></script><p>No ads here</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await fixture.withTask({ device: 'desktop' }, async (task) => {
        await task.goto(`${origin}/first`);
        await task.goto(`${origin}/second`);
        assert.equal(await task.page.evaluate(() => (window as unknown as { appLoaded?: boolean }).appLoaded), true);
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(scriptFetches, 1, 'the second page took the script from the cache');
  });

  it('off: the same requests reach the ad and tracker hosts', async () => {
    const { adHits, blocked, adsLoaded } = await loadArticle(false);
    for (const path of ['securepubads.g.doubleclick.net/tag/js/gpt.js', 'pagead2.googlesyndication.com/pagead/js/adsbygoogle.js', 'sb.scorecardresearch.com/p?c1=2&c2=1000', 'c.amazon-adsystem.com/aax2/apstag.js']) {
      assert.ok(adHits.includes(path), `${path} reached the server (hits: ${adHits.join(', ')})`);
    }
    assert.ok(Number(adsLoaded) >= 1, 'the ad scripts ran');
    assert.deepEqual(blocked, []);
  });
});

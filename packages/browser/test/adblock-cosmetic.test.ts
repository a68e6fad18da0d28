import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { cosmeticHosts, resolveAdHosts, startAdSite, type AdSite } from '@open-smooth/testkit';
import type { Frame } from 'playwright-core';

import { useBrowserFixture } from './browser-fixture.js';

/**
 * A page with no frame whose ad gets its name while the page is still loading something, after
 * the first look at DOMContentLoaded: `?change=rename` gives an existing element an ad id,
 * `?change=add` adds an ad element. The settle's probe must see either as a change, or the pass
 * after it would be skipped.
 */
const lateNamesPage = `<!doctype html><html><head><meta charset="utf-8"><title>Late names</title></head><body>
<p id="story">Ferry times change on Monday.</p>
<div id="slot">ADVERTISEMENT renamed</div>
<script>
addEventListener('load', () => {
  fetch('/slow').then((response) => response.text()).catch(() => {});
  setTimeout(() => {
    if (location.search === '?change=rename') document.getElementById('slot').id = 'adsbox';
    else document.body.insertAdjacentHTML('beforeend', '<div class="ad-unit">ADVERTISEMENT added</div>');
  }, 150);
});
</script>
</body></html>`;

let site: AdSite;
let lateNamesServer: Server;
before(async () => {
  site = await startAdSite();
  lateNamesServer = createServer((request, response) => {
    if (request.url === '/slow') {
      setTimeout(() => response.writeHead(200, { 'content-type': 'text/plain' }).end('done'), 500);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(lateNamesPage);
  });
  await new Promise<void>((resolve) => lateNamesServer.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await site?.close();
  await new Promise((resolve) => lateNamesServer?.close(resolve));
});
// The page's host names resolve to the test's server.
const fixture = useBrowserFixture('adblock-cosmetic', { warmDevices: ['desktop'], resolveHost: resolveAdHosts });

/** Each selector's computed display in the frame, and what a person sees of the page's text. */
function displays(frame: Frame, selectors: readonly string[]): Promise<Record<string, string>> {
  return frame.evaluate(
    (wanted) => Object.fromEntries(wanted.map((selector) => [selector, (() => { const element = document.querySelector(selector); return element ? getComputedStyle(element).display : 'missing'; })()])),
    selectors,
  );
}

const genericAds = ['#adsbox', '.ad-unit', '#ad-link', '#ad-banner-top'];

async function openCosmeticPage(host: string, adblock: boolean) {
  let result: { main: Record<string, string>; framed: Record<string, string>; text: string; styleElements: number; styleSheets: number } | undefined;
  await fixture.withTask({ device: 'desktop', adblock }, async (task) => {
    await task.goto(site.cosmeticUrl(host));
    const frame = task.page.frames().find((candidate) => candidate.url().endsWith('/cosmetic-frame'));
    assert.ok(frame, 'the iframe loaded');
    const main = await displays(task.page.mainFrame(), [...genericAds, '.td-banner-wrap-full', '#story']);
    const framed = await displays(frame, ['#adsbox', '#frame-story']);
    const text = await task.page.locator('body').innerText();
    const { styleElements, styleSheets } = await task.page.evaluate(() => ({ styleElements: document.querySelectorAll('style, link[rel=stylesheet]').length, styleSheets: document.styleSheets.length }));
    result = { main, framed, text, styleElements, styleSheets };
  });
  assert.ok(result);
  return result;
}

describe('adblock: cosmetic filtering', () => {
  it("on: the lists' generic rules hide the ad elements the page has, in its frames and those added after load; the story stays", async () => {
    const { main, framed, text, styleElements, styleSheets } = await openCosmeticPage(cosmeticHosts.generic, true);
    for (const selector of genericAds) assert.equal(main[selector], 'none', `${selector} is hidden (${JSON.stringify(main)})`);
    assert.equal(framed['#adsbox'], 'none', 'the ad in the iframe is hidden');
    assert.notEqual(main['#story'], 'none');
    assert.notEqual(framed['#frame-story'], 'none');
    // No rule of this host names the site banner, and no generic rule does.
    assert.notEqual(main['.td-banner-wrap-full'], 'none', 'a host rule of another site does not apply here');
    assert.match(text, /Boats from six towns/);
    assert.doesNotMatch(text.replace(/ADVERTISEMENT site banner/, ''), /ADVERTISEMENT/, `no ad text is shown: ${text}`);
    // Nothing of ours in the page: no element, no stylesheet it can list.
    assert.equal(styleElements, 0);
    assert.equal(styleSheets, 0);
  });

  it("on: a site's own rule hides its banner", async () => {
    const { main } = await openCosmeticPage(cosmeticHosts.listed, true);
    assert.equal(main['.td-banner-wrap-full'], 'none');
    assert.equal(main['#adsbox'], 'none');
    assert.notEqual(main['#story'], 'none');
  });

  for (const [change, selector] of [
    ['rename', '#adsbox'],
    ['add', '.ad-unit'],
  ] as const) {
    it(`on: an ad a frameless page names after the first look (${change}) is hidden once goto has settled`, async () => {
      const { port } = lateNamesServer.address() as AddressInfo;
      let shown: Record<string, string> | undefined;
      await fixture.withTask({ device: 'desktop', adblock: true }, async (task) => {
        await task.goto(`http://${cosmeticHosts.generic}:${port}/late-names?change=${change}`);
        shown = await displays(task.page.mainFrame(), [selector, '#story']);
      });
      assert.equal(shown?.[selector], 'none', `${selector} is hidden (${JSON.stringify(shown)})`);
      assert.notEqual(shown?.['#story'], 'none');
    });
  }

  it('off: every ad element is shown', async () => {
    const { main, framed, text } = await openCosmeticPage(cosmeticHosts.listed, false);
    for (const selector of [...genericAds, '.td-banner-wrap-full']) assert.notEqual(main[selector], 'none', `${selector} is shown`);
    assert.notEqual(framed['#adsbox'], 'none');
    assert.match(text, /ADVERTISEMENT adsbox/);
    assert.match(text, /ADVERTISEMENT late banner/);
  });
});

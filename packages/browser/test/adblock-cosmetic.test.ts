import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { cosmeticHosts, resolveAdHosts, startAdSite, type AdSite } from '@open-smooth/testkit';
import type { Frame } from 'playwright-core';

import { useBrowserFixture } from './browser-fixture.js';

let site: AdSite;
before(async () => {
  site = await startAdSite();
});
after(async () => {
  await site?.close();
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

  it('off: every ad element is shown', async () => {
    const { main, framed, text } = await openCosmeticPage(cosmeticHosts.listed, false);
    for (const selector of [...genericAds, '.td-banner-wrap-full']) assert.notEqual(main[selector], 'none', `${selector} is shown`);
    assert.notEqual(framed['#adsbox'], 'none');
    assert.match(text, /ADVERTISEMENT adsbox/);
    assert.match(text, /ADVERTISEMENT late banner/);
  });
});

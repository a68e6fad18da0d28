import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BrowserPool } from '@open-smooth/browser';
import { cosmeticHosts, loopbackNetworkAllowance, resolveAdHosts, startAdSite, type AdSite } from '@open-smooth/testkit';
import { observePage } from '../src/index.js';

let site: AdSite;
let pool: BrowserPool;
let downloads: string;
before(async () => {
  [site, downloads] = await Promise.all([startAdSite(), mkdtemp(join(tmpdir(), 'observation-cosmetic-'))]);
  pool = await BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: [...loopbackNetworkAllowance], resolveHost: resolveAdHosts });
});
after(async () => {
  await pool?.close();
  await site?.close();
  await rm(downloads, { recursive: true, force: true });
});

/** The text the model reads of the page with ad elements (ad elements all say ADVERTISEMENT). */
async function observedText(adblock: boolean): Promise<string> {
  const task = await pool.openContext({ device: 'desktop', adblock, downloadsDirectory: downloads });
  try {
    await task.goto(site.cosmeticUrl(cosmeticHosts.listed));
    return (await observePage(task.page)).text;
  } finally {
    await task.close();
  }
}

test('the ads that cosmetic filtering hides are not in the observation; with adblock off they are', async () => {
  const hidden = await observedText(true);
  assert.match(hidden, /Boats from six towns/);
  assert.doesNotMatch(hidden, /ADVERTISEMENT/, hidden);
  const shown = await observedText(false);
  for (const ad of ['ADVERTISEMENT adsbox', 'ADVERTISEMENT ad unit', 'ADVERTISEMENT site banner', 'ADVERTISEMENT click here', 'ADVERTISEMENT late banner']) assert.match(shown, new RegExp(ad), shown);
});

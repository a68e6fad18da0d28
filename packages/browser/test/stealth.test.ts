import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Device } from '@open-smooth/protocol';
import { startBotDetectionSite, type BotDetectionReport, type BotDetectionSite } from '@open-smooth/testkit';

import { gpuIdentityFor } from '../src/stealth/gpu-identity.js';
import { useBrowserFixture } from './browser-fixture.js';

const fixture = useBrowserFixture('stealth', { warmDevices: ['desktop'] });
let site: BotDetectionSite;

before(async () => {
  site = await startBotDetectionSite();
});
after(async () => {
  await site?.close();
});

/** Loads the detection page in a task with the given stealth setting; returns what it reported and the document's request headers. */
async function detect(stealth: boolean | undefined, device: Device = 'desktop') {
  const since = site.reports.length;
  const headersBefore = site.documentHeaders.length;
  let report: BotDetectionReport | undefined;
  await fixture.withTask({ device, ...(stealth === undefined ? {} : { stealth }) }, async (task) => {
    const reported = site.nextReport(since);
    await task.goto(site.url);
    report = await reported;
  });
  const headers = site.documentHeaders[headersBefore];
  assert.ok(report && headers, 'the detection page reported');
  return { report, headers };
}

function assertLooksLikeAPerson(report: BotDetectionReport, headers: Record<string, unknown>): void {
  assert.deepEqual(report.botd, { bot: false, firedDetectors: [] }, 'BotD sees a person');
  assert.equal(report.webdriver, false);
  for (const text of [report.userAgent, report.appVersion, report.workerUserAgent, ...report.brands, ...report.fullVersionList, String(headers['user-agent']), String(headers['sec-ch-ua'])]) {
    assert.doesNotMatch(text, /headless/i, `no HeadlessChrome in ${text}`);
  }
  assert.ok(report.brands.some((brand) => brand.startsWith('Chromium ')), `a Chromium brand in ${report.brands.join(', ')}`);
  assert.ok(report.plugins > 0 && report.mimeTypes > 0, 'plugins and MIME types like a desktop or phone Chrome');
  assert.ok(report.languages.length > 0);
  assert.equal(report.windowChrome, true);
  assert.equal(report.notificationPermission, 'default');
  assert.equal(report.notificationsQuery, 'prompt', 'permissions agree with Notification.permission');
  assert.ok(report.webglVendor && report.webglRenderer, 'WebGL names a vendor and renderer');
  assert.doesNotMatch(`${report.webglVendor} ${report.webglRenderer}`, /swiftshader|llvmpipe|software|google inc\. \(google\)/i, 'WebGL names no software renderer');
  assert.equal(report.nativeLooking, true, 'WebGL and Function.prototype.toString are the browser\'s own');
  assert.deepEqual(report.automationGlobals, []);
}

describe('stealth', () => {
  it('is on by default: BotD and our own checks see a person on desktop', async () => {
    const { report, headers } = await detect(undefined);
    assertLooksLikeAPerson(report, headers);
    assert.deepEqual([report.webglVendor, report.webglRenderer], [gpuIdentityFor('desktop').vendor, gpuIdentityFor('desktop').renderer], 'a laptop GPU on desktop');
    assert.match(report.userAgent, /X11; Linux x86_64/);
    assert.equal(headers['sec-ch-ua-mobile'], '?0');
  });

  it('holds on the mobile device, with mobile client hints', async () => {
    const { report, headers } = await detect(true, 'mobile');
    assertLooksLikeAPerson(report, headers);
    assert.deepEqual([report.webglVendor, report.webglRenderer], [gpuIdentityFor('mobile').vendor, gpuIdentityFor('mobile').renderer], 'a phone GPU on the phone');
    assert.match(report.userAgent, /Android/);
    assert.equal(headers['sec-ch-ua-mobile'], '?1');
    assert.equal(headers['sec-ch-ua-platform'], '"Android"');
  });

  it('off: the browser announces automation and BotD detects it', async () => {
    const { report, headers } = await detect(false);
    assert.equal(report.botd.bot, true, 'BotD detects the browser with stealth off');
    assert.equal(report.botd.botKind, 'headless_chrome');
    assert.ok(report.botd.firedDetectors.includes('detectWebDriver'), `detectWebDriver among ${report.botd.firedDetectors.join(', ')}`);
    assert.equal(report.webdriver, true);
    assert.match(report.userAgent, /HeadlessChrome\//);
    assert.match(String(headers['user-agent']), /HeadlessChrome\//);
    assert.match(String(report.webglRenderer), /swiftshader/i, 'WebGL names the software renderer it really uses');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BrowserPool, type TaskContextOptions } from '@open-smooth/browser';
import { resolveAdHosts, startAdSite, startBotDetectionSite, type BotDetectionReport } from '@open-smooth/testkit';

import { iterations } from './lib/bench-options.js';
import type { BenchRow } from './lib/bench-row.js';
import { isMainModule, runStandalone } from './lib/run-standalone.js';
import { rounded, summarize } from './lib/statistics.js';

/** Our own checks of the detection page that a person's Chrome passes; the count that fail. */
function failedOwnChecks(report: BotDetectionReport): string[] {
  const failed: string[] = [];
  if (report.webdriver !== false) failed.push('webdriver');
  if ([report.userAgent, report.workerUserAgent, ...report.brands].some((text) => /headless/i.test(text))) failed.push('headless UA');
  if (/swiftshader|llvmpipe/i.test(String(report.webglRenderer))) failed.push('software WebGL');
  if (report.plugins === 0) failed.push('no plugins');
  if (!report.windowChrome) failed.push('no window.chrome');
  if (report.notificationPermission === 'denied' && report.notificationsQuery === 'prompt') failed.push('permissions disagree');
  if (!report.nativeLooking) failed.push('patched functions show');
  if (report.automationGlobals.length > 0) failed.push('automation globals');
  return failed;
}

/**
 * Stealth on vs off (BotD's verdict and our own checks on the detection page) and adblock on vs
 * off (a news article with four ad and tracker hosts: requests and bytes that reached them, and
 * goto-to-settled time), in one pool, alternating the settings so that load affects both alike.
 */
export async function runBrowserOptions(): Promise<BenchRow[]> {
  const [detection, ads, downloads] = await Promise.all([startBotDetectionSite(), startAdSite(), mkdtemp(join(tmpdir(), 'bench-options-'))]);
  const pool = await BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: ['127.0.0.0/8'], resolveHost: resolveAdHosts });
  const rows: BenchRow[] = [];
  const open = (options: Omit<TaskContextOptions, 'downloadsDirectory'>) => pool.openContext({ device: 'desktop', ...options, downloadsDirectory: downloads });
  try {
    await pool.whenWarm();
    for (const stealth of [true, false]) {
      const since = detection.reports.length;
      const task = await open({ stealth });
      const reported = detection.nextReport(since);
      await task.goto(detection.url);
      const report = await reported;
      await task.close();
      const failed = failedOwnChecks(report);
      rows.push({
        benchmark: 'browser-options',
        measure: `stealth ${stealth ? 'on' : 'off'}: BotD detectors fired`,
        unit: 'count',
        value: report.botd.firedDetectors.length,
        goal: stealth ? '0 (BotD: not a bot)' : '-',
        met: stealth ? !report.botd.bot : null,
        note: `BotD: ${report.botd.bot ? `bot (${report.botd.botKind})` : 'human'}${report.botd.firedDetectors.length ? `: ${report.botd.firedDetectors.join(', ')}` : ''}`,
      });
      rows.push({
        benchmark: 'browser-options',
        measure: `stealth ${stealth ? 'on' : 'off'}: own checks failed (of 8)`,
        unit: 'count',
        value: failed.length,
        goal: stealth ? '0' : '-',
        met: stealth ? failed.length === 0 : null,
        note: failed.join(', ') || 'none',
      });
    }

    const rounds = iterations(10, 2);
    const samples = new Map<boolean, { ms: number[]; adRequests: number[]; adBytes: number[]; blocked: number[] }>([
      [true, { ms: [], adRequests: [], adBytes: [], blocked: [] }],
      [false, { ms: [], adRequests: [], adBytes: [], blocked: [] }],
    ]);
    for (let round = 0; round < rounds; round += 1) {
      for (const adblock of [true, false]) {
        const hitsBefore = ads.adHits().length;
        const bytesBefore = [...ads.bytesSent.entries()].filter(([host]) => host !== '127.0.0.1').reduce((sum, [, bytes]) => sum + bytes, 0);
        const task = await open({ adblock });
        const started = performance.now();
        await task.goto(ads.articleUrl);
        const elapsed = performance.now() - started;
        const blocked = task.blockedRequests.length;
        await task.close();
        const bytesAfter = [...ads.bytesSent.entries()].filter(([host]) => host !== '127.0.0.1').reduce((sum, [, bytes]) => sum + bytes, 0);
        const sample = samples.get(adblock);
        sample?.ms.push(elapsed);
        sample?.adRequests.push(ads.adHits().length - hitsBefore);
        sample?.adBytes.push(bytesAfter - bytesBefore);
        sample?.blocked.push(blocked);
      }
    }
    // What adblock costs a page with nothing to block (it decides per connection, by host: see ARCHITECTURE.md).
    const plain = new Map<boolean, number[]>([
      [true, []],
      [false, []],
    ]);
    for (let round = 0; round < rounds; round += 1) {
      for (const adblock of [true, false]) {
        const task = await open({ adblock });
        const started = performance.now();
        await task.goto(ads.plainUrl);
        plain.get(adblock)?.push(performance.now() - started);
        await task.close();
      }
    }
    // What cosmetic filtering costs a page no rule applies to but with many names to read (on a
    // host name, not 127.0.0.1, where the lists turn generic hiding off).
    const named = new Map<boolean, number[]>([
      [true, []],
      [false, []],
    ]);
    for (let round = 0; round < rounds; round += 1) {
      for (const adblock of [true, false]) {
        const task = await open({ adblock });
        const started = performance.now();
        await task.goto(ads.namedPlainUrl);
        named.get(adblock)?.push(performance.now() - started);
        await task.close();
      }
    }
    for (const adblock of [true, false]) {
      const time = summarize(named.get(adblock) ?? []);
      rows.push({ benchmark: 'browser-options', measure: `adblock ${adblock ? 'on' : 'off'}: ad-free page (400 named elements, 150 links) goto+settle p50 (n=${time.count})`, unit: 'ms', value: rounded(time.p50), note: `p95 ${rounded(time.p95)}` });
    }
    for (const adblock of [true, false]) {
      const time = summarize(plain.get(adblock) ?? []);
      rows.push({ benchmark: 'browser-options', measure: `adblock ${adblock ? 'on' : 'off'}: ad-free page (12 requests) goto+settle p50 (n=${time.count})`, unit: 'ms', value: rounded(time.p50), note: `p95 ${rounded(time.p95)}` });
    }
    for (const adblock of [true, false]) {
      const sample = samples.get(adblock);
      if (!sample) continue;
      const time = summarize(sample.ms);
      const label = `adblock ${adblock ? 'on' : 'off'}`;
      rows.push({ benchmark: 'browser-options', measure: `${label}: article goto+settle p50 (n=${time.count})`, unit: 'ms', value: rounded(time.p50), note: `p95 ${rounded(time.p95)}` });
      rows.push({
        benchmark: 'browser-options',
        measure: `${label}: requests that reached ad/tracker hosts per load`,
        unit: 'count',
        value: rounded(summarize(sample.adRequests).mean),
        goal: adblock ? '0' : '-',
        met: adblock ? sample.adRequests.every((count) => count === 0) : null,
        note: `blocked per load: ${rounded(summarize(sample.blocked).mean)}`,
      });
      rows.push({ benchmark: 'browser-options', measure: `${label}: bytes from ad/tracker hosts per load`, unit: 'KB', value: rounded(summarize(sample.adBytes).mean / 1024) });
    }
  } finally {
    await pool.close();
    await Promise.all([detection.close(), ads.close(), rm(downloads, { recursive: true, force: true })]);
  }
  return rows;
}

if (isMainModule(import.meta.url)) runStandalone('browser-options', runBrowserOptions);

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/** What the detection page found out about the browser that loaded it, as it reported it. */
export interface BotDetectionReport {
  /** BotD's verdict, and the names of its detectors that fired. */
  botd: { bot: boolean; botKind?: string; firedDetectors: string[] };
  webdriver: boolean | undefined;
  userAgent: string;
  appVersion: string;
  /** navigator.userAgentData: low-entropy brands and the full version list. */
  brands: string[];
  fullVersionList: string[];
  platform: string;
  plugins: number;
  mimeTypes: number;
  languages: string[];
  windowChrome: boolean;
  /** Notification.permission and what the Permissions API says: they must agree. */
  notificationPermission: string;
  notificationsQuery: string;
  webglVendor: string | null;
  webglRenderer: string | null;
  /** Whether WebGL's getParameter and Function.prototype.toString still print as native code. */
  nativeLooking: boolean;
  outerSize: [number, number];
  /** navigator.userAgent inside a dedicated worker. */
  workerUserAgent: string;
  /** Globals named like automation tools' (Playwright, ChromeDriver, ours). */
  automationGlobals: string[];
}

export interface BotDetectionSite {
  /** The detection page: it reports once per load. */
  url: string;
  /** Headers the page's own document request arrived with, per load, in order. */
  documentHeaders: Array<Record<string, string | string[] | undefined>>;
  /** Resolves with the next report received (after `since` reports). */
  nextReport(since: number): Promise<BotDetectionReport>;
  readonly reports: readonly BotDetectionReport[];
  close(): Promise<void>;
}

const detectionPage = `<!doctype html><html><head><meta charset="utf-8"><title>detection</title></head><body>
<p id="status">running</p>
<script type="module">
import { load } from '/botd.esm.js';
const worker = new Promise((resolve) => {
  const blob = new Blob(['postMessage(navigator.userAgent)'], { type: 'text/javascript' });
  const w = new Worker(URL.createObjectURL(blob));
  w.onmessage = (event) => resolve(event.data);
  w.onerror = () => resolve('worker failed');
});
function webgl() {
  const gl = document.createElement('canvas').getContext('webgl');
  if (!gl) return [null, null];
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return info ? [gl.getParameter(info.UNMASKED_VENDOR_WEBGL), gl.getParameter(info.UNMASKED_RENDERER_WEBGL)] : [null, null];
}
function nativeLooking() {
  const print = (fn) => Function.prototype.toString.call(fn);
  return print(WebGLRenderingContext.prototype.getParameter) === 'function getParameter() { [native code] }'
    && print(Function.prototype.toString) === 'function toString() { [native code] }'
    && String(WebGL2RenderingContext.prototype.getParameter) === 'function getParameter() { [native code] }';
}
const detector = await load({ monitoring: false });
const verdict = detector.detect();
const fired = Object.entries(detector.getDetections() ?? {}).filter(([, result]) => result.bot).map(([name]) => name);
const data = navigator.userAgentData;
const high = data ? await data.getHighEntropyValues(['fullVersionList']) : { fullVersionList: [] };
const [webglVendor, webglRenderer] = webgl();
const report = {
  botd: { bot: verdict.bot, botKind: verdict.botKind, firedDetectors: fired },
  webdriver: navigator.webdriver,
  userAgent: navigator.userAgent,
  appVersion: navigator.appVersion,
  brands: (data?.brands ?? []).map((entry) => entry.brand + ' ' + entry.version),
  fullVersionList: (high.fullVersionList ?? []).map((entry) => entry.brand + ' ' + entry.version),
  platform: navigator.platform,
  plugins: navigator.plugins.length,
  mimeTypes: navigator.mimeTypes.length,
  languages: [...navigator.languages],
  windowChrome: typeof window.chrome === 'object' && window.chrome !== null,
  notificationPermission: window.Notification ? Notification.permission : 'none',
  notificationsQuery: (await navigator.permissions.query({ name: 'notifications' })).state,
  webglVendor,
  webglRenderer,
  nativeLooking: nativeLooking(),
  outerSize: [outerWidth, outerHeight],
  workerUserAgent: await worker,
  automationGlobals: Object.getOwnPropertyNames(window).filter((name) => /^(__pw|__playwright|__openSmooth|cdc_|\\$cdc_|domAutomation|_WEBDRIVER|__webdriver|__selenium)/.test(name)),
};
await fetch('/report', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) });
document.getElementById('status').textContent = report.botd.bot ? 'bot: ' + report.botd.botKind : 'human';
</script></body></html>`;

function botdBundlePath(): string {
  return createRequire(import.meta.url).resolve('@fingerprintjs/botd/dist/botd.esm.js');
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * A page on 127.0.0.1 that runs FingerprintJS's BotD (served from the installed npm package, no
 * network) and checks of its own on the browser that loads it, and posts what it found back.
 */
export async function startBotDetectionSite(): Promise<BotDetectionSite> {
  const botdBundle = await readFile(botdBundlePath());
  const reports: BotDetectionReport[] = [];
  const documentHeaders: BotDetectionSite['documentHeaders'] = [];
  const waiters = new Set<() => void>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/botd.esm.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      return void response.end(botdBundle);
    }
    if (path === '/report' && request.method === 'POST') {
      reports.push(JSON.parse(await readBody(request)) as BotDetectionReport);
      for (const wake of [...waiters]) wake();
      response.writeHead(204);
      return void response.end();
    }
    if (path === '/') {
      documentHeaders.push({ ...request.headers });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'accept-ch': 'Sec-CH-UA-Full-Version-List, Sec-CH-UA-Platform-Version' });
      return void response.end(detectionPage);
    }
    response.writeHead(404);
    response.end();
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    documentHeaders,
    reports,
    nextReport(since) {
      return new Promise((resolve) => {
        const check = () => {
          const report = reports[since];
          if (!report) return;
          waiters.delete(check);
          resolve(report);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

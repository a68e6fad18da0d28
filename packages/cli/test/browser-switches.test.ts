import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserPool, gpuIdentityFor } from '@open-smooth/browser';
import { loopbackNetworkAllowance, resolveAdHosts, startAdSite, type AdSite } from '@open-smooth/testkit';
import { startEndToEnd, testApiKey, type EndToEnd } from '../../sdk/test/end-to-end-harness.js';

// The stealth and adblock switches, through the real `smooth` binary against the real server:
// what the page itself sees (navigator.webdriver, WebGL's GPU) and what reached the ad hosts.

const binary = fileURLToPath(new URL('../bin/smooth.js', import.meta.url));
let world: EndToEnd;
let pool: BrowserPool;
let ads: AdSite;
let configDirectory: string;

before(async () => {
  ads = await startAdSite();
  // The ad hosts resolve to the ad site on loopback.
  pool = await BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: loopbackNetworkAllowance, resolveHost: resolveAdHosts });
  world = await startEndToEnd({ browserPool: pool });
  configDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-cli-switches-'));
});
after(async () => {
  await world.close();
  await pool.close();
  await ads.close();
  await rm(configDirectory, { recursive: true, force: true });
});

/** Runs `smooth ...args --json`; asynchronous, because the server under test lives in this process. */
function smooth(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SMOOTH_CONFIG_DIR: configDirectory, SMOOTH_BASE_URL: world.server.apiBaseUrl, SMOOTH_API_KEY: testApiKey };
  return new Promise((resolve) => {
    execFile(process.execPath, [binary, ...args, '--json'], { env, timeout: 120_000 }, (error, stdout, stderr) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout || stderr);
      } catch {
        json = undefined;
      }
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, json, stderr });
    });
  });
}

const pageFacts = `(() => {
  const gl = document.createElement('canvas').getContext('webgl');
  const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
  return { webdriver: navigator.webdriver, renderer: info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : null, adsLoaded: window.adsLoaded ?? 0 };
})()`;

async function sessionOn(url: string, flags: string[]): Promise<{ id: string; facts: { webdriver: boolean; renderer: string | null; adsLoaded: number } }> {
  const started = await smooth(['start-session', '--url', url, '--device', 'desktop', ...flags]);
  assert.equal(started.code, 0, started.stderr);
  const id: string = started.json.session_id;
  const evaluated = await smooth(['evaluate-js', id, pageFacts]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  return { id, facts: evaluated.json.result };
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

test('by default stealth and adblock are on: no webdriver, a real GPU name, no request reaches an ad host', async () => {
  const hitsBefore = ads.hits.length;
  const { id, facts } = await sessionOn(ads.articleUrl, []);
  assert.equal(facts.webdriver, false);
  assert.equal(facts.renderer, gpuIdentityFor('desktop').renderer);
  assert.equal(facts.adsLoaded, 0);
  assert.equal((await smooth(['close-session', id])).code, 0);
  assert.ok(ads.hits.slice(hitsBefore).includes('127.0.0.1/article'), 'the article was served');
  assert.deepEqual(ads.hits.slice(hitsBefore).filter((hit) => ads.adHits().includes(hit)), []);
});

test('--no-stealth --no-adblock: the page sees automation and the software GPU, and the ads load', async () => {
  const hitsBefore = ads.hits.length;
  const { id, facts } = await sessionOn(ads.articleUrl, ['--no-stealth', '--no-adblock']);
  assert.equal(facts.webdriver, true);
  assert.match(String(facts.renderer), /swiftshader/i);
  const adHits = () => ads.hits.slice(hitsBefore).filter((hit) => ads.adHits().includes(hit));
  await waitFor(() => adHits().some((hit) => hit.startsWith('c.amazon-adsystem.com/')) && adHits().some((hit) => hit.startsWith('securepubads.g.doubleclick.net/')));
  assert.ok(adHits().some((hit) => hit.startsWith('securepubads.g.doubleclick.net/')), `the ad scripts were fetched (hits: ${adHits().join(', ')})`);
  assert.equal((await smooth(['close-session', id])).code, 0);
});

test('the API names work as flags too, and contradicting flags are a usage error', async () => {
  const { id, facts } = await sessionOn(ads.articleUrl, ['--use-stealth', '--use-adblock']);
  assert.equal(facts.webdriver, false);
  assert.equal((await smooth(['close-session', id])).code, 0);
  const stealthModeOff = await sessionOn(ads.articleUrl, ['--stealth-mode', '--no-adblock']);
  assert.equal(stealthModeOff.facts.webdriver, false, '--stealth-mode is use_stealth by its older name');
  assert.equal((await smooth(['close-session', stealthModeOff.id])).code, 0);
  const contradiction = await smooth(['start-session', '--stealth', '--no-stealth']);
  assert.equal(contradiction.code, 2);
  assert.match(contradiction.stderr, /--stealth and --no-stealth contradict each other/);
});

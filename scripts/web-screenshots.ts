/**
 * Takes the README's pictures of the live view and the dashboard, from a real run on loopback
 * (fixture sites, scripted model, real Chromium):
 *   npx tsx scripts/web-screenshots.ts [output folder, default docs/images]
 * Writes live-view.png and dashboard.png, scaled down with ffmpeg to stay small.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BrowserPool } from '@open-smooth/browser';
import { startServer } from '@open-smooth/server';
import { loopbackNetworkAllowance, startFixtureServer, startScriptedModelServer } from '@open-smooth/testkit';

const run = promisify(execFile);
const outputDirectory = resolve(process.argv[2] ?? 'docs/images');
const apiKey = 'sk_screenshots';
const pictureWidth = 960;

async function waitFor<Value>(read: () => Promise<Value | undefined>, what: string): Promise<Value> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** Scales a PNG down to `pictureWidth` pixels wide. */
async function shrink(source: string, target: string): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', '-i', source, '-vf', `scale=${pictureWidth}:-1:flags=lanczos`, target]);
}

async function main(): Promise<void> {
  await mkdir(outputDirectory, { recursive: true });
  const workDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-screenshots-'));
  const pool = await BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: loopbackNetworkAllowance });
  const sites = await startFixtureServer();
  let step = 0;
  const model = await startScriptedModelServer(() => {
    step += 1;
    if (step === 1) {
      return {
        text: 'I will search for flights from London to Paris.',
        toolCalls: [{ name: 'goto', arguments: { url: sites.url('/flights/results?from=London&to=Paris&date=2026-12-12&sort=price') } }],
        delayMs: 1200,
      };
    }
    // Slow on purpose: the live view is photographed while the agent thinks.
    return { text: 'The results are sorted by price; the first row is the cheapest.', toolCalls: [{ name: 'done', arguments: { answer: 'easyJet U2 8421 at 14:25, £49' } }], delayMs: 5000 };
  });
  const server = await startServer({ dataDirectory: join(workDirectory, 'data'), apiKeys: [apiKey], browserPool: pool, modelEnvironment: model.environment() });
  const viewers = await pool.browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${server.url}/api/v1${path}`, { ...init, headers: { apikey: apiKey, 'content-type': 'application/json', ...(init.headers ?? {}) } });
      return (await response.json()) as { r: any };
    };
    const created = await api('/task', { method: 'POST', body: JSON.stringify({ task: 'Find the cheapest flight from London to Paris on 12 December', url: sites.url('/flights'), device: 'desktop' }) });
    const taskId: string = created.r.id;

    const live = await viewers.newPage();
    await live.goto(`${created.r.live_url}?interactive=true&embed=false`);
    await live.locator('#steps li').first().waitFor({ timeout: 60_000 });
    await live.locator('#current-url', { hasText: 'results' }).waitFor();
    await live.waitForTimeout(600); // let the newest frame paint
    await live.screenshot({ path: join(workDirectory, 'live.png') });
    await shrink(join(workDirectory, 'live.png'), join(outputDirectory, 'live-view.png'));

    await waitFor(async () => ((await api(`/task/${taskId}`)).r.recording_url ? true : undefined), 'the recording');
    const dashboard = await viewers.newPage();
    await dashboard.goto(server.url);
    await dashboard.getByLabel('API key').fill(apiKey);
    await dashboard.getByRole('button', { name: 'Sign in' }).click();
    await dashboard.getByRole('link', { name: /Find the cheapest flight/ }).click();
    await dashboard.locator('#task-output').waitFor();
    await dashboard.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.step-screenshot')].every((image) => image.naturalWidth > 0));
    await dashboard.screenshot({ path: join(workDirectory, 'dashboard.png') });
    await shrink(join(workDirectory, 'dashboard.png'), join(outputDirectory, 'dashboard.png'));
    process.stdout.write(`wrote ${join(outputDirectory, 'live-view.png')} and ${join(outputDirectory, 'dashboard.png')}\n`);
  } finally {
    await viewers.close();
    await server.close();
    await model.close();
    await sites.close();
    await pool.close();
    await rm(workDirectory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

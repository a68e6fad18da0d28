import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrowserPool } from '@open-smooth/browser';
import { startFixtureServer, startScriptedModelServer, type FixtureServer, type ScriptedModelServer } from '@open-smooth/testkit';
import type { BrowserContext, Page } from 'playwright-core';
import { firstKey, loopbackNetworkAllowance, secondKey, sendCommand, startTestServer, type TestServer } from './support/test-server.js';

// The dashboard at `/`, driven in a real Chromium as a person would use it.

let pool: BrowserPool;
let sites: FixtureServer;
let model: ScriptedModelServer;
let server: TestServer;
let people: BrowserContext;
let firstTaskId: string;
let secondTenantTaskId: string;

async function waitForFinish(id: string, key: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await server.api('GET', `/task/${id}`, { key });
    if (answer.status === 200) return answer.body.r;
    if (Date.now() > deadline) throw new Error(`task ${id} did not finish: ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

before(async () => {
  [pool, sites] = await Promise.all([BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: loopbackNetworkAllowance }), startFixtureServer()]);
  let calls = 0;
  model = await startScriptedModelServer(() => {
    calls += 1;
    if (calls % 2 === 1) return { text: 'The sign-in page is next.', toolCalls: [{ name: 'goto', arguments: { url: sites.url('/login') } }] };
    return { text: 'I can see the sign-in form.', toolCalls: [{ name: 'done', arguments: { answer: '{"page":"sign in","fields":2}' } }] };
  });
  server = await startTestServer({ browserPool: pool, modelEnvironment: model.environment() });
  people = await pool.browser.newContext({ viewport: { width: 1300, height: 900 } });

  firstTaskId = (await server.api('POST', '/task', { body: { task: 'Find the sign-in page', url: sites.url('/flights'), device: 'desktop', enable_recording: false } })).body.r.id;
  const finished = await waitForFinish(firstTaskId, firstKey);
  assert.equal(finished.status, 'done', finished.error);
  secondTenantTaskId = (await server.api('POST', '/task', { key: secondKey, body: { task: 'Another tenant secret errand', url: sites.url('/flights'), device: 'desktop', enable_recording: false } })).body.r.id;
  await waitForFinish(secondTenantTaskId, secondKey);
  const session = (await server.api('POST', '/task', { body: { task: null, device: 'desktop', enable_recording: false } })).body.r.id;
  await sendCommand(server, session, 'browser_action', 'goto', { url: sites.url('/flights') }, 'dashboard-goto');
  await sendCommand(server, session, 'browser_action', 'evaluate_js', { js: 'document.title' }, 'dashboard-title');
  await sendCommand(server, session, 'session_action', 'close', {}, 'dashboard-close');
});
after(async () => {
  await people?.close();
  await server?.close();
  await model?.close();
  await sites?.close();
  await pool?.close();
});

async function signIn(key: string): Promise<Page> {
  const page = await people.newPage();
  await page.goto(server.server.url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#task-list').waitFor();
  return page;
}

test('nothing is visible without a key, and a wrong key is refused', async () => {
  const page = await people.newPage();
  await page.goto(server.server.url);
  await page.getByLabel('API key').waitFor();
  assert.equal(await page.locator('#task-list').count(), 0);
  assert.doesNotMatch(await page.content(), /Find the sign-in page/);
  await page.getByLabel('API key').fill('sk_wrong_key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('That API key was not accepted').waitFor();
  await page.close();
});

test('a key sees its tasks newest first, opens one, and sees the step screenshots and the answer', async () => {
  const page = await signIn(firstKey);
  const rows = page.locator('#task-list tbody tr');
  assert.equal(await rows.count(), 2, 'the task and the session of this key, not the other key\'s task');
  assert.match(await rows.nth(0).innerText(), /Session/, 'the newest (the session) first');
  assert.match(await rows.nth(1).innerText(), /done\tFind the sign-in page/);
  assert.doesNotMatch(await page.locator('#task-list').innerText(), /Another tenant/);

  await page.getByRole('link', { name: 'Find the sign-in page' }).click();
  await page.locator('#task-output').waitFor();
  assert.deepEqual(JSON.parse(await page.locator('#task-output').innerText()), { page: 'sign in', fields: 2 });
  const steps = page.locator('#steps li');
  assert.equal(await steps.count(), 2);
  assert.match(await steps.nth(0).innerText(), /goto[\s\S]*The sign-in page is next/);
  assert.match(await steps.nth(1).innerText(), /\/login/);
  // Screenshots load through the API with the key, and are real pictures.
  const screenshot = steps.nth(0).locator('img.step-screenshot');
  await page.waitForFunction((image) => (image as HTMLImageElement).naturalWidth > 100, await screenshot.elementHandle());

  // The session lists its commands in order with their answers.
  await page.goto(`${server.server.url}/#/`);
  await page.getByRole('link', { name: 'Session' }).click();
  await page.locator('#commands').waitFor();
  const commands = await page.locator('#commands tbody tr').allInnerTexts();
  assert.deepEqual(commands.map((row) => row.split('\t')[0]?.trim()), ['goto', 'evaluate_js', 'close']);
  await page.close();
});

test("another key's task page is a 404 in the dashboard and through its read APIs", async () => {
  const page = await signIn(firstKey);
  await page.goto(`${server.server.url}/#/task/${secondTenantTaskId}`);
  await page.getByRole('heading', { name: 'Task not found' }).waitFor();
  assert.doesNotMatch(await page.content(), /Another tenant/);
  await page.close();
  for (const path of [`/task/${secondTenantTaskId}`, `/task/${secondTenantTaskId}/steps`, `/task/${secondTenantTaskId}/steps/1/screenshot`]) {
    assert.equal((await server.api('GET', path)).status, 404, path);
  }
  const own = await server.api('GET', `/task/${secondTenantTaskId}/steps`, { key: secondKey });
  assert.equal(own.status, 200);
  assert.equal(own.body.r.length, 2);
  const image = await fetch(`${server.server.url}${own.body.r[0].screenshot_url}`, { headers: { apikey: secondKey } });
  assert.equal(image.status, 200);
  assert.equal(image.headers.get('content-type'), 'image/jpeg');
  assert.equal((await server.api('GET', '/task-summaries')).body.r.some((task: { id: string }) => task.id === secondTenantTaskId), false);
});

test('the API docs render for a person, from files the server serves itself', async () => {
  const page = await people.newPage();
  const outside: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(server.server.url) && !request.url().startsWith('data:')) outside.push(request.url());
  });
  await page.goto(`${server.server.url}/api/docs`);
  await page.getByText('Open Smooth API').first().waitFor({ timeout: 30_000 });
  await page.getByText('/task-summaries').first().waitFor();
  assert.deepEqual(outside, [], 'no request leaves the server');
  await page.close();
});

test("the key's profiles, files and extensions are listed and can be deleted", async () => {
  assert.equal((await server.api('POST', '/profile', { body: { id: 'dashboard-profile' } })).status, 200);
  const form = new FormData();
  form.append('file', new Blob(['name,city\nAda,London\n']), 'people.csv');
  const uploaded = await server.api('POST', '/file', { rawBody: form });
  assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
  const page = await signIn(firstKey);
  page.on('dialog', (dialog) => void dialog.accept());
  await page.getByRole('link', { name: 'Profiles, files & extensions' }).click();
  await page.getByText('dashboard-profile').first().waitFor();
  await page.getByText('people.csv').waitFor();
  await page.getByRole('button', { name: 'Delete people.csv' }).click();
  await page.getByText('people.csv').waitFor({ state: 'detached' });
  assert.deepEqual((await server.api('GET', '/file')).body.r, []);
  await page.getByRole('button', { name: 'Delete dashboard-profile' }).click();
  await page.getByText('dashboard-profile').first().waitFor({ state: 'detached' });
  assert.equal((await server.api('GET', '/profile')).body.r.some((profile: { id: string }) => profile.id === 'dashboard-profile'), false);
  await page.close();
});

test('bad input to the review, live, recording and web routes is a 4xx with a detail', async () => {
  const origin = server.server.url;
  const cases: Array<[string, Record<string, string>?]> = [
    [`/api/v1/task/${firstTaskId}/steps/abc/screenshot`],
    [`/api/v1/task/${firstTaskId}/steps/0/screenshot`],
    [`/api/v1/task/${firstTaskId}/steps/99/screenshot`],
    ['/api/v1/task-summaries?l=0'],
    ['/api/v1/task-summaries?t=-5'],
    ['/api/v1/task/unknown/commands'],
    [`/live/${firstTaskId}/x?interactive=maybe`],
    [`/live/${firstTaskId}/${'x'.repeat(300)}`],
    ['/recordings/not-a-token/recording.mp4', { range: 'bytes=5-2' }],
    ['/web/..%2Fstart-server.ts'],
    ['/web/secret.js'],
    ['/api/docs/assets/..%2F..%2Fpackage.json'],
  ];
  for (const [path, headers] of cases) {
    const response = await fetch(`${origin}${path}`, { headers: { apikey: firstKey, ...(headers ?? {}) } });
    assert.ok(response.status >= 400 && response.status < 500, `${path}: ${response.status}`);
    const body = (await response.json()) as { detail?: unknown };
    assert.equal(typeof body.detail, 'string', path);
  }
  assert.equal((await fetch(`${origin}/api/v1/task-summaries`)).status, 401, 'the review API needs a key');
});

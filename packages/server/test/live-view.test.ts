import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrowserPool } from '@open-smooth/browser';
import { accountDisplayName, fixtureCredentials, startFixtureServer, startScriptedModelServer, type FixtureServer, type ScriptedModelServer } from '@open-smooth/testkit';
import type { BrowserContext, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { loopbackNetworkAllowance, pollEvents, secondKey, sendCommand, startTestServer, type TestServer } from './support/test-server.js';

// A person's view of a task through its live URL, in a real Chromium (a context of its own in the
// same browser the server's tasks run in).

let pool: BrowserPool;
let sites: FixtureServer;
let model: ScriptedModelServer;
let server: TestServer;
let viewers: BrowserContext;

before(async () => {
  [pool, sites] = await Promise.all([BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: loopbackNetworkAllowance }), startFixtureServer()]);
  model = await startScriptedModelServer(() => ({ text: 'no policy set' }));
  server = await startTestServer({ browserPool: pool, modelEnvironment: model.environment() });
  viewers = await pool.browser.newContext({ viewport: { width: 1400, height: 900 } });
});
after(async () => {
  await viewers?.close();
  await server?.close();
  await model?.close();
  await sites?.close();
  await pool?.close();
});

async function openSession(url: string): Promise<{ id: string; liveUrl: string }> {
  const created = await server.api('POST', '/task', { body: { task: null, device: 'desktop', url, enable_recording: false } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return { id: created.body.r.id, liveUrl: created.body.r.live_url };
}

async function evaluate(taskId: string, js: string): Promise<any> {
  const answer = await sendCommand(server, taskId, 'browser_action', 'evaluate_js', { js }, `js-${Math.random()}`);
  assert.equal(answer.payload.code, 200, JSON.stringify(answer.payload));
  return answer.payload.output.output;
}

/** Where an element of the task's page is, as fractions of its viewport (what the picture shows). */
async function placeOf(taskId: string, selector: string): Promise<{ x: number; y: number }> {
  return evaluate(
    taskId,
    `(() => { const box = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
      return { x: (box.left + box.width / 2) / innerWidth, y: (box.top + box.height / 2) / innerHeight }; })()`,
  );
}

async function openLiveView(url: string): Promise<Page> {
  const page = await viewers.newPage();
  await page.goto(url);
  await page.locator('#screen-frame.has-frame').waitFor({ timeout: 30_000 });
  return page;
}

/** Clicks the live picture at a point given as fractions of it. */
async function clickPicture(page: Page, point: { x: number; y: number }): Promise<void> {
  const box = await page.locator('#screen').boundingBox();
  assert.ok(box);
  await page.mouse.click(box.x + point.x * box.width, box.y + point.y * box.height);
}

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

test('the live view shows the browser as the agent navigates, the steps as they happen, then the answer', async () => {
  let step = 0;
  model.setPolicy((request) => {
    step += 1;
    if (step === 1) return { toolCalls: [{ name: 'goto', arguments: { url: sites.url('/login') } }], delayMs: 2500 };
    return { toolCalls: [{ name: 'done', arguments: { answer: 'Reached the sign-in page' } }], delayMs: 2500 };
  });
  const created = await server.api('POST', '/task', { body: { task: 'Go to the sign-in page', url: sites.url('/flights'), device: 'desktop' } });
  const page = await openLiveView(created.body.r.live_url);
  const first = await page.locator('#screen').screenshot();
  await page.getByText('Go to the sign-in page').waitFor();
  await page.locator('#current-url', { hasText: '/login' }).waitFor({ timeout: 30_000 });
  await waitUntil(async () => !(await page.locator('#screen').screenshot()).equals(first), 'the picture to change after the navigation');
  await page.locator('#steps li').first().waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#steps li').first().innerText(), /goto/);
  await page.locator('#result-body', { hasText: 'Reached the sign-in page' }).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#status').innerText(), 'done');
  // Watch-only: no control bar.
  assert.equal(await page.locator('#control-bar').isVisible(), false);
  await page.close();
});

test('interactive: a person takes control, types into the form on the task page, and hands back', async () => {
  const { id, liveUrl } = await openSession(sites.url('/apply'));
  const page = await openLiveView(`${liveUrl}?interactive=true&embed=false`);
  await page.getByRole('button', { name: 'Take control' }).click();
  await page.getByText('You are in control').waitFor();
  await clickPicture(page, await placeOf(id, '#fullName'));
  await page.keyboard.type('Grace Hopper');
  await waitUntil(async () => (await evaluate(id, "document.querySelector('#fullName').value")) === 'Grace Hopper', 'the typed name on the task page');

  // A run_task sent while the person drives waits: its agent takes no step until the hand-back.
  model.setPolicy((request) => {
    const value = /Grace Hopper/.test(request.lastUserText) ? 'saw Grace Hopper' : 'saw an empty form';
    return { toolCalls: [{ name: 'done', arguments: { answer: value } }] };
  });
  const modelCallsBefore = model.requests.length;
  const runSent = await server.api('POST', `/task/${id}/event`, {
    body: { id: 'run-while-person-drives', name: 'session_action', payload: { name: 'run_task', input: { task: 'What name is in the form?', max_steps: 3 } } },
  });
  assert.equal(runSent.status, 200);
  await page.getByText('The agent is waiting for you to hand back').waitFor({ timeout: 30_000 });
  assert.equal(model.requests.length, modelCallsBefore, 'the agent did not act while the person had control');
  await page.getByRole('button', { name: 'Hand back to the agent' }).click();
  await page.getByText('The agent is driving').waitFor();
  const { events } = await pollEvents(server, id, (collected) => collected.some((event) => event.id === 'run-while-person-drives'));
  const answer = events.find((event) => event.id === 'run-while-person-drives');
  assert.equal(answer?.payload.code, 200, JSON.stringify(answer?.payload));
  assert.equal(answer?.payload.output.output, 'saw Grace Hopper', 'the agent continued on the page the person left');
  await page.close();

  // embed=true: the picture alone, for an iframe.
  const embedded = await openLiveView(`${liveUrl}?interactive=false&embed=true`);
  assert.equal(await embedded.locator('aside').isVisible(), false, 'no side panel in embed mode');
  assert.equal(await embedded.locator('#control-bar').isVisible(), false);
  const picture = await embedded.locator('#screen').boundingBox();
  assert.ok(picture && picture.width > 600, 'the picture fills the frame');
  await embedded.close();
  await sendCommand(server, id, 'session_action', 'close', {}, 'close-typing');
});

test('without the task token there is no page, no frame and no input; watch-only views refuse input', async () => {
  const first = await openSession(sites.url('/apply'));
  const second = await openSession(sites.url('/login'));
  const firstToken = first.liveUrl.split('/').at(-1)!;
  const secondToken = second.liveUrl.split('/').at(-1)!;
  const origin = server.server.url;
  // One character off (never the same character: a token may end in the one put there).
  const oneOff = `${firstToken.slice(0, -1)}${firstToken.endsWith('x') ? 'y' : 'x'}`;
  for (const path of [`/live/${first.id}`, `/live/${first.id}/${secondToken}`, `/live/${first.id}/${oneOff}`]) {
    const answer = await fetch(`${origin}${path}`);
    assert.equal(answer.status, 404, path);
    assert.match(((await answer.json()) as { detail: string }).detail, /live view/);
  }
  // Another tenant's API key is no substitute for the token.
  assert.equal((await fetch(`${origin}/live/${first.id}`, { headers: { apikey: secondKey } })).status, 404);

  const refusedStatus = await new Promise<number>((resolve) => {
    const socket = new WebSocket(`${origin.replace('http', 'ws')}/live/${first.id}/${secondToken}/ws?interactive=true`);
    socket.on('message', () => resolve(-1));
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'take_control' })));
  });
  assert.equal(refusedStatus, 404, 'the socket is refused before any frame');

  // The right token, watch-only: frames arrive, input is refused and changes nothing.
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/live/${first.id}/${firstToken}/ws?interactive=false`);
  const messages: Array<{ type: string; reason?: string }> = [];
  let frames = 0;
  socket.on('message', (data, isBinary) => (isBinary ? (frames += 1) : messages.push(JSON.parse(data.toString()))));
  await new Promise((resolve) => socket.once('open', resolve));
  await waitUntil(async () => frames > 0, 'a frame for the right token');
  socket.send(JSON.stringify({ type: 'take_control' }));
  socket.send(JSON.stringify({ type: 'text', text: 'sneaky' }));
  await waitUntil(async () => messages.filter((message) => message.type === 'refused').length >= 2, 'both messages refused');
  assert.match(messages.find((message) => message.type === 'refused')?.reason ?? '', /watch-only/);
  socket.close();
  assert.equal(await evaluate(first.id, "document.querySelector('#fullName').value"), '');

  // After the data is erased, the live URL is gone.
  await sendCommand(server, second.id, 'session_action', 'close', {}, 'close-second');
  await waitUntil(async () => (await server.api('GET', `/task/${second.id}`)).status === 200, 'the second session to finish');
  assert.equal((await fetch(second.liveUrl)).status, 200, 'a finished task keeps its live page for a while');
  assert.equal((await server.api('DELETE', `/task/${second.id}/data`)).status, 200);
  assert.equal((await fetch(second.liveUrl)).status, 404);
  await sendCommand(server, first.id, 'session_action', 'close', {}, 'close-first');
});

test('a person logs in through the interactive live view, hands back, and run_task continues logged in', async () => {
  const { id, liveUrl } = await openSession(sites.url('/account'));
  const page = await openLiveView(`${liveUrl}?interactive=true`);
  await page.getByRole('button', { name: 'Take control' }).click();
  await page.getByText('You are in control').waitFor();
  await clickPicture(page, await placeOf(id, '#username'));
  await page.keyboard.type(fixtureCredentials.username);
  await clickPicture(page, await placeOf(id, '#password'));
  await page.keyboard.type(fixtureCredentials.password);
  await page.keyboard.press('Enter');
  await page.locator('#current-url', { hasText: '/account' }).waitFor({ timeout: 30_000 });
  await waitUntil(async () => sites.records.logins.some((login) => login.ok), 'the login to reach the site');
  await page.getByRole('button', { name: 'Hand back to the agent' }).click();
  await page.getByText('The agent is driving').waitFor();

  model.setPolicy((request) => {
    const greeting = /Welcome back, [A-Za-z ]+/.exec(request.lastUserText);
    return { toolCalls: [{ name: 'done', arguments: { answer: greeting ? greeting[0] : 'not signed in' } }] };
  });
  const ran = await sendCommand(server, id, 'session_action', 'run_task', { task: 'Who is signed in?', max_steps: 3 }, 'run-after-login');
  assert.equal(ran.payload.code, 200, JSON.stringify(ran.payload));
  assert.equal(ran.payload.output.output, `Welcome back, ${accountDisplayName}`);
  assert.deepEqual(
    sites.records.logins.map((login) => [login.username, login.ok]),
    [[fixtureCredentials.username, true]],
    'the person, not the agent, signed in',
  );
  await page.close();
  await sendCommand(server, id, 'session_action', 'close', {}, 'close-login');
});

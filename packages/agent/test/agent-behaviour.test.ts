import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentHarness } from './support/agent-harness.js';
import { call, pagePolicy } from './support/policies.js';

let harness: AgentHarness;
before(async () => {
  harness = await AgentHarness.start();
});
after(async () => {
  await harness.close();
});

const priceSchema = {
  type: 'object',
  properties: { price_gbp: { type: 'number' } },
  required: ['price_gbp'],
  additionalProperties: false,
};

test('an answer that does not fit response_model is sent back with the problems, and the corrected one is returned', async () => {
  const policy = pagePolicy([
    (page) => {
      const previous = page.request.lastToolResults.find((result) => result.name === 'done');
      if (!previous) return [call('done', { output: { price_gbp: 'forty-nine' } })];
      assert.match(previous.content, /does not match the required schema/);
      assert.match(previous.content, /price_gbp must be number/);
      return [call('done', { output: { price_gbp: 49 } })];
    },
  ]);
  const { result } = await harness.run('What is the cheapest fare?', policy, { startUrl: harness.fixtures.url('/flights'), responseModel: priceSchema });
  assert.equal(result.status, 'done', result.error);
  assert.deepEqual(result.output, { price_gbp: 49 });
  assert.equal(result.steps.length, 2);
});

test('an answer that never fits fails the task with a clear reason', async () => {
  const policy = pagePolicy([() => [call('done', { output: { price: 'cheap' } })]]);
  const { result } = await harness.run('What is the cheapest fare?', policy, { startUrl: harness.fixtures.url('/flights'), responseModel: priceSchema });
  assert.equal(result.status, 'failed');
  assert.match(result.error ?? '', /did not match response_model after 3 attempts/);
  assert.match(result.error ?? '', /price_gbp/);
});

test('reaching max_steps fails the task with a reason', async () => {
  let direction = 'down';
  const policy = pagePolicy([
    () => {
      direction = direction === 'down' ? 'up' : 'down';
      return [call('scroll', { direction })];
    },
  ]);
  const { result } = await harness.run('Scroll forever', policy, { startUrl: harness.fixtures.url('/shop'), maxSteps: 3 });
  assert.equal(result.status, 'failed');
  assert.match(result.error ?? '', /max_steps \(3\)/);
  assert.equal(result.steps.length, 3);
});

test('the same action on the same page again and again fails the task instead of burning every step', async () => {
  const policy = pagePolicy([(page) => [call('click', { index: page.index({ role: 'button', name: 'Swap origin and destination' }) })]]);
  const { result } = await harness.run('Loop', policy, { startUrl: harness.fixtures.url('/flights'), maxSteps: 20 });
  assert.equal(result.status, 'failed');
  assert.match(result.error ?? '', /made no progress .*: it repeated the same actions 5 times on the same page without progress \(last actions: click\)/);
  assert.ok(result.steps.length < 20);
  const warned = harness.model.requests.some((request) => request.lastUserText.includes('You repeated the same actions'));
  assert.ok(warned, 'the model was told before the task failed');
});

test('an agent that changes an argument every step on a page that never changes is told, then stopped with a reason', async () => {
  let step = 0;
  const policy = pagePolicy([
    () => {
      step += 1;
      return [call('wait_for', { seconds: Math.min(10, 0.1 * step) })];
    },
  ]);
  const { result } = await harness.run('Wait for something that never comes', policy, { startUrl: harness.fixtures.url('/flights'), maxSteps: 30 });
  assert.equal(result.status, 'failed');
  assert.match(result.error ?? '', /the page stayed exactly the same for 8 steps whatever it did \(last actions: wait_for\)/);
  assert.equal(result.steps.length, 8);
  const warned = harness.model.requests.some((request) => request.lastUserText.includes('The page has looked exactly the same for 4 steps'));
  assert.ok(warned, 'the model was told before the task failed');
});

test('cancelling in the middle of a model call gives cancelled within 1 s', async () => {
  const controller = new AbortController();
  let modelCalled!: () => void;
  const called = new Promise<void>((resolve) => {
    modelCalled = resolve;
  });
  const policy = () => {
    modelCalled();
    return { delayMs: 60_000, toolCalls: [call('done', { answer: 'too late' })] };
  };
  const running = harness.run('Wait for a slow model', policy, { startUrl: harness.fixtures.url('/flights'), signal: controller.signal, keepOpen: true });
  await called;
  const cancelledAt = performance.now();
  controller.abort();
  const { result, taskContext } = await running;
  const elapsedMs = performance.now() - cancelledAt;
  assert.equal(result.status, 'cancelled');
  assert.ok(elapsedMs < 1_000, `cancelled after ${Math.round(elapsedMs)} ms`);
  await taskContext.close();
  assert.equal(taskContext.pages.length, 0, 'the context is closed');
});

test('an action error goes back to the model as data and the task carries on', async () => {
  const policy = pagePolicy([
    (page) => {
      const failed = page.request.lastToolResults.find((result) => result.name === 'click');
      if (failed) return [call('done', { answer: failed.content })];
      return [call('click', { index: 999 })];
    },
  ]);
  const { result } = await harness.run('Click something that is not there', policy, { startUrl: harness.fixtures.url('/flights') });
  assert.equal(result.status, 'done', result.error);
  assert.match(String(result.output), /^Error: .*999/);
});

test('allowed_urls: a navigation, a redirect, a popup, an iframe and a fetch to another host are blocked and reported to the model', async () => {
  const otherHost = new URL(harness.fixtures.urlOn('localhost', '/')).host;
  const plan = [
    (page: { index: (match: object) => number }) => [call('goto', { url: harness.fixtures.urlOn('localhost', '/policy/landing') })],
    () => [call('goto', { url: harness.fixtures.url(`/redirect?to=${encodeURIComponent(harness.fixtures.urlOn('localhost', '/policy/landing'))}`) })],
    () => [call('goto', { url: harness.fixtures.url('/policy/popup') })],
    (page: { index: (match: object) => number }) => [call('click', { index: page.index({ role: 'link', name: /new tab/ }) })],
    () => [call('goto', { url: harness.fixtures.url('/policy/iframe') })],
    () => [call('goto', { url: harness.fixtures.url('/policy/fetch') })],
    (page: { index: (match: object) => number }) => [call('click', { index: page.index({ role: 'button', name: 'Check partner status' }) })],
    () => [call('done', { answer: 'probed' })],
  ];
  let stepIndex = 0;
  const policy = pagePolicy([(page) => plan[Math.min(stepIndex++, plan.length - 1)]!(page)]);
  const hitsBefore = harness.fixtures.records.otherHostHits.length;
  const { result } = await harness.run('Probe the partner site', policy, {
    startUrl: harness.fixtures.url('/policy'),
    context: { allowedUrls: ['127.0.0.1/*'] },
  });
  assert.equal(result.status, 'done', result.error);
  assert.equal(harness.fixtures.records.otherHostHits.length, hitsBefore, 'no request reached the other host');
  const toldModel = harness.model.requests.map((request) => request.lastUserText).join('\n');
  const reports = toldModel.split('\n').filter((line) => line.startsWith("Blocked by the task's allowed URLs") && line.includes(otherHost));
  const landingNavigations = reports.filter((line) => line.includes('navigation to') && line.endsWith('/policy/landing'));
  assert.equal(landingNavigations.length, 3, `the goto, the redirect hop and the popup are each reported:\n${reports.join('\n')}`);
  assert.ok(reports.some((line) => line.endsWith('/policy/landing?embedded=1')), 'the iframe is reported');
  assert.ok(reports.some((line) => line.endsWith('/api/ping')), 'the fetch is reported');
  const gotoResults = result.steps.flatMap((step) => step.actions).filter((action) => action.name === 'goto').map((action) => action.result);
  assert.match(gotoResults[0] ?? '', /^Error: .*not allowed/i);
});

test('metadata values are given to the model and secrets only as placeholders', async () => {
  const policy = pagePolicy([
    (page) => {
      const taskMessage = page.request.messages.find((message) => message.role === 'user');
      const text = JSON.stringify(taskMessage?.content);
      return [call('done', { answer: `${text.includes('ada.lovelace') ? 'metadata seen' : 'metadata missing'}; ${text.includes('<secret:pin>') ? 'placeholder seen' : 'placeholder missing'}` })];
    },
  ]);
  const { result } = await harness.run('Say what you were given', policy, {
    startUrl: harness.fixtures.url('/login'),
    metadata: { username: 'ada.lovelace', attempts: 3 },
    secrets: [{ name: 'pin', value: '8675309-top-secret' }],
  });
  assert.equal(result.status, 'done', result.error);
  assert.equal(result.output, 'metadata seen; placeholder seen');
  assert.equal(harness.model.requests.some((request) => request.rawBody.includes('8675309-top-secret')), false);
});

test('a secret is typed only on its allowed URLs', async () => {
  const policy = pagePolicy([
    (page) => {
      const typed = page.request.lastToolResults.find((result) => result.name === 'type');
      if (typed) return [call('done', { answer: typed.content })];
      return [call('type', { index: page.index({ role: 'textbox', name: 'Password' }), text: '<secret:bank>' })];
    },
  ]);
  const { result } = await harness.run('Type the bank password', policy, {
    startUrl: harness.fixtures.url('/login'),
    secrets: [{ name: 'bank', value: 'never-typed-here-42', allowedUrls: ['bank.example/*'] }],
  });
  assert.equal(result.status, 'done', result.error);
  assert.match(String(result.output), /^Error: /);
  assert.equal(JSON.stringify(result).includes('never-typed-here-42'), false);
});

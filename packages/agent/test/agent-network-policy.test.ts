import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { AgentHarness } from './support/agent-harness.js';
import { call, pagePolicy } from './support/policies.js';

let harness: AgentHarness;
before(async () => {
  // No private network allowed: the fixture sites on 127.0.0.1 are out of reach too.
  harness = await AgentHarness.start({ allowPrivateNetwork: [] });
});
after(async () => {
  await harness.close();
});

test('the agent cannot open file: or chrome: pages nor reach loopback, and is told why', async () => {
  const plan = [
    () => [call('goto', { url: 'file:///etc/hostname' })],
    () => [call('goto', { url: 'chrome://settings' })],
    () => [call('goto', { url: harness.fixtures.url('/flights') })],
    () => [call('done', { answer: 'tried' })],
  ];
  let stepIndex = 0;
  const policy = pagePolicy([() => plan[Math.min(stepIndex++, plan.length - 1)]!()]);
  const { result } = await harness.run('Read the server files', policy);
  assert.equal(result.status, 'done', result.error);
  const gotoResults = result.steps.flatMap((step) => step.actions).filter((action) => action.name === 'goto').map((action) => action.result);
  assert.match(gotoResults[0] ?? '', /^Error: not allowed to open file:\/\/\/etc\/hostname: file: URLs are refused/);
  assert.match(gotoResults[1] ?? '', /^Error: not allowed to open chrome:\/\/settings: chrome: URLs are refused/);
  assert.match(gotoResults[2] ?? '', /private or loopback network/);
  const toldModel = harness.model.requests.map((request) => request.lastUserText).join('\n');
  assert.ok(toldModel.includes('Blocked by the URL scheme rule (only http and https): navigation to file:///etc/hostname'), toldModel);
  assert.ok(toldModel.includes(`Blocked by the server's private network rule: navigation to ${harness.fixtures.url('/flights')}`));
  const hostname = readFileSync('/etc/hostname', 'utf8').trim();
  assert.ok(hostname === '' || !toldModel.includes(hostname), 'the file was never shown');
});
